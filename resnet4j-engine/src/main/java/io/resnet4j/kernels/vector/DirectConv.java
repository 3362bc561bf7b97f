package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Convolution straight from the zero-padded image, without im2col panels or transforms: each output vector
 * (LANES consecutive columns of one output row) is accumulated from shifted vector loads of the padded input,
 * KR output channels (8 on AVX-512, else 4) x 2 output vectors in registers, the weights broadcast.
 * <pre>
 * xp (c, phases, hp, wp)  one image zero-padded (strided: split into its phase planes, ConvJobs.Pad.phases)
 * wk (kBlocks, crs, KR)   the weights by blocks of KR output channels: the GEMM's packed A (Packing.PackA) with
 *                         micro-panels of KR rows, zero past k (those channels are computed, not stored)
 * tab (crs)               offset in xp of tap i = (ch, u, v) from an output vector's base
 * y (n, k, p, q)          y[o, a, b + l] = sum over i of wk[o, i] * xp[base(a, b) + tab[i] + l], base = a * wp + b
 * </pre>
 * The vectors of a row start at b = 0, LANES, ... and the last one at q - LANES (overlapping the one before
 * when LANES does not divide q); an image's last tile of 2 vectors likewise ends at its last vector. An
 * overlapped output is computed twice by the same sequence of multiply-adds, so it is stored twice with the same
 * value. Each block of output channels sweeps the whole image (bands of rows small enough for L1, every block
 * over a band before the next, measured 0.90-0.98x). Takes k >= KR, q >= LANES and at least 2 vectors per image
 * ({@link #fits}). Each output element sums its taps in the order (ch, u, v). Tasks: images, and blocks of
 * output channels when there are few images; the split depends on the shape only. A task of a whole image pads
 * it itself (stride 1: row by row as the first block reaches them, PAD_AHEAD), else the batch is padded first.
 * <p>Flat mode, rows narrower than a vector (q < LANES, at least 2 vectors of positions per image: {@link #fitsFlat};
 * Tuning.directFlat): the image is unrolled along the kernel's columns (ColumnPlanes: z (ch, s, ph, hz, q), tap i
 * of output position g = a * q + b at z[tab[i] + g]), so an image's p * q outputs are one run and a vector covers
 * several output rows (the last one ending at the image's last position, overlapping). The same tiles, the same
 * order of sums. Against Winograd or the GEMM's packed panels (ConvAB, same JVM, 2 threads, caches flushed):
 * CIFAR's 32 -> 64 stride 2 at 16x16 forward 1.23x; Fashion-MNIST's 32@14 forward and backward-data 1.61x,
 * 32 -> 64 stride 2 at 14x14 forward 1.43x (BENCHMARKS.md, twenty-first session).
 */
final class DirectConv implements Parallel.Task {
    /**
     * Output channels per tile: 8 on AVX-512 (16 accumulators of its 32 registers; against 4, CIFAR's 16-channel
     * layers ran 1.19-1.31x, forward and backward-data, JDK 17 and 25), 4 with 16 registers (AVX2: 4 x 3 vectors
     * already left C2 no spare register).
     */
    static final int KR = Simd.LANES >= 16 ? 8 : 4, VR = 2;
    /**
     * A task that pads its own image (stride 1) pads its rows as the first block of output channels needs them,
     * this many rows ahead, so that the cold reads of the input overlap the tiles' multiply-adds instead of
     * waiting in one pass before them: at batch 128 the forward of 16@32 ran 1.04x, of 3 -> 16 at 32x32 1.06x,
     * backward-data of 16@32 1.01x (same JVM against padding the whole image first; BENCHMARKS.md, eighteenth
     * session).
     */
    static final int PAD_AHEAD = 1;
    /** Fewest tasks of a call: few images are split further by blocks of output channels. */
    static final int MIN_TASKS = 8;
    private static final VectorSpecies<Float> F = Simd.F;
    private static final Class<? extends jdk.incubator.vector.Vector<Float>> VECTOR_CLASS = Simd.VECTOR_CLASS;
    private static final int L = Simd.LANES;

    /** The input and the convolution's shape (images, ch, h, w, r, s, sh, sw, pt, pl, p, q). */
    private final ConvJobs.Geometry g = new ConvJobs.Geometry();
    /** The whole batch padded once (when images are split into several tasks), or null: each task pads its image. */
    private float[] paddedBatch;
    private float[] wk, y, bias;
    private int[] tab;
    private int yOff, biasOff;
    private boolean relu;
    private int k, hp, wp, crs, kBlocks, kParts, vectors, rowVectors;
    /** Flat mode (rows narrower than a vector): the image unrolled along the kernel's columns, zImage floats. */
    private boolean flat;
    private int zImage;
    private final ColumnPlanes planes = new ColumnPlanes(g);

    /**
     * Whether the shape suits the tiles: one whole vector per row and 2 per image (needed), KR output channels
     * (with fewer, a tile would compute mostly padding).
     */
    static boolean fits(int k, int p, int q) {
        return k >= KR && q >= L && (long) p * ((q + L - 1) / L) >= VR;
    }

    /** Whether flat mode suits the shape: rows narrower than a vector, 2 vectors of positions, KR output channels. */
    static boolean fitsFlat(int k, int p, int q) {
        return k >= KR && q < L && (long) p * q >= VR * L;
    }

    /**
     * Runs y (n, k, p, q) = conv(x (n, c, h, wd), weights packed in wk) for stride sh x sw and padding pt, pl
     * (at least 0); the epilogue (bias null: none; relu) applies to each tile just stored. tab has room for c*r*s.
     */
    void execute(int n, int c, int h, int wd, int k, int r, int s, int sh, int sw, int pt, int pl, int p, int q,
                 float[] x, int xOff, float[] wk, float[] bias, int biasOff, boolean relu, int[] tab, float[] y, int yOff) {
        g.set(x, xOff, n, c, h, wd, r, s, sh, sw, pt, pl, p, q);
        this.k = k;
        this.wk = wk;
        this.bias = bias;
        this.biasOff = biasOff;
        this.relu = relu;
        this.y = y;
        this.yOff = yOff;
        int phases = sh * sw;
        hp = p - 1 + (r + sh - 1) / sh;
        wp = q - 1 + (s + sw - 1) / sw;
        crs = c * r * s;
        flat = q < L;
        if (flat) {
            planes.plan(true);
            zImage = Math.toIntExact(planes.floats());
            planes.tapOffsets(tab);
        } else {
            ConvJobs.Pad.tapOffsets(c, r, s, sh, sw, hp, wp, tab);
        }
        this.tab = tab;
        kBlocks = (k + KR - 1) / KR;
        kParts = Math.min(kBlocks, Math.max(1, (MIN_TASKS + n - 1) / n));
        rowVectors = (q + L - 1) / L;
        vectors = p * rowVectors;
        try {
            if (flat && kParts > 1) {
                Workspace ws = Workspace.get();
                paddedBatch = ws.paddedBatch = Workspace.grow(ws.paddedBatch, (long) n * zImage + L);
                for (int img = 0; img < n; img++) {
                    planes.unroll(img, paddedBatch, img * zImage);
                }
            } else if (kParts > 1) {
                Workspace ws = Workspace.get();
                paddedBatch = ws.paddedBatch = Workspace.grow(ws.paddedBatch,
                        ConvJobs.Pad.size(n * c * phases, hp, wp));
                ws.padBatch.execute(g, paddedBatch, hp, wp);
            }
            Parallel.forEach(n * kParts, this);
        } finally {
            g.x = null;
            paddedBatch = null;
            this.wk = null;
            this.y = null;
            this.bias = null;
            this.tab = null;
        }
    }

    @Override
    public void run(int task) {
        int img = task / kParts, part = task - img * kParts;
        int kb0 = part * kBlocks / kParts, kb1 = (part + 1) * kBlocks / kParts;
        if (flat) {
            runFlat(img, kb0, kb1);
            return;
        }
        int p = g.p, q = g.q, phases = g.sh * g.sw, image = g.ch * phases * hp * wp;
        float[] xp = paddedBatch;
        int xBase = img * image, padded = hp, xImg = g.xOff + img * g.ch * g.h * g.w;
        if (xp == null) {
            Workspace ws = Workspace.get();
            xp = ws.paddedImage = Workspace.grow(ws.paddedImage, ConvJobs.Pad.size(g.ch * phases, hp, wp));
            xBase = 0;
            if (phases == 1) {
                // padded rows as the first block of output channels reaches them (see PAD_AHEAD)
                padded = 0;
                java.util.Arrays.fill(xp, image, image + ConvJobs.Pad.SLACK, 0f);
            } else {
                ConvJobs.Pad.phases(g.x, xImg, g.ch, g.h, g.w, g.pt, g.pl, g.sh, g.sw, hp, wp, xp, 0);
            }
        }
        int plane = p * q, yImg = yOff + img * k * plane;
        for (int kb = kb0; kb < kb1; kb++) {
            int o0 = kb * KR, rows = Math.min(KR, k - o0), wo = kb * crs * KR, yBlock = yImg + o0 * plane;
            for (int v0 = 0; v0 < vectors; v0 += VR) {
                int v = Math.min(v0, vectors - VR);
                int a0 = v / rowVectors, b0 = Math.min((v - a0 * rowVectors) * L, q - L);
                int a1 = (v + 1) / rowVectors, b1 = Math.min((v + 1 - a1 * rowVectors) * L, q - L);
                if (padded < hp) {
                    // the tile reads padded rows [a0, a1 + r)
                    int need = Math.min(hp, a1 + g.r + PAD_AHEAD);
                    if (need > padded) {
                        ConvJobs.Pad.rows(g.x, xImg, g.ch, g.h, g.w, g.pt, g.pl, hp, wp, xp, 0, padded, need);
                        padded = need;
                    }
                }
                if (KR == 8) {
                    tile8(xp, xBase + a0 * wp + b0, xBase + a1 * wp + b1, tab, crs, wk, wo, y, yBlock, a0 * q + b0,
                            a1 * q + b1, plane, rows, bias, biasOff + o0, relu);
                } else {
                    tile(xp, xBase + a0 * wp + b0, xBase + a1 * wp + b1, tab, crs, wk, wo, y, yBlock, a0 * q + b0,
                            a1 * q + b1, plane, rows, bias, biasOff + o0, relu);
                }
            }
        }
    }

    /**
     * Flat mode: output channel blocks [kb0, kb1) of image img, vectors over the image's positions g = a * q + b
     * (rows of q < LANES columns), read from its column planes z at tab[i] + g.
     */
    private void runFlat(int img, int kb0, int kb1) {
        int plane = g.p * g.q, yImg = yOff + img * k * plane;
        float[] z = paddedBatch;
        int zBase = img * zImage;
        if (z == null) {
            Workspace ws = Workspace.get();
            z = ws.paddedImage = Workspace.grow(ws.paddedImage, (long) zImage + L);
            zBase = 0;
            planes.unroll(img, z, 0);
        }
        for (int kb = kb0; kb < kb1; kb++) {
            int o0 = kb * KR;
            flatBlock(z, zBase, tab, crs, wk, kb * crs * KR, y, yImg + o0 * plane, plane, Math.min(KR, k - o0), bias,
                    biasOff + o0, relu);
        }
    }

    /**
     * One block of rows (at most KR) output channels over a flat plane of positions (at least 2 LANES): every pair
     * of vectors from z (zBase + position) by the tile, the last pair ending at the plane's end (see runFlat).
     */
    static void flatBlock(float[] z, int zBase, int[] tab, int taps, float[] wk, int wo, float[] y, int yBlock,
                          int plane, int rows, float[] bias, int biasOff, boolean relu) {
        int vectors = (plane + L - 1) / L;
        for (int v0 = 0; v0 < vectors; v0 += VR) {
            int v = Math.min(v0, vectors - VR);
            int b0 = Math.min(v * L, plane - L), b1 = Math.min((v + 1) * L, plane - L);
            if (KR == 8) {
                tile8(z, zBase + b0, zBase + b1, tab, taps, wk, wo, y, yBlock, b0, b1, plane, rows, bias, biasOff,
                        relu);
            } else {
                tile(z, zBase + b0, zBase + b1, tab, taps, wk, wo, y, yBlock, b0, b1, plane, rows, bias, biasOff, relu);
            }
        }
    }

    /**
     * One register tile (KR = 4): 4 output channels (rows yBlock + j * plane, the first rows of them stored) x 2
     * output vectors (at y0, y1 in a plane, read from x0, x1 in xp), summed over the taps in order, then the
     * epilogue in registers (bias null: none; the two vectors may overlap, so it cannot run on y after the stores).
     * The weight index is computed from i, not bumped (a bumped one measured up to 0.6x), and 4 x 3 vectors left
     * C2 no spare register on AVX2 (0.55-0.85x, probe on JDK 17).
     */
    static void tile(float[] xp, int x0, int x1, int[] tab, int taps, float[] wk, int wo, float[] y, int yBlock,
                     int y0, int y1, int plane, int rows, float[] bias, int biasOff, boolean relu) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int i = 0; i < taps; i++) {
            int o = tab[i], wi = wo + 4 * i;
            FloatVector a0 = FloatVector.fromArray(F, xp, x0 + o);
            FloatVector a1 = FloatVector.fromArray(F, xp, x1 + o);
            FloatVector b = FloatVector.broadcast(F, wk[wi]);
            c00 = a0.fma(b, c00);
            c01 = a1.fma(b, c01);
            b = FloatVector.broadcast(F, wk[wi + 1]);
            c10 = a0.fma(b, c10);
            c11 = a1.fma(b, c11);
            b = FloatVector.broadcast(F, wk[wi + 2]);
            c20 = a0.fma(b, c20);
            c21 = a1.fma(b, c21);
            b = FloatVector.broadcast(F, wk[wi + 3]);
            c30 = a0.fma(b, c30);
            c31 = a1.fma(b, c31);
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
        int r0 = yBlock, r1 = r0 + plane, r2 = r1 + plane, r3 = r2 + plane;
        c00.intoArray(y, r0 + y0);
        c01.intoArray(y, r0 + y1);
        if (rows > 1) {
            c10.intoArray(y, r1 + y0);
            c11.intoArray(y, r1 + y1);
        }
        if (rows > 2) {
            c20.intoArray(y, r2 + y0);
            c21.intoArray(y, r2 + y1);
        }
        if (rows > 3) {
            c30.intoArray(y, r3 + y0);
            c31.intoArray(y, r3 + y1);
        }
        if (bias != null || relu) {
            epilogue(y, yBlock, y0, y1, plane, rows, bias, biasOff, relu);
        }
    }

    /** tile with 8 output channels (KR = 8: 16 accumulators of AVX-512's 32 registers), in the same order. */
    static void tile8(float[] xp, int x0, int x1, int[] tab, int taps, float[] wk, int wo, float[] y, int yBlock,
                      int y0, int y1, int plane, int rows, float[] bias, int biasOff, boolean relu) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int i = 0; i < taps; i++) {
            int o = tab[i], wi = wo + 8 * i;
            FloatVector a0 = FloatVector.fromArray(F, xp, x0 + o);
            FloatVector a1 = FloatVector.fromArray(F, xp, x1 + o);
            FloatVector b = FloatVector.broadcast(F, wk[wi]);
            c00 = a0.fma(b, c00);
            c01 = a1.fma(b, c01);
            b = FloatVector.broadcast(F, wk[wi + 1]);
            c10 = a0.fma(b, c10);
            c11 = a1.fma(b, c11);
            b = FloatVector.broadcast(F, wk[wi + 2]);
            c20 = a0.fma(b, c20);
            c21 = a1.fma(b, c21);
            b = FloatVector.broadcast(F, wk[wi + 3]);
            c30 = a0.fma(b, c30);
            c31 = a1.fma(b, c31);
            b = FloatVector.broadcast(F, wk[wi + 4]);
            c40 = a0.fma(b, c40);
            c41 = a1.fma(b, c41);
            b = FloatVector.broadcast(F, wk[wi + 5]);
            c50 = a0.fma(b, c50);
            c51 = a1.fma(b, c51);
            b = FloatVector.broadcast(F, wk[wi + 6]);
            c60 = a0.fma(b, c60);
            c61 = a1.fma(b, c61);
            b = FloatVector.broadcast(F, wk[wi + 7]);
            c70 = a0.fma(b, c70);
            c71 = a1.fma(b, c71);
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
        c60 = (FloatVector) VECTOR_CLASS.cast(c60);
        c61 = (FloatVector) VECTOR_CLASS.cast(c61);
        c70 = (FloatVector) VECTOR_CLASS.cast(c70);
        c71 = (FloatVector) VECTOR_CLASS.cast(c71);
        int r = yBlock;
        c00.intoArray(y, r + y0);
        c01.intoArray(y, r + y1);
        if (rows > 1) {
            r += plane;
            c10.intoArray(y, r + y0);
            c11.intoArray(y, r + y1);
        }
        if (rows > 2) {
            r += plane;
            c20.intoArray(y, r + y0);
            c21.intoArray(y, r + y1);
        }
        if (rows > 3) {
            r += plane;
            c30.intoArray(y, r + y0);
            c31.intoArray(y, r + y1);
        }
        if (rows > 4) {
            r += plane;
            c40.intoArray(y, r + y0);
            c41.intoArray(y, r + y1);
        }
        if (rows > 5) {
            r += plane;
            c50.intoArray(y, r + y0);
            c51.intoArray(y, r + y1);
        }
        if (rows > 6) {
            r += plane;
            c60.intoArray(y, r + y0);
            c61.intoArray(y, r + y1);
        }
        if (rows > 7) {
            r += plane;
            c70.intoArray(y, r + y0);
            c71.intoArray(y, r + y1);
        }
        if (bias != null || relu) {
            epilogue(y, yBlock, y0, y1, plane, rows, bias, biasOff, relu);
        }
    }

    /**
     * Epilogue.run over a stored tile: rows output channels from yBlock, plane floats apart, each with the vectors
     * at y0 and y1 (one range where they overlap, so that no element gets it twice). From memory, not on the
     * accumulators: a helper that takes a vector is boxed where C2 does not inline it, and in a JVM that had
     * compiled this tile for training (no epilogue) frozen resnet20 at batch 1 then ran at a fifth of its speed.
     */
    private static void epilogue(float[] y, int yBlock, int y0, int y1, int plane, int rows, float[] bias, int biasOff,
                                 boolean relu) {
        boolean addBias = bias != null;
        for (int j = 0, r = yBlock; j < rows; j++, r += plane) {
            float b = addBias ? bias[biasOff + j] : 0f;
            if (y1 < y0 + L) {
                Epilogue.run(y, r + y0, y1 + L - y0, addBias, b, relu);
            } else {
                Epilogue.run(y, r + y0, L, addBias, b, relu);
                Epilogue.run(y, r + y1, L, addBias, b, relu);
            }
        }
    }

}
