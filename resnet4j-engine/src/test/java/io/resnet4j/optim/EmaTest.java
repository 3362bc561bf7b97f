package io.resnet4j.optim;

import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.Sequential;
import io.resnet4j.nn.Flatten;
import io.resnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class EmaTest {
    private static Sequential net() {
        Sequential net = new Sequential().add("bn", new BatchNorm2d(3)).add("flatten", new Flatten()).add("fc", new Linear(3, 2));
        net.initialize(5);
        return net;
    }

    @Test
    void averagesParametersAndRunningStatisticsAndSwapsWithoutLoss() {
        Sequential net = net();
        Ema ema = new Ema(net, 0.9);
        assertThat(ema.averages().keySet()).containsExactly("bn.weight", "bn.bias", "fc.weight", "fc.bias",
                "bn.running_mean", "bn.running_var");
        Tensor w = net.namedParameters().get("fc.weight").value();
        Tensor rv = net.namedBuffers().get("bn.running_var");
        double w0 = w.data()[0];
        // three updates with the weight at w0 + 1, then w0 + 2, w0 + 3: a float64 recurrence for comparison
        double expected = w0, expectedVar = 1.0;
        for (int k = 1; k <= 3; k++) {
            w.data()[0] = (float) (w0 + k);
            rv.data()[1] = 1f + k;
            ema.update();
            expected = 0.9 * expected + 0.1 * (w0 + k);
            expectedVar = 0.9 * expectedVar + 0.1 * (1 + k);
        }
        assertThat((double) ema.averages().get("fc.weight").data()[0]).isCloseTo(expected, within(1e-6));
        assertThat((double) ema.averages().get("bn.running_var").data()[1]).isCloseTo(expectedVar, within(1e-6));

        float[] trained = w.data().clone();
        ema.swapIn();
        assertThat(w.data()[0]).isEqualTo(ema.averages().get("fc.weight").data()[0]);
        assertThat(rv.data()[1]).isEqualTo(ema.averages().get("bn.running_var").data()[1]);
        assertThatThrownBy(ema::update).hasMessageContaining("swapped in");
        ema.swapOut();
        assertThat(w.data()).containsExactly(trained);
        assertThat(rv.data()[1]).isEqualTo(4f);
    }

    @Test
    void rejectsDecayOutsideTheOpenUnitInterval() {
        assertThatThrownBy(() -> new Ema(net(), 1.0)).hasMessageContaining("(0, 1)");
        assertThatThrownBy(() -> new Ema(net(), 0)).hasMessageContaining("(0, 1)");
    }
}
