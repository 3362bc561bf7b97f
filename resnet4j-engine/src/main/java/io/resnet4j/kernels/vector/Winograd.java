package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

import java.util.Arrays;

import static io.resnet4j.kernels.vector.LaneMath.ODD_LANES;
import static io.resnet4j.kernels.vector.LaneMath.ZIP_HI;
import static io.resnet4j.kernels.vector.LaneMath.ZIP_LO;

/**
 * A 3x3, stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray 2016, "Fast
 * Algorithms for Convolutional Neural Networks"): each 2x2 output tile comes from a 4x4 input tile with 16
 * multiply-adds per (k, c) instead of 36.
 * <pre>
 * U[xi] (k, c) = (G g G^T)[xi]         g: the 3x3 weights of (k, c); G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
 * V[xi] (c, t) = (B^T d B)[xi]         d: the 4x4 input tile of output tile t (rows 2ty - pt .., cols 2tx - pl ..)
 * M[xi] (k, t) = U[xi] . V[xi]          16 GEMMs on the micro-kernel, xi = 4 * row + column of the 4x4 tile
 * y tile t of k = A^T M[.](k, t) A      A^T = [1 1 1 0; 0 1 -1 -1]
 * x (n, c, h, w) -> y (n, k, p, q), any padding top/left >= 0 (bottom/right follow from p and q)
 * </pre>
 * Vectors run along a row of tiles (tx). Each task takes a chunk of tile rows of one image: it copies the
 * input rows it needs, zero padded and split into even and odd columns (so that the 4 columns of a tile are
 * plain vector loads at offsets 0 and +1), transforms them into V (laid out as the micro-kernel's B panels,
 * no packing), runs the 16 GEMMs into M and transforms M into y. V and M of a chunk stay in L2. Output tiles
 * per row are computed in whole vectors (tiles past the row's end are junk, never stored); rows of at most
 * LANES / 2 tiles share a vector, two tile rows each, and rows of at most LANES / 4 tiles four (8x8 and 7x7
 * outputs on AVX-512). A forward pass of fewer than CHANNEL_SPLIT_BELOW chunks splits by channels instead (see
 * there), with the same GEMM calls per output element. Each y element is written by one task: results do not
 * depend on the thread count. The backward-weight pass (planWeight) reuses the input transform.
 */
final class Winograd implements Parallel.Task {
    /** Positions of the 4x4 transformed tile. */
    static final int XI = 16;
    /** Floats of V (or M) per chunk: 2^15 floats = 128 KiB each, so both stay in L2 together. */
    static final int CHUNK_FLOATS = 1 << 15;

    private static final int L = Simd.LANES;
    /*
     * Lane permutations within one vector, then a blend (JDK 17 compiles a two-vector rearrange to a slow
     * fallback: 2.2 against 0.33 ns per float in a probe). Deinterleave: lane i takes lane 2 (i mod L/2) (+1),
     * the upper half from the second vector. Interleave: lane i takes lane from + i / 2, odd lanes from the second.
     */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(Simd.F, i -> 2 * (i % (L / 2)));
    private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(Simd.F, i -> 2 * (i % (L / 2)) + 1);
    private static final VectorMask<Float> UPPER = VectorMask.fromLong(Simd.F, -1L << (L / 2));
    /** Lower half repeated: lane i takes lane i mod L/2 (puts a second row's tiles into the upper half). */
    private static final VectorShuffle<Float> LOW_HALF = VectorShuffle.fromOp(Simd.F, i -> i % (L / 2));
    /** Upper half repeated: lane i takes lane L/2 + i mod L/2. */
    private static final VectorShuffle<Float> HIGH_HALF = VectorShuffle.fromOp(Simd.F, i -> L / 2 + i % (L / 2));
    /** Lower quarter repeated, and the lanes of the second, third and fourth quarter (four tile rows per vector). */
    private static final VectorShuffle<Float> LOW_QUARTER = VectorShuffle.fromOp(Simd.F, i -> i % Math.max(1, L / 4));
    private static final VectorMask<Float> QUARTER_1 = quarter(1), QUARTER_2 = quarter(2), QUARTER_3 = quarter(3);

    /** Backward-weight: floats of V and W of one batch of images (2 MiB: L3, read in L1-sized slices). */
    static final int BATCH_FLOATS = 1 << 19;
    /** Backward-weight: most groups of images (tasks), each with its own lane-wise partial sums. */
    static final int WEIGHT_GROUPS = 8;
    /** Backward-weight: tiles per slice of the dot products (their 7 rows of 256 floats stay in L1). */
    static final int SLICE = 256;

    MicroKernel mk = Tuning.DEFAULT.kernel();
    /** Forward: x in, y out, the weights wt (flipped: see transformWeights) transformed into u (bindForward). */
    private float[] x, y, u, wt;
    private int xOff, yOff, wOff;
    private boolean flipped;
    /** Forward: the weight transform (tasks over mr-row blocks of output channels) runs first, then the tiles. */
    private boolean weightPhase;
    /** Forward with prepared weights: u already holds them (no weight phase), and the epilogue (see Epilogue). */
    private boolean uReady, relu;
    private float[] bias;
    private int biasOff;
    /** Backward-weight: dy (n, k, p, q) in, dw (k, c, 3, 3) accumulated; groupSums: lane-wise Z of each group. */
    private float[] dy, dw, groupSums;
    private int dyOff, dwOff;
    private boolean weight;
    /**
     * Backward-weight: tiles per image (tH * tWv), images per transformed batch, images per group, groups,
     * k padded to 4, c padded to 3.
     */
    private int tilesPerImage, imagesPerBatch, imagesPerGroup, groups, kq, cq;
    /** finishWeight's 4x4 Z and 3x4 G^T Z of one (k, c). */
    private final float[] zScratch = new float[XI], tScratch = new float[12];
    private int n, c, h, w, k, pt, pl, p, q;
    /** Tile rows and columns; tile columns rounded up to whole vectors; tile rows per chunk; chunks per image. */
    private int tH, tW, tWv, rowsPerChunk, chunksPerImage;
    /**
     * Images per chunk: 1, or with one chunk per image whose tiles fill less than a B panel (8x8 outputs on
     * AVX-512: 16 tiles against 32 columns), as many as fill one (or the chunk's V), while at least MIN_TASKS
     * chunks remain. Each image's tiles take rowsPerChunk * tWv columns of the chunk.
     */
    private int imagesPerChunk;
    static final int MIN_TASKS = 8;
    /**
     * Forward passes of fewer chunks than this (ResNet-50's 256@14 at batch 1: 2) split by channels instead: a phase
     * transforms whole images into a shared V, tasks over input-channel blocks; then tasks over output-channel
     * blocks each multiply their rows of U by it and transform their channels of M. Chunks of tile rows would each
     * read all of U (4 MiB at 256@14), and two tasks leave no room to balance two threads.
     */
    static final int CHANNEL_SPLIT_BELOW = 4;
    /** Most floats of the shared V of a channel split (all its images), 4 MiB. */
    static final int CHANNEL_SPLIT_MAX_V = 1 << 20;
    /** Channel blocks of a channel split per image: input channels in the first phase, output channels in the second. */
    static final int CHANNEL_BLOCKS = 4;
    /** Whether plan may choose the channel split (tests turn it off to compare the two). */
    boolean channelSplitAllowed = true;
    /** The planned forward pass is split by channels (see CHANNEL_SPLIT_BELOW); inputPhase while V is transformed. */
    private boolean channelSplit, inputPhase;
    /** Channel split: input channels per block of the first phase, micro-panels of U per block of the second. */
    private int cBlock, kBlockPanels, cBlocks, kBlocks;
    /** Channel split: V of all images, XI * vStep floats each, shared by the second phase's tasks; kept between calls. */
    private float[] vShared = new float[0];
    /**
     * Tile rows per vector: 1; 2 in the forward pass with at most LANES / 2 tiles per row (8x8 and 7x7 outputs on
     * AVX2): tWv = LANES / 2, the lower half tile row ty, the upper half ty + 1, instead of one row half junk; 4 with
     * at most LANES / 4 (8x8 and 7x7 on AVX-512): tWv = LANES / 4, quarter j tile row ty + j.
     */
    private int group;
    /** Tiles per chunk rounded up to whole B panels; output channels rounded up to whole A micro-panels. */
    private int tcp, kp;
    /** Floats per split row: the even columns then the odd ones, each er floats. */
    private int er;
    /** splitRows' tables (see splitValid) for x's rows and (backward-weight) dy's. */
    private boolean[] xValid = new boolean[0], dyValid = new boolean[0];
    /**
     * Floats from V[xi] to V[xi + 1] and from M[xi] to M[xi + 1]: padded by a cache line (16 floats) so that the
     * 16 streams of a transform do not fall into the same L1 sets (the unpadded V stride is often 8 KiB).
     */
    private int vStep, mStep;

    /**
     * Whether q output columns suit the tiling: the tiles of a row, rounded up to whole vectors, add at most a
     * quarter of junk (q = 5 or 6 with 8 lanes: 3 of 4 tiles used; 7 and 8 fit, with two tile rows per vector).
     */
    static boolean fits(int q) {
        int tw = (q + 1) / 2;
        return rowTiles(tw, true) * 4 <= tw * 5;
    }

    /**
     * Floats of a task's line scratch: one split row (splitRows), the transforms' 4 x 4 vectors (transformInput,
     * transformOutput).
     */
    private long lineSize() {
        return Math.max(2L * er, XI * L);
    }

    /** Tiles computed per tile row: whole vectors, or half of one when two rows share a vector. */
    private static int rowTiles(int tw, boolean pairing) {
        if (pairing && 4 * tw <= L && L >= 8) {
            return L / 4;
        }
        return pairing && 2 * tw <= L ? L / 2 : (tw + L - 1) / L * L;
    }

    /** The lanes of quarter j of a vector. */
    private static VectorMask<Float> quarter(int j) {
        boolean[] lanes = new boolean[L];
        for (int i = 0; i < L; i++) {
            lanes[i] = i / Math.max(1, L / 4) == j;
        }
        return VectorMask.fromArray(Simd.F, lanes, 0);
    }

    /** Sets the shape (y (n, k, p, q) from x (n, c, h, w), padding pt, pl) and plans the chunks. */
    void plan(int n, int c, int h, int w, int k, int pt, int pl, int p, int q, MicroKernel mk) {
        plan(n, c, h, w, k, pt, pl, p, q, mk, true);
    }

    private void plan(int n, int c, int h, int w, int k, int pt, int pl, int p, int q, MicroKernel mk,
                      boolean pairing) {
        if (pt < 0 || pl < 0) {
            throw new IllegalArgumentException("Winograd needs padding >= 0, got " + pt + ", " + pl);
        }
        this.mk = mk;
        this.weight = false;
        this.n = n;
        this.c = c;
        this.h = h;
        this.w = w;
        this.k = k;
        this.pt = pt;
        this.pl = pl;
        this.p = p;
        this.q = q;
        tH = (p + 1) / 2;
        tW = (q + 1) / 2;
        tWv = rowTiles(tW, pairing);
        group = L / Math.min(tWv, L);
        // E[t + 1] is read for the last tile: tWv + 1 entries, whole vectors
        er = (tWv + 1 + L - 1) / L * L;
        int tilesPerChunk = Math.max(1, CHUNK_FLOATS / XI / Math.max(c, k));
        // at least a whole B panel of tiles: with fewer, the GEMMs compute padding columns (256@14 has 8 tiles per
        // row, 7 of them real, against 16 columns per panel: 44% useful in one-row chunks, 88% in two-row ones;
        // measured 1.47-1.66x on 256@14 forward and backward-data at batch 1 and 16)
        rowsPerChunk = Math.max(1, Math.min(tH, Math.max(tilesPerChunk / tWv, (mk.nr + tWv - 1) / tWv)));
        // whole groups of tile rows (the rows of a last incomplete group past tH are junk)
        rowsPerChunk = Math.max(group, rowsPerChunk / group * group);
        chunksPerImage = (tH + rowsPerChunk - 1) / rowsPerChunk;
        int imageTiles = rowsPerChunk * tWv;
        imagesPerChunk = 1;
        if (chunksPerImage == 1 && imageTiles % mk.nr != 0) {
            int fill = Math.max(tilesPerChunk / imageTiles, (mk.nr + imageTiles - 1) / imageTiles);
            imagesPerChunk = Math.max(1, Math.min(fill, n / MIN_TASKS));
        }
        tcp = (imagesPerChunk * imageTiles + mk.nr - 1) / mk.nr * mk.nr;
        kp = (k + mk.mr - 1) / mk.mr * mk.mr;
        channelSplit = false;
        if (pairing && channelSplitAllowed && (n + imagesPerChunk - 1) / imagesPerChunk * chunksPerImage < CHANNEL_SPLIT_BELOW) {
            // one chunk per image, all its tile rows
            int wholeRows = (tH + group - 1) / group * group;
            int wholeTcp = (wholeRows * tWv + mk.nr - 1) / mk.nr * mk.nr;
            if ((long) n * XI * ((long) c * wholeTcp + 16) <= CHANNEL_SPLIT_MAX_V) {
                channelSplit = true;
                rowsPerChunk = wholeRows;
                chunksPerImage = 1;
                imagesPerChunk = 1;
                tcp = wholeTcp;
                cBlock = (c + CHANNEL_BLOCKS - 1) / CHANNEL_BLOCKS;
                cBlocks = (c + cBlock - 1) / cBlock;
                int panels = kp / mk.mr;
                kBlockPanels = (panels + CHANNEL_BLOCKS - 1) / CHANNEL_BLOCKS;
                kBlocks = (panels + kBlockPanels - 1) / kBlockPanels;
            }
        }
        vStep = c * tcp + 16;
        mStep = kp * tcp + 16;
        xValid = splitValid(xValid, pl, w);
    }

    /** Whether the planned forward pass is split by channels (see CHANNEL_SPLIT_BELOW). */
    boolean channelSplit() {
        return channelSplit;
    }

    /** Forward arrays: x in, y out, the weights wt (flipped: see transformWeights) transformed into u. */
    void bindForward(float[] x, int xOff, float[] wt, int wOff, boolean flipped, float[] u, float[] y, int yOff) {
        this.x = x;
        this.xOff = xOff;
        this.wt = wt;
        this.wOff = wOff;
        this.flipped = flipped;
        this.u = u;
        this.y = y;
        this.yOff = yOff;
    }

    /**
     * Forward with prepared weights, after bindForward: u already holds the transformed weights (no wt), and each
     * finished output row gets + bias[biasOff + channel] (bias null: none), then ReLU when relu.
     */
    void bindPrepared(float[] bias, int biasOff, boolean relu) {
        this.uReady = true;
        this.bias = bias;
        this.biasOff = biasOff;
        this.relu = relu;
    }

    /**
     * Transforms the weights wt (k, c, 3, 3) of the planned forward pass into u (weightSize floats), as the forward
     * pass does before its tiles.
     */
    void transformAll(float[] wt, int wOff, float[] u) {
        this.wt = wt;
        this.wOff = wOff;
        this.flipped = false;
        this.u = u;
        try {
            transformWeightsPhase();
        } finally {
            this.wt = null;
            this.u = null;
        }
    }

    /** wt into u: one task per mr-row block of output channels (transformWeights). */
    private void transformWeightsPhase() {
        weightPhase = true;
        try {
            Parallel.forEach(kp / mk.mr, this);
        } finally {
            weightPhase = false;
        }
    }

    /** Backward-weight arrays: x and dy in, dw accumulated, groupSums (groupSumsSize floats) scratch. */
    void bindWeight(float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff, float[] groupSums) {
        this.x = x;
        this.xOff = xOff;
        this.dy = dy;
        this.dyOff = dyOff;
        this.dw = dw;
        this.dwOff = dwOff;
        this.groupSums = groupSums;
    }

    /** Floats of the transformed, packed weights (see transformWeights). */
    long weightSize() {
        return (long) XI * kp * c;
    }

    /**
     * Backward-weight: dw (k, c, 3, 3) += the gradient of the forward convolution planned the same way, from
     * x (n, c, h, w) and dy (n, k, p, q): dw = G^T Z G with Z[xi] (k, c) = sum over tiles t of W[xi] (k, t)
     * V[xi] (c, t), V as in the forward pass and W = A e A^T for the 2x2 dy tile e (the adjoints of the forward
     * transforms). Each task takes a group of images, a batch at a time: it transforms the batch into rows of
     * tiles (V: c rows, W: k rows, each tilesPerImage * imagesPerBatch long), then reduces the rows with
     * DotKernel's 4x3 dot products slice by slice, one xi at a time, into its own lane-wise Z (groupSums:
     * [group][xi][kq][cq][LANES]); finishWeight sums the groups in group order, then the lanes.
     */
    void planWeight(int n, int c, int h, int w, int k, int pt, int pl, int p, int q) {
        plan(n, c, h, w, k, pt, pl, p, q, mk, false);
        weight = true;
        tilesPerImage = tH * tWv;
        kq = (k + DotKernel.P_ROWS - 1) / DotKernel.P_ROWS * DotKernel.P_ROWS;
        cq = (c + 2) / 3 * 3;
        long perImage = (long) XI * (kq + cq) * tilesPerImage;
        imagesPerBatch = (int) Math.max(1, Math.min(n, BATCH_FLOATS / perImage));
        imagesPerGroup = (n + WEIGHT_GROUPS - 1) / WEIGHT_GROUPS;
        groups = (n + imagesPerGroup - 1) / imagesPerGroup;
        int row = imagesPerBatch * tilesPerImage;
        vStep = cq * row + 16;
        mStep = kq * row + 16;
        dyValid = splitValid(dyValid, 0, q);
    }

    /** Backward-weight: floats of the groups' lane-wise Z (see planWeight). */
    long groupSumsSize() {
        return (long) groups * XI * kq * cq * L;
    }

    int tasks() {
        if (channelSplit) {
            return n * (inputPhase ? cBlocks : kBlocks);
        }
        return weight ? groups : (n + imagesPerChunk - 1) / imagesPerChunk * chunksPerImage;
    }

    /**
     * U = G g G^T for output channels [i0, i0 + mr), written as the micro-kernel's A micro-panels: U[xi] (kp, c)
     * at u[((xi * kp / mr + i / mr) * c + ch) * mr + i % mr]; rows k..kp - 1 zero. flipped: wt holds the weights
     * (c, k, 3, 3) of the convolution whose transpose this is, and g[a][b] = wt[ch, i, 2 - a, 2 - b].
     */
    private void transformWeights(int i0) {
        int mr = mk.mr, panels = kp / mr;
        for (int i = i0; i < i0 + mr; i++) {
            if (i >= k) {
                for (int xi = 0; xi < XI; xi++) {
                    for (int ch = 0; ch < c; ch++) {
                        u[((xi * panels + i / mr) * c + ch) * mr + i % mr] = 0f;
                    }
                }
                continue;
            }
            for (int ch = 0; ch < c; ch++) {
                int base = wOff + (flipped ? ch * k + i : i * c + ch) * 9;
                float g0, g1, g2, g3, g4, g5, g6, g7, g8;
                if (flipped) {
                    g0 = wt[base + 8]; g1 = wt[base + 7]; g2 = wt[base + 6];
                    g3 = wt[base + 5]; g4 = wt[base + 4]; g5 = wt[base + 3];
                    g6 = wt[base + 2]; g7 = wt[base + 1]; g8 = wt[base];
                } else {
                    g0 = wt[base]; g1 = wt[base + 1]; g2 = wt[base + 2];
                    g3 = wt[base + 3]; g4 = wt[base + 4]; g5 = wt[base + 5];
                    g6 = wt[base + 6]; g7 = wt[base + 7]; g8 = wt[base + 8];
                }
                // G g (4 x 3): rows g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2 of g's rows
                int d = (i / mr * c + ch) * mr + i % mr, step = panels * c * mr;
                rowTimesGt(g0, g1, g2, u, d, step);
                rowTimesGt(0.5f * (g0 + g3 + g6), 0.5f * (g1 + g4 + g7), 0.5f * (g2 + g5 + g8), u, d + 4 * step, step);
                rowTimesGt(0.5f * (g0 - g3 + g6), 0.5f * (g1 - g4 + g7), 0.5f * (g2 - g5 + g8), u, d + 8 * step, step);
                rowTimesGt(g6, g7, g8, u, d + 12 * step, step);
            }
        }
    }

    /** One row (a, b, e) of G g times G^T: a, (a + b + e) / 2, (a - b + e) / 2, e into u[d + j * step]. */
    private static void rowTimesGt(float a, float b, float e, float[] u, int d, int step) {
        u[d] = a;
        u[d + step] = 0.5f * (a + b + e);
        u[d + 2 * step] = 0.5f * (a - b + e);
        u[d + 3 * step] = e;
    }

    /**
     * Runs the planned pass: forward, the weight transform then the tiles; backward-weight, the groups then
     * finishWeight. (Parallel.forEach runs a single task on the calling thread.)
     */
    void execute() {
        if (!weight && !uReady) {
            transformWeightsPhase();
        }
        if (channelSplit) {
            vShared = Workspace.grow(vShared, (long) n * XI * vStep);
            inputPhase = true;
            try {
                Parallel.forEach(tasks(), this);
            } finally {
                inputPhase = false;
            }
        }
        Parallel.forEach(tasks(), this);
        if (weight) {
            finishWeight();
        }
    }

    void clear() {
        x = null;
        y = null;
        u = null;
        wt = null;
        dy = null;
        dw = null;
        groupSums = null;
        bias = null;
        uReady = false;
        relu = false;
    }

    @Override
    public void run(int task) {
        if (weightPhase) {
            transformWeights(task * mk.mr);
            return;
        }
        if (weight) {
            runWeight(task);
            return;
        }
        if (channelSplit) {
            if (inputPhase) {
                inputBlock(task / cBlocks, task % cBlocks);
            } else {
                outputBlock(task / kBlocks, task % kBlocks);
            }
            return;
        }
        int img0 = task / chunksPerImage * imagesPerChunk, ty0 = task % chunksPerImage * rowsPerChunk;
        int images = Math.min(imagesPerChunk, n - img0), imageTiles = rowsPerChunk * tWv;
        int rows = (Math.min(rowsPerChunk, tH - ty0) + group - 1) / group * group;
        Workspace ws = Workspace.get();
        float[] line = ws.tile = Workspace.grow(ws.tile, lineSize());
        float[] v = ws.cols = Workspace.grow(ws.cols, (long) XI * vStep);
        float[] m = ws.dcol = Workspace.grow(ws.dcol, (long) XI * mStep);
        for (int b = 0; b < images; b++) {
            inputTiles(img0 + b, 0, c, ty0, rows, v, 0, b * imageTiles, ws, line);
        }
        multiply(v, 0, m, 0, kp / mk.mr);
        for (int b = 0; b < images; b++) {
            int img = img0 + b;
            transformOutput(img, ty0, rows, m, b * imageTiles, line, 0, k);
        }
    }

    /** Channel split, first phase: V of input channels [cb * cBlock, ..) of image img into the shared V. */
    private void inputBlock(int img, int cb) {
        int c0 = cb * cBlock, chans = Math.min(c, c0 + cBlock) - c0;
        Workspace ws = Workspace.get();
        float[] line = ws.tile = Workspace.grow(ws.tile, lineSize());
        inputTiles(img, c0, chans, 0, rowsPerChunk, vShared, img * XI * vStep, 0, ws, line);
    }

    /**
     * The forward pass's V of input channels [c0, c0 + chans) of image img, tile rows ty0 .. ty0 + rows (whole
     * groups), into v from vBase as the B panels' columns from tStart: the input rows split (and grouped), then
     * transformed.
     */
    private void inputTiles(int img, int c0, int chans, int ty0, int rows, float[] v, int vBase, int tStart,
                            Workspace ws, float[] line) {
        int rowsIn = 2 * rows + 2;
        // groups: E1 and O1 are loaded as whole vectors, the last row's O1 one float past its row
        float[] split = ws.paddedImage = Workspace.grow(ws.paddedImage, (long) chans * rowsIn * 2 * er + L);
        splitRows(x, xOff + (img * c + c0) * h * w, chans, h, w, pt, pl, 2 * ty0, rowsIn, xValid, split, line);
        if (group > 1) {
            int grouped = rowsIn - 2 * (group - 1);
            float[] paired = ws.panel = Workspace.grow(ws.panel, (long) chans * grouped * 4 * L);
            groupRows(chans, rowsIn, split, paired);
            transformInput(chans, c0, rows, group, grouped, 4 * L, L, 2 * L, 3 * L, paired, v, vBase, mk.nr,
                    c * mk.nr, tStart, line);
        } else {
            transformInput(chans, c0, rows, 1, rowsIn, 2 * er, 1, er, er + 1, split, v, vBase, mk.nr, c * mk.nr,
                    tStart, line);
        }
    }

    /**
     * Channel split, second phase: micro-panels [kb * kBlockPanels, ..) of U times image img's shared V into M,
     * then those output channels of y.
     */
    private void outputBlock(int img, int kb) {
        int ip0 = kb * kBlockPanels, ip1 = Math.min(kp / mk.mr, ip0 + kBlockPanels);
        Workspace ws = Workspace.get();
        float[] line = ws.tile = Workspace.grow(ws.tile, lineSize());
        float[] m = ws.dcol = Workspace.grow(ws.dcol, (long) XI * mStep);
        multiply(vShared, img * XI * vStep, m, ip0, ip1);
        transformOutput(img, 0, rowsPerChunk, m, 0, line, ip0 * mk.mr, Math.min(k, ip1 * mk.mr));
    }

    /** Backward-weight, one group of images: per batch V and W rows, then the lane-wise Z[xi] by dot products. */
    private void runWeight(int imageGroup) {
        int first = imageGroup * imagesPerGroup, end = Math.min(n, first + imagesPerGroup);
        int row = imagesPerBatch * tilesPerImage, rowsIn = 2 * tH + 2, zSize = XI * kq * cq * L, z0 = imageGroup * zSize;
        Workspace ws = Workspace.get();
        float[] split = ws.paddedImage = Workspace.grow(ws.paddedImage, (long) c * rowsIn * 2 * er);
        float[] dsplit = ws.panel = Workspace.grow(ws.panel, (long) k * 2 * tH * 2 * er);
        float[] line = ws.tile = Workspace.grow(ws.tile, lineSize());
        float[] v = ws.cols = Workspace.grow(ws.cols, (long) XI * vStep);
        float[] wd = ws.dcol = Workspace.grow(ws.dcol, (long) XI * mStep);
        float[] acc = groupSums;
        Arrays.fill(acc, z0, z0 + zSize, 0f);
        for (int b = first; b < end; b += imagesPerBatch) {
            int imgs = Math.min(imagesPerBatch, end - b);
            for (int i = 0; i < imgs; i++) {
                int t0 = i * tilesPerImage;
                splitRows(x, xOff + (b + i) * c * h * w, c, h, w, pt, pl, 0, rowsIn, xValid, split, line);
                transformInput(c, 0, tH, 1, rowsIn, 2 * er, 1, er, er + 1, split, v, 0, row, mk.nr, t0, line);
                splitRows(dy, dyOff + (b + i) * k * p * q, k, p, q, 0, 0, 0, 2 * tH, dyValid, dsplit, line);
                transformDy(dsplit, wd, row, t0);
            }
            int len = imgs * tilesPerImage;
            for (int xi = 0; xi < XI; xi++) {
                for (int s0 = 0; s0 < len; s0 += SLICE) {
                    int sl = Math.min(SLICE, len - s0);
                    for (int i = 0; i < kq; i += DotKernel.P_ROWS) {
                        for (int j = 0; j < cq; j += 3) {
                            DotKernel.dot4x3(sl, wd, xi * mStep + i * row + s0, row, v, xi * vStep + j * row + s0, row,
                                    acc, z0 + ((xi * kq + i) * cq + j) * L, cq * L);
                        }
                    }
                }
            }
        }
    }

    /**
     * W = A e A^T for the 2x2 dy tile e of every tile and output channel (A = [1 0; 1 1; 1 -1; 0 -1]): per
     * dy row r, (E, E + O, E - O, -O) of its even and odd columns, then (r0, r0 + r1, r0 - r1, -r1) over the
     * two rows. W[xi] (k, t) at wd[xi * mStep + ch * row + t], t = t0 + tile row * tWv + tx.
     */
    private void transformDy(float[] split, float[] wd, int row, int t0) {
        int width = 2 * er, xiStep = mStep;
        for (int ch = 0; ch < k; ch++) {
            for (int ty = 0; ty < tH; ty++) {
                int r0 = (ch * 2 * tH + 2 * ty) * width, r1 = r0 + width;
                for (int tx = 0; tx < tWv; tx += L) {
                    int d = ch * row + t0 + ty * tWv + tx;
                    FloatVector e = FloatVector.fromArray(Simd.F, split, r0 + tx);
                    FloatVector o = FloatVector.fromArray(Simd.F, split, r0 + er + tx);
                    FloatVector a0 = e, a1 = e.add(o), a2 = e.sub(o), a3 = o.neg();
                    e = FloatVector.fromArray(Simd.F, split, r1 + tx);
                    o = FloatVector.fromArray(Simd.F, split, r1 + er + tx);
                    FloatVector b0 = e, b1 = e.add(o), b2 = e.sub(o), b3 = o.neg();
                    a0.intoArray(wd, d);
                    a1.intoArray(wd, d + xiStep);
                    a2.intoArray(wd, d + 2 * xiStep);
                    a3.intoArray(wd, d + 3 * xiStep);
                    a0.add(b0).intoArray(wd, d + 4 * xiStep);
                    a1.add(b1).intoArray(wd, d + 5 * xiStep);
                    a2.add(b2).intoArray(wd, d + 6 * xiStep);
                    a3.add(b3).intoArray(wd, d + 7 * xiStep);
                    a0.sub(b0).intoArray(wd, d + 8 * xiStep);
                    a1.sub(b1).intoArray(wd, d + 9 * xiStep);
                    a2.sub(b2).intoArray(wd, d + 10 * xiStep);
                    a3.sub(b3).intoArray(wd, d + 11 * xiStep);
                    b0.neg().intoArray(wd, d + 12 * xiStep);
                    b1.neg().intoArray(wd, d + 13 * xiStep);
                    b2.neg().intoArray(wd, d + 14 * xiStep);
                    b3.neg().intoArray(wd, d + 15 * xiStep);
                }
            }
        }
    }

    /**
     * Backward-weight, after the tasks: Z = the groups' lane-wise sums in group order, then over the lanes;
     * dw (k, c) += G^T Z G, with
     * G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1] on both sides.
     */
    private void finishWeight() {
        float[] z = zScratch, t = tScratch;
        int zSize = XI * kq * cq * L;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < c; j++) {
                for (int xi = 0; xi < XI; xi++) {
                    int a = ((xi * kq + i) * cq + j) * L;
                    float sum = 0f;
                    for (int l = 0; l < L; l++) {
                        float lane = 0f;
                        for (int g = 0; g < groups; g++) {
                            lane += groupSums[g * zSize + a + l];
                        }
                        sum += lane;
                    }
                    z[xi] = sum;
                }
                // t = G^T Z (3 x 4), then dw += t G (3 x 3)
                for (int col = 0; col < 4; col++) {
                    float z0 = z[col], z1 = z[4 + col], z2 = z[8 + col], z3 = z[12 + col];
                    t[col] = z0 + 0.5f * (z1 + z2);
                    t[4 + col] = 0.5f * (z1 - z2);
                    t[8 + col] = 0.5f * (z1 + z2) + z3;
                }
                int o = dwOff + (i * c + j) * 9;
                for (int r = 0; r < 3; r++) {
                    float t0 = t[4 * r], t1 = t[4 * r + 1], t2 = t[4 * r + 2], t3 = t[4 * r + 3];
                    dw[o + 3 * r] += t0 + 0.5f * (t1 + t2);
                    dw[o + 3 * r + 1] += 0.5f * (t1 - t2);
                    dw[o + 3 * r + 2] += 0.5f * (t1 + t2) + t3;
                }
            }
        }
    }

    /**
     * Rows first - pt .. first - pt + rows - 1 of every channel of one image (src from base: chans x height x
     * width), zero padded (pt rows above, pl columns left, zeros past the edges), as split rows of 2 er floats:
     * the even columns at [0, er), the odd ones at [er, 2 er). A padded row is read as whole vectors from the
     * row's start - pl, the floats outside the row zeroed by splitValid's lane table: straight from src for rows
     * of at most LANES floats (CIFAR's 8x8 and 16x16 layers: 1.06-1.10x over copying every row), else, and where
     * the vectors would reach outside src, from a copy of the row in line (at pl).
     */
    private void splitRows(float[] src, int base, int chans, int height, int width, int pt, int pl, int first,
                           int rows, boolean[] valid, float[] split, float[] line) {
        int span = 2 * er, copy = Math.min(width, span - pl);
        FloatVector zero = FloatVector.zero(Simd.F);
        for (int ch = 0; ch < chans; ch++) {
            int from = base + ch * height * width;
            for (int j = 0; j < rows; j++) {
                int ih = first + j - pt, dst = (ch * rows + j) * span;
                if (ih < 0 || ih >= height || copy <= 0) {
                    Arrays.fill(split, dst, dst + span, 0f);
                    continue;
                }
                int start = from + ih * width - pl;
                float[] row = src;
                if (width > L || start < 0 || start + span > src.length) {
                    System.arraycopy(src, from + ih * width, line, pl, copy);
                    row = line;
                    start = 0;
                }
                for (int t = 0; t < er; t += L) {
                    FloatVector a = zero.blend(FloatVector.fromArray(Simd.F, row, start + 2 * t),
                            VectorMask.fromArray(Simd.F, valid, 2 * t));
                    FloatVector b = zero.blend(FloatVector.fromArray(Simd.F, row, start + 2 * t + L),
                            VectorMask.fromArray(Simd.F, valid, 2 * t + L));
                    a.rearrange(EVEN).blend(b.rearrange(EVEN), UPPER).intoArray(split, dst + t);
                    a.rearrange(ODD).blend(b.rearrange(ODD), UPPER).intoArray(split, dst + er + t);
                }
            }
        }
    }

    /**
     * The table of splitRows for rows of width floats padded by pl on the left: which of a padded row's 2 er
     * floats hold source columns, [pl, pl + min(width, 2 er - pl)); into table, grown when too short.
     */
    private boolean[] splitValid(boolean[] table, int pl, int width) {
        int span = 2 * er, end = pl + Math.min(width, span - pl);
        boolean[] t = table.length < span ? new boolean[span] : table;
        for (int i = 0; i < span; i++) {
            t[i] = i >= pl && i < end;
        }
        return t;
    }

    /**
     * Several tile rows per vector: grouped row j of a channel holds, in 4 vectors of LANES floats, E, E1, O and
     * O1 (the even columns, those one tile further, the odd columns, those one tile further) of split row j in
     * the first group of lanes and of split rows j + 2, j + 4, j + 6 in the next ones; j in
     * [0, rowsIn - 2 (group - 1)).
     */
    private void groupRows(int chans, int rowsIn, float[] split, float[] grouped) {
        int width = 2 * er, out = 4 * L, rows = rowsIn - 2 * (group - 1);
        for (int ch = 0; ch < chans; ch++) {
            for (int j = 0; j < rows; j++) {
                int a = (ch * rowsIn + j) * width, d = (ch * rows + j) * out;
                int step = 2 * width;
                if (group == 2) {
                    pair(split, a, step, grouped, d);
                    pair(split, a + 1, step, grouped, d + L);
                    pair(split, a + er, step, grouped, d + 2 * L);
                    pair(split, a + er + 1, step, grouped, d + 3 * L);
                } else {
                    quad(split, a, step, grouped, d);
                    quad(split, a + 1, step, grouped, d + L);
                    quad(split, a + er, step, grouped, d + 2 * L);
                    quad(split, a + er + 1, step, grouped, d + 3 * L);
                }
            }
        }
    }

    /** The first half of the vector at a, the first half of the one at a + step in the upper half, to dst[d]. */
    private static void pair(float[] split, int a, int step, float[] dst, int d) {
        FloatVector.fromArray(Simd.F, split, a)
                .blend(FloatVector.fromArray(Simd.F, split, a + step).rearrange(LOW_HALF), UPPER).intoArray(dst, d);
    }

    /** The first quarters of the vectors at a, a + step, a + 2 step and a + 3 step, in that order, to dst[d]. */
    private static void quad(float[] split, int a, int step, float[] dst, int d) {
        FloatVector.fromArray(Simd.F, split, a)
                .blend(FloatVector.fromArray(Simd.F, split, a + step).rearrange(LOW_QUARTER), QUARTER_1)
                .blend(FloatVector.fromArray(Simd.F, split, a + 2 * step).rearrange(LOW_QUARTER), QUARTER_2)
                .blend(FloatVector.fromArray(Simd.F, split, a + 3 * step).rearrange(LOW_QUARTER), QUARTER_3)
                .intoArray(dst, d);
    }

    /**
     * V = B^T d B for every tile of the split rows and channel: V[xi] (c, t) at
     * v[xi * vStep + ch * chanStride + t / nr * panelStride + t % nr], t = t0 + local tile row * tWv + tx.
     * Forward: the B panels of the GEMMs (chanStride nr, panelStride c * nr); backward-weight: rows of tiles
     * (chanStride = row length, panelStride nr).
     * With E/O the even/odd columns of a row from tile tx on, a row's transform is
     * (E - E1, O + E1, E1 - O, O - O1), E1/O1 those one tile further; B^T combines 4 rows the same way.
     * Source rows (split or paired): rowsPerChan per channel, width floats each, E at 0, E1 at e1, O at od,
     * O1 at od1; lrStep tile rows per vector; rt: 16 LANES floats of scratch.
     */
    private void transformInput(int chans, int ch0, int rows, int lrStep, int rowsPerChan, int width, int e1, int od,
                                int od1, float[] split, float[] v, int vBase, int chanStride, int panelStride, int tStart,
                                float[] rt) {
        int nr = mk.nr, xiStep = vStep;
        for (int ch = 0; ch < chans; ch++) {
            for (int lr = 0; lr < rows; lr += lrStep) {
                int r0 = (ch * rowsPerChan + 2 * lr) * width;
                for (int t0 = 0; t0 < tWv; t0 += L) {
                    int t = tStart + lr * tWv + t0;
                    int d = vBase + (ch0 + ch) * chanStride + t / nr * panelStride + t % nr;
                    // rows 0..3 of the tile, each transformed along its columns, into rt (row a, column j at
                    // (4 a + j) LANES), then B^T over the rows, column by column. Two loops of 12 vector operations
                    // rather than 64 in a row: with all 64 C2 stopped inlining the Vector API's methods at the
                    // last stores (NodeCountInliningCutoff with -XX:-IncrementalInline; in some JVMs with it) and
                    // boxed their vectors
                    for (int a = 0, o = r0 + t0; a < 4; a++, o += width) {
                        FloatVector e = FloatVector.fromArray(Simd.F, split, o);
                        FloatVector ee = FloatVector.fromArray(Simd.F, split, o + e1);
                        FloatVector oo = FloatVector.fromArray(Simd.F, split, o + od);
                        FloatVector oo1 = FloatVector.fromArray(Simd.F, split, o + od1);
                        e.sub(ee).intoArray(rt, 4 * a * L);
                        oo.add(ee).intoArray(rt, (4 * a + 1) * L);
                        ee.sub(oo).intoArray(rt, (4 * a + 2) * L);
                        oo.sub(oo1).intoArray(rt, (4 * a + 3) * L);
                    }
                    // B^T over the rows: (r0 - r2, r1 + r2, r2 - r1, r1 - r3)
                    for (int j = 0; j < 4; j++) {
                        FloatVector a0 = FloatVector.fromArray(Simd.F, rt, j * L);
                        FloatVector b0 = FloatVector.fromArray(Simd.F, rt, (4 + j) * L);
                        FloatVector c0 = FloatVector.fromArray(Simd.F, rt, (8 + j) * L);
                        FloatVector d0 = FloatVector.fromArray(Simd.F, rt, (12 + j) * L);
                        a0.sub(c0).intoArray(v, d + j * xiStep);
                        b0.add(c0).intoArray(v, d + (4 + j) * xiStep);
                        c0.sub(b0).intoArray(v, d + (8 + j) * xiStep);
                        b0.sub(d0).intoArray(v, d + (12 + j) * xiStep);
                    }
                }
            }
        }
    }

    /**
     * M[xi] (kp, tcp) at m[xi * mStep + i * tcp + t] = U[xi] . V[xi] (V from vBase) for the rows of A micro-panels
     * [ip0, ip1): each B panel swept by each of them.
     */
    private void multiply(float[] v, int vBase, float[] m, int ip0, int ip1) {
        MicroKernel kern = mk;
        int mr = kern.mr, nr = kern.nr, panels = tcp / nr, aPanels = kp / mr;
        for (int xi = 0; xi < XI; xi++) {
            for (int pn = 0; pn < panels; pn++) {
                int bo = vBase + xi * vStep + pn * c * nr;
                for (int ip = ip0; ip < ip1; ip++) {
                    kern.run(c, u, (xi * aPanels + ip) * c * mr, v, bo, m, xi * mStep + ip * mr * tcp + pn * nr, tcp,
                            false);
                }
            }
        }
    }

    /**
     * y tile = A^T M A, for the tiles of image img from column tOff of M and output channels [i0, i1): per row a
     * of M's 4x4 tile s0 = m0 + m1 + m2, s1 = m1 - m2 - m3, then the same over the rows; the two output columns of each tile
     * interleaved into the output rows 2 ty, 2 ty + 1 (those past q or p dropped; two tile rows per vector: the
     * upper half of the vectors into rows 2 ty + 2, 2 ty + 3; four: see storeRowPairs and copyQuarters).
     */
    private void transformOutput(int img, int ty0, int rows, float[] m, int tOff, float[] line, int i0, int i1) {
        int xiStep = mStep;
        boolean pairs = group == 2, addBias = bias != null;
        FloatVector zero = FloatVector.zero(Simd.F);
        for (int i = i0; i < i1; i++) {
            int out = yOff + (img * k + i) * p * q;
            float b = addBias ? bias[biasOff + i] : 0f;
            for (int lr = 0; lr < rows; lr += group) {
                int oh = 2 * (ty0 + lr);
                for (int t0 = 0; t0 < tWv && 2 * t0 < q; t0 += L) {
                    int s = i * tcp + tOff + lr * tWv + t0;
                    // in steps through line, as in transformInput (a few vector operations per loop, not 80 in a
                    // row): row a of M's tile into s_a0, s_a1 at line[2 a LANES], line[(2 a + 1) LANES] ...
                    for (int a = 0; a < 4; a++) {
                        FloatVector m0 = FloatVector.fromArray(Simd.F, m, s + 4 * a * xiStep);
                        FloatVector m1 = FloatVector.fromArray(Simd.F, m, s + (4 * a + 1) * xiStep);
                        FloatVector m2 = FloatVector.fromArray(Simd.F, m, s + (4 * a + 2) * xiStep);
                        FloatVector m3 = FloatVector.fromArray(Simd.F, m, s + (4 * a + 3) * xiStep);
                        m0.add(m1).add(m2).intoArray(line, 2 * a * L);
                        m1.sub(m2).sub(m3).intoArray(line, (2 * a + 1) * L);
                    }
                    // ... then over the rows, output column c of output row r into y_rc at line[(8 + 2 r + c) LANES]
                    for (int c = 0; c < 2; c++) {
                        FloatVector s0 = FloatVector.fromArray(Simd.F, line, c * L);
                        FloatVector s1 = FloatVector.fromArray(Simd.F, line, (2 + c) * L);
                        FloatVector s2 = FloatVector.fromArray(Simd.F, line, (4 + c) * L);
                        FloatVector s3 = FloatVector.fromArray(Simd.F, line, (6 + c) * L);
                        FloatVector y0 = s0.add(s1).add(s2), y1 = s1.sub(s2).sub(s3);
                        // the epilogue (Epilogue's rule) before the stores, junk lanes included (never stored)
                        if (addBias) {
                            y0 = y0.add(b);
                            y1 = y1.add(b);
                        }
                        if (relu) {
                            y0 = y0.blend(zero, y0.compare(VectorOperators.LT, 0f));
                            y1 = y1.blend(zero, y1.compare(VectorOperators.LT, 0f));
                        }
                        y0.intoArray(line, (8 + c) * L);
                        y1.intoArray(line, (10 + c) * L);
                    }
                    // the two output columns of each tile interleaved: even lanes from y_r0, odd ones from y_r1. lo
                    // holds output columns col.., hi the next LANES (pairs: those of the tile row below, 2 rows
                    // down; four rows per vector: see copyQuarters). lo and hi pass through line[0, 2 LANES)
                    if (group == 4 && q == L / 2) {
                        storeRowPairs(line, out, oh);
                        continue;
                    }
                    int col = 2 * t0, loAt = out + oh * q + col, hiAt = pairs ? loAt + 2 * q : loAt + L;
                    int loCols = Math.min(L, q - col), hiCols = pairs ? (oh + 2 < p ? loCols : 0) : Math.min(L, q - col - L);
                    for (int r = 0; r < 2 && oh + r < p; r++) {
                        FloatVector ye = FloatVector.fromArray(Simd.F, line, (8 + 2 * r) * L);
                        FloatVector yo = FloatVector.fromArray(Simd.F, line, (9 + 2 * r) * L);
                        FloatVector lo = ye.rearrange(ZIP_LO).blend(yo.rearrange(ZIP_LO), ODD_LANES);
                        FloatVector hi = ye.rearrange(ZIP_HI).blend(yo.rearrange(ZIP_HI), ODD_LANES);
                        if (group == 4) {
                            lo.intoArray(line, 0);
                            hi.intoArray(line, L);
                            copyQuarters(line, 0, out, oh + r);
                            continue;
                        }
                        int rowHi = r == 1 && pairs && oh + 3 >= p ? 0 : hiCols;
                        if (loCols == L) {
                            lo.intoArray(y, loAt + r * q);
                        } else {
                            lo.intoArray(line, 0);
                            System.arraycopy(line, 0, y, loAt + r * q, loCols);
                        }
                        if (rowHi == L) {
                            hi.intoArray(y, hiAt + r * q);
                        } else if (rowHi > 0) {
                            hi.intoArray(line, 0);
                            System.arraycopy(line, 0, y, hiAt + r * q, rowHi);
                        }
                    }
                }
            }
        }
    }

    /**
     * Four tile rows per vector with q = LANES / 2 (8x8 outputs on AVX-512): output rows 2j and 2j + 1 of a tile
     * row are contiguous in y, so they go out as one vector (a call per row of q floats took most of
     * transformOutput's time at 64@8). y_rc at line[(8 + 2 r + c) LANES] as in transformOutput; output rows from
     * oh, those past p dropped.
     */
    private void storeRowPairs(float[] line, int out, int oh) {
        // lo_r: output row r of tile rows 0 and 1 (the lower and upper half), hi_r: of tile rows 2 and 3
        FloatVector ye = FloatVector.fromArray(Simd.F, line, 8 * L), yo = FloatVector.fromArray(Simd.F, line, 9 * L);
        FloatVector lo0 = ye.rearrange(ZIP_LO).blend(yo.rearrange(ZIP_LO), ODD_LANES);
        FloatVector hi0 = ye.rearrange(ZIP_HI).blend(yo.rearrange(ZIP_HI), ODD_LANES);
        ye = FloatVector.fromArray(Simd.F, line, 10 * L);
        yo = FloatVector.fromArray(Simd.F, line, 11 * L);
        FloatVector lo1 = ye.rearrange(ZIP_LO).blend(yo.rearrange(ZIP_LO), ODD_LANES);
        FloatVector hi1 = ye.rearrange(ZIP_HI).blend(yo.rearrange(ZIP_HI), ODD_LANES);
        FloatVector v0 = lo0.blend(lo1.rearrange(LOW_HALF), UPPER), v1 = lo0.rearrange(HIGH_HALF).blend(lo1, UPPER);
        FloatVector v2 = hi0.blend(hi1.rearrange(LOW_HALF), UPPER), v3 = hi0.rearrange(HIGH_HALF).blend(hi1, UPPER);
        if (oh + 8 <= p) {
            int at = out + oh * q;
            v0.intoArray(y, at);
            v1.intoArray(y, at + L);
            v2.intoArray(y, at + 2 * L);
            v3.intoArray(y, at + 3 * L);
            return;
        }
        // the last tile rows reach past p: through line, the rows that exist (no vector leaves this method: one
        // passed to a method C2 does not inline is boxed)
        v0.intoArray(line, 0);
        v1.intoArray(line, L);
        v2.intoArray(line, 2 * L);
        v3.intoArray(line, 3 * L);
        System.arraycopy(line, 0, y, out + oh * q, (Math.min(p, oh + 8) - oh) * q);
    }

    /**
     * Four tile rows per vector: line[from, from + 2 LANES) holds the interleaved output columns of tile rows ty,
     * ty + 1, ty + 2 and ty + 3 (LANES / 2 each); their output row r (the first or second of each tile) goes to
     * output rows r, r + 2, r + 4, r + 6 of the channel at out, columns 0 .. q - 1 (at most LANES / 2), those past p
     * dropped.
     */
    private void copyQuarters(float[] line, int from, int out, int r) {
        int half = L / 2, cols = Math.min(half, q);
        for (int j = 0; j < 4 && r + 2 * j < p; j++) {
            System.arraycopy(line, from + j * half, y, out + (r + 2 * j) * q, cols);
        }
    }
}
