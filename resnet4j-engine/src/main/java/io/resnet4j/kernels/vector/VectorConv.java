package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.ConvOps;
import io.resnet4j.kernels.PreparedConv;

/**
 * 2-D convolution on the Vector API, all three passes, any kernel size, stride and (asymmetric) padding.
 * <pre>
 * up to 3x3, up to 64 channels (Tuning.direct; where Winograd applies, up to 16, AVX-512 32): forward and
 *                  stride-1 backward-data straight from the padded image, no panels (DirectConv); rows narrower
 *                  than a vector from the image unrolled along the kernel's columns (DirectConv's flat mode)
 * 3x3, stride 1, 16 to 512 channels (Tuning.winogradFor): forward and backward-data by Winograd F(2x2, 3x3)
 *                  (Winograd: per 2x2 output tile and channel pair 16 multiply-adds instead of 36, as 16 GEMMs)
 * forward:         y (k, n*p*q) = w (k, crs) . col (crs, n*p*q)   one packed GEMM over the batch; the panels
 *                  are gathered from zero-padded images (strided: their phase planes), each output row
 *                  widened to whole vectors (q = 28 computed as 32 columns, 4 of them not stored); where that
 *                  would add more than a third (q = 5), the im2col columns are written into the packed panels
 * backward-data:   stride 1: the transposed convolution is a convolution of dy with the flipped, transposed
 *                  weights (padding r - 1 - pad), run by the forward path;
 *                  strided, few channels, dx's phases in whole tiles: each phase of dx a stride-1 convolution of
 *                  dy with a flipped sub-kernel on DirectConv's tiles, then interleaved (DataPhases);
 *                  otherwise: dcol = w^T . dy panel by panel, scattered into dx (col2im), one task per image
 * backward-weight: dw (k, crs) += dy (k, n*p*q) . col^T. Small weights of images whose unrolled input and
 *                  transposed dy fit L2 (every CIFAR layer): outer products over the positions (WeightOuter).
 *                  Otherwise, stride 1: on the padded grid, as one packed GEMM
 *                  for k >= 64 (WeightGemm), as dot products without im2col for fewer channels (WeightGrid);
 *                  strided kernels larger than 1x1: dot products on the grid of the phase planes (WeightGrid);
 *                  otherwise dot products over packed im2col chunks (ConvJobs.Weight)
 * </pre>
 * strided 1x1, unpadded (ResNet-50's downsampling): all three passes as the pointwise convolution of the
 *                  input's samples x[:, :, ::sh, ::sw] (ConvJobs.Subsample; backward-data scatters into zeros)
 * Inference (prepare, then forward with the prepared weights): the weights are packed or Winograd-transformed
 * once, and the forward pass adds the bias and applies the ReLU to each finished tile while it is in cache.
 * Small outputs (Tuning.tiles: 7x7, strided 3x3 up to 14x14) take PositionTiles instead, with the weights
 * transposed into panels of 2 LANES output channels (positions broadcast, channels along the vectors).
 * A 1x1, stride 1, unpadded convolution is run as one on a (1, h*w) image: its im2col is the input itself.
 * Every pass is deterministic: the task split depends on the shape only (see GemmDriver, ConvJobs).
 */
public final class VectorConv implements ConvOps {
    public static final VectorConv INSTANCE = new VectorConv(Tuning.DEFAULT);

    private final Tuning tuning;
    private final MicroKernel kernel;

    VectorConv(Tuning tuning) {
        this.tuning = tuning;
        this.kernel = tuning.kernel();
    }

    /** 1x1, stride 1, no padding: the same convolution on (1, h*w) images. */
    private static boolean pointwise(ConvGeometry g) {
        return g.r() == 1 && g.s() == 1 && g.strideH() == 1 && g.strideW() == 1
                && g.padTop() == 0 && g.padLeft() == 0 && g.padBottom() == 0 && g.padRight() == 0;
    }

    @Override
    public void forward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] y, int yOff) {
        forward(g, x, xOff, w, wOff, null, null, 0, false, false, y, yOff);
    }

    /**
     * 1x1, unpadded, strided: the pointwise convolution of x's samples (ConvJobs.Subsample), in all three passes.
     * Against the general strided paths on ResNet-50's downsampling layers: forward 1.14-1.66x, backward-data
     * 0.93-2.15x, backward-weight 1.7-7.3x (BENCHMARKS.md).
     */
    private boolean subsampled(ConvGeometry g) {
        return tuning.subsample() && g.r() == 1 && g.s() == 1 && (g.strideH() > 1 || g.strideW() > 1)
                && g.padTop() == 0 && g.padLeft() == 0 && g.padBottom() == 0 && g.padRight() == 0;
    }

    /** x's samples (n * c planes of p x q) in the thread's workspace, for a subsampled convolution. */
    private static float[] samples(ConvGeometry g, float[] x, int xOff, Workspace ws) {
        float[] xs = ws.subsampled = Workspace.grow(ws.subsampled, (long) g.n() * g.c() * g.p() * g.q());
        ws.subsample.execute(false, x, xOff, g.n() * g.c(), g.h(), g.w(), g.strideH(), g.strideW(), g.p(), g.q(), xs);
        return xs;
    }

    /** Forward with w (wOff) as given, or prepared weights with the epilogue, onto y's residual when add (convolve). */
    private void forward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] prepared, float[] bias,
                         int biasOff, boolean relu, boolean add, float[] y, int yOff) {
        if (subsampled(g)) {
            int pq = g.p() * g.q();
            convolve(g.n(), g.c(), 1, pq, g.k(), 1, 1, 1, 1, 0, 0, 1, pq, samples(g, x, xOff, Workspace.get()), 0, w,
                    wOff, false, prepared, bias, biasOff, relu, add, y, yOff);
            return;
        }
        boolean pw = pointwise(g);
        int h = pw ? 1 : g.h(), wd = pw ? g.h() * g.w() : g.w();
        int p = pw ? 1 : g.p(), q = pw ? g.p() * g.q() : g.q();
        convolve(g.n(), g.c(), h, wd, g.k(), g.r(), g.s(), g.strideH(), g.strideW(), g.padTop(), g.padLeft(), p, q,
                x, xOff, w, wOff, false, prepared, bias, biasOff, relu, add, y, yOff);
    }

    /**
     * Prepared forms (a path's number, see path): the GEMM's packed A (k rounded up to mr, crs), Winograd's
     * transformed U, DirectConv's: packed A in micro-panels of DirectConv.KR rows, or PositionTiles' transposed
     * panels.
     */
    static final int PACKED = 0, WINOGRAD = 1, DIRECT = 2, TILES = 3;

    /**
     * The path of a convolution of c to k channels, h input rows (1: a pointwise one run on (1, h*w) images, left
     * to the GEMM), r x s kernel, stride sh x sw, padding pt, pl, p x q outputs, over tiles 2x2 output tiles in
     * the call, its weights prepared or not: TILES (prepared only), DIRECT, WINOGRAD or PACKED (the GEMM).
     * prepare and convolve both ask here, so prepared weights always meet the path that reads them.
     */
    private int path(int c, int h, int k, int r, int s, int sh, int sw, int pt, int pl, int p, int q, long tiles,
                     boolean prepared) {
        if (prepared && pt >= 0 && pl >= 0 && tuning.tiles(c * r * s, r, s, sh, sw, p, q)) {
            return TILES;
        }
        boolean winograd = winograd(c, k, r, s, sh, sw, pt, pl, q, tiles, prepared);
        if (h > 1 && pt >= 0 && pl >= 0 && tuning.direct(c, k, r, s, p, q, winograd)) {
            return DIRECT;
        }
        return winograd ? WINOGRAD : PACKED;
    }

    /**
     * Prepared 3x3 stride-1 weights that PositionTiles takes also keep Winograd's form, in front of its own, and
     * batches of at least DUAL_MIN_BATCH images run Winograd: on 3x3 512@7 (ResNet-50's last stage)
     * PositionTiles ran 1.4-2.3x Winograd's speed at batch 1 to 8, Winograd 1.27x PositionTiles' at batch 16.
     */
    static final int DUAL_MIN_BATCH = 16;

    /** Whether Winograd can run this convolution and pays off (see Tuning.winogradFor). */
    private boolean winograd(int c, int k, int r, int s, int sh, int sw, int pt, int pl, int q, long tiles,
                             boolean prepared) {
        return r == 3 && s == 3 && sh == 1 && sw == 1 && pt >= 0 && pl >= 0
                && tuning.winogradFor(c, k, q, tiles, prepared);
    }

    /** Whether prepared weights of this shape that take PositionTiles also hold Winograd's form (see DUAL_MIN_BATCH). */
    private boolean dual(int c, int k, int r, int s, int sh, int sw, int pt, int pl, int q) {
        return winograd(c, k, r, s, sh, sw, pt, pl, q, 0, true);
    }

    /** Winograd planned for g's weights, to transform them once (prepare). */
    private Winograd preparedWinograd(ConvGeometry g) {
        Winograd job = new Winograd();
        job.plan(1, g.c(), g.h(), g.w(), g.k(), g.padTop(), g.padLeft(), g.p(), g.q(), kernel);
        return job;
    }

    @Override
    public PreparedConv prepare(ConvGeometry g, float[] w, int wOff) {
        // a subsampled convolution runs as a pointwise one, whose path is the GEMM's
        boolean pw = pointwise(g) || subsampled(g);
        int path = path(g.c(), pw ? 1 : g.h(), g.k(), g.r(), g.s(), g.strideH(), g.strideW(), g.padTop(),
                g.padLeft(), g.p(), g.q(), 0, true);
        // prepared weights take Winograd's form at any batch (no transform per call)
        if (path == WINOGRAD) {
            Winograd job = preparedWinograd(g);
            float[] u = new float[Math.toIntExact(job.weightSize())];
            job.transformAll(w, wOff, u);
            return new PreparedConv(this, g, WINOGRAD, u);
        }
        if (path == TILES) {
            int crs = g.c() * g.r() * g.s();
            Winograd both = null;
            long uSize = 0;
            if (dual(g.c(), g.k(), g.r(), g.s(), g.strideH(), g.strideW(), g.padTop(), g.padLeft(), g.q())) {
                both = preparedWinograd(g);
                uSize = both.weightSize();
            }
            float[] data = new float[Math.toIntExact(uSize + PositionTiles.weightSize(g.k(), crs))];
            if (both != null) {
                both.transformAll(w, wOff, data);
            }
            PositionTiles.prepare(g.k(), crs, w, wOff, data, (int) uSize);
            return new PreparedConv(this, g, TILES, data);
        }
        // DirectConv reads the GEMM's micro-panels, of its own KR rows (output channels)
        int mr = path == DIRECT ? DirectConv.KR : kernel.mr, crs = g.c() * g.r() * g.s();
        float[] ap = new float[Math.toIntExact((long) (g.k() + mr - 1) / mr * mr * crs)];
        new Packing.PackA().pack(false, g.k(), crs, w, wOff, crs, mr, ap);
        return new PreparedConv(this, g, path, ap);
    }

    @Override
    public void forward(ConvGeometry g, float[] x, int xOff, PreparedConv w, float[] bias, int biasOff, boolean relu,
                        float[] y, int yOff) {
        w.check(this, g);
        forward(g, x, xOff, null, 0, w.data(), bias, biasOff, relu, false, y, yOff);
    }

    /**
     * The GEMM (packed or gathered panels) starts each tile's sums from the residual: its accumulate mode. The other
     * paths write their tiles in shapes of their own (Winograd's interleaved 2x2 outputs, DirectConv's overlapping
     * vectors, PositionTiles' transposed tiles): they write to scratch, and a pass adds it. PositionTiles reading
     * the residual as it stores each element ran 0.71-0.84x the separate pass (ResNet-50's 7x7 and 14x14 layers at
     * batch 1, caches flushed), against 1.06-1.40x for the GEMM's layers (BENCHMARKS.md nineteenth session).
     */
    @Override
    public void forwardAdd(ConvGeometry g, float[] x, int xOff, PreparedConv w, float[] bias, int biasOff,
                           boolean relu, float[] y, int yOff) {
        w.check(this, g);
        forward(g, x, xOff, null, 0, w.data(), bias, biasOff, relu, true, y, yOff);
    }

    @Override
    public void backwardData(ConvGeometry g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        int r = g.r(), s = g.s();
        boolean transposedIsPlain = g.strideH() == 1 && g.strideW() == 1
                && g.padTop() <= r - 1 && g.padBottom() <= r - 1 && g.padLeft() <= s - 1 && g.padRight() <= s - 1;
        Workspace ws = Workspace.get();
        if (subsampled(g)) {
            // the samples' gradient by the pointwise transposed convolution, then scattered into a zeroed dx
            int pq = g.p() * g.q();
            float[] dxs = ws.subsampled = Workspace.grow(ws.subsampled, (long) g.n() * g.c() * pq);
            convolve(g.n(), g.k(), 1, pq, g.c(), 1, 1, 1, 1, 0, 0, 1, pq, dy, dyOff, w, wOff, true, null, null, 0,
                    false, false, dxs, 0);
            ws.subsample.execute(true, dx, dxOff, g.n() * g.c(), g.h(), g.w(), g.strideH(), g.strideW(), g.p(), g.q(),
                    dxs);
            return;
        }
        if (transposedIsPlain) {
            // dx = conv(dy, w') with w'[ch, o, u, v] = w[o, ch, r-1-u, s-1-v], padding r-1-pt, s-1-pl
            int k = g.k(), c = g.c();
            boolean pw = pointwise(g);
            int h = pw ? 1 : g.p(), wd = pw ? g.p() * g.q() : g.q();
            int p = pw ? 1 : g.h(), q = pw ? g.h() * g.w() : g.w();
            convolve(g.n(), k, h, wd, c, r, s, 1, 1, r - 1 - g.padTop(), s - 1 - g.padLeft(), p, q,
                    dy, dyOff, w, wOff, true, null, null, 0, false, false, dx, dxOff);
            return;
        }
        DataPhases phases = ws.dataPhases;
        if (tuning.dataPhases() && phases.plan(tuning, g.n(), g.c(), g.h(), g.w(), g.k(), r, s, g.strideH(),
                g.strideW(), g.padTop(), g.padLeft(), g.p(), g.q())) {
            float[] wt = ws.phaseWeights = Workspace.grow(ws.phaseWeights, (long) g.c() * g.k() * r * s);
            phases.execute(dy, dyOff, w, wOff, wt, ws.packA, dx, dxOff);
            return;
        }
        int mr = kernel.mr, crs = g.c() * r * s;
        float[] ap = ws.packedA = Workspace.grow(ws.packedA, (long) (crs + mr - 1) / mr * mr * g.k());
        ws.packA.pack(true, crs, g.k(), w, wOff, crs, mr, ap);
        ConvJobs.DataCol2im job = ws.convDataCol2im;
        job.g.set(null, 0, g.n(), g.c(), g.h(), g.w(), r, s, g.strideH(), g.strideW(), g.padTop(), g.padLeft(),
                g.p(), g.q());
        job.mk = kernel;
        job.ap = ap;
        job.dy = dy;
        job.dyOff = dyOff;
        job.dx = dx;
        job.dxOff = dxOff;
        job.kOut = g.k();
        try {
            job.execute();
        } finally {
            job.clear();
        }
    }

    @Override
    public void backwardWeight(ConvGeometry g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        Workspace ws = Workspace.get();
        if (subsampled(g)) {
            if (ws.subGeometries.size() >= Workspace.SUB_GEOMETRIES) {
                ws.subGeometries.clear();
            }
            ConvGeometry pg = ws.subGeometries.computeIfAbsent(g,
                    s -> ConvGeometry.of(s.n(), s.c(), s.p(), s.q(), s.k(), 1, 1, 0));
            backwardWeight(pg, samples(g, x, xOff, ws), 0, dy, dyOff, dw, dwOff);
            return;
        }
        boolean pw = pointwise(g);
        if (g.r() == 3 && g.s() == 3 && g.strideH() == 1 && g.strideW() == 1 && g.padTop() >= 0 && g.padLeft() >= 0
                && tuning.winogradWeight(g.c(), g.k(), g.q())) {
            Winograd job = ws.winograd;
            job.planWeight(g.n(), g.c(), g.h(), g.w(), g.k(), g.padTop(), g.padLeft(), g.p(), g.q());
            ws.groupSums = Workspace.grow(ws.groupSums, job.groupSumsSize());
            job.bindWeight(x, xOff, dy, dyOff, dw, dwOff, ws.groupSums);
            try {
                job.execute();
            } finally {
                job.clear();
            }
            return;
        }
        if (tuning.weightOuterFloats() > 0) {
            WeightOuter job = ws.weightOuter;
            job.g.set(x, xOff, g.n(), g.c(), g.h(), g.w(), g.r(), g.s(), g.strideH(), g.strideW(), g.padTop(),
                    g.padLeft(), g.p(), g.q());
            job.kOut = g.k();
            job.rowOff = ws.rowOffsets = Workspace.grow(ws.rowOffsets, g.c() * g.r() * g.s());
            job.channelsAllowed = tuning.weightChannels();
            job.plan();
            if (job.fits(tuning.weightOuterFloats())) {
                job.dy = dy;
                job.dyOff = dyOff;
                job.dw = dw;
                job.dwOff = dwOff;
                job.groupSums = ws.groupSums = Workspace.grow(ws.groupSums, job.groupSumsSize());
                try {
                    job.execute();
                } finally {
                    job.clear();
                }
                return;
            }
            job.clear();
        }
        boolean unitStride = g.strideH() == 1 && g.strideW() == 1;
        if (g.k() >= tuning.weightGemmMinK() && g.s() + Simd.LANES <= ConvJobs.Pad.SLACK
                && (unitStride || tuning.weightGemmStrided() && g.padTop() >= 0 && g.padLeft() >= 0)) {
            weightGemm(g, pw, x, xOff, dy, dyOff, dw, dwOff, ws);
            return;
        }
        boolean stridedGrid = g.strideH() == 1 && g.strideW() == 1 || g.r() * g.s() > 1;
        if (stridedGrid && g.s() + Simd.LANES <= ConvJobs.Pad.SLACK) {
            WeightGrid job = ws.weightGrid;
            job.g.set(x, xOff, g.n(), g.c(), pw ? 1 : g.h(), pw ? g.h() * g.w() : g.w(), g.r(), g.s(),
                    g.strideH(), g.strideW(),
                    g.padTop(), g.padLeft(), pw ? 1 : g.p(), pw ? g.p() * g.q() : g.q());
            job.kOut = g.k();
            job.dy = dy;
            job.dyOff = dyOff;
            job.dw = dw;
            job.dwOff = dwOff;
            job.chunk = tuning.gridChunk();
            job.maxRows = tuning.weightRows();
            job.plan();
            job.dyg = ws.packedDy = Workspace.grow(ws.packedDy, job.dygSize());
            job.groupSums = ws.groupSums = Workspace.grow(ws.groupSums, job.groupSumsSize());
            try {
                job.execute();
            } finally {
                job.clear();
            }
            return;
        }
        ConvJobs.Weight job = ws.convWeight;
        job.g.set(x, xOff, g.n(), g.c(), pw ? 1 : g.h(), pw ? g.h() * g.w() : g.w(), g.r(), g.s(),
                g.strideH(), g.strideW(), g.padTop(), g.padLeft(), pw ? 1 : g.p(), pw ? g.p() * g.q() : g.q());
        job.kOut = g.k();
        job.dy = dy;
        job.dyOff = dyOff;
        job.dw = dw;
        job.dwOff = dwOff;
        job.plan();
        job.dyp = ws.packedDy = Workspace.grow(ws.packedDy, job.dypSize());
        job.groupSums = ws.groupSums = Workspace.grow(ws.groupSums, job.groupSumsSize());
        try {
            job.execute();
        } finally {
            job.clear();
        }
    }

    /** Backward-weight of a stride-1 convolution as one GEMM on the padded grid (WeightGemm). */
    private void weightGemm(ConvGeometry g, boolean pw, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff,
                            Workspace ws) {
        int n = g.n(), c = g.c(), h = pw ? 1 : g.h(), wd = pw ? g.h() * g.w() : g.w();
        int p = pw ? 1 : g.p(), q = pw ? g.p() * g.q() : g.q(), r = g.r(), s = g.s(), k = g.k();
        int sh = g.strideH(), sw = g.strideW(), phases = sh * sw;
        // dy laid onto the padded grid (WeightGrid's pack phase): strided, the grid of the phase planes
        WeightGrid grid = ws.weightGrid;
        grid.g.set(x, xOff, n, c, h, wd, r, s, sh, sw, g.padTop(), g.padLeft(), p, q);
        grid.kOut = k;
        grid.dy = dy;
        grid.dyOff = dyOff;
        grid.plan();
        int gp = grid.gridPositions();
        long dygSize = (long) k * n * gp;
        grid.dyg = ws.packedDy = Workspace.grow(ws.packedDy, dygSize);
        float[] dyg = grid.dyg;
        grid.packOnly();
        grid.dy = null;
        grid.dyg = null;
        int hp = p - 1 + (r + sh - 1) / sh, wp = q - 1 + (s + sw - 1) / sw, crs = c * r * s, mr = kernel.mr;
        long sTotal = (long) n * gp;
        if (sTotal > Integer.MAX_VALUE / 8) {
            throw new IllegalArgumentException("backward-weight grid too large: " + g);
        }
        float[] ap = ws.packedA = Workspace.grow(ws.packedA, (long) (k + mr - 1) / mr * mr * sTotal);
        ws.packA.pack(false, k, (int) sTotal, dyg, 0, (int) sTotal, mr, ap);
        float[] xp = ws.paddedBatch = Workspace.grow(ws.paddedBatch, ConvJobs.Pad.size(n * c * phases, hp, wp));
        WeightGemm job = ws.weightGemm;
        job.g.set(x, xOff, n, c, h, wd, r, s, sh, sw, g.padTop(), g.padLeft(), p, q);
        ws.padBatch.execute(job.g, xp, hp, wp);
        int[] colOff = ws.rowOffsets = Workspace.grow(ws.rowOffsets, crs);
        ConvJobs.Pad.tapOffsets(c, r, s, sh, sw, hp, wp, colOff);
        job.xp = xp;
        job.hp = hp;
        job.wp = wp;
        job.gp = gp;
        job.colOff = colOff;
        job.m = k;
        job.n = crs;
        job.kdim = (int) sTotal;
        job.accumulate = true;
        job.ap = ap;
        job.c = dw;
        job.cOff = dwOff;
        job.ldc = crs;
        job.cCols = crs;
        job.cImgStride = 0;
        job.plan(tuning);
        job.partial = ws.groupSums = Workspace.grow(ws.groupSums, job.planGroups(tuning.weightGemmGroup()));
        try {
            job.executeGroups();
        } finally {
            job.clear();
        }
    }

    /**
     * y (n, k, p, q) = conv(x (n, c, h, w), w (k, c, r, s)) for any int padding top/left (bottom/right follow
     * from p, q). Direct: B is gathered from the zero-padded input (strided: from its phase planes,
     * ConvJobs.Pad.phases) through a table of row offsets, each LANES-wide vector of a panel inside one output
     * row (of q columns rounded up to whole vectors, GemmDriver.rowStride). Otherwise the im2col panels are
     * packed: where q = 5 (8 would waste more than a third), and where the gathered panels, which never cross an
     * image, compute too many columns more than packed ones (Tuning.gather: 7x7 outputs at batch 16).
     * flipped: w holds the weights (c, k, r, s) of the convolution whose transpose this is, and the weights used are w'[o, ch, u, v] = w[ch, o, r-1-u, s-1-v]. prepared: not
     * null, the weights already in the chosen path's form (see prepare; w unused), and the epilogue (bias, relu)
     * applies. add (prepared only): y holds a residual, and y = relu(y + conv + bias) (ConvOps.forwardAdd); the GEMM
     * starts each sum from the residual, the other paths write the convolution (with its bias) to scratch first,
     * then add it (see forwardAdd).
     */
    private void convolve(int n, int c, int h, int wd, int k, int r, int s, int sh, int sw, int pt, int pl, int p, int q,
                          float[] x, int xOff, float[] w, int wOff, boolean flipped, float[] prepared, float[] bias,
                          int biasOff, boolean relu, boolean add, float[] y, int yOff) {
        Workspace ws = Workspace.get();
        long tiles = (long) n * ((p + 1) / 2) * ((q + 1) / 2);
        int path = path(c, h, k, r, s, sh, sw, pt, pl, p, q, tiles, prepared != null);
        boolean dual = path == TILES && dual(c, k, r, s, sh, sw, pt, pl, q);
        if (dual && n >= DUAL_MIN_BATCH) {
            // Winograd's form leads the prepared data (see prepare)
            path = WINOGRAD;
        }
        if (add && path != PACKED) {
            int len = n * k * p * q;
            float[] branch = ws.branch = Workspace.grow(ws.branch, len);
            convolve(n, c, h, wd, k, r, s, sh, sw, pt, pl, p, q, x, xOff, w, wOff, flipped, prepared, bias, biasOff,
                    false, false, branch, 0);
            if (relu) {
                VectorElementwise.INSTANCE.addRelu(len, y, yOff, branch, 0, y, yOff);
            } else {
                VectorElementwise.INSTANCE.add(len, y, yOff, branch, 0, y, yOff);
            }
            return;
        }
        if (path == TILES) {
            // PositionTiles' panels end the prepared data, after Winograd's form where there is one
            long wtOff = prepared.length - PositionTiles.weightSize(k, c * r * s);
            PositionTiles job = ws.positionTiles;
            job.g.set(x, xOff, n, c, h, wd, r, s, sh, sw, pt, pl, p, q);
            int[] tap = ws.rowOffsets = Workspace.grow(ws.rowOffsets, c * r * s);
            ws.paddedBatch = job.execute(k, prepared, (int) wtOff, bias, biasOff, relu, y, yOff, tap, ws.paddedBatch,
                    ws.padBatch, tuning.tileRowWaste(),
                    tuning.touchMinPlane(), tuning.tileChunkTaps());
            return;
        }
        if (path == WINOGRAD) {
            Winograd job = ws.winograd;
            job.plan(n, c, h, wd, k, pt, pl, p, q, kernel);
            if (prepared == null) {
                ws.packedA = Workspace.grow(ws.packedA, job.weightSize());
            }
            job.bindForward(x, xOff, w, wOff, flipped, prepared == null ? ws.packedA : prepared, y, yOff);
            if (prepared != null) {
                job.bindPrepared(bias, biasOff, relu);
            }
            try {
                job.execute();
            } finally {
                job.clear();
            }
            return;
        }
        int mr = path == DIRECT ? DirectConv.KR : kernel.mr, crs = c * r * s;
        float[] ap = prepared;
        if (ap == null) {
            ap = ws.packedA = Workspace.grow(ws.packedA, (long) (k + mr - 1) / mr * mr * crs);
            if (flipped) {
                ws.packA.packFlipped(c, k, r, s, w, wOff, mr, ap);
            } else {
                ws.packA.pack(false, k, crs, w, wOff, crs, mr, ap);
            }
        }
        if (path == DIRECT) {
            int[] tab = ws.rowOffsets = Workspace.grow(ws.rowOffsets, crs);
            ws.direct.execute(n, c, h, wd, k, r, s, sh, sw, pt, pl, p, q, x, xOff, ap, bias, biasOff, relu, tab, y,
                    yOff);
            return;
        }
        ConvJobs.Forward job = ws.convForward;
        job.bias = bias;
        job.biasOff = biasOff;
        job.relu = relu;
        job.g.set(x, xOff, n, c, h, wd, r, s, sh, sw, pt, pl, p, q);
        // strided: the panels are gathered from the stride's phase planes (ConvJobs.Pad.phases); a row width q
        // that is not a multiple of LANES is computed as qv columns (junk ones not stored) while that adds at
        // most a third: 7, 14, 28 -> 8, 16, 32
        int qv = (q + Simd.LANES - 1) / Simd.LANES * Simd.LANES;
        job.direct = qv * 3 <= q * 4 && (sh == 1 && sw == 1 || pt >= 0 && pl >= 0) && tuning.gather(n, p, q, qv);
        int cq = job.direct ? qv : q;
        job.rowCols = q;
        job.rowStride = cq == q ? 0 : cq;
        job.m = k;
        job.n = n * p * cq;
        job.kdim = crs;
        job.accumulate = add;
        job.ap = ap;
        job.c = y;
        job.cOff = yOff;
        job.ldc = p * q;
        job.cCols = p * cq;
        job.cImgStride = k * p * q;
        // packed and strided: the panels are copied from the batch's phase planes (ConvJobs.Forward.phasedBatch)
        boolean phased = !job.direct && (sh > 1 || sw > 1) && pt >= 0 && pl >= 0;
        if (job.direct || phased) {
            int hp = p - 1 + (r + sh - 1) / sh, wp = q - 1 + (s + sw - 1) / sw, phases = sh * sw;
            job.hp = hp;
            job.wp = wp;
            job.phases = phases;
            // junk columns read up to qv - q floats past an image's last row: only a padded copy has that slack
            job.unpadded = phases == 1 && pt == 0 && pl == 0 && hp == h && wp == wd && cq == q;
            // small images go in groups whose padded copy (about 128 KiB) stays in L2
            job.imagesPerSegment = (int) Math.max(1, Math.min(n, 32768L / ((long) c * phases * hp * wp)));
            int[] rowOff = ws.rowOffsets = Workspace.grow(ws.rowOffsets, crs);
            ConvJobs.Pad.tapOffsets(c, r, s, sh, sw, hp, wp, rowOff);
            job.rowOff = rowOff;
        }
        job.plan(tuning);
        try {
            // packed and strided: the panels' source; direct with more tasks than images: each would pad the images
            // it touches once more, so the batch is padded once
            if (phased || job.direct && !job.unpadded && job.tasks() > n) {
                float[] xp = ws.paddedBatch = Workspace.grow(ws.paddedBatch,
                        ConvJobs.Pad.size(n * c * job.phases, job.hp, job.wp));
                ws.padBatch.execute(job.g, xp, job.hp, job.wp);
                if (phased) {
                    job.phasedBatch = xp;
                } else {
                    job.paddedBatch = xp;
                }
            }
            job.execute();
        } finally {
            job.clear();
        }
    }

    @Override
    public String toString() {
        return "VectorConv(" + kernel + ")";
    }
}
