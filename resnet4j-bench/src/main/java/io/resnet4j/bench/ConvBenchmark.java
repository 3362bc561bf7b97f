package io.resnet4j.bench;

import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * JMH benchmarks of the three convolution passes on the shapes of {@link ConvShapes} (time per call; GFLOP/s
 * = 2 * macs / time, see ConvBench for the table). The fork inherits the JVM flags of the launching JVM,
 * so {@code --add-modules jdk.incubator.vector} comes from the POM's {@code vector.module} (profile jmh).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ConvBenchmark {
    @Param({"cifar-3x3-16@32-b128", "cifar-3x3-32@16-b128", "cifar-3x3-64@8-b128",
            "r50-3x3-64@56-b16", "r50-1x1-64to256@56-b16", "r50-3x3-512@7-b16"})
    public String shape;

    @Param("2")
    public int threads;

    private ConvGeometry g;
    private float[] x, w, y, dy, dx, dw;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads);
        g = ConvShapes.byName(shape).g();
        SplittableRandom rng = new SplittableRandom(1);
        x = ConvBench.Buffers.random(rng, g.inputSize());
        w = ConvBench.Buffers.random(rng, g.weightSize());
        dy = ConvBench.Buffers.random(rng, g.outputSize());
        y = new float[g.outputSize()];
        dx = new float[g.inputSize()];
        dw = new float[g.weightSize()];
    }

    @Benchmark
    public float[] forward() {
        Kernels.CONV.forward(g, x, 0, w, 0, y, 0);
        return y;
    }

    @Benchmark
    public float[] backwardData() {
        Kernels.CONV.backwardData(g, dy, 0, w, 0, dx, 0);
        return dx;
    }

    @Benchmark
    public float[] backwardWeight() {
        Kernels.CONV.backwardWeight(g, x, 0, dy, 0, dw, 0);
        return dw;
    }
}
