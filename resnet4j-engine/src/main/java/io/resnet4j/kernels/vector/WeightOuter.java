package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Backward-weight of a convolution as register-tiled outer products over the output positions, with dy
 * transposed and the input unrolled along the kernel's columns (no im2col, no gathered panels):
 * <pre>
 * position g = a * q + b, a in [0, p), b in [0, q)                 (an image's output positions, in order)
 * z[img] (ch, s, ph, hz, q): z[img][ch, v, pu, i, b] = x[img, ch, i * sh + pu - pt, b * sw + v - pl], zero
 *                outside x; ph = min(sh, r) row phases, hz = p + (r - 1) / sh rows (ColumnPlanes). Tap (u, v) of
 *                output (a, b) reads z[img][ch, v, u % sh, a + u / sh, b]: contiguous in g. An unpadded 1x1
 *                stride-1 convolution reads x itself.
 * col[(ch, u, v), img, g] = z[img][rowOff[(ch, u, v)] + g]
 * dyT[img, chunk] (kp / NR, len, NR): dyT[o / NR, g - g0, o % NR] = dy[img, o, a, b], 0 for o >= k, for the
 *                chunk's positions g in [g0, g0 + len) (k rounded up to kp, a multiple of NR = 2 * LANES, or of
 *                NR = LANES where k takes an odd number of vectors)
 * dw^T tile (MR crs rows, NR output channels) += sum over img, g of col[row, img, g] x dyT[img, chunk][tile's block, g]
 * </pre>
 * Per position the micro-kernel loads two vectors of dyT and broadcasts MR = WIDE_ROWS input values (12 with 32
 * vector registers, else 6), for 2 MR FMAs into 2 MR accumulators (NR = 2 * LANES); where k takes an odd number
 * of vectors (16 channels on AVX-512), one vector and twelve broadcasts (MR = 12, NR = LANES), so that no tile
 * computes a vector of padding. The broadcasts read z in place (no transpose; a broadcast never splits a cache
 * line).
 * Its index is linear in the loop counter, so C2 drops the range checks and unrolls: a loop that wrapped
 * rows of the padded image ran at half the speed, nested loops with vector phis box on JDK 17, and the
 * padded image's own grid (junk columns between rows) cost 2 of 10 multiply-adds at 8x8 and 2 of 9 at 7x7.
 * <p>Channel path ({@link #channels}; AVX-512 only, its tile holds 24 accumulators): where k takes an odd number
 * of vectors (the one-vector tile), the convolution is stride-1 "same" with r * s > 1 and c a multiple of LANES,
 * the roles turn: each image is gathered into z' (s, hz, q, c), channels innermost, one copy per kernel column v
 * (z'[v, i, b] = x[:, i - pt, b + v - pl]), so that tap (u, v) of output position g reads the vector of channels
 * at z'[v, g + u * q]; dy is read in place and broadcast, 8 output channels by 3 vectors of (u, channel block) per
 * tile, 8 broadcasts and 3 loads per 24 multiply-adds. Two threads, separate JVMs: CIFAR's 16@32 at batch 128 and
 * Fashion-MNIST's 16@28 at batch 64 1.17x; one thread, same JVM: 1.22-1.35x at 16 channels of 8x8 to 56x56, 1.16x
 * from 32 to 48 channels at 16x16 (BENCHMARKS.md, twentieth session).
 * <p>For small weights (every CIFAR layer, ResNet-50's 1x1 layers up to 512 x 128; see {@link #fits}): tasks
 * are groups of images, each with all of dw^T in its accumulators (at most ACC_MAX floats), up to 8 groups but
 * no group smaller than MACS_PER_SUM multiply-adds per accumulator float (small images with many channels, 64@8,
 * take several images per group). A task unrolls its images one at a time into a buffer that stays in L2 (as
 * separate passes over the batch these were memory-bound, a third of the time at 16@32). An image's positions
 * go in chunks of CHUNK, dy transposed a chunk at a time: a chunk's dyT slice of one channel block (16 KiB at 8
 * lanes) stays in L1 while the crs blocks sweep it (transposing whole images, 1x1 layers at 56x56 did not fit
 * L2 and went to WeightGemm: 0.56-0.92x). Each task reduces over its images in ascending order; groups
 * (shape-derived) are summed in group order, so the result does not depend on the thread count.
 */
final class WeightOuter implements Parallel.Task {
    static final VectorSpecies<Float> F = Simd.F;
    static final Class<? extends Vector<Float>> VECTOR_CLASS = Simd.VECTOR_CLASS;
    static final int L = Simd.LANES;
    /** Output channels of one tile (two vectors, or one: see above) and its crs rows (WIDE_ROWS, or 12). */
    private int nr, mr;
    /**
     * Fewest multiply-adds of one group per accumulator float (see plan): 256 measured 1.3-2.2x on 64@8 and 64@7
     * at batch 8-32 against 16 groups regardless of size (their zeroing, write-out and reduction took up to half
     * the time), 512 and more left one group, so one busy thread, at batch 8.
     */
    static final long MACS_PER_SUM = 256;
    /** Positions per micro-kernel call. */
    static final int CHUNK = 256;
    /**
     * Most accumulator floats of one task (512 KiB, all of L2): 1.04-1.44x against 256 KiB on ResNet-50's 1x1
     * layers 512 -> 128 and 128 -> 512 at 28x28, batch 16 (which then take this pass instead of WeightGemm), the
     * same elsewhere (same-JVM A/B, JDK 17 and 25).
     */
    static final int ACC_MAX = 1 << 17;
    /**
     * Most groups: each zeroes, writes out and has reduced a copy of dw^T. 8 against 16: resnet20 training at batch
     * 128 1.016-1.057x, ResNet-50 training at batch 16 1.040x (two builds in one JVM), and 8 tasks still balance
     * two threads.
     */
    static final int TARGET_TASKS = 8;
    /**
     * crs rows of the two-vector tile: 12 where there are 32 vector registers (AVX-512: 24 accumulators; against 6,
     * 1.06-1.16x on CIFAR's layers at batch 128 and ResNet-50's at batch 16, JDK 17 and 25, ConvAB same JVM;
     * BENCHMARKS.md, eighteenth session), else 6 (AVX2's 16 registers hold 12 accumulators).
     */
    static final int WIDE_ROWS = L >= 16 ? 12 : 6;
    static final long GROUP_SUMS_MAX = 1L << 22;

    private static final int MAIN = 0, REDUCE = 1;

    final ConvJobs.Geometry g = new ConvJobs.Geometry();
    float[] dy, dw, groupSums;
    int dyOff, dwOff, kOut;
    /** Offsets of the crs rows inside one image's z. */
    int[] rowOff;
    private int phase, zSize, kp, crs, pq, crsBlocks, oBlocks, groups, groupImages;
    private boolean inPlace;
    /** The unrolled image z (see the class comment). */
    private final ColumnPlanes planes = new ColumnPlanes(g);
    /** Whether the channel path runs (see plan), and whether plan may choose it (Tuning.weightChannels). */
    boolean channels, channelsAllowed = true;
    /**
     * Channel path: vectors of channels (c / LANES), tile columns per kernel column (r * cVectors up to a multiple
     * of 3), acc row length, acc rows (k up to a multiple of 8), floats of one z' copy.
     */
    private int cVectors, perColumn, ldc, kRows, copyFloats;
    /** Gather offsets of one vector of channels: l * h * w. */
    private final int[] gatherIdx = new int[L];

    /** Plans the split and fills rowOff; call after setting g, kOut and rowOff (at least crs ints). */
    void plan() {
        pq = g.p * g.q;
        inPlace = g.r == 1 && g.s == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0
                && g.p == g.h && g.q == g.w;
        crs = g.crs();
        boolean narrow = (kOut + L - 1) / L % 2 == 1;
        nr = narrow ? L : 2 * L;
        mr = narrow ? 12 : WIDE_ROWS;
        kp = (kOut + nr - 1) / nr * nr;
        crsBlocks = (crs + mr - 1) / mr;
        oBlocks = kp / nr;
        // the tile's 24 accumulators need 32 vector registers (AVX-512), as the 12-row two-vector tile's
        channels = channelsAllowed && L >= 16 && narrow && !inPlace && g.sh == 1 && g.sw == 1 && g.p == g.h
                && g.q == g.w && g.ch % L == 0 && g.r * g.s > 1 && g.pt >= 0 && g.pt < g.r && g.pl >= 0 && g.pl < g.s;
        // the unroll's masks (the channel path gathers instead)
        planes.plan(!channels && !inPlace);
        long z = inPlace ? (long) g.ch * pq : planes.floats();
        // beyond int range fits() is false (the grid and GEMM paths run instead)
        zSize = (int) Math.min(z, Integer.MAX_VALUE);
        if (channels) {
            cVectors = g.ch / L;
            perColumn = (g.r * cVectors + 2) / 3 * 3;
            ldc = g.s * perColumn * L;
            kRows = (kOut + CHANNEL_ROWS - 1) / CHANNEL_ROWS * CHANNEL_ROWS;
            copyFloats = planes.hz * g.q * g.ch;
            for (int l = 0; l < L; l++) {
                gatherIdx[l] = l * g.h * g.w;
            }
        }
        long macs = (long) kOut * crs * g.images * pq;
        int want = (int) Math.max(1, Math.min(TARGET_TASKS, macs / GemmDriver.MIN_TASK_MACS));
        want = (int) Math.min(want, Math.max(1, GROUP_SUMS_MAX / ((long) kOut * crs)));
        want = Math.min(want, g.images);
        // each group zeroes its accumulators, writes them out and the reduction reads them back: a group takes at
        // least MACS_PER_SUM multiply-adds per accumulator float, but two groups where there are two images
        long accFloats = accFloats(), imageMacs = Math.max(1, (long) kOut * crs * pq);
        long minImages = Math.max(1, (MACS_PER_SUM * accFloats + imageMacs - 1) / imageMacs);
        want = (int) Math.max(Math.min(2, want), Math.min(want, g.images / minImages));
        groupImages = (g.images + want - 1) / want;
        groups = (g.images + groupImages - 1) / groupImages;
        planes.tapOffsets(rowOff);
    }

    /**
     * Whether this pass suits the shape (after plan): dw^T within ACC_MAX, and one image's unrolled input and
     * a chunk's transposed dy within maxFloats (its L2 share; larger images measured slower than WeightGemm).
     */
    boolean fits(long maxFloats) {
        return accFloats() <= ACC_MAX
                && (inPlace ? 0 : (long) zSize) + (channels ? 0 : (long) Math.min(pq, CHUNK) * kp)
                <= Math.min(maxFloats, Integer.MAX_VALUE - 16);
    }

    /** Floats of one task's accumulators (after plan). */
    private long accFloats() {
        return channels ? (long) kRows * ldc : (long) crsBlocks * mr * kp;
    }

    long groupSumsSize() {
        return groups > 1 ? (long) groups * kOut * crs : 0;
    }

    /** Runs the pass; groupSums (groupSumsSize floats) set after plan(). */
    void execute() {
        phase = MAIN;
        Parallel.forEach(groups, this);
        if (groups > 1) {
            phase = REDUCE;
            Parallel.forEach((kOut + 7) / 8, this);
        }
    }

    void clear() {
        g.x = null;
        dy = null;
        dw = null;
        groupSums = null;
        rowOff = null;
    }

    @Override
    public void run(int task) {
        if (phase == MAIN) {
            main(task);
        } else {
            WeightGrid.reduceGroups(task, groupSums, groups, kOut, crs, dw, dwOff);
        }
    }

    /**
     * Positions [from, from + len) of one image's dyT into dst (oBlocks, len, nr), 64 positions at a time (the
     * 64 x nr floats written per block stay in L1; blocks of 16 ran 1.3x slower, a whole channel row at a time
     * 1.2x).
     */
    private void transpose(int img, int from, int len, float[] dst) {
        int src = dyOff + img * kOut * pq + from, nr = this.nr;
        for (int ob = 0; ob < oBlocks; ob++) {
            int blockBase = ob * len * nr, o1 = Math.min(nr, kOut - ob * nr);
            for (int g0 = 0; g0 < len; g0 += 64) {
                int g1 = Math.min(len, g0 + 64);
                for (int o = 0; o < o1; o++) {
                    int so = src + (ob * nr + o) * pq;
                    for (int gg = g0, d = blockBase + g0 * nr + o; gg < g1; gg++, d += nr) {
                        dst[d] = dy[so + gg];
                    }
                }
                if (o1 < nr) {
                    for (int gg = g0; gg < g1; gg++) {
                        for (int d = blockBase + gg * nr + o1; d < blockBase + (gg + 1) * nr; d++) {
                            dst[d] = 0f;
                        }
                    }
                }
            }
        }
    }

    private void main(int group) {
        if (channels) {
            mainChannels(group);
            return;
        }
        int lda = kp, rows = crsBlocks * mr, last = crs - 1, nr = this.nr, mr = this.mr;
        int[] off = rowOff;
        Workspace ws = Workspace.get();
        float[] acc = ws.partial = Workspace.grow(ws.partial, (long) rows * lda);
        java.util.Arrays.fill(acc, 0, rows * lda, 0f);
        // each image unrolled into a task buffer, read right away from L2; dy transposed a chunk at a time
        float[] ds = ws.tile = Workspace.grow(ws.tile, (long) Math.min(pq, CHUNK) * kp);
        float[] xs = inPlace ? g.x : (ws.cols = Workspace.grow(ws.cols, (long) zSize + L));
        int i0 = group * groupImages, i1 = Math.min(g.images, i0 + groupImages);
        for (int img = i0; img < i1; img++) {
            int xb = 0;
            if (inPlace) {
                xb = g.xOff + img * zSize;
            } else {
                planes.unroll(img, xs, 0);
            }
            for (int g0 = 0; g0 < pq; g0 += CHUNK) {
                int len = Math.min(CHUNK, pq - g0);
                transpose(img, g0, len, ds);
                for (int ob = 0; ob < oBlocks; ob++) {
                    int d = ob * len * nr;
                    for (int cb = 0; cb < crsBlocks; cb++) {
                        int r0 = cb * mr;
                        // rows past crs repeat the last one; their sums land in acc rows that are never read
                        if (nr == 2 * L && mr == 12) {
                            wideTile(len, xb + g0, xs, off, r0, last, ds, d, acc, r0 * lda + ob * nr, lda);
                        } else if (mr == 6) {
                            tile(len, xb + g0, xs, off[r0], off[Math.min(r0 + 1, last)], off[Math.min(r0 + 2, last)],
                                    off[Math.min(r0 + 3, last)], off[Math.min(r0 + 4, last)],
                                    off[Math.min(r0 + 5, last)], ds, d, acc, r0 * lda + ob * nr, lda);
                        } else {
                            narrowTile(len, xb + g0, xs, off, r0, last, ds, d, acc, r0 * lda + ob * nr, lda);
                        }
                    }
                }
            }
        }
        for (int row = 0; row < crs; row++) {
            for (int o = 0; o < kOut; o++) {
                if (groups == 1) {
                    dw[dwOff + o * crs + row] += acc[row * lda + o];
                } else {
                    groupSums[(group * kOut + o) * crs + row] = acc[row * lda + o];
                }
            }
        }
    }

    /** Output channels of the channel path's tile (broadcast rows). */
    static final int CHANNEL_ROWS = 8;
    /**
     * Positions per call of the channel path's tile. CIFAR's 16@32 at batch 128, one thread, against the one-vector
     * tile in the same JVM: 512 1.22-1.36x, 384 1.27x, 768 1.16x, 1024 1.22x, 256 0.79x (twice, unexplained).
     */
    static final int CHANNEL_CHUNK = 512;

    /**
     * The channel path: acc (kRows, ldc), acc[o, (v * perColumn + u * cVectors + cb) * LANES + l] = dw[o, ch, u, v]
     * for ch = cb * LANES + l. Each image's z' (buildChannels) then, per chunk of positions, block of 8 output
     * channels (their dy rows stay in L1 while the tiles sweep them; kernel columns outside measured 0.90x) and
     * kernel column v, tiles of 3 vectors of (u, cb): the one-vector path's 12 broadcasts per 12 multiply-adds
     * become 8 per 24.
     */
    private void mainChannels(int group) {
        int lda = ldc, c = g.ch, nj = g.r * cVectors, lastK = kOut - 1;
        Workspace ws = Workspace.get();
        float[] acc = ws.partial = Workspace.grow(ws.partial, (long) kRows * lda);
        java.util.Arrays.fill(acc, 0, kRows * lda, 0f);
        float[] zs = ws.cols = Workspace.grow(ws.cols, (long) zSize + L);
        int i0 = group * groupImages, i1 = Math.min(g.images, i0 + groupImages);
        for (int img = i0; img < i1; img++) {
            buildChannels(img, zs);
            int dyImg = dyOff + img * kOut * pq;
            for (int g0 = 0; g0 < pq; g0 += CHANNEL_CHUNK) {
                int len = Math.min(CHANNEL_CHUNK, pq - g0);
                for (int ob = 0; ob < kRows; ob += CHANNEL_ROWS) {
                    for (int v = 0; v < g.s; v++) {
                        int zb = v * copyFloats + g0 * c;
                        for (int j0 = 0; j0 < perColumn; j0 += 3) {
                            // columns past nj repeat the last one; their sums land in acc columns never read
                            channelTile(len, zs, zb, columnOffset(j0), columnOffset(Math.min(j0 + 1, nj - 1)),
                                    columnOffset(Math.min(j0 + 2, nj - 1)), c, dy, dyImg + g0, pq, ob, lastK, acc,
                                    ob * lda + (v * perColumn + j0) * L, lda);
                        }
                    }
                }
            }
        }
        for (int o = 0; o < kOut; o++) {
            for (int ch = 0; ch < c; ch++) {
                for (int u = 0; u < g.r; u++) {
                    for (int v = 0; v < g.s; v++) {
                        int row = (ch * g.r + u) * g.s + v;
                        float sum = acc[o * lda + (v * perColumn + u * cVectors + ch / L) * L + ch % L];
                        if (groups == 1) {
                            dw[dwOff + o * crs + row] += sum;
                        } else {
                            groupSums[(group * kOut + o) * crs + row] = sum;
                        }
                    }
                }
            }
        }
    }

    /** Offset in a z' copy of tile column j = (u, cb) from an output position: row u, channel block cb. */
    private int columnOffset(int j) {
        return j / cVectors * g.q * g.ch + j % cVectors * L;
    }

    /**
     * One image's z' into dst: (s, hz, q, ch), z'[v, i, b, ch] = x[img, ch, i - pt, b + v - pl], zero outside x.
     * The copy of kernel column pl (no column shift) is gathered (one vector of channels per position), the
     * others are it shifted by whole positions, with zero columns at the edges.
     */
    private void buildChannels(int img, float[] dst) {
        int hw = g.h * g.w, w = g.w, c = g.ch, row = w * c, base = g.pl * copyFloats;
        float[] x = g.x;
        int[] idx = gatherIdx;
        FloatVector zero = FloatVector.zero(F);
        for (int i = 0; i < planes.hz; i++) {
            int si = i - g.pt, d = base + i * row;
            if (si < 0 || si >= g.h) {
                for (int t = 0; t < row; t += L) {
                    zero.intoArray(dst, d + t);
                }
                continue;
            }
            for (int cb = 0; cb < c; cb += L) {
                int s0 = g.xOff + (img * c + cb) * hw + si * w;
                for (int b = 0; b < w; b++) {
                    FloatVector.fromArray(F, x, s0 + b, idx, 0).intoArray(dst, d + b * c + cb);
                }
            }
        }
        for (int v = 0; v < g.s; v++) {
            int shift = v - g.pl;
            if (shift == 0) {
                continue;
            }
            // columns b with b + shift inside [0, w): [b0, b1), empty when |shift| >= w
            int b0 = Math.min(w, Math.max(0, -shift)), b1 = Math.max(b0, Math.min(w, w - shift));
            for (int i = 0; i < planes.hz; i++) {
                int src = base + i * row, d = v * copyFloats + i * row;
                for (int t = 0; t < b0 * c; t += L) {
                    zero.intoArray(dst, d + t);
                }
                for (int t = b0 * c; t < b1 * c; t += L) {
                    FloatVector.fromArray(F, dst, src + t + shift * c).intoArray(dst, d + t);
                }
                for (int t = b1 * c; t < row; t += L) {
                    zero.intoArray(dst, d + t);
                }
            }
        }
    }

    /**
     * The channel path's micro-kernel: acc tile (8 rows, row stride lda, of 3 vectors from ai) += sum over i in
     * [0, count) of dy[d + min(ob + t, lastK) * pq + i] (row t) x z[zb + o_j + i * c] (vector j).
     */
    static void channelTile(int count, float[] z, int zb, int o0, int o1, int o2, int c, float[] dy, int d, int pq,
                            int ob, int lastK, float[] acc, int ai, int lda) {
        int d0 = d + Math.min(ob, lastK) * pq, d1 = d + Math.min(ob + 1, lastK) * pq;
        int d2 = d + Math.min(ob + 2, lastK) * pq, d3 = d + Math.min(ob + 3, lastK) * pq;
        int d4 = d + Math.min(ob + 4, lastK) * pq, d5 = d + Math.min(ob + 5, lastK) * pq;
        int d6 = d + Math.min(ob + 6, lastK) * pq, d7 = d + Math.min(ob + 7, lastK) * pq;
        int a1 = ai + lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda;
        int a6 = ai + 6 * lda, a7 = ai + 7 * lda;
        FloatVector c00 = FloatVector.fromArray(F, acc, ai), c01 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector c02 = FloatVector.fromArray(F, acc, ai + 2 * L), c10 = FloatVector.fromArray(F, acc, a1);
        FloatVector c11 = FloatVector.fromArray(F, acc, a1 + L), c12 = FloatVector.fromArray(F, acc, a1 + 2 * L);
        FloatVector c20 = FloatVector.fromArray(F, acc, a2), c21 = FloatVector.fromArray(F, acc, a2 + L);
        FloatVector c22 = FloatVector.fromArray(F, acc, a2 + 2 * L), c30 = FloatVector.fromArray(F, acc, a3);
        FloatVector c31 = FloatVector.fromArray(F, acc, a3 + L), c32 = FloatVector.fromArray(F, acc, a3 + 2 * L);
        FloatVector c40 = FloatVector.fromArray(F, acc, a4), c41 = FloatVector.fromArray(F, acc, a4 + L);
        FloatVector c42 = FloatVector.fromArray(F, acc, a4 + 2 * L), c50 = FloatVector.fromArray(F, acc, a5);
        FloatVector c51 = FloatVector.fromArray(F, acc, a5 + L), c52 = FloatVector.fromArray(F, acc, a5 + 2 * L);
        FloatVector c60 = FloatVector.fromArray(F, acc, a6), c61 = FloatVector.fromArray(F, acc, a6 + L);
        FloatVector c62 = FloatVector.fromArray(F, acc, a6 + 2 * L), c70 = FloatVector.fromArray(F, acc, a7);
        FloatVector c71 = FloatVector.fromArray(F, acc, a7 + L), c72 = FloatVector.fromArray(F, acc, a7 + 2 * L);
        for (int i = 0; i < count; i++) {
            int zi = zb + i * c;
            FloatVector x0 = FloatVector.fromArray(F, z, zi + o0);
            FloatVector x1 = FloatVector.fromArray(F, z, zi + o1);
            FloatVector x2 = FloatVector.fromArray(F, z, zi + o2);
            FloatVector b = FloatVector.broadcast(F, dy[d0 + i]);
            c00 = x0.fma(b, c00);
            c01 = x1.fma(b, c01);
            c02 = x2.fma(b, c02);
            b = FloatVector.broadcast(F, dy[d1 + i]);
            c10 = x0.fma(b, c10);
            c11 = x1.fma(b, c11);
            c12 = x2.fma(b, c12);
            b = FloatVector.broadcast(F, dy[d2 + i]);
            c20 = x0.fma(b, c20);
            c21 = x1.fma(b, c21);
            c22 = x2.fma(b, c22);
            b = FloatVector.broadcast(F, dy[d3 + i]);
            c30 = x0.fma(b, c30);
            c31 = x1.fma(b, c31);
            c32 = x2.fma(b, c32);
            b = FloatVector.broadcast(F, dy[d4 + i]);
            c40 = x0.fma(b, c40);
            c41 = x1.fma(b, c41);
            c42 = x2.fma(b, c42);
            b = FloatVector.broadcast(F, dy[d5 + i]);
            c50 = x0.fma(b, c50);
            c51 = x1.fma(b, c51);
            c52 = x2.fma(b, c52);
            b = FloatVector.broadcast(F, dy[d6 + i]);
            c60 = x0.fma(b, c60);
            c61 = x1.fma(b, c61);
            c62 = x2.fma(b, c62);
            b = FloatVector.broadcast(F, dy[d7 + i]);
            c70 = x0.fma(b, c70);
            c71 = x1.fma(b, c71);
            c72 = x2.fma(b, c72);
        }
        // exact classes for the stores (Simd.VECTOR_CLASS)
        c00 = (FloatVector) VECTOR_CLASS.cast(c00);
        c01 = (FloatVector) VECTOR_CLASS.cast(c01);
        c02 = (FloatVector) VECTOR_CLASS.cast(c02);
        c10 = (FloatVector) VECTOR_CLASS.cast(c10);
        c11 = (FloatVector) VECTOR_CLASS.cast(c11);
        c12 = (FloatVector) VECTOR_CLASS.cast(c12);
        c20 = (FloatVector) VECTOR_CLASS.cast(c20);
        c21 = (FloatVector) VECTOR_CLASS.cast(c21);
        c22 = (FloatVector) VECTOR_CLASS.cast(c22);
        c30 = (FloatVector) VECTOR_CLASS.cast(c30);
        c31 = (FloatVector) VECTOR_CLASS.cast(c31);
        c32 = (FloatVector) VECTOR_CLASS.cast(c32);
        c40 = (FloatVector) VECTOR_CLASS.cast(c40);
        c41 = (FloatVector) VECTOR_CLASS.cast(c41);
        c42 = (FloatVector) VECTOR_CLASS.cast(c42);
        c50 = (FloatVector) VECTOR_CLASS.cast(c50);
        c51 = (FloatVector) VECTOR_CLASS.cast(c51);
        c52 = (FloatVector) VECTOR_CLASS.cast(c52);
        c60 = (FloatVector) VECTOR_CLASS.cast(c60);
        c61 = (FloatVector) VECTOR_CLASS.cast(c61);
        c62 = (FloatVector) VECTOR_CLASS.cast(c62);
        c70 = (FloatVector) VECTOR_CLASS.cast(c70);
        c71 = (FloatVector) VECTOR_CLASS.cast(c71);
        c72 = (FloatVector) VECTOR_CLASS.cast(c72);
        c00.intoArray(acc, ai);
        c01.intoArray(acc, ai + L);
        c02.intoArray(acc, ai + 2 * L);
        c10.intoArray(acc, a1);
        c11.intoArray(acc, a1 + L);
        c12.intoArray(acc, a1 + 2 * L);
        c20.intoArray(acc, a2);
        c21.intoArray(acc, a2 + L);
        c22.intoArray(acc, a2 + 2 * L);
        c30.intoArray(acc, a3);
        c31.intoArray(acc, a3 + L);
        c32.intoArray(acc, a3 + 2 * L);
        c40.intoArray(acc, a4);
        c41.intoArray(acc, a4 + L);
        c42.intoArray(acc, a4 + 2 * L);
        c50.intoArray(acc, a5);
        c51.intoArray(acc, a5 + L);
        c52.intoArray(acc, a5 + 2 * L);
        c60.intoArray(acc, a6);
        c61.intoArray(acc, a6 + L);
        c62.intoArray(acc, a6 + 2 * L);
        c70.intoArray(acc, a7);
        c71.intoArray(acc, a7 + L);
        c72.intoArray(acc, a7 + 2 * L);
    }

    /**
     * The micro-kernel: acc tile (6 rows of 2 * LANES floats, row stride lda, from ai) += sum over i in
     * [0, count) of z[xb + o_j + i] (row j) x dyT[d + i * 2 LANES .. + 2 LANES).
     */
    static void tile(int count, int xb, float[] z, int o0, int o1, int o2, int o3, int o4, int o5,
                     float[] dyT, int d, float[] acc, int ai, int lda) {
        int a1 = ai + lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda;
        FloatVector c00 = FloatVector.fromArray(F, acc, ai);
        FloatVector c01 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector c10 = FloatVector.fromArray(F, acc, a1);
        FloatVector c11 = FloatVector.fromArray(F, acc, a1 + L);
        FloatVector c20 = FloatVector.fromArray(F, acc, a2);
        FloatVector c21 = FloatVector.fromArray(F, acc, a2 + L);
        FloatVector c30 = FloatVector.fromArray(F, acc, a3);
        FloatVector c31 = FloatVector.fromArray(F, acc, a3 + L);
        FloatVector c40 = FloatVector.fromArray(F, acc, a4);
        FloatVector c41 = FloatVector.fromArray(F, acc, a4 + L);
        FloatVector c50 = FloatVector.fromArray(F, acc, a5);
        FloatVector c51 = FloatVector.fromArray(F, acc, a5 + L);
        for (int i = 0; i < count; i++) {
            FloatVector b0 = FloatVector.fromArray(F, dyT, d);
            FloatVector b1 = FloatVector.fromArray(F, dyT, d + L);
            int xi = xb + i;
            FloatVector av = FloatVector.broadcast(F, z[xi + o0]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(F, z[xi + o1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(F, z[xi + o2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(F, z[xi + o3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(F, z[xi + o4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(F, z[xi + o5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            d += 2 * L;
        }
        // exact classes for the stores (Simd.VECTOR_CLASS)
        c00 = (FloatVector) VECTOR_CLASS.cast(c00);
        c01 = (FloatVector) VECTOR_CLASS.cast(c01);
        c10 = (FloatVector) VECTOR_CLASS.cast(c10);
        c11 = (FloatVector) VECTOR_CLASS.cast(c11);
        c20 = (FloatVector) VECTOR_CLASS.cast(c20);
        c21 = (FloatVector) VECTOR_CLASS.cast(c21);
        c30 = (FloatVector) VECTOR_CLASS.cast(c30);
        c31 = (FloatVector) VECTOR_CLASS.cast(c31);
        c40 = (FloatVector) VECTOR_CLASS.cast(c40);
        c41 = (FloatVector) VECTOR_CLASS.cast(c41);
        c50 = (FloatVector) VECTOR_CLASS.cast(c50);
        c51 = (FloatVector) VECTOR_CLASS.cast(c51);
        c00.intoArray(acc, ai);
        c01.intoArray(acc, ai + L);
        c10.intoArray(acc, a1);
        c11.intoArray(acc, a1 + L);
        c20.intoArray(acc, a2);
        c21.intoArray(acc, a2 + L);
        c30.intoArray(acc, a3);
        c31.intoArray(acc, a3 + L);
        c40.intoArray(acc, a4);
        c41.intoArray(acc, a4 + L);
        c50.intoArray(acc, a5);
        c51.intoArray(acc, a5 + L);
    }

    /**
     * The 12-row two-vector micro-kernel (24 accumulators, AVX-512's 32 registers): acc tile (12 rows of 2 * LANES
     * floats, row stride lda, from ai) += sum over i in [0, count) of z[xb + rowOff[min(r0 + j, last)] + i] (row j)
     * x dyT[d + i * 2 LANES .. + 2 LANES).
     */
    static void wideTile(int count, int xb, float[] z, int[] rowOff, int r0, int last, float[] dyT, int d,
                         float[] acc, int ai, int lda) {
        int o0 = rowOff[r0];
        int o1 = rowOff[Math.min(r0 + 1, last)];
        int o2 = rowOff[Math.min(r0 + 2, last)];
        int o3 = rowOff[Math.min(r0 + 3, last)];
        int o4 = rowOff[Math.min(r0 + 4, last)];
        int o5 = rowOff[Math.min(r0 + 5, last)];
        int o6 = rowOff[Math.min(r0 + 6, last)];
        int o7 = rowOff[Math.min(r0 + 7, last)];
        int o8 = rowOff[Math.min(r0 + 8, last)];
        int o9 = rowOff[Math.min(r0 + 9, last)];
        int o10 = rowOff[Math.min(r0 + 10, last)];
        int o11 = rowOff[Math.min(r0 + 11, last)];
        FloatVector c0a = FloatVector.fromArray(F, acc, ai);
        FloatVector c0b = FloatVector.fromArray(F, acc, ai + L);
        FloatVector c1a = FloatVector.fromArray(F, acc, ai + lda);
        FloatVector c1b = FloatVector.fromArray(F, acc, ai + lda + L);
        FloatVector c2a = FloatVector.fromArray(F, acc, ai + 2 * lda);
        FloatVector c2b = FloatVector.fromArray(F, acc, ai + 2 * lda + L);
        FloatVector c3a = FloatVector.fromArray(F, acc, ai + 3 * lda);
        FloatVector c3b = FloatVector.fromArray(F, acc, ai + 3 * lda + L);
        FloatVector c4a = FloatVector.fromArray(F, acc, ai + 4 * lda);
        FloatVector c4b = FloatVector.fromArray(F, acc, ai + 4 * lda + L);
        FloatVector c5a = FloatVector.fromArray(F, acc, ai + 5 * lda);
        FloatVector c5b = FloatVector.fromArray(F, acc, ai + 5 * lda + L);
        FloatVector c6a = FloatVector.fromArray(F, acc, ai + 6 * lda);
        FloatVector c6b = FloatVector.fromArray(F, acc, ai + 6 * lda + L);
        FloatVector c7a = FloatVector.fromArray(F, acc, ai + 7 * lda);
        FloatVector c7b = FloatVector.fromArray(F, acc, ai + 7 * lda + L);
        FloatVector c8a = FloatVector.fromArray(F, acc, ai + 8 * lda);
        FloatVector c8b = FloatVector.fromArray(F, acc, ai + 8 * lda + L);
        FloatVector c9a = FloatVector.fromArray(F, acc, ai + 9 * lda);
        FloatVector c9b = FloatVector.fromArray(F, acc, ai + 9 * lda + L);
        FloatVector c10a = FloatVector.fromArray(F, acc, ai + 10 * lda);
        FloatVector c10b = FloatVector.fromArray(F, acc, ai + 10 * lda + L);
        FloatVector c11a = FloatVector.fromArray(F, acc, ai + 11 * lda);
        FloatVector c11b = FloatVector.fromArray(F, acc, ai + 11 * lda + L);
        for (int i = 0; i < count; i++) {
            FloatVector b0 = FloatVector.fromArray(F, dyT, d);
            FloatVector b1 = FloatVector.fromArray(F, dyT, d + L);
            int xi = xb + i;
            FloatVector av = FloatVector.broadcast(F, z[xi + o0]);
            c0a = av.fma(b0, c0a);
            c0b = av.fma(b1, c0b);
            av = FloatVector.broadcast(F, z[xi + o1]);
            c1a = av.fma(b0, c1a);
            c1b = av.fma(b1, c1b);
            av = FloatVector.broadcast(F, z[xi + o2]);
            c2a = av.fma(b0, c2a);
            c2b = av.fma(b1, c2b);
            av = FloatVector.broadcast(F, z[xi + o3]);
            c3a = av.fma(b0, c3a);
            c3b = av.fma(b1, c3b);
            av = FloatVector.broadcast(F, z[xi + o4]);
            c4a = av.fma(b0, c4a);
            c4b = av.fma(b1, c4b);
            av = FloatVector.broadcast(F, z[xi + o5]);
            c5a = av.fma(b0, c5a);
            c5b = av.fma(b1, c5b);
            av = FloatVector.broadcast(F, z[xi + o6]);
            c6a = av.fma(b0, c6a);
            c6b = av.fma(b1, c6b);
            av = FloatVector.broadcast(F, z[xi + o7]);
            c7a = av.fma(b0, c7a);
            c7b = av.fma(b1, c7b);
            av = FloatVector.broadcast(F, z[xi + o8]);
            c8a = av.fma(b0, c8a);
            c8b = av.fma(b1, c8b);
            av = FloatVector.broadcast(F, z[xi + o9]);
            c9a = av.fma(b0, c9a);
            c9b = av.fma(b1, c9b);
            av = FloatVector.broadcast(F, z[xi + o10]);
            c10a = av.fma(b0, c10a);
            c10b = av.fma(b1, c10b);
            av = FloatVector.broadcast(F, z[xi + o11]);
            c11a = av.fma(b0, c11a);
            c11b = av.fma(b1, c11b);
            d += 2 * L;
        }
        // exact classes for the stores (Simd.VECTOR_CLASS)
        c0a = (FloatVector) VECTOR_CLASS.cast(c0a);
        c0b = (FloatVector) VECTOR_CLASS.cast(c0b);
        c1a = (FloatVector) VECTOR_CLASS.cast(c1a);
        c1b = (FloatVector) VECTOR_CLASS.cast(c1b);
        c2a = (FloatVector) VECTOR_CLASS.cast(c2a);
        c2b = (FloatVector) VECTOR_CLASS.cast(c2b);
        c3a = (FloatVector) VECTOR_CLASS.cast(c3a);
        c3b = (FloatVector) VECTOR_CLASS.cast(c3b);
        c4a = (FloatVector) VECTOR_CLASS.cast(c4a);
        c4b = (FloatVector) VECTOR_CLASS.cast(c4b);
        c5a = (FloatVector) VECTOR_CLASS.cast(c5a);
        c5b = (FloatVector) VECTOR_CLASS.cast(c5b);
        c6a = (FloatVector) VECTOR_CLASS.cast(c6a);
        c6b = (FloatVector) VECTOR_CLASS.cast(c6b);
        c7a = (FloatVector) VECTOR_CLASS.cast(c7a);
        c7b = (FloatVector) VECTOR_CLASS.cast(c7b);
        c8a = (FloatVector) VECTOR_CLASS.cast(c8a);
        c8b = (FloatVector) VECTOR_CLASS.cast(c8b);
        c9a = (FloatVector) VECTOR_CLASS.cast(c9a);
        c9b = (FloatVector) VECTOR_CLASS.cast(c9b);
        c10a = (FloatVector) VECTOR_CLASS.cast(c10a);
        c10b = (FloatVector) VECTOR_CLASS.cast(c10b);
        c11a = (FloatVector) VECTOR_CLASS.cast(c11a);
        c11b = (FloatVector) VECTOR_CLASS.cast(c11b);
        c0a.intoArray(acc, ai);
        c0b.intoArray(acc, ai + L);
        c1a.intoArray(acc, ai + lda);
        c1b.intoArray(acc, ai + lda + L);
        c2a.intoArray(acc, ai + 2 * lda);
        c2b.intoArray(acc, ai + 2 * lda + L);
        c3a.intoArray(acc, ai + 3 * lda);
        c3b.intoArray(acc, ai + 3 * lda + L);
        c4a.intoArray(acc, ai + 4 * lda);
        c4b.intoArray(acc, ai + 4 * lda + L);
        c5a.intoArray(acc, ai + 5 * lda);
        c5b.intoArray(acc, ai + 5 * lda + L);
        c6a.intoArray(acc, ai + 6 * lda);
        c6b.intoArray(acc, ai + 6 * lda + L);
        c7a.intoArray(acc, ai + 7 * lda);
        c7b.intoArray(acc, ai + 7 * lda + L);
        c8a.intoArray(acc, ai + 8 * lda);
        c8b.intoArray(acc, ai + 8 * lda + L);
        c9a.intoArray(acc, ai + 9 * lda);
        c9b.intoArray(acc, ai + 9 * lda + L);
        c10a.intoArray(acc, ai + 10 * lda);
        c10b.intoArray(acc, ai + 10 * lda + L);
        c11a.intoArray(acc, ai + 11 * lda);
        c11b.intoArray(acc, ai + 11 * lda + L);
    }

    /**
     * The one-vector micro-kernel: acc tile (12 rows of LANES floats, row stride lda, from ai) += sum over i in
     * [0, count) of z[xb + rowOff[min(r0 + j, last)] + i] (row j) x dyT[d + i * LANES .. + LANES).
     */
    static void narrowTile(int count, int xb, float[] z, int[] rowOff, int r0, int last, float[] dyT, int d,
                           float[] acc, int ai, int lda) {
        int o0 = rowOff[r0], o1 = rowOff[Math.min(r0 + 1, last)], o2 = rowOff[Math.min(r0 + 2, last)];
        int o3 = rowOff[Math.min(r0 + 3, last)], o4 = rowOff[Math.min(r0 + 4, last)];
        int o5 = rowOff[Math.min(r0 + 5, last)], o6 = rowOff[Math.min(r0 + 6, last)];
        int o7 = rowOff[Math.min(r0 + 7, last)], o8 = rowOff[Math.min(r0 + 8, last)];
        int o9 = rowOff[Math.min(r0 + 9, last)], o10 = rowOff[Math.min(r0 + 10, last)];
        int o11 = rowOff[Math.min(r0 + 11, last)];
        FloatVector c0 = FloatVector.fromArray(F, acc, ai);
        FloatVector c1 = FloatVector.fromArray(F, acc, ai + lda);
        FloatVector c2 = FloatVector.fromArray(F, acc, ai + 2 * lda);
        FloatVector c3 = FloatVector.fromArray(F, acc, ai + 3 * lda);
        FloatVector c4 = FloatVector.fromArray(F, acc, ai + 4 * lda);
        FloatVector c5 = FloatVector.fromArray(F, acc, ai + 5 * lda);
        FloatVector c6 = FloatVector.fromArray(F, acc, ai + 6 * lda);
        FloatVector c7 = FloatVector.fromArray(F, acc, ai + 7 * lda);
        FloatVector c8 = FloatVector.fromArray(F, acc, ai + 8 * lda);
        FloatVector c9 = FloatVector.fromArray(F, acc, ai + 9 * lda);
        FloatVector c10 = FloatVector.fromArray(F, acc, ai + 10 * lda);
        FloatVector c11 = FloatVector.fromArray(F, acc, ai + 11 * lda);
        for (int i = 0; i < count; i++) {
            FloatVector b = FloatVector.fromArray(F, dyT, d + i * L);
            int xi = xb + i;
            c0 = FloatVector.broadcast(F, z[xi + o0]).fma(b, c0);
            c1 = FloatVector.broadcast(F, z[xi + o1]).fma(b, c1);
            c2 = FloatVector.broadcast(F, z[xi + o2]).fma(b, c2);
            c3 = FloatVector.broadcast(F, z[xi + o3]).fma(b, c3);
            c4 = FloatVector.broadcast(F, z[xi + o4]).fma(b, c4);
            c5 = FloatVector.broadcast(F, z[xi + o5]).fma(b, c5);
            c6 = FloatVector.broadcast(F, z[xi + o6]).fma(b, c6);
            c7 = FloatVector.broadcast(F, z[xi + o7]).fma(b, c7);
            c8 = FloatVector.broadcast(F, z[xi + o8]).fma(b, c8);
            c9 = FloatVector.broadcast(F, z[xi + o9]).fma(b, c9);
            c10 = FloatVector.broadcast(F, z[xi + o10]).fma(b, c10);
            c11 = FloatVector.broadcast(F, z[xi + o11]).fma(b, c11);
        }
        // exact classes for the stores (Simd.VECTOR_CLASS)
        c0 = (FloatVector) VECTOR_CLASS.cast(c0);
        c1 = (FloatVector) VECTOR_CLASS.cast(c1);
        c2 = (FloatVector) VECTOR_CLASS.cast(c2);
        c3 = (FloatVector) VECTOR_CLASS.cast(c3);
        c4 = (FloatVector) VECTOR_CLASS.cast(c4);
        c5 = (FloatVector) VECTOR_CLASS.cast(c5);
        c6 = (FloatVector) VECTOR_CLASS.cast(c6);
        c7 = (FloatVector) VECTOR_CLASS.cast(c7);
        c8 = (FloatVector) VECTOR_CLASS.cast(c8);
        c9 = (FloatVector) VECTOR_CLASS.cast(c9);
        c10 = (FloatVector) VECTOR_CLASS.cast(c10);
        c11 = (FloatVector) VECTOR_CLASS.cast(c11);
        c0.intoArray(acc, ai);
        c1.intoArray(acc, ai + lda);
        c2.intoArray(acc, ai + 2 * lda);
        c3.intoArray(acc, ai + 3 * lda);
        c4.intoArray(acc, ai + 4 * lda);
        c5.intoArray(acc, ai + 5 * lda);
        c6.intoArray(acc, ai + 6 * lda);
        c7.intoArray(acc, ai + 7 * lda);
        c8.intoArray(acc, ai + 8 * lda);
        c9.intoArray(acc, ai + 9 * lda);
        c10.intoArray(acc, ai + 10 * lda);
        c11.intoArray(acc, ai + 11 * lda);
    }
}
