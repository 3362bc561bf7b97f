package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.Parallel;
import io.resnet4j.kernels.PreparedConv;
import io.resnet4j.kernels.scalar.ScalarConv;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.resnet4j.kernels.vector.VectorGemmTest.abs;
import static io.resnet4j.kernels.vector.VectorGemmTest.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Inference forward with prepared weights and the fused bias + ReLU epilogue: bitwise equal to the plain vector
 * forward followed by the bias and the ReLU where both take the same path (up to 256 channels: the same packed or
 * transformed weights, the same reduction order),
 * within VectorConvTest's tolerance of the scalar reference's prepared forward, on every geometry of
 * VectorConvTest (direct, strided, junk columns, im2col panels, Winograd with and without paired tile rows,
 * 1x1 as a GEMM, 7x7 outputs packed) and every micro-kernel tile.
 */
class PreparedConvTest {
    private static List<ConvGeometry> all() {
        List<ConvGeometry> gs = new ArrayList<>(VectorConvTest.GEOMETRIES);
        gs.addAll(VectorConvTest.LARGER);
        gs.addAll(VectorConvTest.SEVENS);
        return gs;
    }

    @Test
    void equalsTheForwardPassFollowedByBiasAndReluBitwise() {
        SplittableRandom rng = new SplittableRandom(21);
        MicroKernel[] tiles = MicroKernel.all();
        int i = 0;
        for (ConvGeometry g : all()) {
            VectorConv conv = i % 3 == 0 ? VectorConv.INSTANCE : new VectorConv(Tuning.DEFAULT.withKernel(tiles[i % tiles.length]));
            // the three epilogues in turn: bias and ReLU, bias only, ReLU only
            boolean withBias = i % 3 != 2, relu = i % 3 != 1;
            i++;
            int xOff = 3, wOff = 5, yOff = 2, bOff = 1;
            float[] x = random(rng, xOff + g.inputSize() + 4), w = random(rng, wOff + g.weightSize() + 4);
            float[] bias = withBias ? random(rng, bOff + g.k() + 2) : null;
            float[] y0 = random(rng, yOff + g.outputSize() + 4);

            float[] expected = y0.clone();
            conv.forward(g, x, xOff, w, wOff, expected, yOff);
            biasRelu(g, expected, yOff, bias, bOff, relu);
            PreparedConv prepared = conv.prepare(g.withBatch(1), w, wOff);
            float[] actual = y0.clone();
            conv.forward(g, x, xOff, prepared, bias, bOff, relu, actual, yOff);
            if (Math.max(g.c(), g.k()) <= Tuning.WINOGRAD_ANY_BATCH_CHANNELS && prepared.form() != VectorConv.TILES) {
                // the same path as the plain forward (wider ones may take Winograd only when prepared; PositionTiles,
                // for prepared weights only, is checked against the GEMM in PositionTilesTest)
                assertThat(actual).as("%s %s bias %s relu %s", conv, g, withBias, relu).isEqualTo(expected);
            }

            compareWithReference("prepared forward", conv, g, x, xOff, w, wOff, bias, bOff, relu, y0, yOff, actual);
        }
    }

    /**
     * forwardAdd onto a residual (a residual unit's last convolution, add and ReLU in one pass) against the scalar
     * reference's forward, add and ReLU, on every geometry above and on ones that take PositionTiles (1x1 with many
     * taps at 14x14, strided; 3x3 at 7x7), each prepared form at least once, every micro-kernel tile.
     */
    @Test
    void forwardAddEqualsTheForwardFollowedByTheResidualAdd() {
        SplittableRandom rng = new SplittableRandom(25);
        MicroKernel[] tiles = MicroKernel.all();
        List<ConvGeometry> gs = all();
        gs.addAll(List.of(ConvGeometry.of(1, 1024, 14, 14, 40, 1, 1, 0), ConvGeometry.of(2, 512, 14, 14, 72, 1, 2, 0),
                ConvGeometry.of(1, 288, 7, 7, 40, 3, 1, 1), ConvGeometry.of(1, 48, 28, 28, 40, 3, 2, 1)));
        java.util.Set<Integer> forms = new java.util.TreeSet<>();
        int i = 0;
        for (ConvGeometry g : gs) {
            VectorConv conv = i % 3 == 0 ? VectorConv.INSTANCE
                    : new VectorConv(Tuning.DEFAULT.withKernel(tiles[i % tiles.length]));
            boolean withBias = i % 3 != 2, relu = i % 2 == 0;
            i++;
            int xOff = 3, wOff = 5, yOff = 2, bOff = 1;
            float[] x = random(rng, xOff + g.inputSize() + 4), w = random(rng, wOff + g.weightSize() + 4);
            float[] bias = withBias ? random(rng, bOff + g.k() + 2) : null;
            float[] residual = random(rng, yOff + g.outputSize() + 4);
            PreparedConv prepared = conv.prepare(g.withBatch(1), w, wOff);
            forms.add(prepared.form());
            float[] actual = residual.clone();
            conv.forwardAdd(g, x, xOff, prepared, bias, bOff, relu, actual, yOff);

            ScalarConv ref = ScalarConv.INSTANCE;
            float[] expected = residual.clone(), magnitude = residual.clone();
            ref.forwardAdd(g, x, xOff, ref.prepare(g, w, wOff), bias, bOff, relu, expected, yOff);
            float[] conv0 = new float[yOff + g.outputSize()];
            ref.forward(g, abs(x), xOff, abs(w), wOff, conv0, yOff);
            int pq = g.p() * g.q();
            for (int e = 0; e < g.outputSize(); e++) {
                magnitude[yOff + e] = Math.abs(residual[yOff + e]) + conv0[yOff + e]
                        + (bias != null ? Math.abs(bias[bOff + e / pq % g.k()]) : 0f);
            }
            VectorConvTest.compare("forwardAdd bias " + withBias + " relu " + relu, conv, g, residual, expected,
                    magnitude, actual, yOff, g.outputSize());
        }
        assertThat(forms).as("prepared forms covered").containsExactly(VectorConv.PACKED, VectorConv.WINOGRAD,
                VectorConv.DIRECT, VectorConv.TILES);
    }

    /** The scalar reference's forwardAdd is its forward, then the add and the ReLU, element by element. */
    @Test
    void scalarForwardAddIsTheForwardThenTheAdd() {
        SplittableRandom rng = new SplittableRandom(26);
        ConvGeometry g = ConvGeometry.of(2, 5, 7, 6, 3, 3, 2, 1);
        ScalarConv ref = ScalarConv.INSTANCE;
        float[] x = random(rng, g.inputSize()), w = random(rng, g.weightSize()), bias = random(rng, g.k());
        float[] residual = random(rng, g.outputSize()), branch = new float[g.outputSize()], actual = residual.clone();
        ref.forward(g, x, 0, ref.prepare(g, w, 0), bias, 0, false, branch, 0);
        ref.forwardAdd(g, x, 0, ref.prepare(g, w, 0), bias, 0, true, actual, 0);
        for (int e = 0; e < actual.length; e++) {
            assertThat(actual[e]).isEqualTo(Math.max(residual[e] + branch[e], 0f));
        }
    }

    /** y (g's output from yOff) plus the bias of its channel (bias null: none), then ReLU: the epilogue's rule. */
    static void biasRelu(ConvGeometry g, float[] y, int yOff, float[] bias, int bOff, boolean relu) {
        int pq = g.p() * g.q();
        for (int e = 0; e < g.outputSize(); e++) {
            float v = y[yOff + e];
            v = bias != null ? v + bias[bOff + e / pq % g.k()] : v;
            y[yOff + e] = relu && v < 0f ? 0f : v;
        }
    }

    /**
     * actual (y0 with the output from yOff) against the scalar reference's prepared forward, within VectorConvTest's
     * tolerance of the magnitude of the terms (bias included).
     */
    static void compareWithReference(String pass, Object conv, ConvGeometry g, float[] x, int xOff, float[] w, int wOff,
                                     float[] bias, int bOff, boolean relu, float[] y0, int yOff, float[] actual) {
        float[] reference = y0.clone(), magnitude = y0.clone();
        ScalarConv ref = ScalarConv.INSTANCE;
        ref.forward(g, x, xOff, ref.prepare(g, w, wOff), bias, bOff, relu, reference, yOff);
        ref.forward(g, abs(x), xOff, abs(w), wOff, magnitude, yOff);
        int pq = g.p() * g.q();
        for (int e = 0; e < g.outputSize(); e++) {
            magnitude[yOff + e] += bias != null ? Math.abs(bias[bOff + e / pq % g.k()]) : 0f;
        }
        VectorConvTest.compare(pass, conv, g, y0, reference, magnitude, actual, yOff, g.outputSize());
    }

    /**
     * Above 256 channels prepared weights take Winograd at any batch, where the plain forward transforms the weights
     * per call only from 64 tiles: at batch 1 (49 tiles of a 14x14 output) the two paths differ, so the prepared one is checked against the
     * scalar reference.
     */
    @Test
    void wideChannelsTakeWinogradWhenPrepared() {
        SplittableRandom rng = new SplittableRandom(24);
        ConvGeometry g = ConvGeometry.of(1, 264, 14, 14, 260, 3, 1, 1);
        float[] x = random(rng, g.inputSize()), w = random(rng, g.weightSize()), bias = random(rng, g.k());
        // PositionTiles off: it is checked in PositionTilesTest
        VectorConv conv = new VectorConv(Tuning.DEFAULT.withTiles(0));
        PreparedConv prepared = conv.prepare(g, w, 0);
        assertThat(prepared.form()).isEqualTo(VectorConv.WINOGRAD);
        float[] y0 = new float[g.outputSize()], actual = y0.clone(), expected = y0.clone(), magnitude = y0.clone();
        conv.forward(g, x, 0, prepared, bias, 0, true, actual, 0);
        ScalarConv.INSTANCE.forward(g, x, 0, ScalarConv.INSTANCE.prepare(g, w, 0), bias, 0, true, expected, 0);
        ScalarConv.INSTANCE.forward(g, abs(x), 0, abs(w), 0, magnitude, 0);
        for (int e = 0; e < g.outputSize(); e++) {
            magnitude[e] += Math.abs(bias[e / (g.p() * g.q())]);
        }
        VectorConvTest.compare("prepared Winograd forward", conv, g, y0, expected, magnitude, actual, 0,
                g.outputSize());
        assertThat(conv.prepare(ConvGeometry.of(1, 264, 14, 14, 260, 3, 2, 1), w, 0).form())
                .as("strided: no Winograd").isEqualTo(VectorConv.PACKED);
    }

    @Test
    void isASnapshotUsableAtAnyBatchAndThreadCount() {
        SplittableRandom rng = new SplittableRandom(22);
        int threads = Parallel.threads();
        try {
            // Winograd with paired tile rows, Winograd, direct strided, 1x1 GEMM
            for (ConvGeometry g : List.of(ConvGeometry.of(5, 40, 7, 7, 80, 3, 1, 1), ConvGeometry.of(3, 16, 28, 28, 16, 3, 1, 1),
                    ConvGeometry.of(4, 64, 14, 14, 128, 3, 2, 1), ConvGeometry.of(3, 96, 14, 14, 200, 1, 1, 0))) {
                float[] x = random(rng, g.inputSize()), w = random(rng, g.weightSize()), bias = random(rng, g.k());
                PreparedConv prepared = VectorConv.INSTANCE.prepare(g, w, 0);
                float[] original = w.clone();
                w[0] += 1f;
                Parallel.setThreads(1);
                float[] one = new float[g.outputSize()];
                VectorConv.INSTANCE.forward(g, x, 0, prepared, bias, 0, true, one, 0);
                Parallel.setThreads(2);
                float[] two = new float[g.outputSize()];
                VectorConv.INSTANCE.forward(g, x, 0, prepared, bias, 0, true, two, 0);
                assertThat(two).as("threads, %s", g).isEqualTo(one);

                float[] fresh = new float[g.outputSize()];
                VectorConv.INSTANCE.forward(g, x, 0, VectorConv.INSTANCE.prepare(g, original, 0), bias, 0, true, fresh, 0);
                assertThat(one).as("snapshot, %s", g).isEqualTo(fresh);

                // batch 1 alone gives the first image's output
                ConvGeometry g1 = g.withBatch(1);
                float[] single = new float[g1.outputSize()];
                VectorConv.INSTANCE.forward(g1, x, 0, prepared, bias, 0, true, single, 0);
                for (int e = 0; e < single.length; e++) {
                    if (Float.floatToRawIntBits(single[e]) != Float.floatToRawIntBits(one[e])) {
                        fail("%s: batch 1 differs from the batch's first image at %d", g, e);
                    }
                }
            }
        } finally {
            Parallel.setThreads(threads);
        }
    }

    @Test
    void refusesWeightsPreparedForAnotherGeometryOrImplementation() {
        ConvGeometry g = ConvGeometry.of(2, 8, 10, 10, 16, 3, 1, 1);
        float[] w = new float[g.weightSize()], x = new float[g.inputSize()], y = new float[g.outputSize()];
        PreparedConv other = VectorConv.INSTANCE.prepare(ConvGeometry.of(1, 8, 12, 12, 16, 3, 1, 1), w, 0);
        assertThatThrownBy(() -> VectorConv.INSTANCE.forward(g, x, 0, other, null, 0, false, y, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prepared for");
        PreparedConv scalar = ScalarConv.INSTANCE.prepare(g, w, 0);
        assertThatThrownBy(() -> VectorConv.INSTANCE.forward(g, x, 0, scalar, null, 0, false, y, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot run on");
    }
}
