package io.resnet4j.kernels.vector;

import io.resnet4j.bench.Options;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the register tiles reach on this machine and JDK: each GEMM micro-kernel on L1-resident operands (one A
 * and one B micro-panel of kc steps, the C tile loaded and stored around them; the 8-row tiles are AVX-512's and
 * spill on AVX2), on T threads at once, each thread with its own operands. Against the FMA peak (2 FMA units x
 * LANES floats x 2 flops per cycle and core) this is the ceiling of every GEMM-based layer. Each round runs every
 * probe for about ms milliseconds (rounds alternate the probes, so the VM's drift shifts all alike); reported:
 * the median GFLOP/s over the rounds after the first two (warm-up), summed over the threads.
 *
 * <pre>
 * usage: KernelPeak [--threads 2] [--kc 256] [--rounds 10] [--ms 100]
 * </pre>
 */
public final class KernelPeak {
    /** Results are written here, so that the JIT keeps the work. */
    static volatile float sink;

    private KernelPeak() {
    }

    public static void main(String[] args) {
        String usage = "usage: KernelPeak [--threads 2] [--kc 256] [--rounds 10] [--ms 100]";
        Map<String, String> o = Options.parse(args, List.of("--threads", "--kc", "--rounds", "--ms"), usage);
        int threads = Options.intOption(o, "--threads", 2, usage), kc = Options.intOption(o, "--kc", 256, usage);
        int rounds = Options.intOption(o, "--rounds", 10, usage), ms = Options.intOption(o, "--ms", 100, usage);
        if (threads < 1 || kc < 1 || rounds < 3 || ms < 1) {
            throw new IllegalArgumentException("need threads >= 1, kc >= 1, rounds >= 3, ms >= 1");
        }
        System.out.printf(Locale.ROOT, "jdk %s, %s, %d threads, kc %d, %d rounds of %d ms per probe%n",
                Runtime.version(), Simd.F, threads, kc, rounds, ms);
        MicroKernel[] tiles = MicroKernel.all();
        List<String> names = new ArrayList<>();
        for (MicroKernel k : tiles) {
            boolean chosen = k.getClass() == Tuning.DEFAULT.kernel().getClass();
            names.add("micro-kernel " + k.getClass().getSimpleName() + (chosen ? " (default)" : ""));
        }
        double[][] gflops = new double[names.size()][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int p = 0; p < names.size(); p++) {
                gflops[p][round] = run(tiles[p], kc, ms / 1e3, threads);
            }
        }
        for (int p = 0; p < names.size(); p++) {
            double[] g = Arrays.copyOfRange(gflops[p], 2, rounds);
            Arrays.sort(g);
            System.out.printf(Locale.ROOT, "%-40s %7.1f GFLOP/s (range %.1f-%.1f)%n", names.get(p), g[g.length / 2],
                    g[0], g[g.length - 1]);
        }
    }

    /** GFLOP/s of threads threads running the micro-kernel at once for about seconds, 64 calls at a time. */
    static double run(MicroKernel k, int kc, double seconds, int threads) {
        Thread[] ts = new Thread[threads];
        double[] flops = new double[threads];
        long t0 = System.nanoTime(), deadline = t0 + (long) (seconds * 1e9);
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                float[] a = operand(kc * k.mr, 7), b = operand(kc * k.nr, 5), c = new float[k.mr * k.nr];
                double done = 0;
                while (System.nanoTime() < deadline) {
                    for (int r = 0; r < 64; r++) {
                        k.run(kc, a, 0, b, 0, c, 0, k.nr, true);
                    }
                    sink = c[0];
                    done += 2.0 * kc * k.mr * k.nr * 64;
                }
                flops[id] = done;
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while timing the micro-kernel", e);
            }
        }
        double total = 0;
        for (double f : flops) {
            total += f;
        }
        return total / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }

    private static float[] operand(int size, int period) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (i % period) * 0.01f;
        }
        return v;
    }
}
