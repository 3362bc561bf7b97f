package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Inference forward of a convolution with prepared weights as register tiles of MR output positions by NR =
 * 2 * LANES output channels, read straight from the zero-padded image (no im2col, no packing per call):
 * <pre>
 * xp[img] (c, phases, hp, wp)   the zero-padded image, strided: its phase planes (ConvJobs.Pad.phases); a 1x1,
 *                               stride-1, unpadded convolution (run as one on (1, h*w) images) reads x itself, and
 *                               gathers the taps of a tile whose reads would pass x's end
 * grid position g = a * wp + b, a in [0, p), b in [0, wp): an output where b < q (junk columns otherwise)
 * tap[kk]                       where tap kk = (ch, u, v) starts in one image's xp (ConvJobs.Pad.tapOffsets)
 * wt (kp / NR, crs, NR)         wt[panel, kk, o] = w[panel * NR + o, kk], 0 for channels >= k (prepared once)
 * tile (mr, NR)                 sum over kk of xp[img][tap[kk] + g0 + i] x wt[panel, kk, :], i in [0, mr): mr = MR
 *                               or SHORT_MR positions from g0 = tile * mr, or ROW_MR within one output row
 *                               (tilePositions)
 * y[img, o, a, b]               tile + bias[o], then ReLU (Epilogue's rule)
 * </pre>
 * The GEMM puts the output channels on the rows and the positions on the vectors: where an image has few
 * positions (ResNet-50's 7x7 and 14x14 layers at batch 1: 49 and 196 against vectors of 32 columns), a third
 * of its columns was padding, its im2col took a fifth of the time and the partial panels went through scalar
 * copies. Here the positions are broadcasts (49 in 5 tiles of 10 on AVX-512, or 7 of 8) and the channels the
 * vectors (whole for every ResNet width). Each task takes one panel of weights (crs x NR floats) for a chunk of
 * position tiles of one image, in passes of chunkTaps taps over all its tiles (Tuning.tileChunkTaps): the panel,
 * which at batch 1 comes from memory, is read there once for all the tiles, a pass's part of it then served from
 * L1. Each y element is the sum over kk in ascending order (a pass carries on from the stored sums, so the passes
 * change no bit), written by one task: results do not depend on the thread count.
 */
final class PositionTiles implements Parallel.Task {
    static final int L = Simd.LANES;
    /**
     * Output channels per tile (two vectors) and positions per tile: 12 on AVX-512 (24 accumulators of its 32
     * registers; against 8, ResNet-50's tile layers at batch 1 ran 1.13-1.25x, 3x3 512@7 1.00x, same JVM, JDK 17),
     * 8 with 16 registers.
     */
    static final int NR = 2 * L, MR = L >= 16 ? 12 : 8;
    /**
     * Fewest taps (c * r * s) of a convolution run here: each tile's MR x NR results are stored one by one, which
     * weighs against few multiply-adds per tile (no layer with fewer taps was measured to win).
     */
    static final int MIN_TAPS = 256;
    /**
     * Default reach (Tuning.tilesMaxPositions 49, A/B against the GEMM and Winograd with cold caches, ResNet-50's
     * layers, BENCHMARKS.md): 7x7 outputs, where at batch 1 3x3 512 ran 2.0x, 1x1 2048 -> 512 1.35-1.49x; strided
     * 3x3 up to 14x14 outputs (this constant: 1.35-1.61x). Larger outputs lost: 1x1 layers at 14x14 to 56x56
     * 0.52-0.99x (each tile reads its taps from crs rows a plane apart), 3x3 256 at 14x14 0.80-0.96x (0.72-0.80x with
     * the taps' passes, Tuning.tileChunkTaps). With the passes, strided 3x3 to 28x28 gained at batch 1 (ResNet-50's
     * 128@56 1.33x cold, 1.02x warm) but not at batch 16 (WRN-28-10's 160@32 0.85-0.93x; ResNet-50's 1.02-1.11x),
     * and prepared weights have one form for every batch size (BENCHMARKS.md seventeenth session).
     */
    static final int STRIDED_MAX_POSITIONS = 196;
    /**
     * Most outputs per image of a 1x1 convolution run here above Tuning.tilesMaxPositions, with at least
     * POINTWISE_MIN_TAPS taps, or STRIDED_POINTWISE_MIN_TAPS when strided.
     */
    static final int POINTWISE_MAX_POSITIONS = 196;
    /**
     * Fewest taps of a 1x1 convolution taken up to POINTWISE_MAX_POSITIONS outputs (Tuning.tiles): at 14x14 and
     * batch 1, 1024 -> 256 ran 1.22-1.26x the GEMM's speed, 1024 -> 512 1.22x (1.11-1.13x at batch 2 and 4, 1.01x at
     * 16), where 256 -> 1024 ran 0.99x (0.87-0.88x with the passes) and 512 -> 256 at 28x28 0.91x (same JVM, JDK 17,
     * cold caches).
     */
    static final int POINTWISE_MIN_TAPS = 1024;
    /**
     * The same for a strided 1x1 convolution: ResNet-50's 512 -> 1024 from 28x28 to 14x14 ran 1.21x cold and 1.07x
     * warm at batch 1, 1.05-1.16x at batch 16 (with the passes; 256 -> 512 to 28x28 lost, 0.74-0.94x).
     */
    static final int STRIDED_POINTWISE_MIN_TAPS = 512;
    /**
     * Positions of a row tile (AVX-512 only: its 14 accumulators, two weight vectors and a broadcast need 17 of the
     * 32 registers): ResNet's output widths 7, 14, 28, 56 split into whole tiles, so no tile computes a junk column
     * or a position past the grid, which the MR-position tiles over the padded grid do (3x3 at 7x7: 72 positions
     * for 49 outputs).
     */
    static final int ROW_MR = 7;
    /**
     * Positions of a short tile over the grid (AVX-512 only), where whole tiles of 10 compute fewer junk positions
     * than tiles of MR: 7x7 outputs of a 1x1 convolution take 5 tiles of 10 (50 positions) instead of 5 of 12 (60).
     */
    static final int SHORT_MR = 10;

    final ConvJobs.Geometry g = new ConvJobs.Geometry();
    private float[] xs, wt, bias, y;
    private int[] tap;
    /** The taps of the last tile of image tailImg (-1: none), gathered (crs x MR floats) with their offsets. */
    private float[] tail;
    private int[] tailTap;
    private int tailImg;
    private int wtOff, xsOff, imgStride, yOff, biasOff, k, crs, wp, grid, posTiles, tilesPerChunk, chunks, panels;
    /**
     * Positions per tile: MR or SHORT_MR over the padded grid, or ROW_MR within output rows (rows), perRow tiles per
     * row.
     */
    private int mr, perRow;
    private boolean relu, rows, touch;
    /** Taps per pass over the chunk's tiles (Tuning.tileChunkTaps; 0: all). */
    private int chunkTaps;
    /** Counts execute calls: each thread reads an image through once per call (see touch). */
    private long call;

    /**
     * Positions per tile for p x q outputs over a padded grid of the given size. With tileRowWaste 0 (Tuning) or
     * below AVX-512, MR. Otherwise ROW_MR (row tiles) where q is a multiple of ROW_MR and MR-position tiles compute
     * more than tileRowWaste percent of the outputs; SHORT_MR where its tiles compute at most 90% of the positions
     * MR's do (fewer multiply-adds per weight load, so only for a clear cut in work); else MR.
     */
    static int tilePositions(int tileRowWaste, int p, int q, int grid) {
        if (tileRowWaste == 0 || MR != 12) {
            return MR;
        }
        long work = (long) (grid + MR - 1) / MR * MR, shortWork = (long) (grid + SHORT_MR - 1) / SHORT_MR * SHORT_MR;
        if (q % ROW_MR == 0 && work * 100 > (long) tileRowWaste * p * q) {
            return ROW_MR;
        }
        return shortWork * 10 <= work * 9 ? SHORT_MR : MR;
    }

    /** Floats of prepared weights for k output channels of crs taps. */
    static long weightSize(int k, int crs) {
        return (long) (k + NR - 1) / NR * NR * crs;
    }

    /** wt (see the class comment) from wtOff, from w (k, crs) at wOff. */
    static void prepare(int k, int crs, float[] w, int wOff, float[] wt, int wtOff) {
        int panels = (k + NR - 1) / NR;
        for (int panel = 0; panel < panels; panel++) {
            for (int kk = 0; kk < crs; kk++) {
                int d = wtOff + (panel * crs + kk) * NR;
                for (int o = 0; o < NR; o++) {
                    int ch = panel * NR + o;
                    wt[d + o] = ch < k ? w[wOff + ch * crs + kk] : 0f;
                }
            }
        }
    }

    /**
     * Runs the convolution (g set: x, batch, channels, input h x w, kernel, stride, padding, p x q outputs) of k
     * output channels with prepared weights wt (from wtOff), epilogue bias (null: none) and relu, into y (n, k, p,
     * q). tap: at least crs ints of scratch; padded: a buffer for the padded batch, returned grown when it had to
     * pad; tileRowWaste and touchMinPlane: Tuning's (see tilePositions and touch).
     */
    float[] execute(int k, float[] wt, int wtOff, float[] bias, int biasOff, boolean relu, float[] y, int yOff,
                    int[] tap, float[] padded, ConvJobs.PadBatch padBatch, int tileRowWaste, int touchMinPlane,
                    int chunkTaps) {
        this.k = k;
        this.chunkTaps = chunkTaps;
        this.wt = wt;
        this.wtOff = wtOff;
        this.bias = bias;
        this.biasOff = biasOff;
        this.relu = relu;
        this.y = y;
        this.yOff = yOff;
        this.tap = tap;
        crs = g.crs();
        int phases = g.sh * g.sw;
        int hp = g.p - 1 + (g.r + g.sh - 1) / g.sh;
        wp = g.q - 1 + (g.s + g.sw - 1) / g.sw;
        boolean inPlace = phases == 1 && g.pt == 0 && g.pl == 0 && hp == g.h && wp == g.w;
        try {
            touch = inPlace && touchMinPlane > 0 && hp * wp >= touchMinPlane;
            if (inPlace) {
                xs = g.x;
                xsOff = g.xOff;
            } else {
                // the last tile of an image reads up to MR - 1 floats past its planes: Pad.SLACK covers them
                padded = Workspace.grow(padded, ConvJobs.Pad.size(g.images * g.ch * phases, hp, wp));
                padBatch.execute(g, padded, hp, wp);
                xs = padded;
                xsOff = 0;
            }
            imgStride = g.ch * phases * hp * wp;
            ConvJobs.Pad.tapOffsets(g.ch, g.r, g.s, g.sh, g.sw, hp, wp, tap);
            grid = (g.p - 1) * wp + g.q;
            mr = tilePositions(tileRowWaste, g.p, g.q, grid);
            rows = mr == ROW_MR;
            perRow = g.q / ROW_MR;
            posTiles = rows ? g.p * perRow : (grid + mr - 1) / mr;
            tailImg = -1;
            int lastBase = xsOff + (g.images - 1) * imgStride + tileStart(posTiles - 1);
            if (lastBase + tap[crs - 1] + mr > xs.length) {
                // x read in place has no room for the last tile's reads past its last plane: that tile's taps
                // gathered once for every panel, zero past the array's end (row tiles end on the grid's last output)
                Workspace ws = Workspace.get();
                tail = ws.tailTaps = Workspace.grow(ws.tailTaps, (long) crs * mr);
                tailTap = ws.tailOffsets = Workspace.grow(ws.tailOffsets, crs);
                for (int kk = 0; kk < crs; kk++) {
                    tailTap[kk] = kk * mr;
                    for (int i = 0; i < mr; i++) {
                        int e = lastBase + tap[kk] + i;
                        tail[kk * mr + i] = e < xs.length ? xs[e] : 0f;
                    }
                }
                tailImg = g.images - 1;
            }
            panels = (k + NR - 1) / NR;
            // enough tasks to balance the threads: position chunks where images times panels are too few
            int units = g.images * panels;
            int want = Math.max(1, Math.min(posTiles, (GemmDriver.TARGET_TASKS + units - 1) / units));
            tilesPerChunk = (posTiles + want - 1) / want;
            chunks = (posTiles + tilesPerChunk - 1) / tilesPerChunk;
            call++;
            Parallel.forEach(g.images * chunks * panels, this);
        } finally {
            g.x = null;
            xs = null;
            this.wt = null;
            this.bias = null;
            this.y = null;
            this.tap = null;
            tail = null;
            tailTap = null;
        }
        return padded;
    }

    @Override
    public void run(int task) {
        int panel = task % panels, rest = task / panels, chunk = rest % chunks, img = rest / chunks;
        Workspace ws = Workspace.get();
        // the panel's NR biases (0 past the last channel)
        float[] t = ws.tile = Workspace.grow(ws.tile, NR);
        boolean addBias = bias != null;
        int o1 = Math.min(NR, k - panel * NR);
        if (addBias) {
            java.util.Arrays.fill(t, 0, NR, 0f);
            System.arraycopy(bias, biasOff + panel * NR, t, 0, o1);
        }
        int base = xsOff + img * imgStride, wb = wtOff + panel * crs * NR;
        if (touch && (ws.touchedJob != this || ws.touchedCall != call || ws.touchedImg != img)) {
            ws.touchedJob = this;
            ws.touchedCall = call;
            ws.touchedImg = img;
            ws.touchSink = touch(xs, base, Math.min(xs.length, base + imgStride));
        }
        int t0 = chunk * tilesPerChunk, t1 = Math.min(posTiles, t0 + tilesPerChunk);
        int pq = g.p * g.q, q = g.q, size = MR * NR;
        // the chunk's tiles, summed over taps [k0, k1) for all tiles before the next taps (see chunkTaps)
        float[] acc = ws.tiles = Workspace.grow(ws.tiles, (long) (t1 - t0) * size);
        java.util.Arrays.fill(acc, 0, (t1 - t0) * size, 0f);
        int step = chunkTaps > 0 ? chunkTaps : crs;
        for (int k0 = 0; k0 < crs; k0 += step) {
            int k1 = Math.min(crs, k0 + step);
            for (int tl = t0; tl < t1; tl++) {
                boolean gathered = img == tailImg && tl == posTiles - 1;
                float[] src = gathered ? tail : xs;
                int[] taps = gathered ? tailTap : tap;
                int xb = gathered ? 0 : base + tileStart(tl), oo = (tl - t0) * size;
                if (rows) {
                    tile7(k0, k1, src, xb, taps, wt, wb, acc, oo);
                } else if (mr == SHORT_MR) {
                    tile10(k0, k1, src, xb, taps, wt, wb, acc, oo);
                } else if (MR == 12) {
                    tile12(k0, k1, src, xb, taps, wt, wb, acc, oo);
                } else {
                    tile(k0, k1, src, xb, taps, wt, wb, acc, oo);
                }
            }
        }
        int[] at = ws.runs = Workspace.grow(ws.runs, MR);
        for (int tl = t0; tl < t1; tl++) {
            int g0 = tileStart(tl), oo = (tl - t0) * size;
            // where each of the tile's positions goes in an output plane (-1: junk column or past the grid)
            for (int i = 0; i < mr; i++) {
                int gi = g0 + i, a = gi / wp, col = gi - a * wp;
                at[i] = gi < grid && col < q ? a * q + col : -1;
            }
            if (addBias || relu) {
                epilogue(acc, oo, t, mr, addBias, relu);
            }
            for (int o = 0; o < o1; o++) {
                int dst = yOff + (img * k + panel * NR + o) * pq;
                for (int i = 0; i < mr; i++) {
                    if (at[i] >= 0) {
                        y[dst + at[i]] = acc[oo + i * NR + o];
                    }
                }
            }
        }
    }

    /**
     * Reads one float of every 64-byte line of x[from, to) in memory order, returning their sum (for the caller to
     * keep, so that the reads stay). A tile reads its taps a plane apart: with 14x14 planes (784 bytes) the first
     * sweep over an image whose data is in neither cache waited on memory, where a read in memory order streams
     * (the hardware prefetchers follow it). 1x1 1024 -> 256 at 14x14, batch 16, caches flushed by 1 GiB before
     * each call: 1.42x, 1.10x with warm caches (Intel Xeon, ConvAB, BENCHMARKS.md sixteenth session). 7x7 planes
     * (196 bytes) are near enough to stream as they are (read through too: 1.03-1.04x cold, 0.96-0.99x warm), so
     * Tuning.touchMinPlane leaves them out. Padded inputs are not read through: ConvJobs.PadBatch has just written
     * them.
     */
    static float touch(float[] x, int from, int to) {
        float sum = 0;
        for (int e = from; e < to; e += 16) {
            sum += x[e];
        }
        return sum;
    }

    /** The grid position of tile tl's first output: a row's (rows), or mr positions a tile over the grid. */
    private int tileStart(int tl) {
        return rows ? tl / perRow * wp + tl % perRow * ROW_MR : tl * mr;
    }

    /**
     * Epilogue's rule on a finished tile of mr rows at acc[oo..], whose columns are channels: row i += the biases at
     * t[0, NR) (when addBias), then ReLU (when relu). In vectors: as a scalar loop before the scatter, the ReLU's branch
     * on the sign of each value cost 28% of a 1024 -> 256 layer at 14x14 (a JFR profile, 2026-11-29, BENCHMARKS.md).
     */
    private static void epilogue(float[] acc, int oo, float[] t, int mr, boolean addBias, boolean relu) {
        FloatVector zero = FloatVector.zero(Simd.F);
        FloatVector b0 = addBias ? FloatVector.fromArray(Simd.F, t, 0) : zero;
        FloatVector b1 = addBias ? FloatVector.fromArray(Simd.F, t, L) : zero;
        for (int i = 0; i < mr; i++) {
            FloatVector v0 = FloatVector.fromArray(Simd.F, acc, oo + i * NR);
            FloatVector v1 = FloatVector.fromArray(Simd.F, acc, oo + i * NR + L);
            if (addBias) {
                v0 = v0.add(b0);
                v1 = v1.add(b1);
            }
            if (relu) {
                v0 = v0.blend(zero, v0.compare(VectorOperators.LT, 0f));
                v1 = v1.blend(zero, v1.compare(VectorOperators.LT, 0f));
            }
            v0.intoArray(acc, oo + i * NR);
            v1.intoArray(acc, oo + i * NR + L);
        }
    }

    /**
     * The micro-kernel for MR = 8: out from oo (8 rows of NR floats) += sum over kk in [k0, k1) of x[xb + tap[kk] + i]
     * (row i) x wt[wb + kk * NR .. + NR), one fma per tap in ascending order.
     */
    static void tile(int k0, int k1, float[] x, int xb, int[] tap, float[] wt, int wb, float[] out, int oo) {
        FloatVector c00 = FloatVector.fromArray(Simd.F, out, oo);
        FloatVector c01 = FloatVector.fromArray(Simd.F, out, oo + L);
        FloatVector c10 = FloatVector.fromArray(Simd.F, out, oo + NR);
        FloatVector c11 = FloatVector.fromArray(Simd.F, out, oo + NR + L);
        FloatVector c20 = FloatVector.fromArray(Simd.F, out, oo + 2 * NR);
        FloatVector c21 = FloatVector.fromArray(Simd.F, out, oo + 2 * NR + L);
        FloatVector c30 = FloatVector.fromArray(Simd.F, out, oo + 3 * NR);
        FloatVector c31 = FloatVector.fromArray(Simd.F, out, oo + 3 * NR + L);
        FloatVector c40 = FloatVector.fromArray(Simd.F, out, oo + 4 * NR);
        FloatVector c41 = FloatVector.fromArray(Simd.F, out, oo + 4 * NR + L);
        FloatVector c50 = FloatVector.fromArray(Simd.F, out, oo + 5 * NR);
        FloatVector c51 = FloatVector.fromArray(Simd.F, out, oo + 5 * NR + L);
        FloatVector c60 = FloatVector.fromArray(Simd.F, out, oo + 6 * NR);
        FloatVector c61 = FloatVector.fromArray(Simd.F, out, oo + 6 * NR + L);
        FloatVector c70 = FloatVector.fromArray(Simd.F, out, oo + 7 * NR);
        FloatVector c71 = FloatVector.fromArray(Simd.F, out, oo + 7 * NR + L);
        for (int kk = k0; kk < k1; kk++) {
            int pb = wb + NR * kk, xa = xb + tap[kk];
            FloatVector b0 = FloatVector.fromArray(Simd.F, wt, pb);
            FloatVector b1 = FloatVector.fromArray(Simd.F, wt, pb + L);
            FloatVector av = FloatVector.broadcast(Simd.F, x[xa]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(Simd.F, x[xa + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(Simd.F, x[xa + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(Simd.F, x[xa + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(Simd.F, x[xa + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(Simd.F, x[xa + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(Simd.F, x[xa + 6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(Simd.F, x[xa + 7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
        }
        // exact classes for the stores (Simd.VECTOR_CLASS)
        c00 = (FloatVector) Simd.VECTOR_CLASS.cast(c00);
        c01 = (FloatVector) Simd.VECTOR_CLASS.cast(c01);
        c10 = (FloatVector) Simd.VECTOR_CLASS.cast(c10);
        c11 = (FloatVector) Simd.VECTOR_CLASS.cast(c11);
        c20 = (FloatVector) Simd.VECTOR_CLASS.cast(c20);
        c21 = (FloatVector) Simd.VECTOR_CLASS.cast(c21);
        c30 = (FloatVector) Simd.VECTOR_CLASS.cast(c30);
        c31 = (FloatVector) Simd.VECTOR_CLASS.cast(c31);
        c40 = (FloatVector) Simd.VECTOR_CLASS.cast(c40);
        c41 = (FloatVector) Simd.VECTOR_CLASS.cast(c41);
        c50 = (FloatVector) Simd.VECTOR_CLASS.cast(c50);
        c51 = (FloatVector) Simd.VECTOR_CLASS.cast(c51);
        c60 = (FloatVector) Simd.VECTOR_CLASS.cast(c60);
        c61 = (FloatVector) Simd.VECTOR_CLASS.cast(c61);
        c70 = (FloatVector) Simd.VECTOR_CLASS.cast(c70);
        c71 = (FloatVector) Simd.VECTOR_CLASS.cast(c71);
        c00.intoArray(out, oo);
        c01.intoArray(out, oo + L);
        c10.intoArray(out, oo + NR);
        c11.intoArray(out, oo + NR + L);
        c20.intoArray(out, oo + 2 * NR);
        c21.intoArray(out, oo + 2 * NR + L);
        c30.intoArray(out, oo + 3 * NR);
        c31.intoArray(out, oo + 3 * NR + L);
        c40.intoArray(out, oo + 4 * NR);
        c41.intoArray(out, oo + 4 * NR + L);
        c50.intoArray(out, oo + 5 * NR);
        c51.intoArray(out, oo + 5 * NR + L);
        c60.intoArray(out, oo + 6 * NR);
        c61.intoArray(out, oo + 6 * NR + L);
        c70.intoArray(out, oo + 7 * NR);
        c71.intoArray(out, oo + 7 * NR + L);
    }

    /** tile with ROW_MR = 7 positions (row tiles), in the same order. */
    static void tile7(int k0, int k1, float[] x, int xb, int[] tap, float[] wt, int wb, float[] out, int oo) {
        FloatVector c00 = FloatVector.fromArray(Simd.F, out, oo);
        FloatVector c01 = FloatVector.fromArray(Simd.F, out, oo + L);
        FloatVector c10 = FloatVector.fromArray(Simd.F, out, oo + NR);
        FloatVector c11 = FloatVector.fromArray(Simd.F, out, oo + NR + L);
        FloatVector c20 = FloatVector.fromArray(Simd.F, out, oo + 2 * NR);
        FloatVector c21 = FloatVector.fromArray(Simd.F, out, oo + 2 * NR + L);
        FloatVector c30 = FloatVector.fromArray(Simd.F, out, oo + 3 * NR);
        FloatVector c31 = FloatVector.fromArray(Simd.F, out, oo + 3 * NR + L);
        FloatVector c40 = FloatVector.fromArray(Simd.F, out, oo + 4 * NR);
        FloatVector c41 = FloatVector.fromArray(Simd.F, out, oo + 4 * NR + L);
        FloatVector c50 = FloatVector.fromArray(Simd.F, out, oo + 5 * NR);
        FloatVector c51 = FloatVector.fromArray(Simd.F, out, oo + 5 * NR + L);
        FloatVector c60 = FloatVector.fromArray(Simd.F, out, oo + 6 * NR);
        FloatVector c61 = FloatVector.fromArray(Simd.F, out, oo + 6 * NR + L);
        for (int kk = k0; kk < k1; kk++) {
            int pb = wb + NR * kk, xa = xb + tap[kk];
            FloatVector b0 = FloatVector.fromArray(Simd.F, wt, pb);
            FloatVector b1 = FloatVector.fromArray(Simd.F, wt, pb + L);
            FloatVector av = FloatVector.broadcast(Simd.F, x[xa]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(Simd.F, x[xa + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(Simd.F, x[xa + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(Simd.F, x[xa + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(Simd.F, x[xa + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(Simd.F, x[xa + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(Simd.F, x[xa + 6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
        }
        // exact classes for the stores (Simd.VECTOR_CLASS)
        c00 = (FloatVector) Simd.VECTOR_CLASS.cast(c00);
        c01 = (FloatVector) Simd.VECTOR_CLASS.cast(c01);
        c10 = (FloatVector) Simd.VECTOR_CLASS.cast(c10);
        c11 = (FloatVector) Simd.VECTOR_CLASS.cast(c11);
        c20 = (FloatVector) Simd.VECTOR_CLASS.cast(c20);
        c21 = (FloatVector) Simd.VECTOR_CLASS.cast(c21);
        c30 = (FloatVector) Simd.VECTOR_CLASS.cast(c30);
        c31 = (FloatVector) Simd.VECTOR_CLASS.cast(c31);
        c40 = (FloatVector) Simd.VECTOR_CLASS.cast(c40);
        c41 = (FloatVector) Simd.VECTOR_CLASS.cast(c41);
        c50 = (FloatVector) Simd.VECTOR_CLASS.cast(c50);
        c51 = (FloatVector) Simd.VECTOR_CLASS.cast(c51);
        c60 = (FloatVector) Simd.VECTOR_CLASS.cast(c60);
        c61 = (FloatVector) Simd.VECTOR_CLASS.cast(c61);
        c00.intoArray(out, oo);
        c01.intoArray(out, oo + L);
        c10.intoArray(out, oo + NR);
        c11.intoArray(out, oo + NR + L);
        c20.intoArray(out, oo + 2 * NR);
        c21.intoArray(out, oo + 2 * NR + L);
        c30.intoArray(out, oo + 3 * NR);
        c31.intoArray(out, oo + 3 * NR + L);
        c40.intoArray(out, oo + 4 * NR);
        c41.intoArray(out, oo + 4 * NR + L);
        c50.intoArray(out, oo + 5 * NR);
        c51.intoArray(out, oo + 5 * NR + L);
        c60.intoArray(out, oo + 6 * NR);
        c61.intoArray(out, oo + 6 * NR + L);
    }

    /** tile with SHORT_MR = 10 positions, in the same order. */
    static void tile10(int k0, int k1, float[] x, int xb, int[] tap, float[] wt, int wb, float[] out, int oo) {
        FloatVector c00 = FloatVector.fromArray(Simd.F, out, oo);
        FloatVector c01 = FloatVector.fromArray(Simd.F, out, oo + L);
        FloatVector c10 = FloatVector.fromArray(Simd.F, out, oo + NR);
        FloatVector c11 = FloatVector.fromArray(Simd.F, out, oo + NR + L);
        FloatVector c20 = FloatVector.fromArray(Simd.F, out, oo + 2 * NR);
        FloatVector c21 = FloatVector.fromArray(Simd.F, out, oo + 2 * NR + L);
        FloatVector c30 = FloatVector.fromArray(Simd.F, out, oo + 3 * NR);
        FloatVector c31 = FloatVector.fromArray(Simd.F, out, oo + 3 * NR + L);
        FloatVector c40 = FloatVector.fromArray(Simd.F, out, oo + 4 * NR);
        FloatVector c41 = FloatVector.fromArray(Simd.F, out, oo + 4 * NR + L);
        FloatVector c50 = FloatVector.fromArray(Simd.F, out, oo + 5 * NR);
        FloatVector c51 = FloatVector.fromArray(Simd.F, out, oo + 5 * NR + L);
        FloatVector c60 = FloatVector.fromArray(Simd.F, out, oo + 6 * NR);
        FloatVector c61 = FloatVector.fromArray(Simd.F, out, oo + 6 * NR + L);
        FloatVector c70 = FloatVector.fromArray(Simd.F, out, oo + 7 * NR);
        FloatVector c71 = FloatVector.fromArray(Simd.F, out, oo + 7 * NR + L);
        FloatVector c80 = FloatVector.fromArray(Simd.F, out, oo + 8 * NR);
        FloatVector c81 = FloatVector.fromArray(Simd.F, out, oo + 8 * NR + L);
        FloatVector c90 = FloatVector.fromArray(Simd.F, out, oo + 9 * NR);
        FloatVector c91 = FloatVector.fromArray(Simd.F, out, oo + 9 * NR + L);
        for (int kk = k0; kk < k1; kk++) {
            int pb = wb + NR * kk, xa = xb + tap[kk];
            FloatVector b0 = FloatVector.fromArray(Simd.F, wt, pb);
            FloatVector b1 = FloatVector.fromArray(Simd.F, wt, pb + L);
            FloatVector av = FloatVector.broadcast(Simd.F, x[xa]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(Simd.F, x[xa + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(Simd.F, x[xa + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(Simd.F, x[xa + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(Simd.F, x[xa + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(Simd.F, x[xa + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(Simd.F, x[xa + 6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(Simd.F, x[xa + 7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
            av = FloatVector.broadcast(Simd.F, x[xa + 8]);
            c80 = av.fma(b0, c80);
            c81 = av.fma(b1, c81);
            av = FloatVector.broadcast(Simd.F, x[xa + 9]);
            c90 = av.fma(b0, c90);
            c91 = av.fma(b1, c91);
        }
        // exact classes for the stores (Simd.VECTOR_CLASS)
        c00 = (FloatVector) Simd.VECTOR_CLASS.cast(c00);
        c01 = (FloatVector) Simd.VECTOR_CLASS.cast(c01);
        c10 = (FloatVector) Simd.VECTOR_CLASS.cast(c10);
        c11 = (FloatVector) Simd.VECTOR_CLASS.cast(c11);
        c20 = (FloatVector) Simd.VECTOR_CLASS.cast(c20);
        c21 = (FloatVector) Simd.VECTOR_CLASS.cast(c21);
        c30 = (FloatVector) Simd.VECTOR_CLASS.cast(c30);
        c31 = (FloatVector) Simd.VECTOR_CLASS.cast(c31);
        c40 = (FloatVector) Simd.VECTOR_CLASS.cast(c40);
        c41 = (FloatVector) Simd.VECTOR_CLASS.cast(c41);
        c50 = (FloatVector) Simd.VECTOR_CLASS.cast(c50);
        c51 = (FloatVector) Simd.VECTOR_CLASS.cast(c51);
        c60 = (FloatVector) Simd.VECTOR_CLASS.cast(c60);
        c61 = (FloatVector) Simd.VECTOR_CLASS.cast(c61);
        c70 = (FloatVector) Simd.VECTOR_CLASS.cast(c70);
        c71 = (FloatVector) Simd.VECTOR_CLASS.cast(c71);
        c80 = (FloatVector) Simd.VECTOR_CLASS.cast(c80);
        c81 = (FloatVector) Simd.VECTOR_CLASS.cast(c81);
        c90 = (FloatVector) Simd.VECTOR_CLASS.cast(c90);
        c91 = (FloatVector) Simd.VECTOR_CLASS.cast(c91);
        c00.intoArray(out, oo);
        c01.intoArray(out, oo + L);
        c10.intoArray(out, oo + NR);
        c11.intoArray(out, oo + NR + L);
        c20.intoArray(out, oo + 2 * NR);
        c21.intoArray(out, oo + 2 * NR + L);
        c30.intoArray(out, oo + 3 * NR);
        c31.intoArray(out, oo + 3 * NR + L);
        c40.intoArray(out, oo + 4 * NR);
        c41.intoArray(out, oo + 4 * NR + L);
        c50.intoArray(out, oo + 5 * NR);
        c51.intoArray(out, oo + 5 * NR + L);
        c60.intoArray(out, oo + 6 * NR);
        c61.intoArray(out, oo + 6 * NR + L);
        c70.intoArray(out, oo + 7 * NR);
        c71.intoArray(out, oo + 7 * NR + L);
        c80.intoArray(out, oo + 8 * NR);
        c81.intoArray(out, oo + 8 * NR + L);
        c90.intoArray(out, oo + 9 * NR);
        c91.intoArray(out, oo + 9 * NR + L);
    }

    /** tile with 12 positions (MR on AVX-512), in the same order. */
    static void tile12(int k0, int k1, float[] x, int xb, int[] tap, float[] wt, int wb, float[] out, int oo) {
        FloatVector c00 = FloatVector.fromArray(Simd.F, out, oo);
        FloatVector c01 = FloatVector.fromArray(Simd.F, out, oo + L);
        FloatVector c10 = FloatVector.fromArray(Simd.F, out, oo + NR);
        FloatVector c11 = FloatVector.fromArray(Simd.F, out, oo + NR + L);
        FloatVector c20 = FloatVector.fromArray(Simd.F, out, oo + 2 * NR);
        FloatVector c21 = FloatVector.fromArray(Simd.F, out, oo + 2 * NR + L);
        FloatVector c30 = FloatVector.fromArray(Simd.F, out, oo + 3 * NR);
        FloatVector c31 = FloatVector.fromArray(Simd.F, out, oo + 3 * NR + L);
        FloatVector c40 = FloatVector.fromArray(Simd.F, out, oo + 4 * NR);
        FloatVector c41 = FloatVector.fromArray(Simd.F, out, oo + 4 * NR + L);
        FloatVector c50 = FloatVector.fromArray(Simd.F, out, oo + 5 * NR);
        FloatVector c51 = FloatVector.fromArray(Simd.F, out, oo + 5 * NR + L);
        FloatVector c60 = FloatVector.fromArray(Simd.F, out, oo + 6 * NR);
        FloatVector c61 = FloatVector.fromArray(Simd.F, out, oo + 6 * NR + L);
        FloatVector c70 = FloatVector.fromArray(Simd.F, out, oo + 7 * NR);
        FloatVector c71 = FloatVector.fromArray(Simd.F, out, oo + 7 * NR + L);
        FloatVector c80 = FloatVector.fromArray(Simd.F, out, oo + 8 * NR);
        FloatVector c81 = FloatVector.fromArray(Simd.F, out, oo + 8 * NR + L);
        FloatVector c90 = FloatVector.fromArray(Simd.F, out, oo + 9 * NR);
        FloatVector c91 = FloatVector.fromArray(Simd.F, out, oo + 9 * NR + L);
        FloatVector c100 = FloatVector.fromArray(Simd.F, out, oo + 10 * NR);
        FloatVector c101 = FloatVector.fromArray(Simd.F, out, oo + 10 * NR + L);
        FloatVector c110 = FloatVector.fromArray(Simd.F, out, oo + 11 * NR);
        FloatVector c111 = FloatVector.fromArray(Simd.F, out, oo + 11 * NR + L);
        for (int kk = k0; kk < k1; kk++) {
            int pb = wb + NR * kk, xa = xb + tap[kk];
            FloatVector b0 = FloatVector.fromArray(Simd.F, wt, pb);
            FloatVector b1 = FloatVector.fromArray(Simd.F, wt, pb + L);
            FloatVector av = FloatVector.broadcast(Simd.F, x[xa]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(Simd.F, x[xa + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(Simd.F, x[xa + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(Simd.F, x[xa + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(Simd.F, x[xa + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(Simd.F, x[xa + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(Simd.F, x[xa + 6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(Simd.F, x[xa + 7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
            av = FloatVector.broadcast(Simd.F, x[xa + 8]);
            c80 = av.fma(b0, c80);
            c81 = av.fma(b1, c81);
            av = FloatVector.broadcast(Simd.F, x[xa + 9]);
            c90 = av.fma(b0, c90);
            c91 = av.fma(b1, c91);
            av = FloatVector.broadcast(Simd.F, x[xa + 10]);
            c100 = av.fma(b0, c100);
            c101 = av.fma(b1, c101);
            av = FloatVector.broadcast(Simd.F, x[xa + 11]);
            c110 = av.fma(b0, c110);
            c111 = av.fma(b1, c111);
        }
        // exact classes for the stores (Simd.VECTOR_CLASS)
        c00 = (FloatVector) Simd.VECTOR_CLASS.cast(c00);
        c01 = (FloatVector) Simd.VECTOR_CLASS.cast(c01);
        c10 = (FloatVector) Simd.VECTOR_CLASS.cast(c10);
        c11 = (FloatVector) Simd.VECTOR_CLASS.cast(c11);
        c20 = (FloatVector) Simd.VECTOR_CLASS.cast(c20);
        c21 = (FloatVector) Simd.VECTOR_CLASS.cast(c21);
        c30 = (FloatVector) Simd.VECTOR_CLASS.cast(c30);
        c31 = (FloatVector) Simd.VECTOR_CLASS.cast(c31);
        c40 = (FloatVector) Simd.VECTOR_CLASS.cast(c40);
        c41 = (FloatVector) Simd.VECTOR_CLASS.cast(c41);
        c50 = (FloatVector) Simd.VECTOR_CLASS.cast(c50);
        c51 = (FloatVector) Simd.VECTOR_CLASS.cast(c51);
        c60 = (FloatVector) Simd.VECTOR_CLASS.cast(c60);
        c61 = (FloatVector) Simd.VECTOR_CLASS.cast(c61);
        c70 = (FloatVector) Simd.VECTOR_CLASS.cast(c70);
        c71 = (FloatVector) Simd.VECTOR_CLASS.cast(c71);
        c80 = (FloatVector) Simd.VECTOR_CLASS.cast(c80);
        c81 = (FloatVector) Simd.VECTOR_CLASS.cast(c81);
        c90 = (FloatVector) Simd.VECTOR_CLASS.cast(c90);
        c91 = (FloatVector) Simd.VECTOR_CLASS.cast(c91);
        c100 = (FloatVector) Simd.VECTOR_CLASS.cast(c100);
        c101 = (FloatVector) Simd.VECTOR_CLASS.cast(c101);
        c110 = (FloatVector) Simd.VECTOR_CLASS.cast(c110);
        c111 = (FloatVector) Simd.VECTOR_CLASS.cast(c111);
        c00.intoArray(out, oo);
        c01.intoArray(out, oo + L);
        c10.intoArray(out, oo + 1 * NR);
        c11.intoArray(out, oo + 1 * NR + L);
        c20.intoArray(out, oo + 2 * NR);
        c21.intoArray(out, oo + 2 * NR + L);
        c30.intoArray(out, oo + 3 * NR);
        c31.intoArray(out, oo + 3 * NR + L);
        c40.intoArray(out, oo + 4 * NR);
        c41.intoArray(out, oo + 4 * NR + L);
        c50.intoArray(out, oo + 5 * NR);
        c51.intoArray(out, oo + 5 * NR + L);
        c60.intoArray(out, oo + 6 * NR);
        c61.intoArray(out, oo + 6 * NR + L);
        c70.intoArray(out, oo + 7 * NR);
        c71.intoArray(out, oo + 7 * NR + L);
        c80.intoArray(out, oo + 8 * NR);
        c81.intoArray(out, oo + 8 * NR + L);
        c90.intoArray(out, oo + 9 * NR);
        c91.intoArray(out, oo + 9 * NR + L);
        c100.intoArray(out, oo + 10 * NR);
        c101.intoArray(out, oo + 10 * NR + L);
        c110.intoArray(out, oo + 11 * NR);
        c111.intoArray(out, oo + 11 * NR + L);
    }
}
