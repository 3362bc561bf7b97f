package io.resnet4j.cli;

import java.util.Arrays;

/**
 * Throughput measurement for bench: warm-up (at least a number of steps and at least a time: the JIT compiles the
 * large vector kernels in the background, for a few seconds), then timed blocks of steps; the median block is
 * reported.
 */
final class Timing {
    /** Images per second of each timed block and their median. */
    record Result(double median, double[] blocks) {
    }

    private Timing() {
    }

    static Result imagesPerSecond(Runnable step, int batch, int warmup, double warmupSeconds, int blocks,
                                  int stepsPerBlock) {
        long start = System.nanoTime(), minNanos = (long) (warmupSeconds * 1e9);
        for (int i = 0; i < warmup || System.nanoTime() - start < minNanos; i++) {
            step.run();
        }
        double[] rates = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            long t0 = System.nanoTime();
            for (int s = 0; s < stepsPerBlock; s++) {
                step.run();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            rates[b] = (double) batch * stepsPerBlock / seconds;
        }
        return new Result(median(rates), rates);
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
