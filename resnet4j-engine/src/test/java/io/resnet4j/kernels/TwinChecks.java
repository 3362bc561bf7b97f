package io.resnet4j.kernels;

import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.fail;

/** Helpers for the scalar-vs-vector twin tests: seeded inputs, bitwise and tolerance comparisons, thread switching. */
final class TwinChecks {
    /** Plane sizes that straddle vector widths 8 and 16: empty tail, short tail, shorter than one vector. */
    static final int[] SIZES = {1, 2, 7, 9, 15, 17, 49, 63, 64, 65};
    static final int[] CHANNELS = {1, 3, 5, 16, 17};
    static final int[] BATCHES = {1, 3};

    private TwinChecks() {
    }

    /** Uniform floats in [lo, hi). */
    static float[] uniform(SplittableRandom rng, int len, double lo, double hi) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        return a;
    }

    /** Standard normal floats times {@code scale}, plus {@code shift}. */
    static float[] gaussian(SplittableRandom rng, int len, double shift, double scale) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            double u = rng.nextDouble(), v = rng.nextDouble();
            a[i] = (float) (shift + scale * Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v));
        }
        return a;
    }

    /** The same floats bit for bit (NaNs compared as NaN, -0 differs from +0). */
    static void assertBitwise(String what, float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                fail(what + ": index " + i + " is " + actual[i] + ", expected " + expected[i] + " (bitwise)");
            }
        }
    }

    static void assertBitwise(String what, int[] expected, int[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                fail(what + ": index " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }

    /** Per-index bound on |actual - expected|. */
    @FunctionalInterface
    interface Bound {
        double at(int index);
    }

    /**
     * |actual[i] - expected[i]| <= bound(i) for every i; NaN and infinities must match exactly. Returns the
     * largest ratio |error| / bound seen, for the caller to report.
     */
    static double assertClose(String what, float[] expected, float[] actual, Bound bound) {
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i], a = actual[i];
            if (Float.isNaN(e) || Float.isInfinite(e) || Float.isNaN(a) || Float.isInfinite(a)) {
                if (Float.floatToIntBits(e) != Float.floatToIntBits(a)) {
                    fail(what + ": index " + i + " is " + a + ", expected " + e);
                }
                continue;
            }
            double err = Math.abs((double) a - e), b = bound.at(i);
            if (err > b) {
                fail(what + ": index " + i + " is " + a + ", expected " + e + ", error " + err + " > bound " + b);
            }
            worst = Math.max(worst, b == 0 ? 0 : err / b);
        }
        return worst;
    }

    /** Runs {@code body} with the pool set to {@code threads}, restoring the previous setting afterwards. */
    static <T> T onThreads(int threads, Supplier<T> body) {
        int saved = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            return body.get();
        } finally {
            Parallel.setThreads(saved);
        }
    }
}
