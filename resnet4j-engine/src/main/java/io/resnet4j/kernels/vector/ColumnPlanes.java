package io.resnet4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * One image's input unrolled along the kernel's columns, for tiles that walk an image's output positions
 * g = a * q + b as one run (WeightOuter's outer products, DirectConv's flat tiles):
 * <pre>
 * z (ch, s, ph, hz, q): z[ch, v, pu, i, b] = x[img, ch, i * sh + pu - pt, b * sw + v - pl], zero outside x;
 *                       ph = min(sh, r) row phases, hz = p + (r - 1) / sh rows
 * tap (ch, u, v) of output position g reads z[off + g], off = ((ch * s + v) * ph + u % sh) * hz * q + u / sh * q
 *                       (tapOffsets), contiguous in g
 * </pre>
 * The instance reads its shape from the owning job's geometry (set before {@link #plan}). Instance methods, one
 * plane per call: a static unroll over planes, columns, phases and rows, shared with the strided forward, ran
 * 0.82-0.84x on the strided backward-weight (BENCHMARKS.md, sixth session).
 */
final class ColumnPlanes {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.LANES;

    private final ConvJobs.Geometry g;
    /** Rows of a plane (after plan). */
    int hz;
    /** Row phases (after plan). */
    private int ph;
    private int planeR;
    private boolean shifted;
    /**
     * Stride 1 with q == w: which floats of a z plane of kernel column v come from x, valid[v * planeR + t] for
     * t = i * q + b in [0, planeR), planeR = hz * q rounded up to LANES (false past hz * q).
     */
    private boolean[] valid = new boolean[0];

    ColumnPlanes(ConvJobs.Geometry g) {
        this.g = g;
    }

    /** Plans for g's shape; masks: whether unroll will run (a "same" stride-1 shape then builds its valid table). */
    void plan(boolean masks) {
        ph = Math.min(g.sh, g.r);
        hz = g.p + (g.r - 1) / g.sh;
        shifted = masks && g.sh == 1 && g.sw == 1 && g.q == g.w;
        if (shifted) {
            planValid();
        }
    }

    /** Floats of one image's z (after plan); unroll writes LANES more. */
    long floats() {
        return (long) g.ch * g.s * ph * hz * g.q;
    }

    /** Where each tap (ch, u, v) starts in z: dst[(ch * r + u) * s + v], c * r * s ints. */
    void tapOffsets(int[] dst) {
        for (int kg = 0; kg < g.ch * g.r * g.s; kg++) {
            int ch = kg / (g.r * g.s), u = kg / g.s % g.r, v = kg % g.s;
            dst[kg] = (((ch * g.s + v) * ph + u % g.sh) * hz + u / g.sh) * g.q;
        }
    }

    /** The valid table (see its field) for stride 1, q == w: rows [pt, pt + h) and the columns each v keeps. */
    private void planValid() {
        int q = g.q, plane = hz * q;
        planeR = (plane + L - 1) / L * L;
        if (valid.length < g.s * planeR) {
            valid = new boolean[g.s * planeR];
        }
        int i0 = Math.min(hz, Math.max(0, g.pt)), i1 = Math.max(i0, Math.min(hz, g.h + g.pt));
        for (int v = 0; v < g.s; v++) {
            int b0 = columnFrom(v), b1 = columnTo(v, b0);
            for (int t = 0; t < planeR; t++) {
                int i = t / q, b = t % q;
                valid[v * planeR + t] = t < plane && i >= i0 && i < i1 && b >= b0 && b < b1;
            }
        }
    }

    /** First output column b whose input column b * sw + v - pl lies inside [0, w). */
    private int columnFrom(int v) {
        return Math.min(g.q, Math.max(0, (g.pl - v + g.sw - 1) / g.sw));
    }

    /** End of the output columns (from b0) whose input column lies inside [0, w). */
    private int columnTo(int v, int b0) {
        return g.w - 1 + g.pl - v < 0 ? b0 : Math.max(b0, Math.min(g.q, (g.w - 1 + g.pl - v) / g.sw + 1));
    }

    /**
     * One image's z into dst from base (dst holds LANES floats of slack past z). Stride 1 with q == w (a "same"
     * convolution): each (ch, v) plane is the image shifted by v - pl, read with the valid table as mask, whole
     * vectors (a plane's last vector spills zeros into the next plane, written after it). Per-plane
     * System.arraycopy and Arrays.fill calls with row fix-ups took a tenth of the pass at 64@8. Otherwise row by
     * row, in plain loops (rows are short; per-row calls cost more than the copying).
     */
    void unroll(int img, float[] dst, int base) {
        int hw = g.h * g.w, q = g.q;
        float[] x = g.x;
        for (int ch = 0; ch < g.ch; ch++) {
            int src = g.xOff + (img * g.ch + ch) * hw;
            for (int v = 0; v < g.s; v++) {
                int b0 = columnFrom(v), b1 = columnTo(v, b0);
                for (int pu = 0; pu < ph; pu++) {
                    int d = base + ((ch * g.s + v) * ph + pu) * hz * q;
                    if (shifted) {
                        shiftedPlane(x, src - g.pt * g.w + v - g.pl, v * planeR, dst, d);
                    } else {
                        rows(x, src, v, pu, b0, b1, dst, d);
                    }
                }
            }
        }
    }

    /** z plane (hz, q), planeR floats from d: x from xs where valid from vo, else 0 (stride 1, q == w). */
    private void shiftedPlane(float[] x, int xs, int vo, float[] dst, int d) {
        boolean[] ok = valid;
        if (xs >= 0 && xs + planeR <= x.length) {
            FloatVector zero = FloatVector.zero(F);
            for (int t = 0; t < planeR; t += L) {
                VectorMask<Float> m = VectorMask.fromArray(F, ok, vo + t);
                zero.blend(FloatVector.fromArray(F, x, xs + t), m).intoArray(dst, d + t);
            }
        } else {
            for (int t = 0; t < planeR; t++) {
                dst[d + t] = ok[vo + t] ? x[xs + t] : 0f;
            }
        }
    }

    /** z plane (hz, q) of kernel column v and row phase pu, row by row. */
    private void rows(float[] x, int src, int v, int pu, int b0, int b1, float[] dst, int d) {
        int q = g.q, sw = g.sw;
        for (int i = 0; i < hz; i++, d += q) {
            int si = i * g.sh + pu - g.pt;
            int c0 = b0, c1 = b1;
            if (si < 0 || si >= g.h) {
                c0 = q;
                c1 = q;
            }
            for (int b = 0; b < c0; b++) {
                dst[d + b] = 0f;
            }
            int sx = src + si * g.w + v - g.pl, b = c0;
            if (sw == 2) {
                // LANES columns from 2 LANES input floats: their even lanes. Lanes past c1 are junk, zeroed below
                // or (past q) overwritten by the next row; the last row's spill falls into dst's slack
                if (c1 > b && c1 - b <= L && sx + 2 * b + 2 * L <= x.length) {
                    // the row in one vector (CIFAR's strided layers at 16 lanes, q = 16 and 8): without the loop,
                    // whose set-up cost more than its one pass, their unroll ran 1.4-1.5x
                    LaneMath.evenLanes(x, sx + 2 * b, dst, d + b);
                    b = c1;
                }
                for (; b < c1 && sx + 2 * b + 2 * L <= x.length; b += L) {
                    LaneMath.evenLanes(x, sx + 2 * b, dst, d + b);
                }
            }
            for (; b < c1; b++) {
                dst[d + b] = x[sx + b * sw];
            }
            for (b = c1; b < q; b++) {
                dst[d + b] = 0f;
            }
        }
    }
}
