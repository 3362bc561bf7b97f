package io.resnet4j.kernels.vector;

import io.resnet4j.bench.Options;
import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.Parallel;
import io.resnet4j.kernels.PreparedConv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * How an inference convolution (prepared weights, VectorConv) scales from one thread to two when its calls follow
 * each other, as the layers of a network do: per shape and round, the median time of one call over a run of back
 * to back calls on one thread, on the pool of two, and on two independent callers at once (the pool at one
 * thread, so each runs its calls inline on its own input and output). ConvAB sweeps the caches before every call,
 * which gives the pool's worker time to park, so its two-thread figures include a wake-up per call; the pool's
 * figure here has none. The independent callers show whether two cores slow each other down (shared caches,
 * memory) when nothing is split. Data stays in cache between calls unless --weights or --inputs cycle that many
 * prepared weights or input and output buffers (64 of either: cold from memory, as in a ResNet-50 forward, whose
 * 100 MB of weights pass through between two calls of a layer). --epilogue adds a bias, and ReLU.
 *
 * <pre>
 * usage: ThreadScaling [--shapes 1/1024/14/14/256/1/1/0,...] [--calls 2000] [--rounds 3] [--weights 1] [--inputs 1]
 *                      [--epilogue none|bias|bias+relu]
 *   a shape is n/c/h/w/k/kernel/stride/pad
 * </pre>
 */
public final class ThreadScaling {
    private ThreadScaling() {
    }

    public static void main(String[] args) throws InterruptedException {
        String usage = "usage: ThreadScaling [--shapes N/C/H/W/K/KERNEL/STRIDE/PAD,...] [--calls 2000] [--rounds 3]"
                + " [--weights 1] [--inputs 1] [--epilogue none|bias|bias+relu]";
        Map<String, String> o = Options.parse(args, List.of("--shapes", "--calls", "--rounds", "--weights", "--inputs",
                "--epilogue"), usage);
        int calls = Options.intOption(o, "--calls", 2000, usage), rounds = Options.intOption(o, "--rounds", 3, usage);
        int weights = Options.intOption(o, "--weights", 1, usage), inputs = Options.intOption(o, "--inputs", 1, usage);
        if (calls < 4 || rounds < 1 || weights < 1 || inputs < 1) {
            throw new IllegalArgumentException("need calls >= 4, rounds >= 1, weights >= 1 and inputs >= 1; " + usage);
        }
        String epilogue = o.getOrDefault("--epilogue", "none");
        if (!List.of("none", "bias", "bias+relu").contains(epilogue)) {
            throw new IllegalArgumentException("--epilogue is none, bias or bias+relu, not " + epilogue + "; " + usage);
        }
        List<ConvGeometry> shapes = new ArrayList<>();
        for (String s : o.getOrDefault("--shapes",
                "1/1024/14/14/256/1/1/0,1/256/14/14/1024/1/1/0,1/2048/7/7/512/1/1/0,1/64/56/56/256/1/1/0,1/512/7/7/512/3/1/1")
                .split(",")) {
            String[] f = s.split("/");
            if (f.length != 8) {
                throw new IllegalArgumentException("a shape is N/C/H/W/K/KERNEL/STRIDE/PAD, not " + s + "; " + usage);
            }
            int[] a = new int[8];
            for (int i = 0; i < 8; i++) {
                try {
                    a[i] = Integer.parseInt(f[i]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("a shape is N/C/H/W/K/KERNEL/STRIDE/PAD, not " + s + "; " + usage);
                }
            }
            shapes.add(ConvGeometry.of(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]));
        }
        System.out.printf(Locale.ROOT, "jdk %s, %s, %d calls per run, median ms per call%n", Runtime.version(), Simd.F,
                calls);
        int threads = Parallel.threads();
        try {
            for (ConvGeometry g : shapes) {
                for (int round = 0; round < rounds; round++) {
                    report(g, calls, weights, inputs, !epilogue.equals("none"), epilogue.equals("bias+relu"));
                }
            }
        } finally {
            Parallel.setThreads(threads);
        }
    }

    private static void report(ConvGeometry g, int calls, int weights, int inputs, boolean withBias, boolean relu)
            throws InterruptedException {
        SplittableRandom rng = new SplittableRandom(1);
        float[] bias = withBias ? gaussian(rng, g.k()) : null;
        VectorConv conv = VectorConv.INSTANCE;
        PreparedConv[] p = new PreparedConv[weights];
        for (int j = 0; j < weights; j++) {
            p[j] = conv.prepare(g, gaussian(rng, g.weightSize()), 0);
        }
        // [caller][copy]: the pool and the one-thread runs use caller 0's copies
        float[][][] x = new float[2][inputs][], y = new float[2][inputs][];
        for (int t = 0; t < 2; t++) {
            for (int j = 0; j < inputs; j++) {
                x[t][j] = gaussian(rng, g.inputSize());
                y[t][j] = new float[g.outputSize()];
            }
        }
        Parallel.setThreads(1);
        double one = median(i -> conv.forward(g, x[0][i % inputs], 0, p[i % weights], bias, 0, relu,
                y[0][i % inputs], 0), calls);
        Parallel.setThreads(2);
        double pool = median(i -> conv.forward(g, x[0][i % inputs], 0, p[i % weights], bias, 0, relu,
                y[0][i % inputs], 0), calls);
        Parallel.setThreads(1);
        double[] each = new double[2];
        Thread[] callers = new Thread[2];
        for (int t = 0; t < 2; t++) {
            int k = t;
            callers[t] = new Thread(() -> each[k] = median(i -> conv.forward(g, x[k][i % inputs], 0, p[i % weights],
                    bias, 0, relu, y[k][i % inputs], 0), calls));
            callers[t].start();
        }
        for (Thread t : callers) {
            t.join();
        }
        double gflop = 2.0 * g.macs() / 1e9;
        System.out.printf(Locale.ROOT, "%-26s 1 thread %.3f ms (%.0f GFLOP/s) | pool of 2 %.3f ms (%.0f, x%.2f) | "
                        + "two 1-thread callers %.3f and %.3f ms%n", g.n() + "/" + g.c() + "/" + g.h() + "/" + g.w() + "/"
                        + g.k() + "/" + g.r() + "/" + g.strideH() + "/" + g.padTop(), one, gflop / one * 1e3, pool,
                gflop / pool * 1e3, one / pool, each[0], each[1]);
    }

    private static float[] gaussian(SplittableRandom rng, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }

    /** Median ms of calls back to back, after a quarter as many unmeasured. */
    private static double median(IntConsumer call, int calls) {
        for (int i = 0; i < calls / 4; i++) {
            call.accept(i);
        }
        long[] ns = new long[calls];
        for (int i = 0; i < calls; i++) {
            long t0 = System.nanoTime();
            call.accept(i);
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        return ns[calls / 2] / 1e6;
    }
}
