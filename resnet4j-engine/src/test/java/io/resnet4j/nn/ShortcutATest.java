package io.resnet4j.nn;

import io.resnet4j.testing.Checks;
import io.resnet4j.testing.Fixture;
import io.resnet4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.resnet4j.testing.Checks.assertClose;

/**
 * The option-A shortcut against PyTorch's {@code F.pad(x[:, :, ::s, ::s], (0, 0, 0, 0, (k-c)//2, k-c-(k-c)//2))}
 * (tools/reference/ops.py: odd H/W, an odd channel difference, stride 1) and finite differences.
 */
class ShortcutATest {
    /** A strided copy with zero channels: exact. */
    static final double RTOL = 0, ATOL = 0;

    @ParameterizedTest
    @ValueSource(strings = {"2x4x8x8_to8_s2", "2x4x7x7_to8_s2", "1x3x5x6_to8_s2", "3x2x5x5_to5_s1"})
    void forwardAndBackwardMatchPyTorch(String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/shortcuta_" + name + ".bin");
        int c = f.entry("x").dims()[1];
        ShortcutA sc = new ShortcutA(c, (int) f.scalar("planes"), (int) f.scalar("stride"));
        assertClose(sc.forward(f.tensor("x")), f, "y", RTOL, ATOL, name + " y");
        assertClose(sc.backward(f.tensor("dy")), f, "dx", RTOL, ATOL, name + " dx");
    }

    @Test
    void finiteDifferences() {
        GradCheck.module("ShortcutA 3->8 s2", new ShortcutA(3, 8, 2), Checks.randn(91, 2, 3, 5, 4), 92, GradCheck.Options.strict());
    }
}
