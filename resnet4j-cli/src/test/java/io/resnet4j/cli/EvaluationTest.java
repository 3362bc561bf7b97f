package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class EvaluationTest {

    @Test
    void lossTop1Top5AndConfusion() {
        List<String> names = List.of("a", "b", "c", "d", "e", "f");
        Evaluation e = new Evaluation(names);
        float[] logits = {
            5, 1, 0, 0, 0, 0,   // label 0: right
            0, 1, 2, 3, 4, 5,   // label 0: rank 5 -> wrong in top-5 too
            0, 1, 2, 3, 4, 5,   // label 1: rank 4 -> in top-5
            1, 1, 0, 0, 0, 0,   // label 1: tie with 0; arg-max takes 0 (wrong), top-5 right
        };
        e.add(logits, 0, new int[] {0, 0, 1, 1}, 4);
        assertThat(e.count()).isEqualTo(4);
        assertThat(e.top1()).isEqualTo(0.25);
        assertThat(e.top5()).isEqualTo(0.75);
        // Cross-entropy by hand: log(sum exp) - logit of the label.
        double l0 = Math.log(Math.exp(5) + Math.exp(1) + 4) - 5;
        double lRamp = Math.log(1 + Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(4) + Math.exp(5));
        double l3 = Math.log(2 * Math.E + 4) - 1;
        assertThat(e.loss()).isCloseTo((l0 + lRamp + (lRamp - 1) + l3) / 4, within(1e-12));
        assertThat(e.confusion().counts()[1][0]).isEqualTo(1);
        assertThat(e.confusion().counts()[1][5]).isEqualTo(1);
        assertThat(e.confusion().classAccuracy(0)).isEqualTo(0.5);
    }

    @Test
    void topKOrdersAndNormalises() {
        float[] logits = {0, 2, 1, 2};
        List<TopK.Entry> top = TopK.of(logits, 0, 4, 3);
        assertThat(top).extracting(TopK.Entry::index).containsExactly(1, 3, 2);
        double z = 1 + 2 * Math.exp(2) + Math.exp(1);
        assertThat(top.get(0).probability()).isCloseTo(Math.exp(2) / z, within(1e-12));
        assertThat(TopK.of(logits, 0, 4, 10)).hasSize(4);
    }

    @Test
    void medianOfBlocks() {
        assertThat(Timing.median(new double[] {5, 1, 3})).isEqualTo(3);
        assertThat(Timing.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
        int[] calls = {0};
        Timing.Result r = Timing.imagesPerSecond(() -> calls[0]++, 8, 2, 0, 3, 4);
        assertThat(calls[0]).isEqualTo(2 + 3 * 4);
        assertThat(r.blocks()).hasSize(3);
        assertThat(r.median()).isPositive();
        // a minimum warm-up time keeps stepping past the warm-up steps: 2 ms steps for at least 40 ms
        calls[0] = 0;
        Timing.imagesPerSecond(() -> {
            calls[0]++;
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, 8, 1, 0.04, 1, 1);
        assertThat(calls[0]).isGreaterThanOrEqualTo(1 + 10).isLessThan(1 + 40);
    }
}
