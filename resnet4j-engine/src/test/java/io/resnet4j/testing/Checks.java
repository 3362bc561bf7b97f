package io.resnet4j.testing;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Numeric assertions shared by the tests of every module: closeness with a stated tolerance (failing with the
 * worst element, its index and both values), bitwise equality, and seeded random tensors.
 */
public final class Checks {
    /** Print every comparison's worst error (to the surefire output files): -Dresnet4j.checks.report=true. */
    private static final boolean REPORT = Boolean.getBoolean("resnet4j.checks.report");

    private Checks() {
    }

    /**
     * Fails unless {@code |actual[i] - expected[i]| <= atol + rtol * |expected[i]|} for every i (NaN only
     * matches NaN). The message names the worst element (largest error relative to its allowance), its
     * multi-index in {@code dims} (may be null), both values, and how many elements are out of tolerance.
     */
    public static void assertClose(float[] actual, double[] expected, int[] dims, double rtol, double atol, String what) {
        if (actual.length != expected.length) {
            throw new AssertionError(what + ": " + actual.length + " values, expected " + expected.length
                    + (dims == null ? "" : " for shape " + Arrays.toString(dims)));
        }
        int worst = -1, bad = 0;
        double worstRatio = 0, maxAbsExpected = 0, maxAbsDiff = 0;
        for (int i = 0; i < actual.length; i++) {
            double a = actual[i], e = expected[i];
            maxAbsExpected = Math.max(maxAbsExpected, Math.abs(e));
            double ratio;
            if (Double.isNaN(e) || Double.isNaN(a)) {
                ratio = Double.isNaN(e) && Double.isNaN(a) ? 0 : Double.POSITIVE_INFINITY;
            } else if (Double.isInfinite(e) || Double.isInfinite(a)) {
                ratio = a == e ? 0 : Double.POSITIVE_INFINITY;
            } else {
                double diff = Math.abs(a - e);
                maxAbsDiff = Math.max(maxAbsDiff, diff);
                ratio = diff / (atol + rtol * Math.abs(e));
            }
            if (ratio > 1) {
                bad++;
            }
            if (worst < 0 || ratio > worstRatio) {
                worst = i;
                worstRatio = ratio;
            }
        }
        if (REPORT) {
            System.out.printf("close %s: max |diff| %.3e, worst %.3g x allowance (rtol=%.1e, atol=%.1e)%n",
                    what, maxAbsDiff, worstRatio, rtol, atol);
        }
        if (bad > 0) {
            throw new AssertionError(String.format(
                    "%s: %d of %d elements outside |actual - expected| <= atol + rtol*|expected| (rtol=%.1e, atol=%.1e); "
                            + "worst at %s: actual %.9g, expected %.9g, |diff| %.3e = %.3g x allowance; "
                            + "max |diff| %.3e, max |expected| %.3e",
                    what, bad, actual.length, rtol, atol, index(worst, dims), (double) actual[worst], expected[worst],
                    Math.abs(actual[worst] - expected[worst]), worstRatio, maxAbsDiff, maxAbsExpected));
        }
    }

    public static void assertClose(float[] actual, float[] expected, int[] dims, double rtol, double atol, String what) {
        assertClose(actual, toDoubles(expected), dims, rtol, atol, what);
    }

    /** Compares a tensor with a fixture entry: shapes must be equal, then values within the tolerance. */
    public static void assertClose(Tensor actual, Fixture f, String key, double rtol, double atol, String what) {
        Fixture.Entry e = f.entry(key);
        Shape expectedShape = e.shape();
        if (!actual.shape().equals(expectedShape)) {
            throw new AssertionError(what + ": shape " + actual.shape() + ", PyTorch's " + key + " is " + expectedShape);
        }
        assertClose(actual.data(), e.values(), expectedShape.dims(), rtol, atol, what);
    }

    /** The largest |actual - expected| (for reports next to the tolerance). */
    public static double maxAbsDiff(float[] actual, double[] expected) {
        double m = 0;
        for (int i = 0; i < actual.length; i++) {
            m = Math.max(m, Math.abs(actual[i] - expected[i]));
        }
        return m;
    }

    /** Fails unless both arrays hold the same bits (NaNs compared by their bit patterns). */
    public static void assertBitwiseEqual(float[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": " + actual.length + " values, expected " + expected.length);
        }
        int bad = 0, first = -1;
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                bad++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (bad > 0) {
            throw new AssertionError(String.format("%s: %d of %d values differ bitwise; first at %d: %.9g vs %.9g",
                    what, bad, expected.length, first, (double) expected[first], (double) actual[first]));
        }
    }

    /** A tensor of standard normal float32 values from a seed. */
    public static Tensor randn(long seed, int... dims) {
        Tensor t = new Tensor(Shape.of(dims));
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rng.nextGaussian();
        }
        return t;
    }

    /** Standard normal values pushed away from zero: |v| >= margin (inputs that keep clear of a ReLU's kink). */
    public static Tensor randnAwayFromZero(long seed, double margin, int... dims) {
        Tensor t = randn(seed, dims);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (Math.copySign(margin, d[i]) + d[i]);
        }
        return t;
    }

    /**
     * A random permutation of {@code spacing * (i - numel / 2)}: all values distinct and at least
     * {@code spacing} apart (inputs that keep a max pool's winner fixed under perturbations below spacing / 2).
     */
    public static Tensor distinct(long seed, double spacing, int... dims) {
        Tensor t = new Tensor(Shape.of(dims));
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (spacing * (i - d.length / 2));
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = d.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            float tmp = d[i];
            d[i] = d[j];
            d[j] = tmp;
        }
        return t;
    }

    public static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** Copies {@code values} into {@code target} (a parameter or buffer loaded from a fixture), checking the size. */
    public static void load(Tensor target, Tensor values, String what) {
        if (!target.shape().equals(values.shape())) {
            throw new AssertionError(what + ": engine shape " + target.shape() + ", fixture shape " + values.shape());
        }
        target.copyFrom(values);
    }

    private static String index(int flat, int[] dims) {
        if (dims == null || dims.length == 0) {
            return "[" + flat + "]";
        }
        int[] idx = new int[dims.length];
        int r = flat;
        for (int d = dims.length - 1; d >= 0; d--) {
            idx[d] = r % dims[d];
            r /= dims[d];
        }
        return Arrays.toString(idx) + " (flat " + flat + ")";
    }

    /**
     * Fails unless step, once warm (3,000 calls, so that C2 has compiled the vector kernels: interpreted and C1
     * code boxes vectors), allocates less than 64 KiB over 1,000 more calls, summed over every live thread (the
     * caller and Parallel's workers). Enumerating the threads itself allocates a few KiB; a boxed vector per call
     * would be 64 KiB or more.
     */
    public static void assertWarmAllocatesNothing(Runnable step, String what) {
        for (int i = 0; i < 3_000; i++) {
            step.run();
        }
        long before = allocatedByAllThreads();
        for (int i = 0; i < 1_000; i++) {
            step.run();
        }
        long bytes = allocatedByAllThreads() - before;
        if (bytes >= 64 * 1024) {
            throw new AssertionError(what + ": " + bytes + " bytes allocated on all threads by 1,000 warm calls,"
                    + " expected less than 65536");
        }
    }

    private static long allocatedByAllThreads() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            sum += Math.max(0, mx.getThreadAllocatedBytes(t.getId()));
        }
        return sum;
    }
}
