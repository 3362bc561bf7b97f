package io.resnet4j.kernels.vector;

import io.resnet4j.bench.ConvShapes;
import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.ConvOps;
import io.resnet4j.kernels.PreparedConv;
import io.resnet4j.kernels.Parallel;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A/B of convolution variants in one JVM (in this package to reach the package-private tunings): each round
 * times one call of every variant on every shape and pass, in alternation, so the shared machine's load
 * shifts them alike. Reports per variant the median GFLOP/s of wall time and, with one thread, per CPU-second
 * of the calling thread (robust to being descheduled), and the ratio to the first variant.
 *
 * <p>With {@code --peak}, every round also runs the default micro-kernel on L1-resident operands (KernelPeak)
 * for 50 ms on as many threads, and each variant gets the median over the rounds of its GFLOP/s as a share of
 * that round's: how far the layer is from what the machine's cores did at that moment. This VM's speed swings
 * up to 2x within minutes (a busy sibling hyperthread, it seems), so GFLOP/s alone cannot tell a slow layer
 * from a slow phase of the machine. On the AVX-512 machine (Zen 5) the peak run seems to slow the variant timed
 * right after it: with {@code --peak}, four blockings came out 1.01-1.33x faster than the default on CIFAR's
 * layers; without it, the same four and a copy of the default agreed with it within 3%. Compare variants
 * without {@code --peak}; use it for the shares only.
 *
 * <p>Variants share compiled methods, so one variant's JIT profile can slow another: a static switch selecting
 * old code inside one build made the old batch norm path up to 3x slower than alone (BENCHMARKS.md, seventh
 * session). A few percent between variants is not proof; for two commits use TwoBuilds (one class loader each).
 * On two threads WeightOuter's channel path ran 119-181 GFLOP/s from JVM to JVM next to the one-vector tile, and
 * 149-168 alone; with the default 1 s warm-up its tile had only an OSR compilation (BENCHMARKS.md, twentieth
 * session): for a kernel a pass calls few times, warm up longer ({@code --warm-s 5}) and run each variant alone.
 *
 * <p>With {@code --flush-mb} the pool's worker has time to park during each sweep, so on two threads every timed
 * call also pays its wake-up: sub-millisecond calls (batch-1 layers) look worse on two threads than they run in a
 * network, where calls follow each other. ThreadScaling times calls back to back.
 *
 * <pre>
 * usage: ConvAB --variants default,gemm16 [--shapes cifar-3x3-16@32-b128,...] [--passes fwd,bwd-data,bwd-weight]
 *               [--threads 1] [--rounds 21] [--peak true] [--flush-mb 0] [--warm-s 1]
 * </pre>
 */
public final class ConvAB {
    private ConvAB() {
    }

    /** A micro-kernel tile by name: k4x2, k6x2, k8x2 or k8x3. */
    private static MicroKernel kernel(String name) {
        return switch (name) {
            case "k4x2" -> new MicroKernel.K4x2();
            case "k6x2" -> new MicroKernel.K6x2();
            case "k8x2" -> new MicroKernel.K8x2();
            case "k8x3" -> new MicroKernel.K8x3();
            default -> throw new IllegalArgumentException("unknown micro-kernel " + name);
        };
    }

    /** The variants by name: tunings of VectorConv (new kernels get their entry here while they are compared). */
    static ConvOps variant(String name) {
        Tuning d = Tuning.DEFAULT;
        if (name.startsWith("prepared-")) {
            // inference: forward with weights prepared once (ConvOps.prepare), no epilogue, by any variant below
            return new Prepared((VectorConv) variant(name.substring("prepared-".length())));
        }
        if (name.startsWith("block")) {
            // block<kc>-<aBlock>-<panelBlock>[-k4x2|-k6x2|-k8x2|-k8x3]
            String[] f = name.substring("block".length()).split("-");
            Tuning t = d.withBlocking(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]));
            return new VectorConv(f.length > 3 ? t.withKernel(kernel(f[3])) : t);
        }
        if (name.startsWith("tilechunk")) {
            // PositionTiles summing a task's tiles N taps at a time: tilechunkN
            return new VectorConv(d.withTileChunk(Integer.parseInt(name.substring("tilechunk".length()))));
        }
        if (name.startsWith("gatherwaste")) {
            // the GEMM gathers its panels where that computes at most N% of the packed columns: gatherwasteN
            return new VectorConv(d.withGatherWaste(Integer.parseInt(name.substring("gatherwaste".length()))));
        }
        if (name.startsWith("directconv")) {
            // DirectConv for forward and stride-1 backward-data up to N channels, Winograd shapes too: directconvN
            int channels = Integer.parseInt(name.substring("directconv".length()));
            return new VectorConv(d.withDirect(channels, channels, 9));
        }
        return switch (name) {
            case "default" -> VectorConv.INSTANCE;
            case "no-directconv" -> new VectorConv(d.withDirect(0, 0, 0));
            case "direct" -> new VectorConv(d.withWinograd(0, 0, 0));
            case "winograd" -> new VectorConv(d.withWinograd(1, Integer.MAX_VALUE, Integer.MAX_VALUE));
            case "no-subsample" -> new VectorConv(d.withSubsample(false));
            case "outer-big" -> new VectorConv(d.withWeightOuter(1 << 22));
            case "no-outer" -> new VectorConv(d.withWeightOuter(0));
            case "no-weight-channels" -> new VectorConv(d.withWeightChannels(false));
            case "no-direct-flat" -> new VectorConv(d.withDirectFlat(false));
            case "no-data-phases" -> new VectorConv(d.withDataPhases(false));
            case "no-tiles" -> new VectorConv(d.withTiles(0));
            case "tiles" -> new VectorConv(d.withTiles(Integer.MAX_VALUE));
            case "weightgemm16" -> new VectorConv(d.withWeightOuter(0).withWeightGemmMinK(16));
            case "k6x2", "k4x2", "k8x2", "k8x3" -> new VectorConv(d.withKernel(kernel(name)));
            case "group2048" -> new VectorConv(d.withWeightGemmGroup(2048));
            case "columns-first" -> new VectorConv(d.withSplitB(0));
            case "split1" -> new VectorConv(d.withSplitB(1));
            case "split4" -> new VectorConv(d.withSplitB(4));
            case "prepared" -> new Prepared(VectorConv.INSTANCE);
            case "tile-rows" -> new VectorConv(d.withTileRows(100));
            case "no-tile-rows" -> new VectorConv(d.withTileRows(0));
            case "no-touch" -> new VectorConv(d.withTouch(0));
            case "touch-all" -> new VectorConv(d.withTouch(1));
            case "gather-any" -> new VectorConv(d.withGatherWaste(0));
            case "no-strided-weightgemm" -> new VectorConv(d.withWeightGemmStrided(false));
            case "winograd512" -> new VectorConv(d.withWinograd(16, 512, 0));
            default -> throw new IllegalArgumentException("unknown variant " + name);
        };
    }

    /** A VectorConv whose forward uses weights prepared on the first call for each geometry (the weights stay fixed here). */
    private static final class Prepared implements ConvOps {
        private final VectorConv conv;
        private final java.util.Map<ConvGeometry, PreparedConv> prepared = new java.util.HashMap<>();

        Prepared(VectorConv conv) {
            this.conv = conv;
        }

        @Override
        public void forward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] y, int yOff) {
            PreparedConv p = prepared.computeIfAbsent(g, k -> conv.prepare(k, w, wOff));
            conv.forward(g, x, xOff, p, null, 0, false, y, yOff);
        }

        @Override
        public void backwardData(ConvGeometry g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
            conv.backwardData(g, dy, dyOff, w, wOff, dx, dxOff);
        }

        @Override
        public void backwardWeight(ConvGeometry g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
            conv.backwardWeight(g, x, xOff, dy, dyOff, dw, dwOff);
        }

        @Override
        public PreparedConv prepare(ConvGeometry g, float[] w, int wOff) {
            return conv.prepare(g, w, wOff);
        }

        @Override
        public void forward(ConvGeometry g, float[] x, int xOff, PreparedConv w, float[] bias, int biasOff, boolean relu,
                            float[] y, int yOff) {
            conv.forward(g, x, xOff, w, bias, biasOff, relu, y, yOff);
        }

        @Override
        public void forwardAdd(ConvGeometry g, float[] x, int xOff, PreparedConv w, float[] bias, int biasOff,
                               boolean relu, float[] y, int yOff) {
            conv.forwardAdd(g, x, xOff, w, bias, biasOff, relu, y, yOff);
        }
    }

    public static void main(String[] args) {
        String variants = "default", shapes = "", passes = "fwd,bwd-data,bwd-weight";
        int threads = 1, rounds = 21;
        boolean peak = false;
        int flushMb = 0;
        double warmS = 1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--variants" -> variants = v;
                case "--shapes" -> shapes = v;
                case "--passes" -> passes = v;
                case "--threads" -> threads = Integer.parseInt(v);
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--peak" -> peak = Boolean.parseBoolean(v);
                case "--flush-mb" -> flushMb = Integer.parseInt(v);
                case "--warm-s" -> warmS = Double.parseDouble(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Parallel.setThreads(threads);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        List<String> names = List.of(variants.split(","));
        List<ConvOps> ops = new ArrayList<>();
        for (String n : names) {
            ops.add(variant(n));
        }
        List<ConvShapes.Case> cases = new ArrayList<>();
        for (ConvShapes.Case c : ConvShapes.CASES) {
            if (shapes.isEmpty() || List.of(shapes.split(",")).contains(c.name())) {
                cases.add(c);
            }
        }
        for (String extra : shapes.split(",")) {
            // ad-hoc shapes: n/c/h/w/k/kernel/stride/pad
            if (extra.matches("\\d+(/\\d+){7}")) {
                int[] a = java.util.Arrays.stream(extra.split("/")).mapToInt(Integer::parseInt).toArray();
                cases.add(new ConvShapes.Case(extra, ConvGeometry.of(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])));
            }
        }
        List<String> passList = List.of(passes.split(","));
        // written before each timed call: evicts the layer's weights and data from the caches, as the other
        // layers of a network do between two calls of this one
        float[] flush = new float[flushMb << 18];
        System.out.println("threads " + threads + ", rounds " + rounds + ", variants " + names);
        for (ConvShapes.Case c : cases) {
            ConvGeometry g = c.g();
            SplittableRandom rng = new SplittableRandom(1);
            float[] x = rand(g.inputSize(), rng), w = rand(g.weightSize(), rng), dy = rand(g.outputSize(), rng);
            float[] y = new float[g.outputSize()], dx = new float[g.inputSize()], dw = new float[g.weightSize()];
            for (String pass : passList) {
                Map<String, double[][]> t = new LinkedHashMap<>();
                for (String n : names) {
                    t.put(n, new double[2][rounds]);
                }
                double[] peakRate = new double[rounds];
                // warm-up, warmS seconds per variant, then 3 untimed rounds: C2 compiles big vector methods in the
                // background (a shape's first pass timed after only 3 calls measured partly interpreted code, 0.2-0.8x;
                // after 1 s, prepared Winograd 256@14 at batch 1, run first, still ran at 5 GFLOP/s over 7 rounds and at
                // 170-210 over 40-120: its tasks are called too rarely to reach C2 sooner)
                for (long until = System.nanoTime() + (long) (warmS * 1e9) * ops.size(); System.nanoTime() < until; ) {
                    for (ConvOps op : ops) {
                        run(op, pass, g, x, w, dy, y, dx, dw);
                    }
                }
                for (int r = -3; r < rounds; r++) {
                    for (int v = 0; v < ops.size(); v++) {
                        ConvOps op = ops.get(v);
                        flush(flush, r);
                        long w0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
                        run(op, pass, g, x, w, dy, y, dx, dw);
                        if (r >= 0) {
                            t.get(names.get(v))[0][r] = (System.nanoTime() - w0) * 1e-9;
                            t.get(names.get(v))[1][r] = (mx.getCurrentThreadCpuTime() - c0) * 1e-9;
                        }
                    }
                    if (peak && r >= 0) {
                        peakRate[r] = KernelPeak.run(Tuning.DEFAULT.kernel(), 256, 0.05, threads);
                    }
                }
                double gflop = 2.0 * g.macs() / 1e9;
                StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-28s %-10s", c.name(), pass));
                double base = 0;
                for (String n : names) {
                    double wall = gflop / median(t.get(n)[0]), cpu = gflop / median(t.get(n)[1]);
                    double rate = threads == 1 ? cpu : wall;
                    if (base == 0) {
                        base = rate;
                    }
                    b.append(String.format(Locale.ROOT, " | %s %.1f wall %.1f/cpu-s (x%.2f)", n, wall, cpu, rate / base));
                    if (peak) {
                        double[] share = new double[rounds];
                        for (int r = 0; r < rounds; r++) {
                            share[r] = gflop / t.get(n)[0][r] / peakRate[r];
                        }
                        b.append(String.format(Locale.ROOT, " %.0f%% of peak", 100 * median(share)));
                    }
                }
                System.out.println(b);
            }
        }
    }

    private static void run(ConvOps op, String pass, ConvGeometry g, float[] x, float[] w, float[] dy, float[] y,
                            float[] dx, float[] dw) {
        switch (pass) {
            case "fwd" -> op.forward(g, x, 0, w, 0, y, 0);
            case "bwd-data" -> op.backwardData(g, dy, 0, w, 0, dx, 0);
            case "bwd-weight" -> op.backwardWeight(g, x, 0, dy, 0, dw, 0);
            default -> throw new IllegalArgumentException("pass " + pass);
        }
    }

    private static void flush(float[] buffer, int round) {
        for (int i = 0; i < buffer.length; i += 16) {
            buffer[i] = round;
        }
    }

    private static float[] rand(int n, SplittableRandom rng) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }
}
