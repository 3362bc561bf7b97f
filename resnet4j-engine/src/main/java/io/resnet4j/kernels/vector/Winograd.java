package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

import java.util.Arrays;

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
 * per row are computed in whole vectors (tiles past the row's end are junk, never stored). Each y element is
 * written by one task: results do not depend on the thread count.
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
    private static final VectorShuffle<Float> ZIP_LO = VectorShuffle.fromOp(Simd.F, i -> i / 2);
    private static final VectorShuffle<Float> ZIP_HI = VectorShuffle.fromOp(Simd.F, i -> L / 2 + i / 2);
    private static final VectorMask<Float> ODD_LANES = VectorMask.fromLong(Simd.F, 0xAAAAAAAAAAAAAAAAL);

    MicroKernel mk = Tuning.DEFAULT.kernel();
    float[] x, y, u;
    int xOff, yOff;
    private int n, c, h, w, k, pt, pl, p, q;
    /** Tile rows and columns; tile columns rounded up to whole vectors; tile rows per chunk; chunks per image. */
    private int tH, tW, tWv, rowsPerChunk, chunksPerImage;
    /** Tiles per chunk rounded up to whole B panels; output channels rounded up to whole A micro-panels. */
    private int tcp, kp;
    /** Floats per split row: the even columns then the odd ones, each er floats. */
    private int er;
    /**
     * Floats from V[xi] to V[xi + 1] and from M[xi] to M[xi + 1]: padded by a cache line (16 floats) so that the
     * 16 streams of a transform do not fall into the same L1 sets (the unpadded V stride is often 8 KiB).
     */
    private int vStep, mStep;

    /**
     * Whether q output columns suit the tiling: the tiles of a row, rounded up to whole vectors, add at most a
     * quarter of junk (q = 8 or 7 with 8 lanes would compute twice the tiles: slower than the direct path).
     */
    static boolean fits(int q) {
        int tw = (q + 1) / 2, twv = (tw + L - 1) / L * L;
        return twv * 4 <= tw * 5;
    }

    /** Sets the shape (y (n, k, p, q) from x (n, c, h, w), padding pt, pl) and plans the chunks. */
    void plan(int n, int c, int h, int w, int k, int pt, int pl, int p, int q, MicroKernel mk) {
        if (pt < 0 || pl < 0) {
            throw new IllegalArgumentException("Winograd needs padding >= 0, got " + pt + ", " + pl);
        }
        this.mk = mk;
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
        tWv = (tW + L - 1) / L * L;
        // E[t + 1] is read for the last tile: tWv + 1 entries, whole vectors
        er = (tWv + 1 + L - 1) / L * L;
        int tilesPerChunk = Math.max(1, CHUNK_FLOATS / XI / Math.max(c, k));
        rowsPerChunk = Math.max(1, Math.min(tH, tilesPerChunk / tWv));
        chunksPerImage = (tH + rowsPerChunk - 1) / rowsPerChunk;
        tcp = (rowsPerChunk * tWv + mk.nr - 1) / mk.nr * mk.nr;
        kp = (k + mk.mr - 1) / mk.mr * mk.mr;
        vStep = c * tcp + 16;
        mStep = kp * tcp + 16;
    }

    /** Floats of the transformed, packed weights (see transformWeights). */
    long weightSize() {
        return (long) XI * kp * c;
    }

    int tasks() {
        return n * chunksPerImage;
    }

    /**
     * U = G g G^T for every (k, c), written as the micro-kernel's A micro-panels: U[xi] (kp, c) at
     * u[((xi * kp / mr + i / mr) * c + ch) * mr + i % mr]. flipped: wt holds the weights (c, k, 3, 3) of the
     * convolution whose transpose this is, and g[a][b] = wt[ch, i, 2 - a, 2 - b].
     */
    void transformWeights(float[] wt, int wOff, boolean flipped) {
        int mr = mk.mr, panels = kp / mr;
        for (int i = 0; i < k; i++) {
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

    void execute() {
        if (tasks() == 1) {
            run(0);
        } else {
            Parallel.forEach(tasks(), this);
        }
    }

    void clear() {
        x = null;
        y = null;
        u = null;
    }

    @Override
    public void run(int task) {
        int img = task / chunksPerImage, ty0 = task % chunksPerImage * rowsPerChunk;
        int rows = Math.min(rowsPerChunk, tH - ty0);
        int rowsIn = 2 * rows + 2;
        Workspace ws = Workspace.get();
        float[] split = ws.paddedImage = Workspace.grow(ws.paddedImage, (long) c * rowsIn * 2 * er);
        float[] line = ws.tile = Workspace.grow(ws.tile, 2L * er);
        float[] v = ws.cols = Workspace.grow(ws.cols, (long) XI * vStep);
        float[] m = ws.dcol = Workspace.grow(ws.dcol, (long) XI * mStep);
        splitRows(img, ty0, rowsIn, split, line);
        transformInput(rows, rowsIn, split, v);
        multiply(v, m);
        transformOutput(img, ty0, rows, m, line);
    }

    /** Input rows 2 ty0 - pt .. of every channel, zero padded, as split rows: evens at [0, er), odds at [er, 2er). */
    private void splitRows(int img, int ty0, int rowsIn, float[] split, float[] line) {
        int width = 2 * er, copy = Math.min(w, width - pl);
        // the line's padding stays zero: each row overwrites only [pl, pl + copy)
        Arrays.fill(line, 0, width, 0f);
        for (int ch = 0; ch < c; ch++) {
            int src = xOff + (img * c + ch) * h * w;
            for (int j = 0; j < rowsIn; j++) {
                int ih = 2 * ty0 + j - pt, dst = (ch * rowsIn + j) * width;
                if (ih < 0 || ih >= h || copy <= 0) {
                    Arrays.fill(split, dst, dst + width, 0f);
                    continue;
                }
                System.arraycopy(x, src + ih * w, line, pl, copy);
                for (int t = 0; t < er; t += L) {
                    FloatVector a = FloatVector.fromArray(Simd.F, line, 2 * t);
                    FloatVector b = FloatVector.fromArray(Simd.F, line, 2 * t + L);
                    a.rearrange(EVEN).blend(b.rearrange(EVEN), UPPER).intoArray(split, dst + t);
                    a.rearrange(ODD).blend(b.rearrange(ODD), UPPER).intoArray(split, dst + er + t);
                }
            }
        }
    }

    /**
     * V = B^T d B for every tile of the chunk and channel, into the B panels of the GEMMs:
     * V[xi] (c, t) at v[xi * vStep + (t / nr * c + ch) * nr + t % nr], t = local tile row * tWv + tx.
     * With E/O the even/odd columns of a row from tile tx on, a row's transform is
     * (E - E1, O + E1, E1 - O, O - O1), E1/O1 those one tile further; B^T combines 4 rows the same way.
     */
    private void transformInput(int rows, int rowsIn, float[] split, float[] v) {
        int nr = mk.nr, width = 2 * er, xiStep = vStep;
        for (int ch = 0; ch < c; ch++) {
            for (int lr = 0; lr < rows; lr++) {
                int r0 = (ch * rowsIn + 2 * lr) * width;
                for (int t0 = 0; t0 < tWv; t0 += L) {
                    int t = lr * tWv + t0, d = (t / nr * c + ch) * nr + t % nr;
                    // rows 0..3 of the tile, each transformed along its columns
                    int o = r0 + t0;
                    FloatVector e = FloatVector.fromArray(Simd.F, split, o);
                    FloatVector e1 = FloatVector.fromArray(Simd.F, split, o + 1);
                    FloatVector od = FloatVector.fromArray(Simd.F, split, o + er);
                    FloatVector od1 = FloatVector.fromArray(Simd.F, split, o + er + 1);
                    FloatVector a0 = e.sub(e1), a1 = od.add(e1), a2 = e1.sub(od), a3 = od.sub(od1);
                    o += width;
                    e = FloatVector.fromArray(Simd.F, split, o);
                    e1 = FloatVector.fromArray(Simd.F, split, o + 1);
                    od = FloatVector.fromArray(Simd.F, split, o + er);
                    od1 = FloatVector.fromArray(Simd.F, split, o + er + 1);
                    FloatVector b0 = e.sub(e1), b1 = od.add(e1), b2 = e1.sub(od), b3 = od.sub(od1);
                    o += width;
                    e = FloatVector.fromArray(Simd.F, split, o);
                    e1 = FloatVector.fromArray(Simd.F, split, o + 1);
                    od = FloatVector.fromArray(Simd.F, split, o + er);
                    od1 = FloatVector.fromArray(Simd.F, split, o + er + 1);
                    FloatVector c0 = e.sub(e1), c1 = od.add(e1), c2 = e1.sub(od), c3 = od.sub(od1);
                    o += width;
                    e = FloatVector.fromArray(Simd.F, split, o);
                    e1 = FloatVector.fromArray(Simd.F, split, o + 1);
                    od = FloatVector.fromArray(Simd.F, split, o + er);
                    od1 = FloatVector.fromArray(Simd.F, split, o + er + 1);
                    FloatVector d0 = e.sub(e1), d1 = od.add(e1), d2 = e1.sub(od), d3 = od.sub(od1);
                    // B^T over the rows: (r0 - r2, r1 + r2, r2 - r1, r1 - r3), column by column
                    a0.sub(c0).intoArray(v, d);
                    a1.sub(c1).intoArray(v, d + xiStep);
                    a2.sub(c2).intoArray(v, d + 2 * xiStep);
                    a3.sub(c3).intoArray(v, d + 3 * xiStep);
                    b0.add(c0).intoArray(v, d + 4 * xiStep);
                    b1.add(c1).intoArray(v, d + 5 * xiStep);
                    b2.add(c2).intoArray(v, d + 6 * xiStep);
                    b3.add(c3).intoArray(v, d + 7 * xiStep);
                    c0.sub(b0).intoArray(v, d + 8 * xiStep);
                    c1.sub(b1).intoArray(v, d + 9 * xiStep);
                    c2.sub(b2).intoArray(v, d + 10 * xiStep);
                    c3.sub(b3).intoArray(v, d + 11 * xiStep);
                    b0.sub(d0).intoArray(v, d + 12 * xiStep);
                    b1.sub(d1).intoArray(v, d + 13 * xiStep);
                    b2.sub(d2).intoArray(v, d + 14 * xiStep);
                    b3.sub(d3).intoArray(v, d + 15 * xiStep);
                }
            }
        }
    }

    /** M[xi] (kp, tcp) at m[xi * mStep + i * tcp + t] = U[xi] . V[xi]: each B panel swept by every A micro-panel. */
    private void multiply(float[] v, float[] m) {
        MicroKernel kern = mk;
        int mr = kern.mr, nr = kern.nr, panels = tcp / nr, aPanels = kp / mr;
        for (int xi = 0; xi < XI; xi++) {
            for (int pn = 0; pn < panels; pn++) {
                int bo = xi * vStep + pn * c * nr;
                for (int ip = 0; ip < aPanels; ip++) {
                    kern.run(c, u, (xi * aPanels + ip) * c * mr, v, bo, nr, m, xi * mStep + ip * mr * tcp + pn * nr, tcp,
                            false);
                }
            }
        }
    }

    /**
     * y tile = A^T M A: per row a of M's 4x4 tile s0 = m0 + m1 + m2, s1 = m1 - m2 - m3, then the same over
     * the rows; the two output columns of each tile interleaved into the output rows 2 ty, 2 ty + 1 (those
     * past q or p dropped).
     */
    private void transformOutput(int img, int ty0, int rows, float[] m, float[] line) {
        int xiStep = mStep;
        for (int i = 0; i < k; i++) {
            int out = yOff + (img * k + i) * p * q;
            for (int lr = 0; lr < rows; lr++) {
                int oh = 2 * (ty0 + lr);
                for (int t0 = 0; t0 < tWv && 2 * t0 < q; t0 += L) {
                    int s = i * tcp + lr * tWv + t0;
                    FloatVector m0 = FloatVector.fromArray(Simd.F, m, s);
                    FloatVector m1 = FloatVector.fromArray(Simd.F, m, s + xiStep);
                    FloatVector m2 = FloatVector.fromArray(Simd.F, m, s + 2 * xiStep);
                    FloatVector m3 = FloatVector.fromArray(Simd.F, m, s + 3 * xiStep);
                    FloatVector s00 = m0.add(m1).add(m2), s01 = m1.sub(m2).sub(m3);
                    m0 = FloatVector.fromArray(Simd.F, m, s + 4 * xiStep);
                    m1 = FloatVector.fromArray(Simd.F, m, s + 5 * xiStep);
                    m2 = FloatVector.fromArray(Simd.F, m, s + 6 * xiStep);
                    m3 = FloatVector.fromArray(Simd.F, m, s + 7 * xiStep);
                    FloatVector s10 = m0.add(m1).add(m2), s11 = m1.sub(m2).sub(m3);
                    m0 = FloatVector.fromArray(Simd.F, m, s + 8 * xiStep);
                    m1 = FloatVector.fromArray(Simd.F, m, s + 9 * xiStep);
                    m2 = FloatVector.fromArray(Simd.F, m, s + 10 * xiStep);
                    m3 = FloatVector.fromArray(Simd.F, m, s + 11 * xiStep);
                    FloatVector s20 = m0.add(m1).add(m2), s21 = m1.sub(m2).sub(m3);
                    m0 = FloatVector.fromArray(Simd.F, m, s + 12 * xiStep);
                    m1 = FloatVector.fromArray(Simd.F, m, s + 13 * xiStep);
                    m2 = FloatVector.fromArray(Simd.F, m, s + 14 * xiStep);
                    m3 = FloatVector.fromArray(Simd.F, m, s + 15 * xiStep);
                    FloatVector s30 = m0.add(m1).add(m2), s31 = m1.sub(m2).sub(m3);
                    FloatVector y00 = s00.add(s10).add(s20), y01 = s01.add(s11).add(s21);
                    FloatVector y10 = s10.sub(s20).sub(s30), y11 = s11.sub(s21).sub(s31);
                    // the two output columns of each tile interleaved: even lanes from y.0, odd ones from y.1
                    int col = 2 * t0, row = out + oh * q + col;
                    boolean whole = col + 2 * L <= q;
                    FloatVector lo = y00.rearrange(ZIP_LO).blend(y01.rearrange(ZIP_LO), ODD_LANES);
                    FloatVector hi = y00.rearrange(ZIP_HI).blend(y01.rearrange(ZIP_HI), ODD_LANES);
                    if (whole) {
                        lo.intoArray(y, row);
                        hi.intoArray(y, row + L);
                    } else {
                        lo.intoArray(line, 0);
                        hi.intoArray(line, L);
                        System.arraycopy(line, 0, y, row, q - col);
                    }
                    if (oh + 1 < p) {
                        row += q;
                        lo = y10.rearrange(ZIP_LO).blend(y11.rearrange(ZIP_LO), ODD_LANES);
                        hi = y10.rearrange(ZIP_HI).blend(y11.rearrange(ZIP_HI), ODD_LANES);
                        if (whole) {
                            lo.intoArray(y, row);
                            hi.intoArray(y, row + L);
                        } else {
                            lo.intoArray(line, 0);
                            hi.intoArray(line, L);
                            System.arraycopy(line, 0, y, row, q - col);
                        }
                    }
                }
            }
        }
    }
}
