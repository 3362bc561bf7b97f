package io.resnet4j.bench;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.Parallel;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.CrossEntropyLoss;
import io.resnet4j.nn.Flatten;
import io.resnet4j.nn.GlobalAvgPool;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.MaxPool2d;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
import io.resnet4j.nn.ReLU;
import io.resnet4j.nn.Residual;
import io.resnet4j.nn.Sequential;
import io.resnet4j.nn.ShortcutA;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Measures what one training step (forward, loss, backward) of a small ResNet allocates once the buffers for
 * its batch shape exist: the design says nothing, because every module reuses its outputs and gradients.
 *
 * <p>Two measurements over the same steps after warm-up: (1) bytes allocated by every live thread
 * ({@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}, exact per thread, the kernel pool's
 * workers included); (2) a JFR recording of allocation events ({@code jdk.ObjectAllocationOutsideTLAB}: every
 * allocation too large for a thread-local buffer, i.e. every activation-sized array;
 * {@code jdk.ObjectAllocationInNewTLAB}: one sample per buffer refill, so small arrays show only as samples),
 * counting float[] and int[] events and naming the allocation sites. Run with {@code -XX:-UseTLAB} to make
 * JFR see every allocation (slower, for diagnosis). The warm-up must be long enough for C2 to compile the
 * Vector API kernels: interpreted or C1 code boxes every vector (check with {@code -XX:+PrintCompilation}).
 * Kernels called once per step on little data get there last: ResNet-50 at batch 2 boxes about 0.6 MB per step
 * in its loss kernel (2 rows of 1000 logits) until C2 compiles it, after about 500 steps (warm-up 700).
 *
 * <pre>
 * mvn -B -q -o compile -pl resnet4j-bench -am
 * java --add-modules jdk.incubator.vector -cp resnet4j-engine/target/classes:resnet4j-bench/target/classes \
 *     io.resnet4j.bench.AllocationProbe [batch=8] [size=16] [warmup=1000] [steps=20] [threads=cores] [model]
 * </pre>
 * model: a name of ModelRegistry (e.g. resnet50, with size 224; the vision module's classes on the class path)
 * instead of the small probe net, whose layers miss some kernel paths (7x7 outputs, Winograd with partial tiles).
 */
public final class AllocationProbe {
    private AllocationProbe() {
    }

    /** A CIFAR-style ResNet: 3x3 stem, a max pool, three stages of one basic block (option-A shortcuts), the head. */
    static Sequential net(int width) {
        return new Sequential()
                .add("conv1", new Conv2d(3, width, 3, 1, 1, false))
                .add("bn1", new BatchNorm2d(width))
                .add("relu", new ReLU())
                .add("maxpool", new MaxPool2d(3, 1, 1))
                .add("layer1", new Sequential(block(width, width, 1)))
                .add("layer2", new Sequential(block(width, 2 * width, 2)))
                .add("layer3", new Sequential(block(2 * width, 4 * width, 2)))
                .add("avgpool", new GlobalAvgPool())
                .add("flatten", new Flatten())
                .add("fc", new Linear(4 * width, 10));
    }

    static Residual block(int in, int planes, int stride) {
        Sequential branch = new Sequential()
                .add("conv1", new Conv2d(in, planes, 3, stride, 1, false))
                .add("bn1", new BatchNorm2d(planes))
                .add("relu", new ReLU())
                .add("conv2", new Conv2d(planes, planes, 3, 1, 1, false))
                .add("bn2", new BatchNorm2d(planes));
        return new Residual(branch, stride != 1 || in != planes ? new ShortcutA(in, planes, stride) : null, true);
    }

    /** One training step; the loss is returned so that the work cannot be optimised away. */
    static double step(Module net, CrossEntropyLoss loss, Tensor x, int[] labels) {
        net.zeroGrad();
        double l = loss.forward(net.forward(x), labels);
        net.backward(loss.backward());
        return l;
    }

    public static void main(String[] args) throws IOException {
        int batch = arg(args, 0, 8), size = arg(args, 1, 16), warmup = arg(args, 2, 1000), steps = arg(args, 3, 20);
        int threads = arg(args, 4, Runtime.getRuntime().availableProcessors());
        if (batch < 1 || size < 4 || warmup < 1 || steps < 1 || threads < 1) {
            throw new IllegalArgumentException("usage: AllocationProbe [batch>=1] [size>=4] [warmup>=1] [steps>=1] [threads>=1] [model]");
        }
        Parallel.setThreads(threads);
        String model = args.length > 5 ? args[5] : null;
        Sequential net = model == null ? net(16) : io.resnet4j.models.ModelRegistry.build(model, 1);
        net.initialize(1);
        Tensor x = new Tensor(Shape.of(batch, 3, size, size));
        SplittableRandom rng = new SplittableRandom(2);
        for (int i = 0; i < x.numel(); i++) {
            x.data()[i] = (float) rng.nextGaussian();
        }
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rng.nextInt(10);
        }
        CrossEntropyLoss loss = new CrossEntropyLoss(0.1f);

        // Starting a JVM's first JFR recording makes every compiled method not entrant (seen on JDK 17 with
        // -XX:+PrintCompilation): started only after the warm-up, the recording below would watch the interpreter
        // box vectors again, not the steady state. So JFR starts here, before the warm-up.
        try (Recording init = new Recording()) {
            init.start();
            init.stop();
        }

        // Validate before measuring: a finite loss and non-zero gradients. The first step allocates the buffers.
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        mx.setThreadAllocatedMemoryEnabled(true);
        long firstBefore = mx.getCurrentThreadAllocatedBytes();
        double first = step(net, loss, x, labels);
        long firstBytes = mx.getCurrentThreadAllocatedBytes() - firstBefore;
        Parameter w = net.namedParameters().get("conv1.weight");
        double norm = 0;
        for (float g : w.grad().data()) {
            norm += g * g;
        }
        if (!Double.isFinite(first) || !(norm > 0)) {
            throw new IllegalStateException("the probe's network does not train: loss " + first + ", |grad conv1| " + norm);
        }
        // Warm-up, with the calling thread's allocation per window of steps: it falls to zero once C2 has compiled
        // the kernels (the loss kernel, called once per step on short rows, is the last to get there).
        int window = Math.max(1, warmup / 10);
        long windowStart = mx.getCurrentThreadAllocatedBytes();
        for (int i = 1; i < warmup; i++) {
            step(net, loss, x, labels);
            if (i % window == 0 || i == warmup - 1) {
                long now = mx.getCurrentThreadAllocatedBytes();
                System.out.printf("  warm-up steps to %d: %.0f bytes per step (calling thread)%n", i,
                        (double) (now - windowStart) / (i % window == 0 ? window : i % window));
                windowStart = mx.getCurrentThreadAllocatedBytes();
            }
        }

        long[] ids = mx.getAllThreadIds();
        // The measurement's own cost (the long[] that getThreadAllocatedBytes returns), from an empty interval.
        long[] e0 = mx.getThreadAllocatedBytes(ids);
        long[] e1 = mx.getThreadAllocatedBytes(ids);
        long overhead = 0;
        for (int t = 0; t < ids.length; t++) {
            overhead += e0[t] >= 0 && e1[t] >= 0 ? e1[t] - e0[t] : 0;
        }
        long[] before = mx.getThreadAllocatedBytes(ids);
        double sink = 0;
        for (int i = 0; i < steps; i++) {
            sink += step(net, loss, x, labels);
        }
        long[] after = mx.getThreadAllocatedBytes(ids);
        long total = 0;
        Map<String, Long> perThread = new TreeMap<>();
        for (int t = 0; t < ids.length; t++) {
            if (before[t] >= 0 && after[t] >= 0 && after[t] > before[t]) {
                long d = after[t] - before[t];
                total += d;
                java.lang.management.ThreadInfo info = mx.getThreadInfo(ids[t]);
                perThread.merge(info == null ? "thread " + ids[t] : info.getThreadName(), d, Long::sum);
            }
        }

        Path jfr = Files.createTempFile("allocation-probe", ".jfr");
        Map<String, Integer> byClass = new TreeMap<>();
        Map<String, Integer> sites = new HashMap<>();
        int arrays = 0;
        try (Recording r = new Recording()) {
            r.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
            r.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
            r.start();
            for (int i = 0; i < steps; i++) {
                sink += step(net, loss, x, labels);
            }
            r.stop();
            r.dump(jfr);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(jfr);
        boolean tlab = !ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:-UseTLAB");
        Files.deleteIfExists(jfr);
        for (RecordedEvent e : events) {
            // Only what the training steps allocate: the main thread inside step(), and the kernel pool's workers
            // (JFR's own start/stop allocations on the main thread are left out).
            boolean worker = e.getThread() != null && e.getThread().getJavaName() != null
                    && e.getThread().getJavaName().startsWith("resnet4j");
            if (!worker && !insideStep(e)) {
                continue;
            }
            String cls = e.getClass("objectClass").getName();
            String kind = e.getEventType().getName().endsWith("OutsideTLAB") ? "outside TLAB" : "new TLAB";
            byClass.merge(cls + " (" + kind + ")", 1, Integer::sum);
            if (cls.equals("float[]") || cls.equals("int[]") || cls.equals("[F") || cls.equals("[I")) {
                arrays++;
            }
            sites.merge(cls.substring(cls.lastIndexOf('.') + 1) + " at " + site(e), 1, Integer::sum);
        }

        System.out.printf("AllocationProbe: %s%n", Kernels.describe());
        System.out.printf("JDK %s, %s; net: %s, %d parameters; batch (%d, 3, %d, %d); "
                        + "%d warm-up steps, %d measured steps%n",
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                model == null ? "CIFAR-style ResNet, widths 16/32/64" : model, net.parameterCount(),
                batch, size, size, warmup, steps);
        total -= overhead;
        System.out.printf("allocated bytes per step, all threads: %.1f (total %d over %d steps, after subtracting the "
                + "measurement's own %d bytes)%n", (double) total / steps, total, steps, overhead);
        perThread.forEach((t, b) -> System.out.printf("  %-28s %12d bytes (raw, with the measurement)%n", t, b));
        System.out.printf("first step, calling thread (creates every buffer, includes class loading): %d bytes%n", firstBytes);
        System.out.printf("JFR allocation events inside %d steps (%s): %d, of which float[]/int[]: %d%n",
                steps, tlab ? "TLABs on: every array too large for a TLAB, small ones sampled; run with -XX:-UseTLAB to see every allocation"
                        : "TLABs off: every allocation", byClass.values().stream().mapToInt(Integer::intValue).sum(), arrays);
        byClass.forEach((c, n) -> System.out.printf("  %-50s %6d%n", c, n));
        sites.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(16)
                .forEach(s -> System.out.printf("  site %-70s %6d%n", s.getKey(), s.getValue()));
        System.out.printf("(loss checksum %.6f)%n", sink);
    }

    private static boolean insideStep(RecordedEvent e) {
        if (e.getStackTrace() == null) {
            return false;
        }
        if (e.getStackTrace().isTruncated()) {
            // deeper than JFR's stack depth (64 frames): a deep model's layers; JFR's own allocations are shallow
            return true;
        }
        for (RecordedFrame f : e.getStackTrace().getFrames()) {
            if (f.getMethod().getType().getName().equals(AllocationProbe.class.getName()) && f.getMethod().getName().equals("step")) {
                return true;
            }
        }
        return false;
    }

    /** The first resnet4j frame of the allocation's stack. */
    private static String site(RecordedEvent e) {
        if (e.getStackTrace() == null) {
            return "(no stack)";
        }
        for (RecordedFrame f : e.getStackTrace().getFrames()) {
            String type = f.getMethod().getType().getName();
            if (type.startsWith("io.resnet4j")) {
                return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName() + ":" + f.getLineNumber();
            }
        }
        return "(outside resnet4j)";
    }

    private static int arg(String[] args, int i, int dflt) {
        return args.length > i ? Integer.parseInt(args[i]) : dflt;
    }
}
