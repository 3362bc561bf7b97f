package io.resnet4j.bench;

import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.Parallel;
import io.resnet4j.models.ModelRegistry;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.CrossEntropyLoss;
import io.resnet4j.nn.FusedConv2d;
import io.resnet4j.nn.Inference;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.ReLU;
import io.resnet4j.nn.Residual;
import io.resnet4j.nn.Sequential;
import io.resnet4j.optim.Sgd;
import io.resnet4j.optim.SgdConfig;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Where the time of one training step goes: every kernel call of the step (convolution forward,
 * backward-data and backward-weight per layer, batch norm, ReLU, residual add, shortcut, pooling, fc, loss,
 * zeroGrad and the SGD update) replayed on its own with the step's shapes, interleaved round by round with
 * whole training steps in the same JVM, so that the machine's load shifts all of them alike. Per call the
 * median wall time over the rounds is kept; the report groups them by kind and stage and compares their sum
 * with the median whole step (the difference is what the isolated replays do not see: module glue, caches
 * that a real step does not have warm). With {@code --mode infer} the same is done for one inference
 * forward pass (eval mode: forward kernels only, no loss or optimiser), and with {@code --mode frozen} for the
 * forward pass of the Inference.freeze copy (each fused convolution timed as one call). A batch norm followed by
 * a ReLU that the network runs as one kernel (Sequential's fusion) is timed so, on a fresh pair of the same
 * shape ("bn+relu"), and the batch norm that a residual unit runs fused with its add and ReLU on a fresh one-BN
 * unit ("bn+add+relu": forward, and backward with the unit's mask and gradient add; in the network a unit after
 * another applies that one's mask in its add instead, Residual's chain, which this does not show). A frozen unit's
 * last convolution is timed as it runs, onto the shortcut's result ("+add": FusedConv2d.forwardAdd). Convolution
 * calls also report their GFLOP/s (2 flops per multiply-add of the direct method, whatever the path: Winograd's
 * count as the direct convolution's).
 *
 * <pre>
 * usage: StepProfile [--model resnet20] [--batch 128] [--mode train|infer|frozen] [--threads 2] [--rounds 15] [--warm-s 5]
 * </pre>
 */
public final class StepProfile {
    private StepProfile() {
    }

    /** One kernel call of the step; group is what the report sums over; macs: its multiply-adds (0: not a convolution). */
    record Op(String group, String what, Runnable call, long macs) {
        Op(String group, String what, Runnable call) {
            this(group, what, call, 0);
        }
    }

    public static void main(String[] args) {
        String model = "resnet20";
        int batch = 128, threads = 2, rounds = 15;
        double warmS = 5;
        String mode = "train";
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--model" -> model = v;
                case "--batch" -> batch = Integer.parseInt(v);
                case "--mode" -> {
                    if (!List.of("train", "infer", "frozen").contains(v)) {
                        throw new IllegalArgumentException("--mode must be train, infer or frozen, not " + v);
                    }
                    mode = v;
                }
                case "--threads" -> threads = Integer.parseInt(v);
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--warm-s" -> warmS = Double.parseDouble(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; usage: StepProfile [--model M] [--batch B] [--mode train|infer|frozen] [--threads N] [--rounds R] [--warm-s S]");
            }
        }
        boolean train = mode.equals("train");
        Parallel.setThreads(threads);
        System.out.println("date:    " + ZonedDateTime.now());
        System.out.println("jdk:     " + Runtime.version());
        System.out.println("kernels: " + Kernels.describe());
        System.out.println("step:    " + model + (train ? " training" : mode.equals("frozen") ? " frozen inference" : " inference") + ", batch " + batch + ", "
                + threads + " threads");

        Sequential net = ModelRegistry.build(model, 0);
        E2EBench.setPatternWeights(net);
        List<Op> ops = new ArrayList<>();
        Shape in = E2EBench.batchShape(model, batch);
        new Walker(ops, train).walk(mode.equals("frozen") ? Inference.freeze(net) : net, "", in);
        if (train) {
            CrossEntropyLoss loss = new CrossEntropyLoss();
            int classes = ModelRegistry.spec(model).numClasses();
            Tensor logits = random(Shape.of(batch, classes), 1);
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = i % classes;
            }
            ops.add(new Op("loss", "cross-entropy", () -> loss.forward(logits, labels)));
            Sequential optNet = ModelRegistry.build(model, 0);
            Sgd sgd = new Sgd(optNet.namedParameters(), SgdConfig.paper());
            ops.add(new Op("optimiser", "zeroGrad", optNet::zeroGrad));
            ops.add(new Op("optimiser", "sgd step", () -> sgd.step(0.01)));
        }

        Runnable step = E2EBench.step(new E2EBench.Workload(model, mode, batch));
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < warmS * 1e9) {
            step.run();
            for (Op op : ops) {
                op.call().run();
            }
        }
        double[][] times = new double[ops.size()][rounds];
        double[] steps = new double[rounds];
        double[] stepCpu = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long s0 = System.nanoTime(), c0 = E2EBench.processCpuNanos();
            step.run();
            steps[r] = (System.nanoTime() - s0) * 1e-6;
            stepCpu[r] = (E2EBench.processCpuNanos() - c0) * 1e-6;
            for (int i = 0; i < ops.size(); i++) {
                long o0 = System.nanoTime();
                ops.get(i).call().run();
                times[i][r] = (System.nanoTime() - o0) * 1e-6;
            }
        }
        Map<String, Double> groups = new LinkedHashMap<>();
        double sum = 0;
        System.out.println("\nper call (median ms over " + rounds + " rounds):");
        for (int i = 0; i < ops.size(); i++) {
            double ms = E2EBench.median(times[i]);
            sum += ms;
            groups.merge(ops.get(i).group(), ms, Double::sum);
            long macs = ops.get(i).macs();
            System.out.printf(Locale.ROOT, "  %-14s %-60s %8.3f%s%n", ops.get(i).group(), ops.get(i).what(), ms,
                    macs > 0 ? String.format(Locale.ROOT, " %7.1f GFLOP/s", 2e-6 * macs / ms) : "");
        }
        double stepMs = E2EBench.median(steps);
        System.out.printf(Locale.ROOT, "%nwhole step: median %.1f ms (%.1f img/s), process CPU %.1f ms; sum of the "
                + "calls %.1f ms; load %s%n", stepMs, batch * 1e3 / stepMs, E2EBench.median(stepCpu), sum, load());
        System.out.println("\n| part | ms | share of the sum |");
        System.out.println("|---|---:|---:|");
        double total = sum;
        groups.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).forEach(e ->
                System.out.printf(Locale.ROOT, "| %s | %.2f | %.1f%% |%n", e.getKey(), e.getValue(), 100 * e.getValue() / total));
        System.out.printf(Locale.ROOT, "| sum | %.2f | 100%% |%n| whole step | %.2f | |%n", sum, stepMs);
    }

    static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    static Tensor random(Shape s, long seed) {
        Tensor t = new Tensor(s);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return t;
    }

    /**
     * Collects the kernel calls of a training step, propagating shapes through the network. The calls read random
     * data and write into buffers shared by all calls of the same shape (each call's own would take ResNet-50's
     * training at batch 16 past a 12 GiB heap); calls that update their operand in place get their own.
     */
    static final class Walker {
        private final List<Op> ops;
        private final boolean train;
        private final Map<Shape, Tensor> inputs = new java.util.HashMap<>();
        private final Map<Integer, float[]> outputs = new java.util.HashMap<>();
        private long seed = 7;
        /** The network's first layer: a training step does not compute its input's gradient. */
        private boolean firstLayer = true;

        Walker(List<Op> ops, boolean train) {
            this.ops = ops;
            this.train = train;
        }

        /** Random data of shape s, shared by every call that reads that shape. */
        private Tensor input(Shape s) {
            return inputs.computeIfAbsent(s, k -> random(k, seed++));
        }

        /** A buffer of len floats for calls to write into, shared by every call of that length. */
        private float[] output(int len) {
            return outputs.computeIfAbsent(len, float[]::new);
        }

        /** Stage of a module path: "stem", "layer1", ... or "head". */
        private static String stage(String path) {
            int dot = path.indexOf('.');
            String first = dot < 0 ? path : path.substring(0, dot);
            return first.startsWith("layer") ? first : (first.equals("fc") || first.equals("avgpool")
                    || first.equals("flatten") ? "head" : "stem");
        }

        Shape walk(Module m, String path, Shape in) {
            if (m instanceof Sequential s) {
                return walkLayers(s, path, in, s.children().size());
            }
            if (m instanceof Residual r && r.fusesNorm()) {
                // the branch's last batch norm, the add and the ReLU as the unit runs them: one fused kernel
                Sequential branch = (Sequential) r.branch();
                Shape head = walkLayers(branch, path, in, branch.children().size() - 1);
                if (r.shortcut() != null) {
                    walk(r.shortcut(), path + ".downsample", in);
                }
                Residual unit = new Residual(new Sequential(new BatchNorm2d(head.c())), null, true);
                String st = stage(path);
                Tensor x = input(head), dy = input(head);
                unit.train(train);
                ops.add(new Op("bn+add+relu " + st, path + " bn+add+relu fwd", () -> unit.forward(x)));
                if (train) {
                    ops.add(new Op("bn+add+relu " + st, path + " bn+add+relu bwd", () -> unit.backward(dy)));
                }
                return head;
            }
            return walkModule(m, path, in);
        }

        /** Children [0, end) of s. */
        private Shape walkLayers(Sequential s, String path, Shape in, int end) {
            Shape x = in;
            List<Map.Entry<String, Module>> children = List.copyOf(s.children().entrySet()).subList(0, end);
            for (int i = 0; i < children.size(); i++) {
                String key = children.get(i).getKey();
                String p = key.isEmpty() ? path : path.isEmpty() ? key : path + "." + key;
                Module child = children.get(i).getValue();
                if (child instanceof BatchNorm2d bn && bn.fusesRelu() && i + 1 < children.size()
                        && children.get(i + 1).getValue() instanceof ReLU) {
                    x = fusedBatchNormRelu(bn, p, x);
                    i++;
                    continue;
                }
                x = walk(child, p, x);
            }
            return x;
        }

        private Shape walkModule(Module m, String path, Shape in) {
            if (m instanceof Residual r && r.branch() instanceof Sequential b && !b.layers().isEmpty()
                    && b.layers().get(b.layers().size() - 1) instanceof FusedConv2d tail && !tail.relu()) {
                // frozen: the branch's last convolution runs onto the shortcut's result (FusedConv2d.forwardAdd)
                Shape head = walkLayers(b, path, in, b.children().size() - 1);
                if (r.shortcut() != null) {
                    walk(r.shortcut(), path + ".downsample", in);
                }
                String name = List.copyOf(b.children().keySet()).get(b.children().size() - 1);
                Shape out = tail.outputShape(head);
                Tensor x = input(head), onto = random(out, seed++);
                ops.add(new Op("conv fwd " + stage(path), fusedShape(tail, path + "." + name, head) + " +add"
                        + (r.reluAfterAdd() ? " +relu" : ""), () -> tail.forwardAdd(x, onto, r.reluAfterAdd()),
                        macs(tail, head)));
                return out;
            }
            if (m instanceof Residual r) {
                Shape out = walk(r.branch(), path, in);
                if (r.shortcut() != null) {
                    walk(r.shortcut(), path + ".downsample", in);
                }
                int len = out.numel();
                Tensor a = input(out), b = input(out), y = new Tensor(out), d = new Tensor(out);
                String st = stage(path);
                if (r.reluAfterAdd()) {
                    ops.add(new Op("add+relu " + st, path + " fwd addRelu",
                            () -> Kernels.ELEMENTWISE.addRelu(len, a.data(), 0, b.data(), 0, y.data(), 0)));
                    if (train) {
                        ops.add(new Op("add+relu " + st, path + " bwd reluBackward",
                                () -> Kernels.ELEMENTWISE.reluBackward(len, a.data(), 0, b.data(), 0, d.data(), 0)));
                    }
                } else {
                    ops.add(new Op("add+relu " + st, path + " fwd add",
                            () -> Kernels.ELEMENTWISE.add(len, a.data(), 0, b.data(), 0, y.data(), 0)));
                }
                if (train) {
                    ops.add(new Op("add+relu " + st, path + " bwd add of the two gradients",
                            () -> Kernels.ELEMENTWISE.add(len, a.data(), 0, b.data(), 0, y.data(), 0)));
                }
                return out;
            }
            Shape out = m.outputShape(in);
            String st = stage(path);
            boolean first = firstLayer;
            firstLayer = false;
            if (m instanceof Conv2d c) {
                ConvGeometry g = ConvGeometry.of(in.n(), c.inChannels(), in.h(), in.w(), c.outChannels(), c.kernel(),
                        c.stride(), c.padding());
                float[] x = input(in).data(), w = input(c.weight().shape()).data();
                float[] y = output(g.outputSize()), dy = input(out).data();
                String shape = String.format(Locale.ROOT, "%s %dx%d s%d %d->%d @%dx%d", path, c.kernel(), c.kernel(),
                        c.stride(), c.inChannels(), c.outChannels(), in.h(), in.w());
                ops.add(new Op("conv fwd " + st, shape, () -> Kernels.CONV.forward(g, x, 0, w, 0, y, 0), g.macs()));
                if (train) {
                    float[] dx = output(g.inputSize()), dw = output(g.weightSize());
                    if (!first) {
                        ops.add(new Op("conv bwd-data " + st, shape,
                                () -> Kernels.CONV.backwardData(g, dy, 0, w, 0, dx, 0), g.macs()));
                    }
                    ops.add(new Op("conv bwd-weight " + st, shape,
                            () -> Kernels.CONV.backwardWeight(g, x, 0, dy, 0, dw, 0), g.macs()));
                }
                return out;
            }
            if (m instanceof FusedConv2d c) {
                Tensor x = input(in);
                ops.add(new Op("conv fwd " + st, fusedShape(c, path, in) + (c.relu() ? " +relu" : ""),
                        () -> c.forward(x), macs(c, in)));
                return out;
            }
            return timeModule(m, path, in, out, st);
        }

        /** "path 3x3 s1 64->64 @56x56 +bias": a fused convolution's label. */
        private static String fusedShape(FusedConv2d c, String path, Shape in) {
            return String.format(Locale.ROOT, "%s %dx%d s%d %d->%d @%dx%d%s", path, c.kernel(), c.kernel(), c.stride(),
                    c.inChannels(), c.outChannels(), in.h(), in.w(), c.bias() != null ? " +bias" : "");
        }

        private static long macs(FusedConv2d c, Shape in) {
            return ConvGeometry.of(in.n(), c.inChannels(), in.h(), in.w(), c.outChannels(), c.kernel(), c.stride(),
                    c.padding()).macs();
        }

        /** The batch norm and the ReLU after it as the network runs them: one fused kernel each way. */
        private Shape fusedBatchNormRelu(BatchNorm2d bn, String path, Shape in) {
            Sequential pair = new Sequential(new BatchNorm2d(bn.channels()), new ReLU());
            firstLayer = false;
            return timeModule(pair, path, in, bn.outputShape(in), stage(path));
        }

        private Shape timeModule(Module m, String path, Shape in, Shape out, String st) {
            String kind = m instanceof Sequential ? "bn+relu" : m instanceof BatchNorm2d ? "bn" : m instanceof ReLU ? "relu"
                    : m.getClass().getSimpleName();
            String group = m instanceof Sequential || m instanceof BatchNorm2d || m instanceof ReLU ? kind + " " + st : "other";
            Tensor x = input(in), dy = input(out);
            m.train(train);
            ops.add(new Op(group, path + " " + kind + " fwd", () -> m.forward(x)));
            if (train) {
                ops.add(new Op(group, path + " " + kind + " bwd", () -> m.backward(dy)));
            }
            return out;
        }
    }
}
