package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.Parallel;
import io.resnet4j.kernels.PreparedConv;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static io.resnet4j.kernels.vector.VectorGemmTest.random;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * PositionTiles (inference forward with prepared weights, positions x channels tiles): within VectorConvTest's
 * tolerance of the scalar reference, and bitwise equal to the GEMM's forward followed by the bias and the ReLU
 * (both sum each output over the taps in ascending order with one fma per tap), on 1 and 2 threads. Geometries:
 * channel counts that leave a partial panel of NR channels, grids whose last tile runs past the image, padded and
 * unpadded 3x3 kernels, strides (phase planes), 1x1 in place (x with and without room for the last tile's reads,
 * which are then gathered), strided 1x1 (subsampled); on AVX-512 three of them take tiles of SHORT_MR positions (1x1
 * at 5x5 and 7x7, the 7x7 one gathering its last tile, and strided 1x1 to 3x3); the 1x1 at 13x14 reads its image
 * through first (Tuning.touchMinPlane), which changes no result. The default sums each task's tiles in passes of
 * Tuning.tileChunkTaps taps, which leave a partial last pass on all but one geometry.
 */
class PositionTilesTest {
    /** Every geometry has at least PositionTiles.MIN_TAPS taps. */
    static final List<ConvGeometry> GEOMETRIES = List.of(
            ConvGeometry.of(2, 29, 7, 9, 40, 3, 1, 1),
            ConvGeometry.of(1, 300, 5, 5, 33, 1, 1, 0),
            ConvGeometry.of(3, 30, 9, 11, 17, 3, 2, 1),
            ConvGeometry.of(2, 260, 6, 6, 20, 1, 2, 0),
            ConvGeometry.of(1, 64, 14, 14, 64, 3, 1, 1),
            ConvGeometry.of(1, 40, 8, 8, 24, 3, 1, 0),
            ConvGeometry.of(4, 256, 7, 7, 70, 1, 1, 0),
            ConvGeometry.of(1, 1030, 13, 14, 37, 1, 1, 0));

    @Test
    void matchesTheReferenceAndTheGemmBitwise() {
        VectorConv tiles = new VectorConv(Tuning.DEFAULT.withTiles(Integer.MAX_VALUE));
        SplittableRandom rng = new SplittableRandom(31);
        int i = 0;
        for (ConvGeometry g : GEOMETRIES) {
            // every other geometry without slack after x, some with less than a tile's (the 1x1 ones read in place
            // then gather their last tile's taps)
            int xSlack = i % 2 == 0 ? 0 : i % 4 == 1 ? 9 : 5;
            checkAgainstGemm("tiles forward", tiles, g, rng, i % 3 != 2, i % 3 != 1, xSlack);
            i++;
        }
    }

    /**
     * The taps' passes over a task's tiles (Tuning.tileChunkTaps) change no result: one pass over all taps, and passes
     * of 7 taps (a partial last one everywhere, mid-channel for the 3x3 kernels), each bitwise the GEMM's forward.
     */
    @Test
    void tapPassesChangeNoResult() {
        SplittableRandom rng = new SplittableRandom(37);
        for (int taps : new int[] {0, 7}) {
            VectorConv tiles = new VectorConv(Tuning.DEFAULT.withTiles(Integer.MAX_VALUE).withTileChunk(taps));
            int i = 0;
            for (ConvGeometry g : GEOMETRIES) {
                checkAgainstGemm("tiles forward, passes of " + taps + " taps", tiles, g, rng, i % 2 == 0, i % 3 != 0,
                        i % 2 == 0 ? 0 : 9);
                i++;
            }
        }
    }

    /**
     * Row tiles (PositionTiles.ROW_MR positions within an output row, AVX-512 only) forced for every width that is a
     * multiple of 7: bitwise the GEMM's forward with the bias and the ReLU, on 1 and 2 threads, and within the
     * reference's tolerance. Geometries: padded 3x3 at 7x7 with a partial panel, unpadded 3x3 to 7 x 14, strided 3x3
     * and 1x1 to 7x7, 1x1 in place without slack after x (the last row tile ends on x's last float).
     */
    @Test
    void rowTilesMatchTheGemmBitwise() {
        List<ConvGeometry> geometries = List.of(
                ConvGeometry.of(2, 29, 7, 7, 40, 3, 1, 1),
                ConvGeometry.of(1, 40, 9, 16, 24, 3, 1, 0),
                ConvGeometry.of(3, 30, 14, 14, 17, 3, 2, 1),
                ConvGeometry.of(2, 260, 14, 13, 20, 1, 2, 0),
                ConvGeometry.of(1, 300, 7, 7, 33, 1, 1, 0));
        VectorConv rows = new VectorConv(Tuning.DEFAULT.withTiles(Integer.MAX_VALUE).withTileRows(100));
        SplittableRandom rng = new SplittableRandom(41);
        int i = 0;
        for (ConvGeometry g : geometries) {
            int wp = g.q() - 1 + (g.s() + g.strideW() - 1) / g.strideW(), grid = (g.p() - 1) * wp + g.q();
            assertThat(PositionTiles.tilePositions(100, g.p(), g.q(), grid)).as("%s takes row tiles", g)
                    .isEqualTo(PositionTiles.MR == 12 ? PositionTiles.ROW_MR : PositionTiles.MR);
            checkAgainstGemm("row tiles forward", rows, g, rng, i % 2 == 0, i % 3 != 1, 0);
            i++;
        }
    }

    /**
     * tiles' prepared forward of g (at odd offsets, xSlack floats after x): PositionTiles, bitwise the GEMM's
     * forward followed by the bias and the ReLU on 1 and 2 threads, and within the scalar reference's tolerance.
     */
    private static void checkAgainstGemm(String what, VectorConv tiles, ConvGeometry g, SplittableRandom rng,
                                         boolean withBias, boolean relu, int xSlack) {
        VectorConv gemm = new VectorConv(Tuning.DEFAULT.withTiles(0).withWinograd(0, 0, 0).withDirect(0, 0, 0));
        int xOff = 3, wOff = 5, yOff = 2, bOff = 1;
        float[] x = random(rng, xOff + g.inputSize() + xSlack), w = random(rng, wOff + g.weightSize() + 4);
        float[] bias = withBias ? random(rng, bOff + g.k() + 2) : null;
        float[] y0 = random(rng, yOff + g.outputSize() + 4);
        PreparedConv prepared = tiles.prepare(g.withBatch(1), w, wOff);
        assertThat(prepared.form()).as("%s", g).isEqualTo(VectorConv.TILES);

        float[] expected = y0.clone();
        gemm.forward(g, x, xOff, w, wOff, expected, yOff);
        PreparedConvTest.biasRelu(g, expected, yOff, bias, bOff, relu);
        int threads = Parallel.threads();
        try {
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                float[] actual = y0.clone();
                tiles.forward(g, x, xOff, prepared, bias, bOff, relu, actual, yOff);
                assertThat(actual).as("%s on %d threads, bias %s relu %s", g, t, withBias, relu).isEqualTo(expected);
            }
        } finally {
            Parallel.setThreads(threads);
        }
        float[] actual = y0.clone();
        tiles.forward(g, x, xOff, prepared, bias, bOff, relu, actual, yOff);
        PreparedConvTest.compareWithReference(what, tiles, g, x, xOff, w, wOff, bias, bOff, relu, y0, yOff, actual);
    }

    /**
     * On AVX-512 the default takes row tiles for 3x3 at 7x7 (72 grid positions in tiles of 12 for 49 outputs), tiles
     * of 10 for 1x1 at 7x7 (50 positions against 60) and 5x5 (30 against 36), tiles of 12 for strided 3x3 to 7x7 (60
     * either way) and 1x1 at 14x14 (204 against 200); tiles of MR everywhere below AVX-512.
     */
    @Test
    void defaultTilePositionsCutTheGridsWaste() {
        int waste = Tuning.DEFAULT.tileRowWaste(), mr = PositionTiles.MR;
        boolean avx512 = mr == 12;
        assertThat(PositionTiles.tilePositions(waste, 7, 7, 6 * 9 + 7)).as("3x3 at 7x7")
                .isEqualTo(avx512 ? PositionTiles.ROW_MR : mr);
        assertThat(PositionTiles.tilePositions(waste, 7, 7, 49)).as("1x1 at 7x7")
                .isEqualTo(avx512 ? PositionTiles.SHORT_MR : mr);
        assertThat(PositionTiles.tilePositions(waste, 5, 5, 25)).as("1x1 at 5x5")
                .isEqualTo(avx512 ? PositionTiles.SHORT_MR : mr);
        assertThat(PositionTiles.tilePositions(waste, 7, 7, 6 * 8 + 7)).as("strided 3x3 to 7x7").isEqualTo(mr);
        assertThat(PositionTiles.tilePositions(waste, 14, 14, 196)).as("1x1 at 14x14").isEqualTo(mr);
        assertThat(PositionTiles.tilePositions(0, 7, 7, 6 * 9 + 7)).as("off").isEqualTo(mr);
    }

    /** The epilogue's ReLU keeps NaN (a NaN input reaches every channel of its position) and zeroes negatives. */
    @Test
    void reluKeepsNaNAsTheGemmDoes() {
        SplittableRandom rng = new SplittableRandom(37);
        VectorConv tiles = new VectorConv(Tuning.DEFAULT.withTiles(Integer.MAX_VALUE));
        VectorConv gemm = new VectorConv(Tuning.DEFAULT.withTiles(0).withWinograd(0, 0, 0).withDirect(0, 0, 0));
        ConvGeometry g = ConvGeometry.of(1, 300, 5, 5, 33, 1, 1, 0);
        int pq = g.p() * g.q(), nanAt = 7;
        float[] x = random(rng, g.inputSize()), w = random(rng, g.weightSize()), bias = random(rng, g.k());
        x[5 * pq + nanAt] = Float.NaN;
        PreparedConv prepared = tiles.prepare(g, w, 0);
        assertThat(prepared.form()).isEqualTo(VectorConv.TILES);
        float[] actual = new float[g.outputSize()], expected = new float[g.outputSize()];
        tiles.forward(g, x, 0, prepared, bias, 0, true, actual, 0);
        gemm.forward(g, x, 0, gemm.prepare(g, w, 0), bias, 0, true, expected, 0);
        assertThat(actual).isEqualTo(expected);
        int zeros = 0;
        for (int ch = 0; ch < g.k(); ch++) {
            assertThat(actual[ch * pq + nanAt]).as("channel %d", ch).isNaN();
            for (int e = 0; e < pq; e++) {
                zeros += actual[ch * pq + e] == 0f ? 1 : 0;
                assertThat(actual[ch * pq + e]).isNotNegative();
            }
        }
        assertThat(zeros).as("ReLU zeroed some outputs").isGreaterThan(g.k());
    }

    /**
     * 3x3 stride-1 weights prepared for PositionTiles also hold Winograd's form, which batches of DUAL_MIN_BATCH and
     * more run: bitwise Winograd's prepared forward there, the GEMM's below.
     */
    @Test
    void largeBatchesOfDualWeightsRunWinograd() {
        SplittableRandom rng = new SplittableRandom(32);
        ConvGeometry g = ConvGeometry.of(VectorConv.DUAL_MIN_BATCH, 32, 7, 7, 40, 3, 1, 1);
        VectorConv conv = VectorConv.INSTANCE, winograd = new VectorConv(Tuning.DEFAULT.withTiles(0));
        VectorConv gemm = new VectorConv(Tuning.DEFAULT.withTiles(0).withWinograd(0, 0, 0).withDirect(0, 0, 0));
        float[] x = random(rng, g.inputSize()), w = random(rng, g.weightSize()), bias = random(rng, g.k());
        PreparedConv prepared = conv.prepare(g.withBatch(1), w, 0);
        PreparedConv onlyWinograd = winograd.prepare(g.withBatch(1), w, 0);
        assertThat(prepared.form()).isEqualTo(VectorConv.TILES);
        assertThat(onlyWinograd.form()).isEqualTo(VectorConv.WINOGRAD);
        assertThat(prepared.data().length).isEqualTo(onlyWinograd.data().length + PositionTiles.weightSize(g.k(), 288));

        float[] actual = new float[g.outputSize()], expected = new float[g.outputSize()];
        conv.forward(g, x, 0, prepared, bias, 0, true, actual, 0);
        winograd.forward(g, x, 0, onlyWinograd, bias, 0, true, expected, 0);
        assertThat(actual).as("batch %d: Winograd", g.n()).isEqualTo(expected);

        ConvGeometry small = g.withBatch(VectorConv.DUAL_MIN_BATCH - 1);
        actual = new float[small.outputSize()];
        expected = new float[small.outputSize()];
        conv.forward(small, x, 0, prepared, bias, 0, true, actual, 0);
        gemm.forward(small, x, 0, w, 0, expected, 0);
        PreparedConvTest.biasRelu(small, expected, 0, bias, 0, true);
        assertThat(actual).as("batch %d: PositionTiles", small.n()).isEqualTo(expected);
    }

    /**
     * The default tuning: outputs up to 7x7, strided 3x3 up to 14x14, 1x1 of at least POINTWISE_MIN_TAPS taps (strided:
     * STRIDED_POINTWISE_MIN_TAPS) up to 14x14, at least MIN_TAPS taps.
     */
    @Test
    void defaultTakesTilesForSmallOutputs() {
        float[] w = new float[512 * 512 * 9];
        VectorConv conv = VectorConv.INSTANCE;
        assertThat(conv.prepare(ConvGeometry.of(1, 512, 7, 7, 512, 3, 1, 1), w, 0).form()).isEqualTo(VectorConv.TILES);
        assertThat(conv.prepare(ConvGeometry.of(1, 2048, 7, 7, 512, 1, 1, 0), w, 0).form()).isEqualTo(VectorConv.TILES);
        assertThat(conv.prepare(ConvGeometry.of(1, 1024, 14, 14, 2048, 1, 2, 0), w, 0).form())
                .as("strided 1x1 to 7x7").isEqualTo(VectorConv.TILES);
        assertThat(conv.prepare(ConvGeometry.of(1, 256, 28, 28, 256, 3, 2, 1), w, 0).form())
                .as("strided 3x3 to 14x14").isEqualTo(VectorConv.TILES);
        assertThat(conv.prepare(ConvGeometry.of(1, 128, 56, 56, 128, 3, 2, 1), w, 0).form())
                .as("strided 3x3 to 28x28").isNotEqualTo(VectorConv.TILES);
        assertThat(conv.prepare(ConvGeometry.of(1, 512, 28, 28, 1024, 1, 2, 0), w, 0).form())
                .as("strided 1x1 of 512 taps to 14x14").isEqualTo(VectorConv.TILES);
        assertThat(conv.prepare(ConvGeometry.of(1, 256, 56, 56, 512, 1, 2, 0), w, 0).form())
                .as("strided 1x1 of 256 taps to 28x28").isNotEqualTo(VectorConv.TILES);
        assertThat(conv.prepare(ConvGeometry.of(1, 512, 30, 28, 1024, 1, 2, 0), w, 0).form())
                .as("strided 1x1 of 512 taps to 15x14").isNotEqualTo(VectorConv.TILES);
        assertThat(conv.prepare(ConvGeometry.of(1, 256, 14, 14, 256, 3, 1, 1), w, 0).form())
                .as("14x14: Winograd").isEqualTo(VectorConv.WINOGRAD);
        float[] wide = new float[1024 * 512];
        assertThat(conv.prepare(ConvGeometry.of(1, 1024, 14, 14, 512, 1, 1, 0), wide, 0).form())
                .as("1x1 of 1024 taps to 14x14").isEqualTo(VectorConv.TILES);
        assertThat(conv.prepare(ConvGeometry.of(1, 1024, 15, 14, 256, 1, 1, 0), wide, 0).form())
                .as("1x1 of 1024 taps to 15x14").isEqualTo(VectorConv.PACKED);
        assertThat(conv.prepare(ConvGeometry.of(1, 512, 14, 14, 1024, 1, 1, 0), wide, 0).form())
                .as("1x1 of 512 taps to 14x14").isEqualTo(VectorConv.PACKED);
        assertThat(conv.prepare(ConvGeometry.of(1, 256, 56, 56, 64, 1, 1, 0), w, 0).form()).isEqualTo(VectorConv.PACKED);
        assertThat(conv.prepare(ConvGeometry.of(1, 64, 7, 7, 256, 1, 1, 0), w, 0).form())
                .as("64 taps").isEqualTo(VectorConv.PACKED);
        assertThat(new VectorConv(Tuning.DEFAULT.withTiles(0)).prepare(ConvGeometry.of(1, 512, 7, 7, 512, 3, 1, 1), w, 0)
                .form()).as("off").isNotEqualTo(VectorConv.TILES);
    }
}
