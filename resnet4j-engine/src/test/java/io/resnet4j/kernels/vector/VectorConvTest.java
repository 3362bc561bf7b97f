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
import static org.assertj.core.api.Assertions.fail;

/**
 * VectorConv against the scalar reference (direct loops, double accumulation), all three passes, on
 * geometries that exercise every path: 1x1 (flattened), 3x3, 7x7, strides 1 and 2, padding 0/1/3 and
 * asymmetric, odd sizes, batch 1 and 3, channels 1..67, and every micro-kernel tile.
 * Tolerance per element: |vector - scalar| <= 2e-5 * (sum of |terms|) + 1e-6, the magnitude computed by
 * the reference on |x|, |w|, |dy| (and |dw| for the accumulated weight gradient).
 */
class VectorConvTest {
    static final List<ConvGeometry> GEOMETRIES = List.of(
            ConvGeometry.of(3, 5, 7, 9, 6, 1, 1, 0),
            ConvGeometry.of(1, 67, 5, 5, 13, 1, 1, 0),
            ConvGeometry.of(3, 7, 9, 7, 17, 1, 2, 0),
            ConvGeometry.of(2, 4, 6, 5, 3, 1, 1, 1),
            ConvGeometry.of(1, 1, 8, 8, 1, 3, 1, 1),
            ConvGeometry.of(3, 3, 11, 13, 16, 3, 1, 1),
            ConvGeometry.of(3, 16, 8, 8, 16, 3, 1, 1),
            ConvGeometry.of(2, 13, 7, 7, 67, 3, 1, 1),
            ConvGeometry.of(1, 67, 9, 6, 5, 3, 1, 0),
            ConvGeometry.of(3, 6, 11, 9, 10, 3, 2, 1),
            ConvGeometry.of(2, 5, 8, 8, 7, 3, 2, 0),
            ConvGeometry.of(1, 4, 5, 6, 3, 3, 1, 2),
            ConvGeometry.of(2, 3, 6, 7, 5, 3, 1, 3),
            ConvGeometry.of(2, 3, 13, 11, 8, 7, 2, 3),
            ConvGeometry.of(1, 5, 9, 10, 4, 7, 1, 3),
            ConvGeometry.of(3, 2, 17, 17, 33, 3, 1, 1),
            new ConvGeometry(2, 5, 9, 8, 6, 3, 3, 1, 1, 0, 1, 1, 2),
            new ConvGeometry(2, 4, 10, 9, 5, 3, 2, 2, 1, 1, 0, 2, 1),
            new ConvGeometry(1, 3, 7, 12, 4, 2, 3, 1, 2, 1, 0, 0, 1),
            // q a multiple of 8 (and of 4): the direct path that gathers panels from padded images
            ConvGeometry.of(2, 5, 6, 8, 7, 3, 1, 1),
            ConvGeometry.of(3, 6, 5, 16, 9, 3, 1, 1),
            ConvGeometry.of(2, 7, 4, 6, 10, 1, 1, 0),
            ConvGeometry.of(1, 3, 9, 8, 5, 7, 1, 3),
            ConvGeometry.of(5, 4, 3, 24, 3, 3, 1, 0),
            new ConvGeometry(2, 3, 7, 8, 4, 3, 3, 1, 1, 0, 1, 1, 1),
            new ConvGeometry(3, 2, 6, 16, 5, 3, 1, 1, 1, 2, 1, 0, 1),
            // strided with q a multiple of 8: panels gathered from the phase planes (odd sizes, asymmetric stride
            // and padding, 1x1 and 7x7)
            ConvGeometry.of(3, 5, 15, 16, 7, 3, 2, 1),
            ConvGeometry.of(2, 3, 9, 16, 6, 3, 2, 1),
            ConvGeometry.of(2, 6, 7, 15, 9, 1, 2, 0),
            ConvGeometry.of(1, 3, 21, 31, 5, 7, 2, 3),
            new ConvGeometry(2, 4, 10, 23, 5, 3, 3, 2, 3, 1, 2, 0, 1),
            new ConvGeometry(2, 3, 11, 16, 4, 2, 2, 3, 1, 0, 1, 1, 0),
            // q not a multiple of 8 (7, 14, 15, 21, 28; 1x1 flattened 49, 196): rows widened to whole vectors, the
            // junk columns never stored; odd channel counts for row tails, strides 1 and 2
            ConvGeometry.of(2, 3, 28, 28, 5, 3, 1, 1),
            ConvGeometry.of(2, 5, 28, 28, 7, 3, 2, 1),
            ConvGeometry.of(3, 7, 14, 14, 9, 3, 1, 1),
            ConvGeometry.of(2, 6, 14, 14, 11, 3, 2, 1),
            ConvGeometry.of(3, 9, 7, 7, 13, 3, 1, 1),
            ConvGeometry.of(2, 4, 15, 15, 6, 3, 1, 1),
            ConvGeometry.of(1, 3, 21, 21, 4, 1, 1, 0),
            ConvGeometry.of(2, 5, 14, 14, 6, 1, 1, 0),
            ConvGeometry.of(1, 3, 7, 7, 17, 1, 1, 0),
            ConvGeometry.of(2, 3, 14, 14, 8, 1, 2, 0),
            new ConvGeometry(2, 4, 13, 28, 5, 3, 3, 1, 2, 1, 1, 1, 1));

    @Test
    void everyPassMatchesTheScalarReference() {
        SplittableRandom rng = new SplittableRandom(5);
        MicroKernel[] tiles = MicroKernel.all();
        int i = 0;
        for (ConvGeometry g : GEOMETRIES) {
            VectorConv conv = i == 0 ? VectorConv.INSTANCE : new VectorConv(Tuning.DEFAULT.withKernel(tiles[i % tiles.length]));
            checkAllPasses(conv, g, rng);
            i++;
        }
    }

    /** The backward-weight paths that WeightOuter (default for small weights) leaves to larger shapes. */
    @Test
    void withoutOuterProductsEveryPassMatchesTheScalarReference() {
        SplittableRandom rng = new SplittableRandom(7);
        VectorConv noOuter = new VectorConv(NO_OUTER);
        for (ConvGeometry g : GEOMETRIES) {
            checkAllPasses(noOuter, g, rng);
        }
        for (ConvGeometry g : LARGER) {
            checkAllPasses(noOuter, g, rng);
        }
    }

    private static final Tuning NO_OUTER = Tuning.DEFAULT.withWeightOuter(0);

    /**
     * Strided backward-weight as WeightGemm on the stride's phase planes (from weightGemmMinK output channels,
     * where WeightOuter does not take it) and as WeightGrid's dot products: strides 2, 3 and (2, 3), padding 0
     * to 2, 1x1 to 5x5 kernels, odd sizes, batch 1 to 3.
     */
    @Test
    void stridedBackwardWeightAsAGemmMatchesTheScalarReference() {
        SplittableRandom rng = new SplittableRandom(29);
        int k = NO_OUTER.weightGemmMinK();
        List<ConvGeometry> strided = List.of(
                ConvGeometry.of(2, 5, 14, 14, k, 3, 2, 1),
                ConvGeometry.of(1, 3, 13, 11, k + 3, 3, 2, 1),
                ConvGeometry.of(3, 4, 15, 17, k + 1, 5, 3, 2),
                new ConvGeometry(2, 3, 12, 13, k, 3, 3, 2, 3, 1, 0, 1, 1),
                ConvGeometry.of(2, 6, 9, 9, k, 2, 2, 0),
                new ConvGeometry(2, 7, 11, 10, k + 5, 1, 1, 2, 2, 1, 1, 0, 0));
        for (Tuning t : List.of(NO_OUTER, NO_OUTER.withWeightGemmStrided(false))) {
            VectorConv conv = new VectorConv(t);
            for (ConvGeometry g : strided) {
                checkAllPasses(conv, g, rng);
            }
        }
    }

    /**
     * Strided 1x1 convolutions run as pointwise ones on the input's samples (default) and by the general
     * strided paths (phase planes, col2im, im2col chunks): odd and asymmetric strides and sizes, batch 1 and 3,
     * a padded one (never subsampled), and ResNet-50-like channel counts.
     */
    @Test
    void stridedPointwiseConvolutionsMatchTheScalarReferenceBothWays() {
        SplittableRandom rng = new SplittableRandom(17);
        List<ConvGeometry> strided = List.of(
                ConvGeometry.of(3, 7, 9, 7, 17, 1, 2, 0),
                ConvGeometry.of(1, 6, 7, 15, 9, 1, 2, 0),
                ConvGeometry.of(2, 3, 14, 14, 8, 1, 2, 0),
                new ConvGeometry(3, 5, 9, 10, 6, 1, 1, 2, 3, 0, 0, 0, 0),
                new ConvGeometry(2, 4, 11, 5, 7, 1, 1, 3, 1, 0, 0, 0, 0),
                new ConvGeometry(2, 3, 9, 9, 4, 1, 1, 2, 2, 1, 1, 0, 0),
                ConvGeometry.of(1, 96, 14, 14, 70, 1, 2, 0),
                ConvGeometry.of(2, 33, 28, 28, 40, 1, 2, 0));
        for (VectorConv conv : List.of(VectorConv.INSTANCE, new VectorConv(Tuning.DEFAULT.withSubsample(false)))) {
            for (ConvGeometry g : strided) {
                checkAllPasses(conv, g, rng);
            }
        }
    }

    /**
     * The GEMM packs its panels where gathered ones would compute over Tuning.gatherWaste percent more columns
     * (images of 7x7 outputs: 64 columns gathered, 49 packed), and either way matches the scalar reference:
     * pointwise and strided 3x3 layers with 7x7 outputs at batch 1 (gathered) and 4 (packed), and with no limit.
     */
    @Test
    void panelsArePackedWhereGatheringWouldComputeTooManyColumns() {
        Tuning d = Tuning.DEFAULT;
        int nr = d.kernel().nr, l = Simd.LANES, qv = (49 + l - 1) / l * l;
        // one image of 49 outputs: the same whole panels either way; four: 4 x qv gathered against 196 packed
        assertThat(d.gather(1, 1, 49, qv)).isTrue();
        assertThat(d.gather(4, 1, 49, qv)).isEqualTo(4L * ((qv + nr - 1) / nr * nr) * 100 <= (196 + nr - 1) / nr * nr * 120L);
        assertThat(d.gather(16, 1, 49, qv)).isFalse();
        assertThat(d.gather(16, 7, 7, l)).isFalse();
        // rows of whole vectors and whole panels per image: within the limit
        assertThat(d.gather(16, 32, 32, 32)).isTrue();
        assertThat(d.gather(16, 1, 192, 192)).isTrue();
        assertThat(d.withGatherWaste(0).gather(16, 1, 49, qv)).isTrue();
        SplittableRandom rng = new SplittableRandom(23);
        for (VectorConv conv : List.of(VectorConv.INSTANCE, new VectorConv(d.withGatherWaste(0)))) {
            for (ConvGeometry g : SEVENS) {
                checkAllPasses(conv, g, rng);
            }
        }
    }

    /** Layers with 7x7 outputs at batch 1 and 4-5 (see above; PreparedConvTest runs them too). */
    static final List<ConvGeometry> SEVENS = List.of(
            ConvGeometry.of(1, 24, 7, 7, 40, 1, 1, 0),
            ConvGeometry.of(4, 24, 7, 7, 40, 1, 1, 0),
            ConvGeometry.of(4, 20, 14, 14, 36, 1, 2, 0),
            ConvGeometry.of(4, 12, 14, 14, 24, 3, 2, 1),
            ConvGeometry.of(5, 12, 7, 7, 24, 3, 1, 1));

    /**
     * DirectConv for every forward and stride-1 backward-data it fits (k >= 4, q >= LANES, 3 vectors per image):
     * overlapping last vectors and channel blocks, strides, 1x1 and 7x7 kernels, asymmetric padding.
     */
    @Test
    void directConvolutionMatchesTheScalarReference() {
        SplittableRandom rng = new SplittableRandom(19);
        VectorConv direct = new VectorConv(Tuning.DEFAULT.withDirect(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE));
        int fitted = 0;
        for (List<ConvGeometry> list : List.of(GEOMETRIES, LARGER, DIRECT)) {
            for (ConvGeometry g : list) {
                checkAllPasses(direct, g, rng);
                fitted += DirectConv.fits(g.k(), g.p(), g.q()) ? 1 : 0;
            }
        }
        assertThat(fitted).as("geometries DirectConv fits").isGreaterThan(20);
    }

    /**
     * DirectConv's flat mode (rows narrower than a vector: vectors across rows over the image unrolled along the
     * kernel's columns, ColumnPlanes), every pass against the reference on 1 and 2 threads, and the prepared forward
     * with each epilogue against the reference plus bias and ReLU: "same" convolutions (the shifted planes with their
     * masks), strides 2 and 3 in either direction (row phases, the even-lane copies), a stride above the kernel,
     * 1x1, 5x5 and 7x7 kernels, asymmetric padding, k not a multiple of 8, few images (the batch unrolled before the
     * tasks) and many (each task unrolls its image).
     */
    @Test
    void flatDirectConvolutionMatchesTheReference() {
        SplittableRandom rng = new SplittableRandom(47);
        VectorConv direct = new VectorConv(Tuning.DEFAULT.withDirect(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE));
        int threads = Parallel.threads(), flat = 0, i = 0;
        try {
            for (ConvGeometry g : FLAT) {
                Parallel.setThreads(1 + i % 2);
                flat += DirectConv.fitsFlat(g.k(), g.p(), g.q()) ? 1 : 0;
                checkAllPasses(direct, g, rng);
                float[] x = random(rng, g.inputSize()), w = random(rng, g.weightSize()), bias = random(rng, g.k());
                float[] expected = new float[g.outputSize()], magnitude = new float[g.outputSize()];
                float[] actual = new float[g.outputSize()];
                ScalarConv.INSTANCE.forward(g, x, 0, w, 0, expected, 0);
                ScalarConv.INSTANCE.forward(g, abs(x), 0, abs(w), 0, magnitude, 0);
                boolean withBias = i % 3 != 2, relu = i % 3 != 1;
                int plane = g.p() * g.q();
                for (int e = 0; e < expected.length; e++) {
                    float b = withBias ? bias[e / plane % g.k()] : 0f;
                    expected[e] += b;
                    magnitude[e] += Math.abs(b);
                    if (relu && expected[e] < 0f) {
                        expected[e] = 0f;
                    }
                }
                direct.forward(g, x, 0, direct.prepare(g, w, 0), withBias ? bias : null, 0, relu, actual, 0);
                compare("prepared forward, bias " + withBias + " relu " + relu, direct, g, actual, expected, magnitude,
                        actual, 0, g.outputSize());
                i++;
            }
        } finally {
            Parallel.setThreads(threads);
        }
        // with 8 lanes only rows under 8 columns are flat
        assertThat(flat).as("geometries in flat mode").isGreaterThanOrEqualTo(Simd.LANES >= 16 ? FLAT.size() : 9);
    }

    /**
     * Strided backward-data by phases (DataPhases: a stride-1 convolution per phase of dx on DirectConv's tiles, then
     * interleaved): every pass against the reference on 1 and 2 threads, for shapes it takes at 8 and 16 lanes: 3x3
     * stride 2 (phases of 8x8 and 16x16, 1 to 4 taps), 2x2 stride 2 and 3x3 stride 3 (one tap per phase), 5x5
     * stride 2, a 2x2 kernel at stride 3 (a row and a column phase without taps: zeros), a stride of 2 x 1,
     * output channels not a multiple of 8.
     */
    @Test
    void stridedBackwardDataByPhasesMatchesTheReference() {
        SplittableRandom rng = new SplittableRandom(53);
        int threads = Parallel.threads(), i = 0;
        try {
            for (ConvGeometry g : List.of(
                    ConvGeometry.of(2, 16, 32, 32, 32, 3, 2, 1),
                    ConvGeometry.of(3, 12, 16, 16, 20, 3, 2, 1),
                    ConvGeometry.of(9, 8, 16, 16, 16, 3, 2, 1),
                    ConvGeometry.of(2, 8, 16, 16, 24, 2, 2, 0),
                    new ConvGeometry(2, 10, 24, 24, 12, 3, 3, 3, 3, 0, 0, 0, 0),
                    ConvGeometry.of(1, 9, 32, 32, 11, 5, 2, 2),
                    new ConvGeometry(2, 8, 24, 24, 16, 2, 2, 3, 3, 0, 0, 0, 0),
                    new ConvGeometry(2, 16, 16, 16, 8, 3, 3, 2, 1, 1, 1, 1, 1))) {
                Parallel.setThreads(1 + i++ % 2);
                assertThat(new DataPhases().plan(Tuning.DEFAULT, g.n(), g.c(), g.h(), g.w(), g.k(), g.r(), g.s(),
                        g.strideH(), g.strideW(), g.padTop(), g.padLeft(), g.p(), g.q())).as("%s by phases", g).isTrue();
                checkAllPasses(VectorConv.INSTANCE, g, rng);
            }
        } finally {
            Parallel.setThreads(threads);
        }
    }

    /** Shapes for DirectConv's flat mode (see above); 9 of them have rows under 8 columns. */
    static final List<ConvGeometry> FLAT = List.of(
            ConvGeometry.of(2, 5, 7, 7, 9, 3, 1, 1),
            ConvGeometry.of(9, 4, 7, 7, 8, 3, 1, 1),
            ConvGeometry.of(3, 6, 13, 13, 10, 3, 2, 1),
            ConvGeometry.of(1, 16, 13, 13, 16, 3, 2, 1),
            ConvGeometry.of(2, 5, 12, 12, 9, 1, 2, 1),
            ConvGeometry.of(2, 3, 6, 6, 17, 7, 1, 3),
            new ConvGeometry(1, 4, 20, 20, 8, 3, 3, 3, 3, 1, 1, 1, 1),
            new ConvGeometry(2, 3, 21, 21, 9, 2, 2, 3, 3, 0, 0, 0, 0),
            new ConvGeometry(2, 3, 13, 9, 11, 3, 3, 1, 2, 2, 1, 0, 1),
            // rows of 8-15 columns: flat with 16 lanes, rows of whole vectors with 8
            ConvGeometry.of(2, 4, 14, 14, 12, 3, 1, 1),
            ConvGeometry.of(2, 7, 28, 28, 9, 3, 2, 1),
            new ConvGeometry(2, 3, 11, 9, 8, 3, 3, 2, 1, 0, 1, 1, 1),
            ConvGeometry.of(1, 6, 9, 9, 17, 5, 1, 2),
            ConvGeometry.of(12, 32, 14, 14, 32, 3, 1, 1));

    /** Shapes for DirectConv: k % KR != 0, q % LANES != 0, 2 or 3 vectors per image, few images. */
    static final List<ConvGeometry> DIRECT = List.of(
            ConvGeometry.of(3, 3, 32, 32, 16, 3, 1, 1),
            ConvGeometry.of(2, 16, 32, 32, 32, 3, 2, 1),
            ConvGeometry.of(2, 9, 3, 8, 5, 3, 1, 1),
            ConvGeometry.of(1, 6, 11, 11, 7, 3, 1, 1),
            ConvGeometry.of(2, 5, 13, 10, 6, 5, 1, 2),
            ConvGeometry.of(1, 20, 8, 8, 36, 3, 1, 1),
            new ConvGeometry(2, 3, 12, 19, 9, 3, 3, 1, 2, 1, 0, 0, 1),
            // rows of at least 16 columns: the same cases for 16 lanes (AVX-512)
            ConvGeometry.of(2, 5, 17, 19, 6, 3, 1, 1),
            ConvGeometry.of(1, 7, 9, 33, 9, 1, 1, 0),
            ConvGeometry.of(2, 3, 40, 37, 5, 7, 2, 3),
            ConvGeometry.of(1, 20, 6, 18, 36, 3, 1, 1),
            ConvGeometry.of(2, 6, 7, 16, 4, 3, 1, 1),
            new ConvGeometry(2, 4, 11, 20, 6, 3, 3, 1, 1, 0, 1, 1, 2),
            new ConvGeometry(1, 3, 14, 40, 9, 3, 3, 1, 2, 1, 0, 0, 1),
            // tiles of 8 output channels (AVX-512): k % 8 != 0, a last block of 1 to 7 channels
            ConvGeometry.of(2, 5, 17, 19, 13, 3, 1, 1),
            ConvGeometry.of(1, 7, 9, 33, 10, 1, 1, 0),
            ConvGeometry.of(2, 3, 40, 37, 11, 7, 2, 3),
            ConvGeometry.of(2, 6, 7, 16, 15, 3, 1, 1),
            new ConvGeometry(2, 4, 11, 20, 14, 3, 3, 1, 1, 0, 1, 1, 2),
            new ConvGeometry(1, 3, 14, 40, 17, 3, 3, 1, 2, 1, 0, 0, 1),
            ConvGeometry.of(3, 16, 32, 32, 20, 3, 1, 1),
            ConvGeometry.of(2, 9, 24, 24, 18, 3, 1, 1),
            ConvGeometry.of(1, 10, 34, 34, 12, 3, 2, 1));

    static final List<ConvGeometry> LARGER = List.of(
            ConvGeometry.of(4, 8, 32, 32, 16, 3, 1, 1),
            ConvGeometry.of(8, 4, 32, 32, 8, 3, 1, 1),
            ConvGeometry.of(2, 40, 7, 7, 80, 3, 1, 1),
            ConvGeometry.of(2, 24, 14, 14, 48, 1, 1, 0),
            ConvGeometry.of(2, 16, 20, 20, 32, 3, 2, 1),
            ConvGeometry.of(6, 16, 28, 28, 16, 3, 1, 1),
            ConvGeometry.of(5, 32, 14, 14, 64, 3, 2, 1),
            // more tasks than images: the batch is padded once, before the tasks (ConvJobs.PadBatch)
            ConvGeometry.of(1, 64, 14, 14, 128, 3, 2, 1),
            ConvGeometry.of(1, 96, 7, 7, 160, 3, 1, 1),
            ConvGeometry.of(2, 128, 14, 14, 96, 1, 2, 0),
            ConvGeometry.of(40, 4, 8, 8, 6, 3, 1, 1),
            // backward-weight by outer products in groups of several images (2 groups of 5, WeightOuter.MACS_PER_SUM)
            ConvGeometry.of(10, 64, 8, 8, 64, 3, 1, 1),
            ConvGeometry.of(3, 5, 9, 11, 70, 3, 1, 1),
            ConvGeometry.of(2, 6, 6, 16, 64, 1, 1, 0),
            // backward-weight as a GEMM with its reduction split into groups
            ConvGeometry.of(4, 3, 32, 32, 64, 3, 1, 1),
            // Winograd with more channels than one tile row's chunk allows: chunks of two tile rows, a whole panel
            ConvGeometry.of(1, 144, 14, 14, 160, 3, 1, 1),
            // more than 256 channels: Winograd from 64 tiles (batch 4 at 7x7, 8 lanes), the direct path below (batch 1)
            ConvGeometry.of(4, 264, 7, 7, 260, 3, 1, 1),
            ConvGeometry.of(1, 264, 7, 7, 260, 3, 1, 1));

    @Test
    void largerShapesSplitIntoTasksAndGroups() {
        SplittableRandom rng = new SplittableRandom(9);
        for (ConvGeometry g : LARGER) {
            checkAllPasses(VectorConv.INSTANCE, g, rng);
        }
        checkAllPasses(new VectorConv(Tuning.DEFAULT.withKernel(new MicroKernel.K8x3())), ConvGeometry.of(12, 5, 8, 24, 7, 3, 1, 1), rng);
    }

    @Test
    void resultsAreBitwiseEqualOnOneAndTwoThreads() {
        SplittableRandom rng = new SplittableRandom(13);
        int defaultThreads = Parallel.threads();
        try {
            for (ConvGeometry g : List.of(ConvGeometry.of(4, 8, 32, 32, 16, 3, 1, 1),
                    ConvGeometry.of(8, 4, 32, 32, 8, 3, 1, 1), ConvGeometry.of(4, 16, 16, 16, 24, 3, 2, 1), ConvGeometry.of(8, 16, 32, 32, 32, 3, 2, 1),
                    ConvGeometry.of(2, 8, 16, 16, 64, 3, 1, 1), ConvGeometry.of(4, 3, 32, 32, 64, 3, 1, 1),
                    ConvGeometry.of(6, 16, 28, 28, 16, 3, 1, 1), ConvGeometry.of(5, 32, 14, 14, 64, 3, 2, 1),
                    ConvGeometry.of(1, 64, 14, 14, 128, 3, 2, 1))) {
                float[] x = random(rng, g.inputSize()), w = random(rng, g.weightSize()), dy = random(rng, g.outputSize());
                for (VectorConv conv : List.of(VectorConv.INSTANCE, new VectorConv(NO_OUTER))) {
                    float[][] one = passes(conv, g, x, w, dy, 1);
                    float[][] two = passes(conv, g, x, w, dy, 2);
                    for (int p = 0; p < 3; p++) {
                        assertThat(two[p]).as("pass %d of %s", p, g).isEqualTo(one[p]);
                    }
                }
            }
        } finally {
            Parallel.setThreads(defaultThreads);
        }
    }

    /** The task split only decides which task computes an element, never its reduction order. */
    @Test
    void theTaskSplitDoesNotChangeResults() {
        SplittableRandom rng = new SplittableRandom(17);
        VectorConv columnsFirst = new VectorConv(Tuning.DEFAULT.withSplitB(0)), traffic = new VectorConv(Tuning.DEFAULT.withSplitB(2));
        for (ConvGeometry g : List.of(ConvGeometry.of(1, 96, 7, 7, 400, 1, 1, 0), ConvGeometry.of(1, 64, 14, 14, 80, 3, 2, 1),
                ConvGeometry.of(2, 200, 7, 7, 64, 1, 1, 0), ConvGeometry.of(1, 40, 9, 9, 300, 3, 1, 1),
                ConvGeometry.of(3, 96, 14, 14, 100, 1, 1, 0), ConvGeometry.of(4, 8, 32, 32, 16, 3, 1, 1))) {
            float[] x = random(rng, g.inputSize()), w = random(rng, g.weightSize()), dy = random(rng, g.outputSize());
            float[][] a = passes(columnsFirst, g, x, w, dy, 2), b = passes(traffic, g, x, w, dy, 2);
            for (int p = 0; p < 3; p++) {
                assertThat(b[p]).as("pass %d of %s", p, g).isEqualTo(a[p]);
            }
            checkAllPasses(traffic, g, rng);
        }
    }

    private static float[][] passes(VectorConv conv, ConvGeometry g, float[] x, float[] w, float[] dy, int threads) {
        Parallel.setThreads(threads);
        float[] y = new float[g.outputSize()], dx = new float[g.inputSize()], dw = new float[g.weightSize()];
        conv.forward(g, x, 0, w, 0, y, 0);
        conv.backwardData(g, dy, 0, w, 0, dx, 0);
        conv.backwardWeight(g, x, 0, dy, 0, dw, 0);
        return new float[][]{y, dx, dw};
    }

    /**
     * Rows of 17-31 and 49-63 columns (with 8 lanes 9-15, 25-31, ...) on the GEMM's direct path: the row's last
     * vector moves back to end at its last column (GemmDriver.splitShift), overlapping the one before. All passes
     * against the reference, on 1 and 2 threads; the forward and the prepared forward with each epilogue bitwise
     * those of a tile that does not split rows. Channels not a multiple of 8 (a row block's partial tile), and more
     * taps than one k block (tiles that accumulate over k blocks read their overlap).
     */
    @Test
    void rowsEndingInPartOfAVectorMatchTheReference() {
        SplittableRandom rng = new SplittableRandom(43);
        Tuning gemm = Tuning.DEFAULT.withTiles(0).withWinograd(0, 0, 0).withDirect(0, 0, 0);
        VectorConv split = new VectorConv(gemm.withKernel(new MicroKernel.K8x2()));
        VectorConv whole = new VectorConv(gemm.withKernel(new MicroKernel.K8x3()));
        assertThat(new MicroKernel.K8x2().splitsRows()).isTrue();
        assertThat(new MicroKernel.K8x3().splitsRows()).isFalse();
        int threads = Parallel.threads();
        try {
            int i = 0;
            for (ConvGeometry g : List.of(
                    ConvGeometry.of(2, 20, 5, 28, 24, 1, 1, 0),
                    ConvGeometry.of(1, 400, 3, 28, 13, 1, 1, 0),
                    ConvGeometry.of(1, 7, 6, 56, 16, 3, 1, 1),
                    ConvGeometry.of(2, 45, 4, 26, 19, 3, 1, 1),
                    ConvGeometry.of(1, 9, 7, 58, 8, 3, 2, 1),
                    ConvGeometry.of(2, 50, 4, 25, 40, 3, 1, 1))) {
                Parallel.setThreads(1 + i % 2);
                checkAllPasses(split, g, rng);
                float[] x = random(rng, g.inputSize()), w = random(rng, g.weightSize()), bias = random(rng, g.k());
                float[] expected = new float[g.outputSize()], actual = new float[g.outputSize()];
                whole.forward(g, x, 0, w, 0, expected, 0);
                split.forward(g, x, 0, w, 0, actual, 0);
                assertThat(actual).as("%s forward", g).isEqualTo(expected);
                boolean withBias = i % 3 != 2, relu = i % 3 != 1;
                whole.forward(g, x, 0, whole.prepare(g, w, 0), withBias ? bias : null, 0, relu, expected, 0);
                split.forward(g, x, 0, split.prepare(g, w, 0), withBias ? bias : null, 0, relu, actual, 0);
                assertThat(actual).as("%s prepared, bias %s relu %s", g, withBias, relu).isEqualTo(expected);
                i++;
            }
        } finally {
            Parallel.setThreads(threads);
        }
    }

    static void checkAllPasses(VectorConv conv, ConvGeometry g, SplittableRandom rng) {
        int xOff = 3, wOff = 5, yOff = 2;
        float[] x = random(rng, xOff + g.inputSize() + 4);
        float[] w = random(rng, wOff + g.weightSize() + 4);
        float[] dy = random(rng, yOff + g.outputSize() + 4);
        ScalarConv ref = ScalarConv.INSTANCE;

        float[] y0 = random(rng, yOff + g.outputSize() + 4);
        float[] expected = y0.clone(), magnitude = y0.clone(), actual = y0.clone();
        ref.forward(g, x, xOff, w, wOff, expected, yOff);
        ref.forward(g, abs(x), xOff, abs(w), wOff, magnitude, yOff);
        conv.forward(g, x, xOff, w, wOff, actual, yOff);
        compare("forward", conv, g, y0, expected, magnitude, actual, yOff, g.outputSize());

        float[] dx0 = random(rng, xOff + g.inputSize() + 4);
        expected = dx0.clone();
        magnitude = dx0.clone();
        actual = dx0.clone();
        ref.backwardData(g, dy, yOff, w, wOff, expected, xOff);
        ref.backwardData(g, abs(dy), yOff, abs(w), wOff, magnitude, xOff);
        conv.backwardData(g, dy, yOff, w, wOff, actual, xOff);
        compare("backwardData", conv, g, dx0, expected, magnitude, actual, xOff, g.inputSize());

        float[] dw0 = random(rng, wOff + g.weightSize() + 4);
        expected = dw0.clone();
        magnitude = abs(dw0);
        actual = dw0.clone();
        ref.backwardWeight(g, x, xOff, dy, yOff, expected, wOff);
        ref.backwardWeight(g, abs(x), xOff, abs(dy), yOff, magnitude, wOff);
        conv.backwardWeight(g, x, xOff, dy, yOff, actual, wOff);
        compare("backwardWeight", conv, g, dw0, expected, magnitude, actual, wOff, g.weightSize());
    }

    static void compare(String pass, Object conv, ConvGeometry g, float[] before, float[] expected,
                                float[] magnitude, float[] actual, int off, int size) {
        for (int i = 0; i < actual.length; i++) {
            if (i < off || i >= off + size) {
                if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(before[i])) {
                    fail("%s %s %s wrote outside its output at %d", pass, conv, g, i);
                }
                continue;
            }
            double tol = 2e-5 * Math.abs(magnitude[i]) + 1e-6;
            if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
                fail("%s %s %s: element %d = %s, expected %s (tol %s)", pass, conv, g, i - off, actual[i], expected[i], tol);
            }
        }
    }
}
