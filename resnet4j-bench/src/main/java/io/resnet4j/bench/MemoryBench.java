package io.resnet4j.bench;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.Parallel;
import io.resnet4j.models.ResNet;
import io.resnet4j.models.ResNet.Recompute;
import io.resnet4j.models.ResNetSpec;
import io.resnet4j.nn.CrossEntropyLoss;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Sequential;
import io.resnet4j.optim.Sgd;
import io.resnet4j.optim.SgdConfig;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Peak memory of CIFAR ResNet training steps (forward, cross-entropy, backward, SGD with momentum) at a given
 * depth, batch and recomputation choice, on random 3x32x32 images: the Java side of BENCHMARKS.md's Memory table
 * (tools/bench/torch_memory.py is PyTorch's).
 *
 * <p>Reported: the sum of the heap pools' peak usage (java.lang.management; an upper bound of the peak used heap,
 * each pool's peak taken at its own moment), the heap still used after a full GC at the end (what the network
 * keeps between steps), the activation buffers by kind ({@link Module#bufferUse()}), and the process's peak
 * resident set (VmHWM, the figure comparable with PyTorch's ru_maxrss; it includes the JVM's own memory and
 * every heap page ever touched). Run it with the heap limit the claim is about: {@code -Xmx12g} either
 * succeeds or fails with an OutOfMemoryError.
 *
 * <pre>
 * mvn -B -q -o compile -pl resnet4j-bench -am
 * java --add-modules jdk.incubator.vector -Xmx12g \
 *     -cp resnet4j-engine/target/classes:resnet4j-vision/target/classes:resnet4j-bench/target/classes \
 *     io.resnet4j.bench.MemoryBench depth=1202 batch=128 recompute=block steps=3 [threads=cores]
 * </pre>
 */
public final class MemoryBench {
    private static final double GIB = 1024.0 * 1024 * 1024;
    /** He et al.'s warm-up learning rate for ResNet-110 and -1202 (0.1 makes them diverge in the first steps). */
    private static final double LR = 0.01;

    private MemoryBench() {
    }

    public static void main(String[] args) throws IOException {
        int depth = 110, batch = 128, steps = 3, threads = Runtime.getRuntime().availableProcessors();
        Recompute recompute = Recompute.NONE;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("arguments are key=value (depth, batch, recompute, steps, threads), got " + a);
            }
            switch (kv[0]) {
                case "depth" -> depth = Integer.parseInt(kv[1]);
                case "batch" -> batch = Integer.parseInt(kv[1]);
                case "steps" -> steps = Integer.parseInt(kv[1]);
                case "threads" -> threads = Integer.parseInt(kv[1]);
                case "recompute" -> recompute = Recompute.valueOf(kv[1].toUpperCase(Locale.ROOT));
                default -> throw new IllegalArgumentException("unknown argument " + kv[0] + " (depth, batch, recompute, steps, threads)");
            }
        }
        if (batch < 2 || steps < 1 || threads < 1) {
            throw new IllegalArgumentException("batch >= 2, steps >= 1, threads >= 1 required");
        }
        Parallel.setThreads(threads);
        ResNetSpec spec = ResNetSpec.cifarResNet(depth);
        Sequential net = ResNet.build(spec, 1, recompute);
        Sgd sgd = new Sgd(net.namedParameters(), SgdConfig.paper());
        CrossEntropyLoss loss = new CrossEntropyLoss();
        SplittableRandom rng = new SplittableRandom(2);
        Tensor x = new Tensor(Shape.of(batch, 3, 32, 32));
        for (int i = 0; i < x.numel(); i++) {
            x.data()[i] = (float) rng.nextGaussian();
        }
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rng.nextInt(10);
        }
        System.out.printf("MemoryBench: CIFAR ResNet-%d (%d parameters), batch %d, 3x32x32, recompute %s, %d steps; "
                        + "JDK %s, -Xmx %.1f GiB, %s%n", depth, net.parameterCount(), batch, recompute, steps,
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() / GIB, Kernels.describe());
        for (int step = 0; step < steps; step++) {
            long t0 = System.nanoTime();
            net.zeroGrad();
            double l = loss.forward(net.forward(x), labels);
            net.backward(loss.backward());
            sgd.step(LR);
            if (!Double.isFinite(l)) {
                throw new IllegalStateException("loss " + l + " at step " + step);
            }
            System.out.printf("  step %d: loss %.4f, %.1f s%n", step, l, (System.nanoTime() - t0) / 1e9);
        }
        long peakSum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peakSum += pool.getPeakUsage().getUsed();
            }
        }
        System.gc();
        long live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        Module.BufferUse use = net.bufferUse();
        System.out.printf("peak heap (sum of pool peaks) %.2f GiB; heap after full GC %.2f GiB; peak RSS (VmHWM) %.2f GiB%n",
                peakSum / GIB, live / GIB, vmHwmBytes() / GIB);
        System.out.printf("activation buffers: outputs kept %.2f GiB, gradient pool %.3f GiB, recompute scratch %.3f GiB; "
                        + "parameters with gradients and momentum %.3f GiB%n", use.outputBytes() / GIB,
                use.gradientBytes() / GIB, use.scratchBytes() / GIB, 3.0 * 4 * net.parameterCount() / GIB);
    }

    /** The process's peak resident set from /proc/self/status, or -1 where there is none. */
    private static long vmHwmBytes() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
