package io.resnet4j.bench;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.NormOps;
import io.resnet4j.kernels.Parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The training batch norm fused with its ReLU ({@code Kernels.NORM}) on (n, c, h*w) shapes: forward, and backward
 * with the ReLU's mask either recomputed from x with the constants the forward recorded ({@code --mask x},
 * NormOps.RELU_CONSTS, what BatchNorm2d passes) or read from the output y ({@code --mask y}, reluConsts null).
 * One mask per JVM: run both, alternating JVMs. In one JVM the two share compiled methods, and the path timed
 * second measured up to 3x slower than alone (64 channels of 8x8: 2.4 against 0.7-0.75 ms). Before every timed
 * call a 64 MiB buffer is swept, so each call starts from DRAM as in a training step. Reported per shape: medians
 * over the rounds in ms, the tensor's size, and a single-threaded System.arraycopy of it (after the same sweep)
 * for scale.
 *
 * <pre>
 * usage: NormBench [--mask x|y] [--shapes 128/16/1024,128/32/256,128/64/64] [--threads 2] [--rounds 31]
 * </pre>
 */
public final class NormBench {
    static volatile float sink;

    private NormBench() {
    }

    public static void main(String[] args) {
        String usage = "usage: NormBench [--mask x|y] [--shapes N/C/HW,...] [--threads 2] [--rounds 31]";
        Map<String, String> o = Options.parse(args, List.of("--mask", "--shapes", "--threads", "--rounds"), usage);
        String mask = o.getOrDefault("--mask", "x");
        if (!mask.equals("x") && !mask.equals("y")) {
            throw new IllegalArgumentException("--mask is x or y, not " + mask + "; " + usage);
        }
        int threads = Options.intOption(o, "--threads", 2, usage);
        int rounds = Options.intOption(o, "--rounds", 31, usage);
        if (threads < 1 || rounds < 1) {
            throw new IllegalArgumentException("need threads >= 1 and rounds >= 1; " + usage);
        }
        List<int[]> shapes = new ArrayList<>();
        for (String s : o.getOrDefault("--shapes", "128/16/1024,128/32/256,128/64/64").split(",")) {
            String[] p = s.split("/");
            if (p.length != 3) {
                throw new IllegalArgumentException("a shape is N/C/HW, not " + s + "; " + usage);
            }
            shapes.add(new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])});
        }
        Parallel.setThreads(threads);
        System.out.printf(Locale.ROOT, "jdk %s, %s, %d threads, %d rounds, mask from %s%n", Runtime.version(),
                Kernels.NORM.getClass().getSimpleName(), threads, rounds, mask);
        float[] sweep = new float[16 << 20];
        for (int[] s : shapes) {
            run(s[0], s[1], s[2], rounds, mask.equals("x"), sweep);
        }
    }

    private static void run(int n, int c, int hw, int rounds, boolean fromX, float[] sweep) {
        int len = n * c * hw;
        SplittableRandom rng = new SplittableRandom(1);
        float[] x = new float[len], y = new float[len], dy = new float[len], dx = new float[len], copy = new float[len];
        for (int i = 0; i < len; i++) {
            x[i] = (float) rng.nextGaussian();
            dy[i] = (float) rng.nextGaussian();
        }
        float[] gamma = new float[c], beta = new float[c], mean = new float[c], var = new float[c];
        float[] dGamma = new float[c], dBeta = new float[c], consts = new float[NormOps.RELU_CONSTS * c];
        Arrays.fill(gamma, 1f);
        float[] backwardConsts = fromX ? consts : null;
        double[][] t = new double[3][rounds];
        for (int r = -10; r < rounds; r++) {
            for (int v = 0; v < 3; v++) {
                sweep(sweep);
                long t0 = System.nanoTime();
                switch (v) {
                    case 0 -> Kernels.NORM.forwardTrainRelu(n, c, hw, x, 0, y, 0, gamma, beta, 1e-5f, mean, var, consts);
                    case 1 -> Kernels.NORM.backwardRelu(n, c, hw, x, 0, y, 0, backwardConsts, dy, 0, gamma, mean, var,
                            1e-5f, true, dx, 0, dGamma, dBeta);
                    default -> System.arraycopy(x, 0, copy, 0, len);
                }
                if (r >= 0) {
                    t[v][r] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        for (double[] v : t) {
            Arrays.sort(v);
        }
        sink = dx[len / 2] + copy[len / 3];
        System.out.printf(Locale.ROOT, "%d/%d/%d (%.1f MB): forward %.3f ms, backward %.3f ms, copy %.3f ms%n",
                n, c, hw, len * 4e-6, t[0][rounds / 2], t[1][rounds / 2], t[2][rounds / 2]);
    }

    private static void sweep(float[] a) {
        for (int i = 0; i < a.length; i += 16) {
            a[i] += 1f;
        }
    }
}
