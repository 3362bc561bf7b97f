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
 * Winograd F(2x2, 3x3) against the scalar reference, run directly and through VectorConv's choice, with
 * VectorConvTest's per-element tolerance: forward, backward-data (a forward convolution of dy with flipped
 * weights) and backward-weight (off by default, see Tuning). Odd and even output sizes (a last tile half
 * outside the image, tile rows not filling a vector), padding 0, 1, 2 and asymmetric, channel counts that are
 * not multiples of the micro-kernel's rows or of the dot kernel's 4 x 3, two tile rows per vector (8 and 7
 * columns on 8 lanes, 16 and 14 on 16), four (3 and 4 columns on 8 lanes, 8 and 7 on 16), several chunks per
 * image, several images per chunk, every micro-kernel tile; results bitwise equal on one and two threads.
 * Forward passes of few chunks split by channels instead: bitwise the chunked pass, with and without the epilogue.
 */
class WinogradTest {
    private static final Tuning WINOGRAD = Tuning.DEFAULT.withWinograd(1, Integer.MAX_VALUE, Integer.MAX_VALUE);

    private static final List<ConvGeometry> GEOMETRIES = List.of(
            ConvGeometry.of(2, 3, 8, 8, 5, 3, 1, 1),
            ConvGeometry.of(3, 5, 7, 9, 6, 3, 1, 1),
            ConvGeometry.of(1, 4, 5, 6, 3, 3, 1, 2),
            ConvGeometry.of(2, 7, 11, 13, 9, 3, 1, 0),
            ConvGeometry.of(1, 1, 3, 3, 1, 3, 1, 0),
            ConvGeometry.of(2, 16, 32, 32, 16, 3, 1, 1),
            ConvGeometry.of(2, 19, 17, 33, 13, 3, 1, 1),
            ConvGeometry.of(1, 70, 7, 7, 67, 3, 1, 1),
            ConvGeometry.of(3, 24, 14, 14, 40, 3, 1, 1),
            ConvGeometry.of(1, 9, 40, 41, 11, 3, 1, 1),
            // at most LANES / 2 tiles per row: two tile rows per vector (an odd last one with a junk partner)
            ConvGeometry.of(2, 64, 8, 8, 64, 3, 1, 1),
            ConvGeometry.of(3, 17, 5, 8, 9, 3, 1, 1),
            ConvGeometry.of(2, 6, 7, 3, 5, 3, 1, 1),
            ConvGeometry.of(2, 20, 16, 16, 18, 3, 1, 1),
            // four tile rows per vector on 16 lanes, several chunks of them per image (the last one short)
            ConvGeometry.of(1, 70, 40, 8, 67, 3, 1, 1),
            ConvGeometry.of(2, 40, 37, 7, 33, 3, 1, 1),
            // several images per chunk (tiles of an image fill less than a panel), the last chunk with fewer
            ConvGeometry.of(17, 9, 8, 8, 10, 3, 1, 1),
            ConvGeometry.of(17, 6, 4, 4, 7, 3, 1, 1),
            ConvGeometry.of(1, 9, 13, 14, 7, 3, 1, 1),
            new ConvGeometry(2, 5, 9, 8, 6, 3, 3, 1, 1, 0, 1, 1, 2),
            new ConvGeometry(3, 2, 6, 16, 5, 3, 3, 1, 1, 2, 1, 0, 1),
            new ConvGeometry(2, 4, 10, 11, 3, 3, 3, 1, 1, 1, 0, 2, 0));

    @Test
    void forwardAndBackwardDataMatchTheScalarReference() {
        SplittableRandom rng = new SplittableRandom(21);
        MicroKernel[] tiles = MicroKernel.all();
        int i = 0;
        for (ConvGeometry g : GEOMETRIES) {
            MicroKernel mk = tiles[i++ % tiles.length];
            int xOff = 3, wOff = 5, yOff = 2;
            float[] x = random(rng, xOff + g.inputSize() + 4), w = random(rng, wOff + g.weightSize() + 4);
            float[] dy = random(rng, yOff + g.outputSize() + 4);

            float[] y = random(rng, yOff + g.outputSize() + 4), expected = y.clone(), magnitude = y.clone();
            float[] before = y.clone();
            ScalarConv.INSTANCE.forward(g, x, xOff, w, wOff, expected, yOff);
            ScalarConv.INSTANCE.forward(g, abs(x), xOff, abs(w), wOff, magnitude, yOff);
            run(mk, g.n(), g.c(), g.h(), g.w(), g.k(), g.padTop(), g.padLeft(), g.p(), g.q(), x, xOff, w, wOff, false,
                    y, yOff);
            VectorConvTest.compare("forward", "Winograd " + mk, g, before, expected, magnitude, y, yOff, g.outputSize());

            // backward-data: the forward convolution of dy with the flipped weights, padding 2 - pad
            float[] dx = random(rng, xOff + g.inputSize() + 4);
            expected = dx.clone();
            magnitude = dx.clone();
            before = dx.clone();
            ScalarConv.INSTANCE.backwardData(g, dy, yOff, w, wOff, expected, xOff);
            ScalarConv.INSTANCE.backwardData(g, abs(dy), yOff, abs(w), wOff, magnitude, xOff);
            run(mk, g.n(), g.k(), g.p(), g.q(), g.c(), 2 - g.padTop(), 2 - g.padLeft(), g.h(), g.w(), dy, yOff, w, wOff,
                    true, dx, xOff);
            VectorConvTest.compare("backward-data", "Winograd " + mk, g, before, expected, magnitude, dx, xOff, g.inputSize());

            float[] dw = random(rng, wOff + g.weightSize() + 4);
            expected = dw.clone();
            magnitude = abs(dw);
            before = dw.clone();
            ScalarConv.INSTANCE.backwardWeight(g, x, xOff, dy, yOff, expected, wOff);
            ScalarConv.INSTANCE.backwardWeight(g, abs(x), xOff, abs(dy), yOff, magnitude, wOff);
            Winograd job = new Winograd();
            job.mk = mk;
            job.planWeight(g.n(), g.c(), g.h(), g.w(), g.k(), g.padTop(), g.padLeft(), g.p(), g.q());
            job.bindWeight(x, xOff, dy, yOff, dw, wOff, new float[(int) job.groupSumsSize()]);
            job.execute();
            VectorConvTest.compare("backward-weight", "Winograd", g, before, expected, magnitude, dw, wOff, g.weightSize());
        }
    }

    @Test
    void vectorConvUsesItWhereItPaysAndAgreesWithTheScalarReference() {
        assertThat(Tuning.DEFAULT.winograd(32, 32, 16)).isTrue();
        assertThat(Tuning.DEFAULT.winograd(16, 16, 32)).isTrue();
        assertThat(Tuning.DEFAULT.winograd(64, 64, 56)).isTrue();
        int l = Simd.LANES;
        // at most LANES / 2 tiles per row: two tile rows per vector; at most LANES / 4: four
        assertThat(Tuning.DEFAULT.winograd(64, 64, l)).as("LANES columns: two tile rows per vector").isTrue();
        assertThat(Tuning.DEFAULT.winograd(64, 64, 8)).as("8 columns: two tile rows per vector on 8 lanes, four on 16")
                .isTrue();
        assertThat(Tuning.DEFAULT.winograd(64, 64, 4)).as("4 columns: four tile rows per vector on 8 lanes, %d", l)
                .isEqualTo(l == 8);
        assertThat(Tuning.DEFAULT.winograd(64, 64, 14)).as("14 columns: 7 of 8 tiles used").isTrue();
        assertThat(Tuning.DEFAULT.winograd(64, 64, 6)).as("6 columns: 3 of 4 tiles used").isFalse();
        assertThat(Tuning.DEFAULT.winograd(3, 16, 32)).as("3 input channels").isFalse();
        assertThat(Tuning.DEFAULT.winograd(640, 640, 16)).as("beyond 512 channels").isFalse();
        // above 256 channels: the per-call weight transform needs 64 tiles; prepared weights have none
        assertThat(Tuning.DEFAULT.winogradFor(256, 256, 14, 49, false)).isTrue();
        assertThat(Tuning.DEFAULT.winogradFor(512, 512, 14, 49, false)).as("batch 1 at 14x14").isFalse();
        assertThat(Tuning.DEFAULT.winogradFor(512, 512, 14, 98, false)).as("batch 2 at 14x14").isTrue();
        assertThat(Tuning.DEFAULT.winogradFor(512, 512, 14, 49, true)).as("prepared, batch 1").isTrue();
        assertThat(Tuning.DEFAULT.winogradWeight(32, 32, 16)).as("backward-weight: off by default").isFalse();
        Tuning weightToo = Tuning.DEFAULT.withWinograd(16, 256, 64);
        assertThat(weightToo.winogradWeight(64, 64, 56)).isTrue();
        assertThat(weightToo.winogradWeight(128, 128, 28)).isFalse();
        SplittableRandom rng = new SplittableRandom(23);
        VectorConvTest.checkAllPasses(VectorConv.INSTANCE, ConvGeometry.of(3, 16, 32, 32, 16, 3, 1, 1), rng);
        VectorConvTest.checkAllPasses(VectorConv.INSTANCE, ConvGeometry.of(2, 32, 15, 15, 20, 3, 1, 1), rng);
        VectorConvTest.checkAllPasses(VectorConv.INSTANCE, ConvGeometry.of(3, 64, 8, 8, 64, 3, 1, 1), rng);
        VectorConvTest.checkAllPasses(VectorConv.INSTANCE, ConvGeometry.of(2, 32, 7, 7, 24, 3, 1, 1), rng);
        VectorConvTest.checkAllPasses(VectorConv.INSTANCE, ConvGeometry.of(2, 40, 16, 16, 36, 3, 1, 1), rng);
        VectorConvTest.checkAllPasses(VectorConv.INSTANCE, ConvGeometry.of(1, 24, 13, 14, 20, 3, 1, 1), rng);
        VectorConvTest.checkAllPasses(new VectorConv(weightToo), ConvGeometry.of(3, 16, 17, 16, 24, 3, 1, 1), rng);
    }

    private static void run(MicroKernel mk, int n, int c, int h, int w, int k, int pt, int pl, int p, int q,
                            float[] x, int xOff, float[] wt, int wOff, boolean flipped, float[] y, int yOff) {
        Winograd job = new Winograd();
        job.plan(n, c, h, w, k, pt, pl, p, q, mk);
        job.bindForward(x, xOff, wt, wOff, flipped, new float[(int) job.weightSize()], y, yOff);
        job.execute();
    }

    @Test
    void channelSplitIsBitwiseTheChunkedPassAndMatchesTheReference() {
        SplittableRandom rng = new SplittableRandom(24);
        int defaultThreads = Parallel.threads();
        // batch 1 or 2 with at most 2 chunks: 256 channels at 10x10, two tile rows per vector and a junk one, four
        // (8x8 on 16 lanes), channel counts that leave short last blocks, 5 input channels in blocks of 2
        List<ConvGeometry> shapes = List.of(ConvGeometry.of(1, 256, 10, 10, 256, 3, 1, 1),
                ConvGeometry.of(1, 37, 9, 10, 29, 3, 1, 1), ConvGeometry.of(2, 70, 8, 8, 67, 3, 1, 1),
                new ConvGeometry(1, 5, 5, 6, 3, 3, 3, 1, 1, 0, 1, 1, 2));
        try {
            int i = 0;
            for (ConvGeometry g : shapes) {
                MicroKernel mk = MicroKernel.all()[i++ % MicroKernel.all().length];
                int xOff = 3, wOff = 5, yOff = 2;
                float[] x = random(rng, xOff + g.inputSize() + 4), w = random(rng, wOff + g.weightSize() + 4);
                float[] bias = random(rng, g.k());
                float[] y0 = random(rng, yOff + g.outputSize() + 4), expected = y0.clone(), magnitude = y0.clone();
                ScalarConv.INSTANCE.forward(g, x, xOff, w, wOff, expected, yOff);
                ScalarConv.INSTANCE.forward(g, abs(x), xOff, abs(w), wOff, magnitude, yOff);
                for (int threads = 1; threads <= 2; threads++) {
                    Parallel.setThreads(threads);
                    for (boolean prepared : new boolean[] {false, true}) {
                        String at = g + " " + mk + " threads " + threads + (prepared ? " prepared, bias, relu" : "");
                        float[][] out = new float[2][];
                        for (int split = 0; split < 2; split++) {
                            Winograd job = new Winograd();
                            job.channelSplitAllowed = split == 1;
                            job.plan(g.n(), g.c(), g.h(), g.w(), g.k(), g.padTop(), g.padLeft(), g.p(), g.q(), mk);
                            assertThat(job.channelSplit()).as(at).isEqualTo(split == 1);
                            float[] u = new float[(int) job.weightSize()], y = y0.clone();
                            if (prepared) {
                                job.transformAll(w, wOff, u);
                                job.bindForward(x, xOff, null, 0, false, u, y, yOff);
                                job.bindPrepared(bias, 0, true);
                            } else {
                                job.bindForward(x, xOff, w, wOff, false, u, y, yOff);
                            }
                            job.execute();
                            out[split] = y;
                        }
                        assertThat(out[1]).as(at).containsExactly(out[0]);
                        if (!prepared) {
                            VectorConvTest.compare("forward", "Winograd split " + mk, g, y0, expected, magnitude, out[1],
                                    yOff, g.outputSize());
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(defaultThreads);
        }
    }

    @Test
    void resultsAreBitwiseEqualOnOneAndTwoThreads() {
        SplittableRandom rng = new SplittableRandom(22);
        VectorConv conv = new VectorConv(WINOGRAD);
        int defaultThreads = Parallel.threads();
        try {
            for (ConvGeometry g : List.of(ConvGeometry.of(4, 16, 32, 32, 16, 3, 1, 1), ConvGeometry.of(3, 9, 15, 15, 70, 3, 1, 1),
                    ConvGeometry.of(5, 24, 7, 7, 40, 3, 1, 1))) {
                float[] x = random(rng, g.inputSize()), w = random(rng, g.weightSize()), dy = random(rng, g.outputSize());
                float[][] one = new float[3][], two = new float[3][];
                for (int threads = 1; threads <= 2; threads++) {
                    Parallel.setThreads(threads);
                    float[] y = new float[g.outputSize()], dx = new float[g.inputSize()], dw = new float[g.weightSize()];
                    conv.forward(g, x, 0, w, 0, y, 0);
                    conv.backwardData(g, dy, 0, w, 0, dx, 0);
                    conv.backwardWeight(g, x, 0, dy, 0, dw, 0);
                    (threads == 1 ? one : two)[0] = y;
                    (threads == 1 ? one : two)[1] = dx;
                    (threads == 1 ? one : two)[2] = dw;
                }
                assertThat(two[0]).as("forward %s", g).isEqualTo(one[0]);
                assertThat(two[1]).as("backward-data %s", g).isEqualTo(one[1]);
                assertThat(two[2]).as("backward-weight %s", g).isEqualTo(one[2]);
            }
        } finally {
            Parallel.setThreads(defaultThreads);
        }
    }
}
