package io.resnet4j.onnx;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/**
 * Numpy-style broadcasting for ranks up to 4: shapes are aligned on the right, a dimension of 1 stretches.
 * Loops run over the output in row-major order with stride 0 along stretched dimensions.
 */
final class Broadcast {
    private Broadcast() {
    }

    static Shape shape(Shape a, Shape b, String node) {
        int rank = Math.max(a.rank(), b.rank());
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = dimFromRight(a, rank - 1 - i), db = dimFromRight(b, rank - 1 - i);
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(node + ": shapes " + a + " and " + b + " do not broadcast");
            }
            out[i] = Math.max(da, db);
        }
        return Shape.of(out);
    }

    private static int dimFromRight(Shape s, int k) {
        int i = s.rank() - 1 - k;
        return i >= 0 ? s.dim(i) : 1;
    }

    /** Strides of {@code in} laid over the 4 right-aligned dimensions of {@code out}, 0 where stretched. */
    private static int[] strides(Shape in, Shape out) {
        int[] st = new int[4];
        int stride = 1;
        for (int k = 0; k < 4; k++) {
            int d = dimFromRight(in, k);
            st[3 - k] = d == 1 ? 0 : stride;
            stride *= d;
        }
        return st;
    }

    private static int[] dims4(Shape s) {
        int[] d = new int[4];
        for (int k = 0; k < 4; k++) {
            d[3 - k] = dimFromRight(s, k);
        }
        return d;
    }

    /** y (out) = broadcast(x). */
    static void copy(Tensor x, float[] y, Shape out) {
        java.util.Arrays.fill(y, 0f);
        accumulate(x, y, out);
    }

    /** y (out) += broadcast(x). */
    static void accumulate(Tensor x, float[] y, Shape out) {
        int[] d = dims4(out), st = strides(x.shape(), out);
        float[] xs = x.data();
        int o = 0;
        for (int a = 0; a < d[0]; a++) {
            for (int b = 0; b < d[1]; b++) {
                for (int c = 0; c < d[2]; c++) {
                    int base = a * st[0] + b * st[1] + c * st[2];
                    for (int e = 0; e < d[3]; e++) {
                        y[o++] += xs[base + e * st[3]];
                    }
                }
            }
        }
    }

    /** target = g summed over the dimensions along which target was stretched to g's shape. */
    static void reduce(Tensor g, Tensor target) {
        float[] t = target.data(), gs = g.data();
        java.util.Arrays.fill(t, 0f);
        int[] d = dims4(g.shape()), st = strides(target.shape(), g.shape());
        int o = 0;
        for (int a = 0; a < d[0]; a++) {
            for (int b = 0; b < d[1]; b++) {
                for (int c = 0; c < d[2]; c++) {
                    int base = a * st[0] + b * st[1] + c * st[2];
                    for (int e = 0; e < d[3]; e++) {
                        t[base + e * st[3]] += gs[o++];
                    }
                }
            }
        }
    }
}
