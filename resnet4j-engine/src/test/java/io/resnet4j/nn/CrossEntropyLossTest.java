package io.resnet4j.nn;

import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Checks;
import io.resnet4j.testing.Fixture;
import io.resnet4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.resnet4j.testing.Checks.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Softmax cross-entropy (mean, optional label smoothing) against PyTorch (tools/reference/ops.py) and finite differences. */
class CrossEntropyLossTest {
    /*
     * The loss is accumulated in double from float32 logits: 1e-6 relative. The gradient (softmax - target) / n
     * is rounded to float32 per element: 1e-7 absolute on values below 1.
     */
    static final double LOSS_RTOL = 1e-6, LOSS_ATOL = 1e-6;
    static final double GRAD_RTOL = 1e-5, GRAD_ATOL = 1e-7;

    @ParameterizedTest
    @ValueSource(strings = {"4x10", "5x7_smooth0.1", "3x3_smooth0.2_large", "6x100_large"})
    void lossAndGradientMatchPyTorch(String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/crossentropy_" + name + ".bin");
        CrossEntropyLoss loss = new CrossEntropyLoss((float) f.scalar("smoothing"));
        double l = loss.forward(f.tensor("logits"), f.ints("labels"));
        assertThat(Math.abs(l - f.scalar("loss"))).as(name + " loss in double").isLessThanOrEqualTo(LOSS_ATOL + LOSS_RTOL * Math.abs(f.scalar("loss")));
        assertClose(loss.backward(), f, "dlogits", GRAD_RTOL, GRAD_ATOL, name + " dlogits");
    }

    @Test
    void finiteDifferences() {
        for (float smoothing : new float[] {0f, 0.1f}) {
            Tensor logits = Checks.randn(101, 4, 6);
            int[] labels = {0, 5, 2, 2};
            CrossEntropyLoss loss = new CrossEntropyLoss(smoothing);
            loss.forward(logits, labels);
            float[] analytic = loss.backward().data().clone();
            GradCheck.objective("CrossEntropyLoss smoothing " + smoothing,
                    List.of(new GradCheck.Variable("logits", logits.data(), analytic)),
                    () -> loss.forward(logits, labels), GradCheck.Options.strict());
        }
    }

    @Test
    void labelOutOfRangeIsAClearError() {
        CrossEntropyLoss loss = new CrossEntropyLoss();
        assertThatThrownBy(() -> loss.forward(Checks.randn(1, 2, 3), new int[] {0, 3}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label 3");
    }
}
