package io.resnet4j.testing;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The checkers themselves can fail: a wrong value, a wrong gradient, too many kinks. */
class ChecksAndGradCheckTest {
    @Test
    void assertCloseNamesTheWorstElement() {
        assertThatThrownBy(() -> Checks.assertClose(new float[] {1f, 2f, 3.1f, 4f}, new double[] {1, 2, 3, 4}, new int[] {2, 2}, 1e-3, 1e-3, "demo"))
                .hasMessageContaining("demo: 1 of 4 elements").hasMessageContaining("[1, 0] (flat 2)")
                .hasMessageContaining("actual 3.0999999").hasMessageContaining("expected 3.00000000");
        assertThatThrownBy(() -> Checks.assertClose(new float[] {Float.NaN}, new double[] {0}, null, 1, 1, "nan"))
                .hasMessageContaining("nan: 1 of 1");
        Checks.assertClose(new float[] {1.0005f}, new double[] {1}, null, 0, 1e-3, "within atol");
        assertThatThrownBy(() -> Checks.assertBitwiseEqual(new float[] {0f}, new float[] {-0f}, "signed zero"))
                .hasMessageContaining("1 of 1 values differ bitwise");
    }

    @Test
    void aWrongGradientFails() {
        float[] v = {0.3f, -0.7f};
        // f = v0^2 + 3 v1, gradient (2 v0, 3); claim (2 v0, 3.1).
        float[] wrong = {0.6f, 3.1f};
        assertThatThrownBy(() -> GradCheck.objective("wrong", List.of(new GradCheck.Variable("v", v, wrong)),
                () -> (double) v[0] * v[0] + 3.0 * v[1], GradCheck.Options.strict()))
                .hasMessageContaining("v[1]");
        float[] right = {0.6f, 3f};
        GradCheck.Report r = GradCheck.objective("right", List.of(new GradCheck.Variable("v", v, right)),
                () -> (double) v[0] * v[0] + 3.0 * v[1], GradCheck.Options.strict());
        assertThat(r.checked()).isEqualTo(2);
        assertThat(v).containsExactly(0.3f, -0.7f);
    }

    @Test
    void kinkCrossingsAreSkippedCountedAndLimited() {
        // |v| next to its kink at 0: with h = 1e-3 the central difference is wrong for v0 = 2e-4.
        float[] v = new float[40];
        float[] grad = new float[40];
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.5f + i * 0.01f;
            grad[i] = 1f;
        }
        v[7] = 2e-4f;
        GradCheck.Report r = GradCheck.objective("one kink", List.of(new GradCheck.Variable("v", v, grad)),
                () -> sumAbs(v), GradCheck.Options.withKinks());
        assertThat(r.skipped()).isEqualTo(1);
        assertThat(r.checked()).isEqualTo(39);
        // The strict options do not skip: the same point fails.
        assertThatThrownBy(() -> GradCheck.objective("strict", List.of(new GradCheck.Variable("v", v, grad)),
                () -> sumAbs(v), GradCheck.Options.strict())).hasMessageContaining("v[7]");
        // Many elements at their kink: more than 5% skipped fails.
        for (int i = 0; i < 5; i++) {
            v[i] = 1e-4f * (i + 1);
        }
        assertThatThrownBy(() -> GradCheck.objective("many kinks", List.of(new GradCheck.Variable("v", v, grad)),
                () -> sumAbs(v), GradCheck.Options.withKinks())).hasMessageContaining("crossed a kink");
    }

    private static double sumAbs(float[] v) {
        double s = 0;
        for (float x : v) {
            s += Math.abs(x);
        }
        return s;
    }

    @Test
    void importScanIgnoresCommentsAndStringsAndFindsQualifiedNames() {
        String src = "package io.resnet4j.kernels;\n"
                + "// import io.resnet4j.nn.Module;\n"
                + "/** {@link io.resnet4j.tensor.Tensor} */\n"
                + "class A { String s = \"io.resnet4j.train.X\"; char c = '\"';\n"
                + "  io.resnet4j.nn.Module m; }\n";
        String code = ImportScan.stripCommentsAndStrings(src);
        assertThat(code).doesNotContain("tensor").doesNotContain("train").contains("io.resnet4j.nn.Module m");
        assertThat(code.split("\n", -1)).hasSize(src.split("\n", -1).length);
        assertThat(ImportScan.within("io.resnet4j.nn.Module", "io.resnet4j.nn")).isTrue();
        assertThat(ImportScan.within("io.resnet4j.nnx.Module", "io.resnet4j.nn")).isFalse();
    }
}
