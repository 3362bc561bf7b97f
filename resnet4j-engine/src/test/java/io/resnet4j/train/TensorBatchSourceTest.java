package io.resnet4j.train;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TensorBatchSourceTest {
    /** 11 one-pixel images whose value is their index. */
    private static TensorBatchSource source(boolean shuffle, long seed, boolean dropLast) {
        float[] x = new float[11];
        int[] y = new int[11];
        for (int i = 0; i < 11; i++) {
            x[i] = i;
            y[i] = 100 + i;
        }
        return new TensorBatchSource(Tensor.wrap(Shape.of(11, 1, 1, 1), x), y, 4, shuffle, seed, dropLast);
    }

    private static List<Integer> visit(TensorBatchSource s, int epoch) {
        List<Integer> seen = new ArrayList<>();
        Iterator<Batch> it = s.epoch(epoch);
        while (it.hasNext()) {
            Batch b = it.next();
            assertThat(b.images().shape().n()).isEqualTo(b.size());
            for (int i = 0; i < b.size(); i++) {
                int v = (int) b.images().data()[i];
                assertThat(b.labels()[i]).isEqualTo(100 + v);
                seen.add(v);
            }
        }
        return seen;
    }

    @Test
    void everyExampleOnceWithASmallerLastBatch() {
        TensorBatchSource s = source(false, 0, false);
        assertThat(s.batchesPerEpoch()).isEqualTo(3);
        assertThat(visit(s, 0)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        TensorBatchSource drop = source(false, 0, true);
        assertThat(drop.batchesPerEpoch()).isEqualTo(2);
        assertThat(visit(drop, 0)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void shuffledOrderDependsOnlyOnSeedAndEpoch() {
        TensorBatchSource a = source(true, 42, false), b = source(true, 42, false);
        List<Integer> a0 = visit(a, 0), a1 = visit(a, 1);
        // b visits epoch 1 first: the order must not depend on what was visited before
        assertThat(visit(b, 1)).isEqualTo(a1);
        assertThat(visit(b, 0)).isEqualTo(a0);
        assertThat(a0).isNotEqualTo(a1);
        assertThat(a0).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(visit(source(true, 43, false), 0)).isNotEqualTo(a0);
        assertThat(Arrays.stream(a.order(3)).sorted().toArray()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    }

    @Test
    void badInputIsRejected() {
        Tensor x = Tensor.zeros(3, 1, 2, 2);
        assertThatThrownBy(() -> new TensorBatchSource(x, new int[2], 2, false, 0, false)).hasMessageContaining("3 images but 2 labels");
        assertThatThrownBy(() -> new TensorBatchSource(x, new int[3], 4, false, 0, true)).hasMessageContaining("no batch");
        assertThatThrownBy(() -> new TensorBatchSource(Tensor.zeros(3, 4), new int[3], 2, false, 0, false)).hasMessageContaining("(N, C, H, W)");
    }
}
