package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.Parallel;
import io.resnet4j.testing.Checks;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Once warm, the convolution passes allocate nothing on any thread, also on the GEMM's packed-panel path
 * (strided 3x3 with 7x7 outputs at batch 4, which Tuning.gather sends there) and on Winograd's with two or four
 * tile rows per vector (8x8 outputs on 8 or 16 lanes). The packed path's im2col zeroed padding rows with a
 * FloatVector.zero store loop, which C2 compiled with the vector boxed in most JVMs: 48 KiB per call; Winograd's
 * output transform passed vectors to a method C2 did not inline, which boxed them: 1.5 MB per CIFAR step. Also
 * the prepared forward by PositionTiles (inference). The engine's build runs these once more in a JVM whose C2
 * runs out of class-check traps sooner (execution trap-budget, see Simd.VECTOR_CLASS): before the exact-class
 * casts the micro-kernel's stores boxed there in every JVM, 25-106 GB per 1000 passes.
 */
class ConvAllocationTest {
    @Test
    void warmConvolutionPassesAllocateNothing() {
        ConvGeometry g = ConvGeometry.of(4, 64, 14, 14, 64, 3, 2, 1);
        // rows of 7 columns widened to one vector
        assertThat(Tuning.DEFAULT.gather(g.n(), g.p(), g.q(), Simd.LANES)).as("takes the packed path").isFalse();
        assertWarmPassesAllocateNothing(g);
    }

    @Test
    void warmBackwardDataByPhasesAllocatesNothing() {
        // 32x32 to 16x16: dx's phases are 16x16 (whole tiles at 8 and 16 lanes)
        ConvGeometry g = ConvGeometry.of(4, 16, 32, 32, 24, 3, 2, 1);
        assertThat(new DataPhases().plan(Tuning.DEFAULT, g.n(), g.c(), g.h(), g.w(), g.k(), 3, 3, 2, 2, 1, 1, g.p(),
                g.q())).as("backward-data by phases").isTrue();
        assertWarmPassesAllocateNothing(g);
    }

    @Test
    void warmChannelPathBackwardWeightAllocatesNothing() {
        // k = 40: an odd number of vectors; 16 input channels: whole vectors
        ConvGeometry g = ConvGeometry.of(4, 16, 12, 12, 40, 3, 1, 1);
        WeightOuter job = new WeightOuter();
        job.g.set(null, 0, g.n(), g.c(), g.h(), g.w(), g.r(), g.s(), 1, 1, 1, 1, g.p(), g.q());
        job.kOut = g.k();
        job.rowOff = new int[g.c() * 9];
        job.plan();
        assertThat(job.channels).as("takes WeightOuter's channel path (AVX-512)").isEqualTo(Simd.LANES >= 16);
        assertWarmPassesAllocateNothing(g);
    }

    @Test
    void warmWinogradPassesAllocateNothing() {
        ConvGeometry g = ConvGeometry.of(4, 32, 8, 8, 32, 3, 1, 1);
        assertThat(Tuning.DEFAULT.winogradFor(g.c(), g.k(), g.q(), 64, false)).as("takes Winograd").isTrue();
        assertWarmPassesAllocateNothing(g);
    }

    @Test
    void warmPreparedTilesForwardAllocatesNothing() {
        assertWarmPreparedForwardAllocatesNothing(ConvGeometry.of(2, 64, 7, 7, 40, 3, 1, 1), VectorConv.TILES, 0);
    }

    /**
     * DirectConv compiled first for training (no epilogue), then run with prepared weights, a bias and ReLU: its
     * epilogue once passed the accumulators to a helper that C2, recompiling the tile, did not always inline, and
     * the boxed vectors made frozen resnet20 at batch 1 five times slower in a JVM that had trained before.
     */
    @Test
    void directConvEpilogueAfterTrainingAllocatesNothing() {
        assertWarmPreparedForwardAllocatesNothing(ConvGeometry.of(2, 16, 16, 16, 16, 3, 1, 1), VectorConv.DIRECT,
                5_000);
    }

    /** The same order for Winograd's output rows and the GEMM's last k block, which apply the epilogue too. */
    @Test
    void winogradAndGemmEpiloguesAfterTrainingAllocateNothing() {
        assertWarmPreparedForwardAllocatesNothing(ConvGeometry.of(2, 64, 8, 8, 64, 3, 1, 1), VectorConv.WINOGRAD,
                3_000);
        assertWarmPreparedForwardAllocatesNothing(ConvGeometry.of(2, 64, 14, 14, 96, 1, 1, 0), VectorConv.PACKED,
                3_000);
    }

    /**
     * The GEMM's direct mode on rows of 28 columns, whose second vectors end the rows moved back
     * (MicroKernel.runSplit), with the epilogue, after the training forward compiled first.
     */
    @Test
    void splitRowsAfterTrainingAllocateNothing() {
        ConvGeometry g = ConvGeometry.of(1, 72, 30, 56, 16, 3, 2, 1);
        assertThat(g.q()).isEqualTo(28);
        assertThat(Tuning.DEFAULT.gather(g.n(), g.p(), g.q(), 32)).as("gathers its panels").isTrue();
        assertWarmPreparedForwardAllocatesNothing(g, VectorConv.PACKED, 3_000);
    }

    /** PositionTiles' prepared forward after the same geometry's training forward (another path) compiled first. */
    @Test
    void tilesAfterTrainingAllocateNothing() {
        assertWarmPreparedForwardAllocatesNothing(ConvGeometry.of(2, 64, 7, 7, 40, 3, 1, 1), VectorConv.TILES, 3_000);
    }

    /**
     * The reverse order: the prepared forward with its epilogue compiled first (as frozen inference before
     * training), then the three training passes of the same geometry allocate nothing once warm. DirectConv (rows of
     * whole vectors, and flat: 7x7 outputs), Winograd and the GEMM.
     */
    @Test
    void trainingPassesAfterInferenceAllocateNothing() {
        List<ConvGeometry> geometries = List.of(ConvGeometry.of(2, 16, 16, 16, 16, 3, 1, 1),
                ConvGeometry.of(2, 64, 8, 8, 64, 3, 1, 1), ConvGeometry.of(2, 64, 14, 14, 96, 1, 1, 0),
                ConvGeometry.of(2, 16, 13, 13, 16, 3, 2, 1));
        int[] forms = {VectorConv.DIRECT, VectorConv.WINOGRAD, VectorConv.PACKED, VectorConv.DIRECT};
        for (int i = 0; i < geometries.size(); i++) {
            assertWarmPreparedForwardAllocatesNothing(geometries.get(i), forms[i], 0);
            assertWarmPassesAllocateNothing(geometries.get(i));
        }
    }

    /**
     * The prepared forward (bias, ReLU) of g, whose weights take the given form, and its forwardAdd onto a residual
     * allocate nothing once warm, after trainingCalls plain forward calls.
     */
    private static void assertWarmPreparedForwardAllocatesNothing(ConvGeometry g, int form, int trainingCalls) {
        float[] x = new float[g.inputSize()], w = new float[g.weightSize()], y = new float[g.outputSize()];
        float[] bias = new float[g.k()];
        java.util.Arrays.fill(x, 0.5f);
        java.util.Arrays.fill(w, 0.25f);
        Parallel.setThreads(2);
        VectorConv conv = VectorConv.INSTANCE;
        io.resnet4j.kernels.PreparedConv prepared = conv.prepare(g, w, 0);
        assertThat(prepared.form()).as("%s takes form %d", g, form).isEqualTo(form);
        for (int i = 0; i < trainingCalls; i++) {
            conv.forward(g, x, 0, w, 0, y, 0);
        }
        Checks.assertWarmAllocatesNothing(() -> conv.forward(g, x, 0, prepared, bias, 0, true, y, 0), g.toString());
        Checks.assertWarmAllocatesNothing(() -> conv.forwardAdd(g, x, 0, prepared, bias, 0, true, y, 0),
                "forwardAdd " + g);
    }

    private static void assertWarmPassesAllocateNothing(ConvGeometry g) {
        float[] x = new float[g.inputSize()], w = new float[g.weightSize()], dy = new float[g.outputSize()];
        float[] y = new float[g.outputSize()], dx = new float[g.inputSize()], dw = new float[g.weightSize()];
        java.util.Arrays.fill(x, 0.5f);
        java.util.Arrays.fill(w, 0.25f);
        java.util.Arrays.fill(dy, 1f);
        Parallel.setThreads(2);
        VectorConv conv = VectorConv.INSTANCE;
        Runnable step = () -> {
            conv.forward(g, x, 0, w, 0, y, 0);
            conv.backwardData(g, dy, 0, w, 0, dx, 0);
            conv.backwardWeight(g, x, 0, dy, 0, dw, 0);
        };
        Checks.assertWarmAllocatesNothing(step, g.toString());
    }
}
