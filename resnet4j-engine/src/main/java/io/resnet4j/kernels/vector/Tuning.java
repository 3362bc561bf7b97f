package io.resnet4j.kernels.vector;

/**
 * The tile and blocking of the Vector API GEMM and convolutions, chosen in one place ({@link #DEFAULT}).
 *
 * @param kernel     the register tile (MicroKernel.choose: by lane count and JDK)
 * @param kc         deepest k block: a B micro-panel of kc x nr floats plus an A micro-panel stay in L1
 * @param aBlock     floats of an A block (mc x kc) kept in L2
 * @param gridChunk  grid columns per backward-weight kernel call (a multiple of LANES), see WeightGrid
 * @param weightRows most crs rows (a multiple of 3) of one backward-weight task, see WeightGrid
 * @param panelBlock B panels per column block of a direct convolution: the A micro-panels sweep such a
 *                   block (C written as a few sequential row streams); 1 = one panel, all rows (GotoBLAS)
 * @param weightGemmMinK output channels from which a backward-weight (where no WeightOuter) runs as one packed
 *                   GEMM (WeightGemm: each gathered B element serves k multiply-adds) instead of dot products
 *                   (WeightGrid, no gather)
 * @param weightGemmStrided WeightGemm for strided convolutions too (on the stride's phase planes); false: stride 1
 *                   only
 * @param weightGemmGroup fewest grid positions of one reduction group of WeightGemm (its reduction over
 *                   n * grid positions is split into up to 16 groups, one task each, partial sums added in order);
 *                   1024 rather than 2048 gives CIFAR 64@8 at batch 128 10 groups instead of 5, which two threads
 *                   share evenly: 1.11x there on two threads, 0.97x on one
 * @param winogradMinChannels fewest input and output channels of a 3x3 stride-1 forward or backward-data run
 *                   by Winograd F(2x2, 3x3) (0: never); the stem's 3 input channels stay direct
 * @param winogradMaxChannels most channels for Winograd; above WINOGRAD_ANY_BATCH_CHANNELS only for calls of at
 *                   least WINOGRAD_WIDE_MIN_TILES tiles, or with prepared weights (see winogradFor)
 * @param winogradWeightMaxChannels most channels for the backward-weight pass by Winograd (0: never). Off
 *                   here: at 16-32 channels it measured 0.95-1.23x the direct path (its transforms write 4x the
 *                   input and take half its time), 0.73-0.84x at 64 channels
 * @param weightOuterFloats backward-weight (where no Winograd) as outer products over the output positions
 *                   (WeightOuter) where each task unrolls and transposes one image at a time into at most this
 *                   many floats (Zen 3: so they stay in L2; see WEIGHT_OUTER_FLOATS); 0: never
 * @param weightChannels WeightOuter's channel path where it applies (AVX-512, k an odd number of vectors, stride-1
 *                   "same" convolutions with whole vectors of channels: dy broadcast, the input gathered
 *                   channels-innermost);
 *                   false: the one-vector tile there
 * @param splitB     the GEMM's task split (GemmDriver.plan): 0, column blocks first (rows only when the columns
 *                   give fewer than half the tasks); w > 0, the split that reads the least A plus w times B
 * @param directMaxChannels most input and output channels of a forward or stride-1 backward-data convolution
 *                   with a kernel up to 3x3 run straight from the padded image (DirectConv) instead of the GEMM;
 *                   0: never
 * @param directWinogradChannels the same in place of Winograd (at most directMaxChannels)
 * @param directMaxTaps most taps (r * s) of a DirectConv kernel
 * @param directFlat DirectConv also for output rows narrower than a vector (q < LANES), its vectors then running
 *                   across rows over the image unrolled along the kernel's columns (ColumnPlanes); false: those
 *                   shapes take Winograd or the GEMM
 * @param dataPhases strided backward-data as one stride-1 convolution per phase of dx on DirectConv's tiles
 *                   (DataPhases) where every phase suits them; false: col2im
 * @param subsample  a strided, unpadded 1x1 convolution runs as the pointwise one on its input's samples (all three
 *                   passes, ConvJobs.Subsample); false: gathered from the stride's phase planes (forward,
 *                   DirectConv's or the GEMM's), col2im (backward-data), im2col chunks (backward-weight)
 * @param gatherWaste the GEMM gathers its B panels straight from the (padded) images only where that computes at
 *                   most this percentage of the columns the packed (im2col) panels would (0: no limit). Gathered,
 *                   every output row is widened to whole vectors and every image to whole panels; packed panels
 *                   run across images: 7x7 outputs at batch 16 compute 1024 columns gathered against 784 packed
 * @param tilesMaxPositions inference (prepared weights): forward by PositionTiles (positions x channels register
 *                   tiles straight from the padded image) for convolutions of at least PositionTiles.MIN_TAPS taps
 *                   (c * r * s) with at most this many outputs per image (p * q), strided ones with a kernel larger
 *                   than 1x1 up to PositionTiles.STRIDED_MAX_POSITIONS, and 1x1 ones of at least
 *                   PositionTiles.POINTWISE_MIN_TAPS taps (STRIDED_POINTWISE_MIN_TAPS when strided) up to
 *                   PositionTiles.POINTWISE_MAX_POSITIONS; 0: never
 * @param tileRowWaste PositionTiles tiles each output row by PositionTiles.ROW_MR positions (no junk columns, no
 *                   tile across rows) where its MR-position tiles over the padded grid compute more than this
 *                   percentage of the outputs and the rows allow (see PositionTiles.tilePositions); 0: only tiles
 *                   of MR positions
 * @param touchMinPlane PositionTiles reading x in place (1x1, stride 1, unpadded) first reads each image through
 *                   in memory order on every thread that computes a part of it, where an image's planes hold at
 *                   least this many floats (see PositionTiles.touch); 0: never
 * @param tileChunkTaps PositionTiles sums each task's tiles over this many taps at a time, all tiles before the next
 *                   taps, so that a panel's weights come from memory once for all its tiles; 0: all taps per tile.
 *                   64 (8 KiB of a panel on AVX-512): whole frozen ResNet-50 1.04-1.07x at batch 1 and 1.07-1.11x at
 *                   batch 16 (TwoBuilds, both orders, Intel Xeon, BENCHMARKS.md seventeenth session); its layers with
 *                   caches flushed: 3x3 at 7x7 and strided to 14x14 1.10-1.22x, 1x1 0.98-1.19x
 */
record Tuning(MicroKernel kernel, int kc, int aBlock, int gridChunk, int weightRows, int panelBlock,
              int weightGemmMinK, boolean weightGemmStrided, int weightGemmGroup, int winogradMinChannels,
              int winogradMaxChannels, int winogradWeightMaxChannels, int weightOuterFloats, int splitB,
              int directMaxChannels, int directWinogradChannels, int directMaxTaps, boolean subsample, int gatherWaste,
              int tilesMaxPositions, int tileRowWaste, int touchMinPlane, int tileChunkTaps, boolean weightChannels,
              boolean directFlat, boolean dataPhases) {
    Tuning {
        if (kc < 1 || aBlock < kc || gridChunk < Simd.LANES || gridChunk % Simd.LANES != 0 || weightRows < 3
                || weightRows % 3 != 0 || panelBlock < 1 || panelBlock > 64 || weightGemmMinK < 1 || weightGemmGroup < 1
                || winogradMinChannels < 0 || winogradMaxChannels < winogradMinChannels || winogradWeightMaxChannels < 0
                || weightOuterFloats < 0 || splitB < 0 || directMaxChannels < 0
                || directWinogradChannels < 0 || directMaxTaps < 0 || gatherWaste < 0 || tilesMaxPositions < 0
                || tileRowWaste < 0 || touchMinPlane < 0 || tileChunkTaps < 0) {
            throw new IllegalArgumentException("bad tuning kc=" + kc + " aBlock=" + aBlock + " gridChunk=" + gridChunk
                    + " weightRows=" + weightRows + " panelBlock=" + panelBlock + " weightGemmMinK=" + weightGemmMinK
                    + " weightGemmGroup=" + weightGemmGroup
                    + " winograd channels " + winogradMinChannels + ".." + winogradMaxChannels + " (backward-weight .."
                    + winogradWeightMaxChannels + ") weightOuterFloats=" + weightOuterFloats + " splitB=" + splitB + " direct channels " + directMaxChannels
                    + " (over Winograd " + directWinogradChannels + ", taps " + directMaxTaps + ") gatherWaste="
                    + gatherWaste + " tilesMaxPositions=" + tilesMaxPositions + " tileRowWaste=" + tileRowWaste
                    + " touchMinPlane=" + touchMinPlane + " tileChunkTaps=" + tileChunkTaps);
        }
    }

    /**
     * weightOuterFloats of DEFAULT: 16 MiB of buffers (grown only as far as a layer needs). Zen 3's limit was
     * 512 KiB (one image's buffers in L2), which kept ResNet-50's stem and 3x3 64@56 layers on the other paths; on
     * the Intel Xeon of 2026-11-29 WeightOuter ran them 1.98x and 1.50x faster at batch 16, and no other layer of
     * ResNet-50 changed speed (ConvAB, BENCHMARKS.md, fifteenth session; CIFAR's layers fit either way). Not
     * measured on Zen.
     */
    static final int WEIGHT_OUTER_FLOATS = 1 << 22;

    /**
     * Row tiles where the grid's tiles compute more than 130% of the outputs: at batch 1 on the Intel Xeon (AVX-512),
     * 3x3 512@7 (72 grid positions for 49 outputs) ran 1.27x with row tiles; where the grid's waste is 122% or less,
     * the row tiles' fewer multiply-adds per weight load lost (1x1 512 -> 2048 at 7x7 0.95x, 2048 -> 512 1.04x,
     * strided 3x3 to 7x7 and 14x14 0.93-0.95x, 1x1 at 14x14 0.89-0.90x; ConvAB, BENCHMARKS.md, sixteenth session).
     */
    static final int TILE_ROW_WASTE = 130;

    /**
     * Zen 3 (32 KiB L1d and 512 KiB L2 per core): kc 384, A block 256 KiB, grid chunk 1024, 48 crs rows per
     * backward-weight task, blocks of 16 panels, backward-weight as a GEMM from 64 output channels (reduction groups of
     * at least 1024 grid positions), Winograd for 16 to 512 channels in forward and backward-data (above 256 see
     * winogradFor), not in backward-weight, backward-weight by outer products where one image's buffers take at most
     * 512 KiB (every CIFAR layer: 1.16-1.74x; 16 MiB since, see WEIGHT_OUTER_FLOATS), the GEMM's tasks split to read
     * the least A plus twice B (ResNet-50 at batch 1 and 16: up to 1.14x forward, 1.22x backward-weight of 1x1 layers; CIFAR unchanged), forward and
     * backward-data straight from the padded image (DirectConv) for kernels up to 3x3 and up to 64 channels where
     * Winograd does not apply (strided and stem convolutions: 1.1-2x) and up to 16 channels where it does (1.2-1.5x; at
     * 32 channels 0.9-1.07x, at 64 0.5-0.9x), on AVX-512 up to 32 (its 8-channel tiles: 32@16 1.04-1.22x), strided 1x1
     * convolutions as pointwise ones on the input's samples (ResNet-50's downsampling layers at batch 1 and 16: forward
     * 1.14-1.66x, backward-data 0.93-2.15x, backward-weight 1.73-7.3x), GEMM panels gathered only where that computes
     * at most 120% of the packed columns (ResNet-50's layers with 7x7 outputs at batch 16: forward and backward-data
     * 1.05-1.15x), strided backward-weight as WeightGemm on the phase planes (ResNet-50's strided 3x3 layers:
     * 1.24-2.16x over WeightGrid) (A/B-measured, see BENCHMARKS.md). On Zen 5 with AVX-512 (48 KiB L1d, 1 MiB L2) the
     * same constants: kc 192-512, A blocks of 64-128 K floats and blocks of 8 or 16 panels agreed within 3% on CIFAR's
     * and ResNet-50's layers. DirectConv's flat mode for rows narrower than a vector (Intel Xeon, AVX-512, against
     * Winograd or packed panels: 1.15-1.61x on CIFAR's and Fashion-MNIST's strided and 14x14 layers; with 8 lanes
     * 1.12-1.6x), strided backward-data by phases where they take whole tiles (CIFAR's strided layers 1.10-1.31x
     * against col2im; BENCHMARKS.md, twenty-first session).
     */
    static final Tuning DEFAULT = new Tuning(MicroKernel.choose(), 384, 65536, 1024, 48, 16, 64, true, 1024, 16, 512, 0,
            WEIGHT_OUTER_FLOATS, 2, 64, Simd.LANES >= 16 ? 32 : 16, 9, true, 120, 49, TILE_ROW_WASTE, 128, 64, true, true,
            true);

    /**
     * Channels up to which Winograd pays for transforming the weights on every call at any batch size. Above,
     * the transform (c x k x 16 floats) needs this many tiles in the call to pay off. Measured on 3x3 512->512
     * at 7x7 (16 tiles per image): batch 1 0.60x, batch 2 0.73-0.99x, batch 4 1.32-1.43x, batch 16 1.86x the
     * direct path; with prepared weights (no transform per call) 1.26x at batch 1 and 2.2x at batch 16.
     */
    static final int WINOGRAD_ANY_BATCH_CHANNELS = 256, WINOGRAD_WIDE_MIN_TILES = 64;

    /** A mutable copy of a tuning, for the with* methods: each changes its fields and builds a new (validated) one. */
    private static final class Edit {
        MicroKernel kernel;
        int kc, aBlock, gridChunk, weightRows, panelBlock, weightGemmMinK, weightGemmGroup, winogradMinChannels,
                winogradMaxChannels, winogradWeightMaxChannels, weightOuterFloats, splitB, directMaxChannels,
                directWinogradChannels, directMaxTaps, gatherWaste, tilesMaxPositions, tileRowWaste, touchMinPlane,
                tileChunkTaps;
        boolean weightGemmStrided, subsample, weightChannels, directFlat, dataPhases;

        Edit(Tuning t) {
            kernel = t.kernel;
            kc = t.kc;
            aBlock = t.aBlock;
            gridChunk = t.gridChunk;
            weightRows = t.weightRows;
            panelBlock = t.panelBlock;
            weightGemmMinK = t.weightGemmMinK;
            weightGemmStrided = t.weightGemmStrided;
            weightGemmGroup = t.weightGemmGroup;
            winogradMinChannels = t.winogradMinChannels;
            winogradMaxChannels = t.winogradMaxChannels;
            winogradWeightMaxChannels = t.winogradWeightMaxChannels;
            weightOuterFloats = t.weightOuterFloats;
            splitB = t.splitB;
            directMaxChannels = t.directMaxChannels;
            directWinogradChannels = t.directWinogradChannels;
            directMaxTaps = t.directMaxTaps;
            subsample = t.subsample;
            gatherWaste = t.gatherWaste;
            tilesMaxPositions = t.tilesMaxPositions;
            tileRowWaste = t.tileRowWaste;
            touchMinPlane = t.touchMinPlane;
            tileChunkTaps = t.tileChunkTaps;
            weightChannels = t.weightChannels;
            directFlat = t.directFlat;
            dataPhases = t.dataPhases;
        }

        Tuning build() {
            return new Tuning(kernel, kc, aBlock, gridChunk, weightRows, panelBlock, weightGemmMinK, weightGemmStrided,
                    weightGemmGroup, winogradMinChannels, winogradMaxChannels, winogradWeightMaxChannels,
                    weightOuterFloats, splitB, directMaxChannels, directWinogradChannels, directMaxTaps, subsample,
                    gatherWaste, tilesMaxPositions, tileRowWaste, touchMinPlane, tileChunkTaps, weightChannels,
                    directFlat, dataPhases);
        }
    }

    private Tuning with(java.util.function.Consumer<Edit> change) {
        Edit e = new Edit(this);
        change.accept(e);
        return e.build();
    }

    Tuning withKernel(MicroKernel k) {
        return with(e -> e.kernel = k);
    }

    /**
     * DirectConv up to maxChannels channels and kernels of maxTaps taps (r * s), and in place of Winograd up to
     * overWinograd channels; 0: never.
     */
    Tuning withDirect(int maxChannels, int overWinograd, int maxTaps) {
        return with(e -> {
            e.directMaxChannels = maxChannels;
            e.directWinogradChannels = overWinograd;
            e.directMaxTaps = maxTaps;
        });
    }

    /**
     * Whether a forward (or stride-1 backward-data) convolution of c to k channels, an r x s kernel and p x q
     * outputs runs by DirectConv: kernels up to directMaxTaps taps, up to directMaxChannels channels, and up to
     * directWinogradChannels where Winograd would take it, where its tiles fit the shape.
     */
    boolean direct(int c, int k, int r, int s, int p, int q, boolean winograd) {
        int channels = Math.max(c, k);
        return r * s <= directMaxTaps && channels <= directMaxChannels && (!winograd || channels <= directWinogradChannels)
                && (DirectConv.fits(k, p, q) || directFlat && DirectConv.fitsFlat(k, p, q));
    }

    /** Winograd for channel counts in [min, max] (backward-weight: [min, weightMax]); min 0 turns it off. */
    Tuning withWinograd(int min, int max, int weightMax) {
        return with(e -> {
            e.winogradMinChannels = min;
            e.winogradMaxChannels = max;
            e.winogradWeightMaxChannels = weightMax;
        });
    }

    /** The GEMM's blocking: deepest k block, floats of an A block, B panels per direct column block. */
    Tuning withBlocking(int kc, int aBlock, int panelBlock) {
        return with(e -> {
            e.kc = kc;
            e.aBlock = aBlock;
            e.panelBlock = panelBlock;
        });
    }

    Tuning withSubsample(boolean on) {
        return with(e -> e.subsample = on);
    }

    Tuning withWeightGemmMinK(int k) {
        return with(e -> e.weightGemmMinK = k);
    }

    Tuning withWeightGemmStrided(boolean on) {
        return with(e -> e.weightGemmStrided = on);
    }

    Tuning withWeightGemmGroup(int positions) {
        return with(e -> e.weightGemmGroup = positions);
    }

    Tuning withWeightOuter(int floats) {
        return with(e -> e.weightOuterFloats = floats);
    }

    /** WeightOuter's channel path where it applies (see weightChannels), or the one-vector tile there. */
    Tuning withWeightChannels(boolean on) {
        return with(e -> e.weightChannels = on);
    }

    Tuning withDirectFlat(boolean on) {
        return with(e -> e.directFlat = on);
    }

    Tuning withDataPhases(boolean on) {
        return with(e -> e.dataPhases = on);
    }

    /** PositionTiles up to maxPositions outputs per image (see tilesMaxPositions); 0: never. */
    Tuning withTiles(int maxPositions) {
        return with(e -> e.tilesMaxPositions = maxPositions);
    }

    /**
     * Whether an inference convolution (prepared weights) of crs taps, an r x s kernel, stride sh x sw and p x q
     * outputs runs by PositionTiles (see tilesMaxPositions).
     */
    boolean tiles(int crs, int r, int s, int sh, int sw, int p, int q) {
        long positions = (long) p * q;
        boolean strided = sh > 1 || sw > 1;
        int pointwiseTaps = strided ? PositionTiles.STRIDED_POINTWISE_MIN_TAPS : PositionTiles.POINTWISE_MIN_TAPS;
        return tilesMaxPositions > 0 && crs >= PositionTiles.MIN_TAPS && (positions <= tilesMaxPositions
                || strided && r * s > 1 && positions <= Math.max(tilesMaxPositions, PositionTiles.STRIDED_MAX_POSITIONS)
                || r * s == 1 && crs >= pointwiseTaps
                && positions <= Math.max(tilesMaxPositions, PositionTiles.POINTWISE_MAX_POSITIONS));
    }

    /** PositionTiles' row tiles where grid tiles compute more than percent of the outputs; 0: never. */
    Tuning withTileRows(int percent) {
        return with(e -> e.tileRowWaste = percent);
    }

    /** PositionTiles reads in-place images through first where their planes hold minPlane floats; 0: never. */
    Tuning withTouch(int minPlane) {
        return with(e -> e.touchMinPlane = minPlane);
    }

    /** PositionTiles sums taps in passes of this many over all of a task's tiles; 0: all taps in one pass. */
    Tuning withTileChunk(int taps) {
        return with(e -> e.tileChunkTaps = taps);
    }

    Tuning withGatherWaste(int percent) {
        return with(e -> e.gatherWaste = percent);
    }

    /**
     * Whether the GEMM of a convolution over n images of p x q outputs gathers its panels (GemmDriver's direct
     * mode) with output rows widened to qv columns, rather than packing them: within gatherWaste (see there).
     */
    boolean gather(int n, int p, int q, int qv) {
        int nr = kernel.nr;
        long gathered = (long) n * (((long) p * qv + nr - 1) / nr * nr);
        long packed = ((long) n * p * q + nr - 1) / nr * nr;
        return gatherWaste == 0 || gathered * 100 <= packed * gatherWaste;
    }

    Tuning withSplitB(int weightB) {
        return with(e -> e.splitB = weightB);
    }

    /**
     * Whether a 3x3 stride-1 convolution of c input and k output channels and q output columns runs by
     * Winograd F(2x2, 3x3) (see Winograd.fits for the columns).
     */
    boolean winograd(int c, int k, int q) {
        return winogradMinChannels > 0 && Math.min(c, k) >= winogradMinChannels
                && Math.max(c, k) <= winogradMaxChannels && Winograd.fits(q);
    }

    /**
     * Whether a call of that convolution over tiles 2x2 output tiles in all (batch included) runs by Winograd:
     * with its weights prepared once (ConvOps.prepare) or transformed in the call.
     */
    boolean winogradFor(int c, int k, int q, long tiles, boolean prepared) {
        return winograd(c, k, q) && (Math.max(c, k) <= WINOGRAD_ANY_BATCH_CHANNELS || prepared
                || tiles >= WINOGRAD_WIDE_MIN_TILES);
    }

    /** The same for the backward-weight pass, up to winogradWeightMaxChannels. */
    boolean winogradWeight(int c, int k, int q) {
        return winograd(c, k, q) && Math.max(c, k) <= winogradWeightMaxChannels;
    }
}
