package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.Parallel;
import io.resnet4j.kernels.scalar.ScalarConv;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static io.resnet4j.kernels.vector.VectorGemmTest.abs;
import static io.resnet4j.kernels.vector.VectorGemmTest.random;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * WeightOuter run directly (not through VectorConv's choice) against the scalar reference: the unrolled input
 * of every kind (in place, "same" stride 1 by whole-plane shifts, row by row for strides, crops and wider
 * padding), channel counts off the tile (k not a multiple of 16, crs not of 6 or 12), both tiles (k an odd or
 * even number of vectors), the channel path (16 lanes) and, on its shapes, the one-vector tile it replaces, one
 * and several image groups, chunks across an image (in place too); and bitwise equal on one and two threads.
 */
class WeightOuterTest {
    private static final List<ConvGeometry> GEOMETRIES = List.of(
            ConvGeometry.of(3, 5, 7, 9, 6, 1, 1, 0),
            ConvGeometry.of(2, 7, 9, 7, 17, 1, 2, 0),
            ConvGeometry.of(3, 16, 8, 8, 16, 3, 1, 1),
            ConvGeometry.of(2, 13, 7, 7, 67, 3, 1, 1),
            ConvGeometry.of(3, 3, 11, 13, 16, 3, 1, 1),
            ConvGeometry.of(1, 4, 5, 6, 3, 3, 1, 2),
            ConvGeometry.of(2, 3, 6, 7, 5, 3, 1, 3),
            ConvGeometry.of(3, 6, 11, 9, 10, 3, 2, 1),
            ConvGeometry.of(2, 5, 8, 8, 7, 3, 2, 0),
            ConvGeometry.of(2, 3, 13, 11, 8, 7, 2, 3),
            ConvGeometry.of(1, 3, 21, 31, 5, 7, 2, 3),
            ConvGeometry.of(2, 4, 24, 24, 20, 3, 1, 1),
            ConvGeometry.of(2, 5, 23, 23, 19, 1, 1, 0),
            ConvGeometry.of(40, 4, 8, 8, 6, 3, 1, 1),
            ConvGeometry.of(24, 16, 16, 16, 32, 3, 1, 1),
            // two vectors of k, crs = 27: two whole blocks of 12 rows and one of 3 (of 6 at 8 lanes: 4 and 3)
            ConvGeometry.of(2, 3, 10, 10, 32, 3, 1, 1),
            // k an odd number of vectors (3 at 16 lanes, 6 at 8): the one-vector tile
            ConvGeometry.of(2, 5, 9, 9, 48, 3, 1, 1),
            new ConvGeometry(2, 5, 9, 8, 6, 3, 3, 1, 1, 0, 1, 1, 2),
            new ConvGeometry(2, 4, 10, 9, 5, 3, 2, 2, 1, 1, 0, 2, 1),
            new ConvGeometry(1, 3, 7, 12, 4, 2, 3, 1, 2, 1, 0, 0, 1),
            new ConvGeometry(2, 4, 10, 23, 5, 3, 3, 2, 3, 1, 2, 0, 1),
            // the channel path at 16 lanes (k an odd number of vectors, c whole vectors): k past the tile's 8
            // rows, two channel vectors (four at 8 lanes), 5x5, pads 0 and 2, several groups, chunks across an image
            ConvGeometry.of(3, 16, 7, 9, 33, 3, 1, 1),
            ConvGeometry.of(2, 32, 6, 5, 40, 3, 1, 1),
            ConvGeometry.of(2, 16, 9, 7, 40, 5, 1, 2),
            new ConvGeometry(2, 16, 6, 7, 33, 3, 3, 1, 1, 0, 2, 2, 0),
            ConvGeometry.of(24, 16, 8, 8, 40, 3, 1, 1),
            ConvGeometry.of(1, 16, 40, 30, 40, 3, 1, 1),
            // images narrower than the kernel's reach: copies that are all zero columns
            ConvGeometry.of(2, 16, 3, 1, 40, 5, 1, 2),
            new ConvGeometry(2, 16, 4, 2, 33, 5, 5, 1, 1, 0, 4, 4, 0));

    @Test
    void matchesTheScalarReference() {
        SplittableRandom rng = new SplittableRandom(21);
        int channelPath = 0;
        for (ConvGeometry g : GEOMETRIES) {
            int xOff = 3, yOff = 2, wOff = 5;
            float[] x = random(rng, xOff + g.inputSize() + 4), dy = random(rng, yOff + g.outputSize() + 4);
            float[] dw0 = random(rng, wOff + g.weightSize() + 4);
            float[] expected = dw0.clone(), magnitude = abs(dw0);
            ScalarConv.INSTANCE.backwardWeight(g, x, xOff, dy, yOff, expected, wOff);
            ScalarConv.INSTANCE.backwardWeight(g, abs(x), xOff, abs(dy), yOff, magnitude, wOff);
            for (boolean channels : new boolean[]{true, false}) {
                float[] actual = dw0.clone();
                WeightOuter job = run(g, x, xOff, dy, yOff, actual, wOff, channels);
                channelPath += job.channels ? 1 : 0;
                VectorConvTest.compare("WeightOuter", job.channels ? "channels" : "outer", g, dw0, expected, magnitude,
                        actual, wOff, g.weightSize());
            }
        }
        // 32 vector registers only (AVX-512): 16 lanes
        assertThat(channelPath).as("geometries on the channel path").isGreaterThanOrEqualTo(Simd.LANES >= 16 ? 6 : 0);
    }

    @Test
    void theChannelPathTakesSameStrideOneLayersOfWholeChannelVectorsWhereKTakesAnOddNumberOfVectorsOnAvx512() {
        boolean avx512 = Simd.LANES >= 16;
        assertThat(channels(ConvGeometry.of(2, 16, 7, 9, 40, 3, 1, 1))).as("with 32 vector registers")
                .isEqualTo(avx512);
        assertThat(channels(ConvGeometry.of(128, 16, 32, 32, 16, 3, 1, 1))).as("CIFAR's 16@32").isEqualTo(avx512);
        assertThat(channels(ConvGeometry.of(2, 16, 7, 9, 32, 3, 1, 1))).as("k two vectors at 16 lanes, four at 8")
                .isFalse();
        assertThat(channels(ConvGeometry.of(2, 12, 7, 9, 40, 3, 1, 1))).as("c not whole vectors").isFalse();
        assertThat(channels(ConvGeometry.of(2, 16, 8, 8, 40, 3, 2, 1))).as("strided").isFalse();
        assertThat(channels(ConvGeometry.of(2, 16, 7, 9, 40, 3, 1, 0))).as("not the input's size").isFalse();
        assertThat(channels(ConvGeometry.of(2, 16, 7, 9, 40, 1, 1, 0))).as("1x1: read in place").isFalse();
    }

    private static boolean channels(ConvGeometry g) {
        WeightOuter job = new WeightOuter();
        bind(job, g, null, 0);
        return job.channels;
    }

    @Test
    void isBitwiseEqualOnOneAndTwoThreads() {
        SplittableRandom rng = new SplittableRandom(22);
        int threads = Parallel.threads();
        try {
            for (ConvGeometry g : List.of(ConvGeometry.of(24, 16, 16, 16, 32, 3, 1, 1),
                    ConvGeometry.of(40, 4, 8, 8, 6, 3, 1, 1), ConvGeometry.of(16, 8, 12, 12, 16, 3, 2, 1),
                    ConvGeometry.of(24, 16, 8, 8, 40, 3, 1, 1))) {
                float[] x = random(rng, g.inputSize()), dy = random(rng, g.outputSize());
                float[] one = new float[g.weightSize()], two = new float[g.weightSize()];
                Parallel.setThreads(1);
                run(g, x, 0, dy, 0, one, 0);
                Parallel.setThreads(2);
                run(g, x, 0, dy, 0, two, 0);
                assertThat(two).as("%s", g).isEqualTo(one);
            }
        } finally {
            Parallel.setThreads(threads);
        }
    }

    @Test
    void defaultTuningTakesItForCifarLayersAndResNet50sWideOnesNotWhereDwOutgrowsItsAccumulators() {
        long limit = Tuning.DEFAULT.weightOuterFloats();
        assertThat(fits(ConvGeometry.of(128, 16, 32, 32, 16, 3, 1, 1), limit)).isTrue();
        assertThat(fits(ConvGeometry.of(128, 32, 16, 16, 32, 3, 1, 1), limit)).isTrue();
        assertThat(fits(ConvGeometry.of(128, 64, 8, 8, 64, 3, 1, 1), limit)).isTrue();
        assertThat(fits(ConvGeometry.of(128, 3, 32, 32, 16, 3, 1, 1), limit)).as("stem").isTrue();
        assertThat(fits(ConvGeometry.of(128, 32, 16, 16, 64, 3, 2, 1), limit)).as("strided").isTrue();
        assertThat(fits(ConvGeometry.of(16, 64, 56, 56, 64, 3, 1, 1), limit)).as("one 56x56 image unrolled: 2.4 MiB")
                .isTrue();
        assertThat(fits(ConvGeometry.of(16, 3, 224, 224, 64, 7, 2, 3), limit)).as("ResNet-50's stem").isTrue();
        assertThat(fits(ConvGeometry.of(16, 64, 56, 56, 64, 3, 1, 1), 1 << 17)).as("Zen 3's 512 KiB").isFalse();
        assertThat(fits(ConvGeometry.of(16, 512, 7, 7, 512, 3, 1, 1), limit)).as("dw beyond ACC_MAX").isFalse();
        assertThat(fits(ConvGeometry.of(16, 256, 56, 56, 64, 1, 1, 0), limit)).as("1x1 read in place, dy by chunks").isTrue();
        assertThat(fits(ConvGeometry.of(16, 512, 28, 28, 128, 1, 1, 0), limit)).as("1x1, dw within ACC_MAX").isTrue();
        assertThat(fits(ConvGeometry.of(16, 1024, 14, 14, 256, 1, 1, 0), limit)).as("1x1, dw beyond ACC_MAX").isFalse();
    }

    private static boolean fits(ConvGeometry g, long limit) {
        WeightOuter job = new WeightOuter();
        bind(job, g, null, 0);
        return job.fits(limit);
    }

    private static void bind(WeightOuter job, ConvGeometry g, float[] x, int xOff) {
        job.g.set(x, xOff, g.n(), g.c(), g.h(), g.w(), g.r(), g.s(), g.strideH(), g.strideW(), g.padTop(), g.padLeft(),
                g.p(), g.q());
        job.kOut = g.k();
        job.rowOff = new int[g.c() * g.r() * g.s()];
        job.plan();
    }

    private static void run(ConvGeometry g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        run(g, x, xOff, dy, dyOff, dw, dwOff, true);
    }

    /** Runs the pass (channels: whether plan may take the channel path); returns the job, to tell its path. */
    private static WeightOuter run(ConvGeometry g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff,
                                   boolean channels) {
        WeightOuter job = new WeightOuter();
        job.channelsAllowed = channels;
        bind(job, g, x, xOff);
        assertThat(job.fits(Long.MAX_VALUE)).as("%s fits", g).isTrue();
        job.dy = dy;
        job.dyOff = dyOff;
        job.dw = dw;
        job.dwOff = dwOff;
        job.groupSums = new float[(int) job.groupSumsSize()];
        job.execute();
        return job;
    }
}
