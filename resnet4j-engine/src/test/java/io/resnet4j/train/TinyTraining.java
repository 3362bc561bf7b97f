package io.resnet4j.train;

import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Flatten;
import io.resnet4j.nn.GlobalAvgPool;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.ReLU;
import io.resnet4j.nn.Residual;
import io.resnet4j.nn.Sequential;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** A tiny residual net and a tiny synthetic 3-class image set (stripes across, stripes down, checkerboard). */
final class TinyTraining {
    static final int C = 1, H = 6, W = 6, CLASSES = 3;

    private TinyTraining() {
    }

    static Sequential net() {
        Sequential branch = new Sequential()
                .add("conv1", new Conv2d(4, 4, 3, 1, 1, false))
                .add("bn1", new BatchNorm2d(4))
                .add("relu", new ReLU())
                .add("conv2", new Conv2d(4, 4, 3, 1, 1, false))
                .add("bn2", new BatchNorm2d(4));
        return new Sequential()
                .add("conv1", new Conv2d(C, 4, 3, 1, 1, false))
                .add("bn1", new BatchNorm2d(4))
                .add("relu", new ReLU())
                .add("layer1", new Sequential(new Residual(branch, null, true)))
                .add("avgpool", new GlobalAvgPool())
                .add("flatten", new Flatten())
                .add("fc", new Linear(4, CLASSES));
    }

    /** n examples, labels cycling through the classes, random phase and Gaussian noise of sigma 0.3. */
    static TensorBatchSource data(int n, int batchSize, boolean shuffle, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n * C * H * W];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int label = i % CLASSES;
            y[i] = label;
            int phase = rng.nextInt(2);
            for (int r = 0; r < H; r++) {
                for (int c = 0; c < W; c++) {
                    int bit = switch (label) {
                        case 0 -> (r + phase) % 2;
                        case 1 -> (c + phase) % 2;
                        default -> (r + c + phase) % 2;
                    };
                    x[(i * H + r) * W + c] = bit + (float) (0.3 * rng.nextGaussian());
                }
            }
        }
        return new TensorBatchSource(Tensor.wrap(Shape.of(n, C, H, W), x), y, batchSize, shuffle, seed, false);
    }

    /** Every parameter and buffer (copies) plus num_batches_tracked per batch norm, by name. */
    static Map<String, float[]> snapshot(Module m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.namedParameters().forEach((k, p) -> out.put(k, p.value().data().clone()));
        m.namedBuffers().forEach((k, t) -> out.put(k, t.data().clone()));
        m.namedModules().forEach((k, mod) -> {
            if (mod instanceof BatchNorm2d bn) {
                out.put(k + ".num_batches_tracked", new float[] {bn.numBatchesTracked()});
            }
        });
        return out;
    }
}
