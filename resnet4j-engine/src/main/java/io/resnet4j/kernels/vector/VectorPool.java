package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.PoolGeometry;
import io.resnet4j.kernels.PoolOps;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.util.Arrays;

import static io.resnet4j.kernels.vector.Simd.F;
import static io.resnet4j.kernels.vector.Simd.LANES;

/**
 * Vector API twin of {@link io.resnet4j.kernels.scalar.ScalarPool}, NCHW planes of h x w -> p x q.
 *
 * <p>Window kernels put LANES consecutive output columns of one output row in the lanes. A lane block is
 * vectorised when every window in it lies inside the row horizontally and the stride is 1 or 2 (stride 2
 * loads two vectors and keeps the even lanes); the padded edge columns, the other strides and planes of 2^23
 * or more cells run the reference's scalar code. Rows are clipped to the input as in the reference.
 * <ul>
 *   <li>Max pool: the window is scanned in the reference's order with its rule (a value wins when strictly
 *       larger or NaN), so outputs and argmax indices are bitwise equal to ScalarPool (lanes track indices as
 *       exact floats, below 2^23). Backward scatters each plane's dy in order inside the one task that owns the
 *       plane, so it is deterministic and bitwise equal to the reference.</li>
 *   <li>Average pool forward sums the window in float (the reference in double): within a few ulp. Average
 *       pool backward is the reference's loop run per plane in parallel (bitwise equal).</li>
 *   <li>Global average pool sums float vector runs combined in double: within ~1e-6 relative of the sum of
 *       magnitudes; backward is a broadcast store, bitwise equal.</li>
 * </ul>
 * Planes are split into tasks by {@link Split} from the shape alone.
 */
public final class VectorPool implements PoolOps {
    public static final VectorPool INSTANCE = new VectorPool();

    /** Cells per plane from which lane indices would no longer convert by the 2^23 trick below. */
    private static final int EXACT_FLOAT_INDEX = 1 << 23;
    private static final float TWO_POW_23 = 8388608f;
    private static final int TWO_POW_23_BITS = 0x4B000000;

    private VectorPool() {
    }

    // ---- max pool ----

    @Override
    public void maxForward(PoolGeometry g, float[] x, int xOff, float[] y, int yOff, int[] argmax) {
        int planes = g.n() * g.c(), grain = Split.grain(planes, (long) g.h() * g.w());
        if (grain >= planes) {
            maxForward(0, planes, g, x, xOff, y, yOff, argmax);
        } else {
            Split.Args a = Split.args();
            a.ref = g;
            a.x0 = x;
            a.o0 = xOff;
            a.x1 = y;
            a.o1 = yOff;
            a.ints = argmax;
            Split.run(planes, grain, a, (s, p0, p1) -> maxForward(p0, p1, (PoolGeometry) s.ref, s.x0, s.o0, s.x1, s.o1, s.ints));
        }
    }

    private static void maxForward(int p0, int p1, PoolGeometry g, float[] x, int xOff, float[] y, int yOff, int[] argmax) {
        int h = g.h(), w = g.w(), p = g.p(), q = g.q(), kh = g.kh(), kw = g.kw();
        int sh = g.strideH(), sw = g.strideW(), padT = g.padTop(), padL = g.padLeft();
        boolean vector = (sw == 1 || sw == 2) && (long) h * w < EXACT_FLOAT_INDEX;
        int bLo = (padL + sw - 1) / sw;
        // the last LANES outputs of a row as one block (recomputing some) when their windows lie inside the row
        int tail = q - LANES, tailC0 = tail * sw - padL;
        boolean tailBlock = vector && tail >= bLo && tailC0 + kw - 1 + sw * (LANES - 1) < w;
        for (int plane = p0; plane < p1; plane++) {
            int xb = xOff + plane * h * w;
            for (int a = 0; a < p; a++) {
                int hs = a * sh - padT, h0 = Math.max(hs, 0), h1 = Math.min(hs + kh, h);
                int o = (plane * p + a) * q;
                int b = 0;
                if (vector) {
                    for (; b < Math.min(bLo, q); b++) {
                        maxOne(g, x, xb, a, b, y, yOff + o + b, argmax, o + b);
                    }
                    // A block of LANES outputs from b reads columns b*sw - padL .. b*sw - padL + kw - 1 + sw*LANES - 1.
                    for (; b + LANES <= q && b * sw - padL + kw + sw * LANES - 2 < w; b += LANES) {
                        maxBlock(x, xb, w, h0, h1, b * sw - padL, kw, sw, y, yOff + o + b, argmax, o + b);
                    }
                    // stride 2 loads one column past the last window: inside x unless this is its last row
                    if (b < q && tailBlock && xb + (h1 - 1) * w + tailC0 + kw - 1 + sw * LANES <= x.length) {
                        maxBlock(x, xb, w, h0, h1, tailC0, kw, sw, y, yOff + o + tail, argmax, o + tail);
                        b = q;
                    }
                }
                for (; b < q; b++) {
                    maxOne(g, x, xb, a, b, y, yOff + o + b, argmax, o + b);
                }
            }
        }
    }

    /** LANES outputs of one row whose windows start at column c0 + sw * l (argmax null: values only). */
    private static void maxBlock(float[] x, int xb, int w, int h0, int h1, int c0, int kw, int sw,
                                 float[] y, int yAt, int[] argmax, int at) {
        if (argmax == null) {
            maxValues(x, xb, w, h0, h1, c0, kw, sw, y, yAt);
        } else if (sw == 1) {
            maxBlockStride1(x, xb, w, h0, h1, c0, kw, y, yAt, argmax, at);
        } else {
            maxBlockStride2(x, xb, w, h0, h1, c0, kw, y, yAt, argmax, at);
        }
    }

    /**
     * maxBlockStride1 and maxBlockStride2 without the indices (inference): the same scan and rule, so the same
     * values bit for bit.
     */
    private static void maxValues(float[] x, int xb, int w, int h0, int h1, int c0, int kw, int sw, float[] y, int yAt) {
        FloatVector best = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int rowStart = xb + h0 * w + c0, v = 0;
        for (int cell = 0, cells = (h1 - h0) * kw; cell < cells; cell++) {
            int off = rowStart + v;
            FloatVector val = FloatVector.fromArray(F, x, off);
            if (sw == 2) {
                val = val.rearrange(LaneMath.EVEN).blend(FloatVector.fromArray(F, x, off + LANES).rearrange(LaneMath.EVEN),
                        LaneMath.UPPER_HALF);
            }
            best = best.blend(val, val.compare(VectorOperators.GT, best).or(val.compare(VectorOperators.NE, val)));
            if (++v == kw) {
                v = 0;
                rowStart += w;
            }
        }
        best.intoArray(y, yAt);
    }

    /**
     * LANES outputs whose windows start at column c0 + l (rows h0..h1, kw columns, all inside the plane at xb):
     * the reference's scan, lane by lane. Indices ride along as exact floats. The window is walked in one flat
     * loop: vectors carried through nested loops defeat C2's box elimination on JDK 17 (a heap box per step).
     */
    private static void maxBlockStride1(float[] x, int xb, int w, int h0, int h1, int c0, int kw,
                                        float[] y, int yAt, int[] argmax, int at) {
        FloatVector best = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        FloatVector idx = LaneMath.IOTA.add((float) (h0 * w + c0));
        int rowStart = h0 * w + c0, v = 0;
        for (int cell = 0, cells = (h1 - h0) * kw; cell < cells; cell++) {
            int off = rowStart + v;
            FloatVector val = FloatVector.fromArray(F, x, xb + off);
            VectorMask<Float> win = val.compare(VectorOperators.GT, best).or(val.compare(VectorOperators.NE, val));
            best = best.blend(val, win);
            idx = idx.blend(LaneMath.IOTA.add((float) off), win);
            if (++v == kw) {
                v = 0;
                rowStart += w;
            }
        }
        best.intoArray(y, yAt);
        // idx < 2^23: 2^23 + idx is exact and its bit pattern is 0x4B000000 + idx.
        ((IntVector) idx.add(TWO_POW_23).reinterpretAsInts()).sub(TWO_POW_23_BITS).intoArray(argmax, at);
    }

    /** As {@link #maxBlockStride1} with windows starting at c0 + 2 l: two loads, even lanes kept. */
    private static void maxBlockStride2(float[] x, int xb, int w, int h0, int h1, int c0, int kw,
                                        float[] y, int yAt, int[] argmax, int at) {
        FloatVector step = LaneMath.IOTA.mul(2f);
        FloatVector best = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        FloatVector idx = step.add((float) (h0 * w + c0));
        int rowStart = h0 * w + c0, v = 0;
        for (int cell = 0, cells = (h1 - h0) * kw; cell < cells; cell++) {
            int off = rowStart + v;
            FloatVector lo = FloatVector.fromArray(F, x, xb + off), hi = FloatVector.fromArray(F, x, xb + off + LANES);
            FloatVector val = lo.rearrange(LaneMath.EVEN).blend(hi.rearrange(LaneMath.EVEN), LaneMath.UPPER_HALF);
            VectorMask<Float> win = val.compare(VectorOperators.GT, best).or(val.compare(VectorOperators.NE, val));
            best = best.blend(val, win);
            idx = idx.blend(step.add((float) off), win);
            if (++v == kw) {
                v = 0;
                rowStart += w;
            }
        }
        best.intoArray(y, yAt);
        ((IntVector) idx.add(TWO_POW_23).reinterpretAsInts()).sub(TWO_POW_23_BITS).intoArray(argmax, at);
    }

    /** The reference's window scan for output (a, b) of the plane at xb. */
    private static void maxOne(PoolGeometry g, float[] x, int xb, int a, int b, float[] y, int yAt, int[] argmax, int at) {
        int h0 = Math.max(a * g.strideH() - g.padTop(), 0);
        int w0 = Math.max(b * g.strideW() - g.padLeft(), 0);
        int h1 = Math.min(a * g.strideH() - g.padTop() + g.kh(), g.h());
        int w1 = Math.min(b * g.strideW() - g.padLeft() + g.kw(), g.w());
        float best = Float.NEGATIVE_INFINITY;
        int bestIdx = h0 * g.w() + w0;
        for (int hy = h0; hy < h1; hy++) {
            for (int wx = w0; wx < w1; wx++) {
                float val = x[xb + hy * g.w() + wx];
                if (val > best || Float.isNaN(val)) {
                    best = val;
                    bestIdx = hy * g.w() + wx;
                }
            }
        }
        y[yAt] = best;
        if (argmax != null) {
            argmax[at] = bestIdx;
        }
    }

    @Override
    public void maxBackward(PoolGeometry g, float[] dy, int dyOff, int[] argmax, float[] dx, int dxOff) {
        int planes = g.n() * g.c(), grain = Split.grain(planes, (long) g.h() * g.w());
        if (grain >= planes) {
            maxBackward(0, planes, g, dy, dyOff, argmax, dx, dxOff);
        } else {
            Split.Args a = Split.args();
            a.ref = g;
            a.x0 = dy;
            a.o0 = dyOff;
            a.ints = argmax;
            a.x1 = dx;
            a.o1 = dxOff;
            Split.run(planes, grain, a, (s, p0, p1) -> maxBackward(p0, p1, (PoolGeometry) s.ref, s.x0, s.o0, s.ints, s.x1, s.o1));
        }
    }

    private static void maxBackward(int p0, int p1, PoolGeometry g, float[] dy, int dyOff, int[] argmax, float[] dx, int dxOff) {
        int planeIn = g.h() * g.w(), planeOut = g.p() * g.q();
        Arrays.fill(dx, dxOff + p0 * planeIn, dxOff + p1 * planeIn, 0f);
        for (int plane = p0; plane < p1; plane++) {
            int xb = dxOff + plane * planeIn;
            for (int o = plane * planeOut, end = o + planeOut; o < end; o++) {
                dx[xb + argmax[o]] += dy[dyOff + o];
            }
        }
    }

    // ---- average pool ----

    @Override
    public void avgForward(PoolGeometry g, float[] x, int xOff, float[] y, int yOff) {
        int planes = g.n() * g.c(), grain = Split.grain(planes, (long) g.h() * g.w());
        if (grain >= planes) {
            avgForward(0, planes, g, x, xOff, y, yOff);
        } else {
            Split.Args a = Split.args();
            a.ref = g;
            a.x0 = x;
            a.o0 = xOff;
            a.x1 = y;
            a.o1 = yOff;
            Split.run(planes, grain, a, (s, p0, p1) -> avgForward(p0, p1, (PoolGeometry) s.ref, s.x0, s.o0, s.x1, s.o1));
        }
    }

    private static void avgForward(int p0, int p1, PoolGeometry g, float[] x, int xOff, float[] y, int yOff) {
        int h = g.h(), w = g.w(), p = g.p(), q = g.q(), kh = g.kh(), kw = g.kw();
        int sh = g.strideH(), sw = g.strideW(), padT = g.padTop(), padL = g.padLeft();
        boolean vector = sw == 1 || sw == 2;
        int bLo = (padL + sw - 1) / sw;
        for (int plane = p0; plane < p1; plane++) {
            int xb = xOff + plane * h * w;
            for (int a = 0; a < p; a++) {
                int hs = a * sh - padT, h0 = Math.max(hs, 0), h1 = Math.min(hs + kh, h);
                int o = yOff + (plane * p + a) * q;
                int b = 0;
                if (vector) {
                    for (; b < Math.min(bLo, q); b++) {
                        y[o + b] = avgOne(g, x, xb, a, b);
                    }
                    for (; b + LANES <= q && b * sw - padL + kw + sw * LANES - 2 < w; b += LANES) {
                        // Every window of the block spans kw columns inside the row: one divisor for the block.
                        float div = divisor(g, a, b);
                        if (sw == 1) {
                            avgBlockStride1(x, xb + h0 * w + b - padL, w, h1 - h0, kw, div, y, o + b);
                        } else {
                            avgBlockStride2(x, xb + h0 * w + 2 * b - padL, w, h1 - h0, kw, div, y, o + b);
                        }
                    }
                }
                for (; b < q; b++) {
                    y[o + b] = avgOne(g, x, xb, a, b);
                }
            }
        }
    }

    /**
     * LANES window sums (rows x kw cells from x[at + l], rows w apart) divided by div, summed in float row by
     * row in one flat loop (see {@link #maxBlockStride1}).
     */
    private static void avgBlockStride1(float[] x, int at, int w, int rows, int kw, float div, float[] y, int yAt) {
        FloatVector sum = FloatVector.zero(F);
        int rowStart = at, v = 0;
        for (int cell = 0, cells = rows * kw; cell < cells; cell++) {
            sum = sum.add(FloatVector.fromArray(F, x, rowStart + v));
            if (++v == kw) {
                v = 0;
                rowStart += w;
            }
        }
        sum.div(div).intoArray(y, yAt);
    }

    /** As {@link #avgBlockStride1} with windows starting at x[at + 2 l]. */
    private static void avgBlockStride2(float[] x, int at, int w, int rows, int kw, float div, float[] y, int yAt) {
        FloatVector sum = FloatVector.zero(F);
        int rowStart = at, v = 0;
        for (int cell = 0, cells = rows * kw; cell < cells; cell++) {
            int e = rowStart + v;
            FloatVector lo = FloatVector.fromArray(F, x, e), hi = FloatVector.fromArray(F, x, e + LANES);
            sum = sum.add(lo.rearrange(LaneMath.EVEN).blend(hi.rearrange(LaneMath.EVEN), LaneMath.UPPER_HALF));
            if (++v == kw) {
                v = 0;
                rowStart += w;
            }
        }
        sum.div(div).intoArray(y, yAt);
    }

    /** The reference's window mean for output (a, b) of the plane at xb. */
    private static float avgOne(PoolGeometry g, float[] x, int xb, int a, int b) {
        double sum = 0;
        for (int u = 0; u < g.kh(); u++) {
            int hy = a * g.strideH() - g.padTop() + u;
            for (int v = 0; v < g.kw(); v++) {
                int wx = b * g.strideW() - g.padLeft() + v;
                if (hy >= 0 && hy < g.h() && wx >= 0 && wx < g.w()) {
                    sum += x[xb + hy * g.w() + wx];
                }
            }
        }
        return (float) (sum / divisor(g, a, b));
    }

    @Override
    public void avgBackward(PoolGeometry g, float[] dy, int dyOff, float[] dx, int dxOff) {
        int planes = g.n() * g.c(), grain = Split.grain(planes, (long) g.h() * g.w());
        if (grain >= planes) {
            avgBackward(0, planes, g, dy, dyOff, dx, dxOff);
        } else {
            Split.Args a = Split.args();
            a.ref = g;
            a.x0 = dy;
            a.o0 = dyOff;
            a.x1 = dx;
            a.o1 = dxOff;
            Split.run(planes, grain, a, (s, p0, p1) -> avgBackward(p0, p1, (PoolGeometry) s.ref, s.x0, s.o0, s.x1, s.o1));
        }
    }

    private static void avgBackward(int p0, int p1, PoolGeometry g, float[] dy, int dyOff, float[] dx, int dxOff) {
        int p = g.p(), q = g.q(), planeIn = g.h() * g.w();
        Arrays.fill(dx, dxOff + p0 * planeIn, dxOff + p1 * planeIn, 0f);
        for (int plane = p0; plane < p1; plane++) {
            int xb = dxOff + plane * planeIn;
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < q; b++) {
                    float d = dy[dyOff + (plane * p + a) * q + b] / divisor(g, a, b);
                    for (int u = 0; u < g.kh(); u++) {
                        int hy = a * g.strideH() - g.padTop() + u;
                        for (int v = 0; v < g.kw(); v++) {
                            int wx = b * g.strideW() - g.padLeft() + v;
                            if (hy >= 0 && hy < g.h() && wx >= 0 && wx < g.w()) {
                                dx[xb + hy * g.w() + wx] += d;
                            }
                        }
                    }
                }
            }
        }
    }

    /** As the reference: the window clipped to the padded input, and to the input when padding does not count. */
    private static int divisor(PoolGeometry g, int a, int b) {
        int h0 = a * g.strideH() - g.padTop(), w0 = b * g.strideW() - g.padLeft();
        int h1 = Math.min(h0 + g.kh(), g.h() + g.padBottom()), w1 = Math.min(w0 + g.kw(), g.w() + g.padRight());
        if (!g.countIncludePad()) {
            h0 = Math.max(h0, 0);
            w0 = Math.max(w0, 0);
            h1 = Math.min(h1, g.h());
            w1 = Math.min(w1, g.w());
        }
        return (h1 - h0) * (w1 - w0);
    }

    // ---- global average pool: x (planes, hw) -> y (planes) ----

    @Override
    public void globalAvgForward(int planes, int hw, float[] x, int xOff, float[] y, int yOff) {
        int grain = Split.grain(planes, hw);
        if (grain >= planes) {
            globalAvgForward(0, planes, hw, x, xOff, y, yOff);
        } else {
            Split.Args a = Split.args();
            a.i0 = hw;
            a.x0 = x;
            a.o0 = xOff;
            a.x1 = y;
            a.o1 = yOff;
            Split.run(planes, grain, a, (s, p0, p1) -> globalAvgForward(p0, p1, s.i0, s.x0, s.o0, s.x1, s.o1));
        }
    }

    private static void globalAvgForward(int p0, int p1, int hw, float[] x, int xOff, float[] y, int yOff) {
        for (int plane = p0; plane < p1; plane++) {
            int base = xOff + plane * hw;
            y[yOff + plane] = (float) (LaneMath.sum(x, base, base + hw) / hw);
        }
    }

    @Override
    public void globalAvgBackward(int planes, int hw, float[] dy, int dyOff, float[] dx, int dxOff) {
        int grain = Split.grain(planes, hw);
        if (grain >= planes) {
            globalAvgBackward(0, planes, hw, dy, dyOff, dx, dxOff);
        } else {
            Split.Args a = Split.args();
            a.i0 = hw;
            a.x0 = dy;
            a.o0 = dyOff;
            a.x1 = dx;
            a.o1 = dxOff;
            Split.run(planes, grain, a, (s, p0, p1) -> globalAvgBackward(p0, p1, s.i0, s.x0, s.o0, s.x1, s.o1));
        }
    }

    private static void globalAvgBackward(int p0, int p1, int hw, float[] dy, int dyOff, float[] dx, int dxOff) {
        for (int plane = p0; plane < p1; plane++) {
            float d = dy[dyOff + plane] / hw;
            FloatVector dv = FloatVector.broadcast(F, d);
            int base = dxOff + plane * hw, e = 0;
            for (; e <= hw - LANES; e += LANES) {
                dv.intoArray(dx, base + e);
            }
            for (; e < hw; e++) {
                dx[base + e] = d;
            }
        }
    }
}
