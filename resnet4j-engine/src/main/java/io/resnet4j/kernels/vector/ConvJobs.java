package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The convolution jobs of {@link VectorConv}. Shapes use the names of ConvGeometry:
 * <pre>
 * x (n, c, h, w), w (k, c, r, s), y (n, k, p, q); crs = c * r * s; batched columns j = (image, a, b)
 * col[(ch, u, v), j] = x[image, ch, a * sh - pt + u, b * sw - pl + v]   (zero outside the input)
 * </pre>
 * Padding may be any int here (the transposed convolution of backward-data uses r - 1 - pad).
 */
final class ConvJobs {
    static final int L = Simd.LANES;
    /** Ints per run: first column, image, a * sh - pt, b * sw - pl, length. */
    static final int RUN = 5;

    private ConvJobs() {
    }

    /** The geometry of one convolution and its im2col rows. */
    static final class Geometry {
        float[] x;
        int xOff, images, ch, h, w, r, s, sh, sw, pt, pl, p, q;

        void set(float[] x, int xOff, int images, int ch, int h, int w, int r, int s,
                 int sh, int sw, int pt, int pl, int p, int q) {
            this.x = x;
            this.xOff = xOff;
            this.images = images;
            this.ch = ch;
            this.h = h;
            this.w = w;
            this.r = r;
            this.s = s;
            this.sh = sh;
            this.sw = sw;
            this.pt = pt;
            this.pl = pl;
            this.p = p;
            this.q = q;
        }

        int crs() {
            return ch * r * s;
        }

        /**
         * Splits batched columns [j0, j0 + cols) into runs along output rows, RUN ints each into runs[];
         * returns their number.
         */
        int runs(int j0, int cols, int[] runs) {
            int pq = p * q;
            int count = 0;
            for (int t = 0; t < cols; ) {
                int j = j0 + t;
                int img = j / pq, pos = j - img * pq;
                int a = pos / q, b = pos - a * q;
                int len = Math.min(q - b, cols - t);
                int o = count * RUN;
                runs[o] = t;
                runs[o + 1] = img;
                runs[o + 2] = a * sh - pt;
                runs[o + 3] = b * sw - pl;
                runs[o + 4] = len;
                count++;
                t += len;
            }
            return count;
        }

        /**
         * Writes im2col row kg = (ch, u, v) over the given runs into dst[d + t] (may write LANES - 1 junk
         * floats past the last run, see Packing.im2colRun).
         */
        void im2colRow(int kg, int[] runs, int count, float[] dst, int d) {
            int rs = r * s, hw = h * w;
            int cc = kg / rs, rem = kg - cc * rs, u = rem / s, v = rem - u * s;
            int plane = xOff + cc * hw;
            int imgStride = ch * hw;
            for (int i = 0, o = 0; i < count; i++, o += RUN) {
                Packing.im2colRun(x, plane + runs[o + 1] * imgStride, h, w, runs[o + 2] + u, runs[o + 3] + v, sw,
                        runs[o + 4], dst, d + runs[o]);
            }
        }
    }

    /**
     * Forward as one GEMM over the whole batch: y[image] (k, p*q) = w (k, crs) . col (crs, p*q); the im2col
     * panel is written straight into the packed B layout, right before the micro-kernels use it.
     */
    static final class Forward extends GemmDriver {
        final Geometry g = new Geometry();
        /**
         * Direct mode: the padded image is (ch, phases, hp, wp), see Pad.phases (stride 1: one phase, the plain
         * zero-padded image); no copy when it equals the input image.
         */
        int hp, wp, phases = 1;
        boolean unpadded;
        /** Direct mode: the whole batch already padded (PadBatch), or null: each task pads its segment. */
        float[] paddedBatch;

        @Override
        float[] directImages(int img, int count, Workspace ws) {
            int hw = g.h * g.w;
            if (unpadded) {
                ws.directBase = g.xOff + img * g.ch * hw;
                return g.x;
            }
            if (paddedBatch != null) {
                ws.directBase = img * g.ch * phases * hp * wp;
                return paddedBatch;
            }
            float[] xp = ws.paddedImage = Workspace.grow(ws.paddedImage, Pad.size(count * g.ch * phases, hp, wp));
            Pad.phases(g.x, g.xOff + img * g.ch * hw, count * g.ch, g.h, g.w, g.pt, g.pl, g.sh, g.sw, hp, wp, xp, 0);
            ws.directBase = 0;
            return xp;
        }

        @Override
        int vectorOffset(int pos) {
            int qv = rowStride == 0 ? g.q : rowStride;
            int pq = g.p * qv;
            int img = pos / pq, rem = pos - img * pq;
            int a = rem / qv;
            return img * g.ch * phases * hp * wp + a * wp + rem - a * qv;
        }

        /**
         * Packed mode of a strided convolution: the whole batch split into its phase planes (Pad.phases, hp x wp,
         * tap offsets in rowOff), from which packB copies each run of an output row as contiguous floats; null:
         * packB reads the input itself, a strided load per element (more than half of the samples of CIFAR's
         * 32 -> 64 stride-2 forward at 8x8 outputs, whose rows of 8 columns are packed: gathered as whole vectors they
         * would compute twice the columns on AVX-512).
         */
        float[] phasedBatch;

        @Override
        void packB(int k0, int kc, int j0, float[] dst, int d, Workspace ws) {
            int nr = mk.nr;
            int cols = Math.min(nr, n - j0);
            int[] runs = ws.runs = Workspace.grow(ws.runs, nr * RUN);
            if (phasedBatch != null) {
                packPhased(k0, kc, j0, cols, runs, dst, d);
                return;
            }
            int count = g.runs(j0, cols, runs);
            for (int kk = 0; kk < kc; kk++) {
                int row = d + kk * nr;
                g.im2colRow(k0 + kk, runs, count, dst, row);
                for (int t = cols; t < nr; t++) {
                    dst[row + t] = 0f;
                }
            }
        }

        /**
         * packB from phasedBatch: the runs of columns [j0, j0 + cols) along output rows (Pad.runs, offsets in the
         * batch's planes); row kk of tap kg copies xp[rowOff[kg] + offset ...] whole vectors at a time (the junk past
         * a run is overwritten by the next run or row, or falls into the panel's slack).
         */
        private void packPhased(int k0, int kc, int j0, int cols, int[] runs, float[] dst, int d) {
            int nr = mk.nr, count = Pad.runs(j0, cols, g.p, g.q, wp, g.ch * phases * hp * wp, runs);
            float[] xp = phasedBatch;
            for (int kk = 0; kk < kc; kk++) {
                int row = d + kk * nr, tap = rowOff[k0 + kk];
                for (int i = 0; i < count; i++) {
                    int to = row + runs[3 * i], from = tap + runs[3 * i + 1], len = runs[3 * i + 2];
                    if (to + len + L <= dst.length) {
                        for (int e = 0; e < len; e += L) {
                            FloatVector.fromArray(Simd.F, xp, from + e).intoArray(dst, to + e);
                        }
                    } else {
                        System.arraycopy(xp, from, dst, to, len);
                    }
                }
                for (int t = cols; t < nr; t++) {
                    dst[row + t] = 0f;
                }
            }
        }

        void clear() {
            phasedBatch = null;
            g.x = null;
            c = null;
            ap = null;
            rowOff = null;
            paddedBatch = null;
            bias = null;
            relu = false;
        }
    }

    /**
     * The zero-padded planes of a direct convolution:
     * <pre>
     * xp (planes, hp, wp): xp[pl, i, j] = x[xOff + pl * h * w + (i - pt) * w + (j - pl)], zero outside (h, w)
     * </pre>
     * followed by SLACK zeros (whole-vector reads past the last plane). hp, wp may also crop.
     */
    static final class Pad {
        static final int SLACK = 4 * 64;

        private Pad() {
        }

        static long size(int planes, int hp, int wp) {
            return (long) planes * hp * wp + SLACK;
        }

        /**
         * The phase planes of a strided convolution, then SLACK zeros:
         * <pre>
         * xp (planes, sh * sw, hp, wp): xp[pl, pu * sw + pv, i, j] = x[pl, i * sh + pu - pt, j * sw + pv - pl]
         * </pre>
         * zero outside the input. Kernel tap (u, v) of output (a, b) reads x[a * sh + u - pt, b * sw + v - pl]
         * = xp[pl, (u % sh) * sw + v % sw, a + u / sh, b + v / sw]: contiguous in b, so a strided convolution
         * gathers its panels like a stride-1 one. Stride 1 is the zero-padded image.
         */
        static void phases(float[] x, int xOff, int planes, int h, int w, int pt, int pl, int sh, int sw, int hp, int wp,
                           float[] xp, int xpOff) {
            phasePlanes(x, xOff, planes, h, w, pt, pl, sh, sw, hp, wp, xp, xpOff);
            int end = xpOff + planes * sh * sw * hp * wp;
            java.util.Arrays.fill(xp, end, end + SLACK, 0f);
        }

        /**
         * Where each kernel tap (ch, u, v) of an r x s kernel starts in one image's phase planes (layout of
         * {@link #phases}, hp x wp each): dst[(ch * r + u) * s + v] = ((ch * sh * sw + (u % sh) * sw + v % sw) * hp
         * + u / sh) * wp + v / sw, for c channels.
         */
        static void tapOffsets(int c, int r, int s, int sh, int sw, int hp, int wp, int[] dst) {
            int phases = sh * sw;
            for (int kg = 0; kg < c * r * s; kg++) {
                int ch = kg / (r * s), u = kg / s % r, v = kg % s;
                dst[kg] = ((ch * phases + u % sh * sw + v % sw) * hp + u / sh) * wp + v / sw;
            }
        }

        /**
         * Splits columns [j0, j0 + cols) of a batch of p x q outputs into runs along output rows, 3 ints each into
         * runs: the run's first column (from j0), where its first output (img, a, b) lies in padded planes of wp
         * columns, img * image + a * wp + b, and its length. Returns the number of runs.
         */
        static int runs(int j0, int cols, int p, int q, int wp, int image, int[] runs) {
            int pq = p * q, count = 0;
            for (int t = 0; t < cols; count++) {
                int j = j0 + t, img = j / pq, pos = j - img * pq, a = pos / q, b = pos - a * q;
                int len = Math.min(q - b, cols - t);
                runs[3 * count] = t;
                runs[3 * count + 1] = img * image + a * wp + b;
                runs[3 * count + 2] = len;
                t += len;
            }
            return count;
        }

        /** The phase planes alone (no slack): for a buffer that several tasks fill. */
        static void phasePlanes(float[] x, int xOff, int planes, int h, int w, int pt, int pl, int sh, int sw,
                                int hp, int wp, float[] xp, int xpOff) {
            if (sh == 1 && sw == 1) {
                planes(x, xOff, planes, h, w, pt, pl, hp, wp, xp, xpOff);
                return;
            }
            int d = xpOff, end = xpOff + planes * sh * sw * hp * wp;
            for (int plane = 0; plane < planes; plane++) {
                int src = xOff + plane * h * w;
                for (int pu = 0; pu < sh; pu++) {
                    for (int pv = 0; pv < sw; pv++) {
                        // input column of phase column j: j * sw + pv - pl, inside [0, w) for j in [j0, j1)
                        int j0 = Math.min(wp, Math.max(0, (pl - pv + sw - 1) / sw));
                        int j1 = Math.max(j0, Math.min(wp, (w - 1 + pl - pv) / sw + 1));
                        for (int i = 0; i < hp; i++, d += wp) {
                            int si = i * sh + pu - pt;
                            if (si < 0 || si >= h || w - 1 + pl - pv < 0) {
                                zero(xp, d, d + wp);
                                continue;
                            }
                            zero(xp, d, d + j0);
                            int j = j0, sx = src + si * w + j0 * sw + pv - pl;
                            if (sw == 2) {
                                // L phase columns from 2 L input floats: their even lanes. The vector stores may
                                // write junk past j1, within [d, end) only: later stores of this call overwrite it
                                for (; j < j1 && sx + 2 * L <= x.length && d + j + L <= end; j += L, sx += 2 * L) {
                                    LaneMath.evenLanes(x, sx, xp, d + j);
                                }
                                j = Math.min(j, j1);
                                sx = src + si * w + j * sw + pv - pl;
                            }
                            for (; j < j1; j++, sx += sw) {
                                xp[d + j] = x[sx];
                            }
                            zero(xp, d + j1, d + wp);
                        }
                    }
                }
            }
        }

        /**
         * xp[d, d + n) = x[s, s + n): whole vectors, then floats. Rows are short: with a System.arraycopy per row and
         * Arrays.fill for its 1-float borders, padding 128 images of 16@32 took 0.65-0.70 ms on one thread, with
         * this and zero() 0.58-0.62 ms (eighteenth session).
         */
        private static void copy(float[] x, int s, float[] xp, int d, int n) {
            int j = 0;
            for (; j + L <= n; j += L) {
                FloatVector.fromArray(Simd.F, x, s + j).intoArray(xp, d + j);
            }
            for (; j < n; j++) {
                xp[d + j] = x[s + j];
            }
        }

        /** xp[from, to) = 0 (a loop: the ranges are mostly 0-2 floats, a call to Arrays.fill costs more). */
        private static void zero(float[] xp, int from, int to) {
            for (int i = from; i < to; i++) {
                xp[i] = 0f;
            }
        }

        /** The planes alone (no slack): for a buffer that several tasks fill. */
        static void planes(float[] x, int xOff, int planes, int h, int w, int pt, int pl, int hp, int wp,
                           float[] xp, int xpOff) {
            rows(x, xOff, planes, h, w, pt, pl, hp, wp, xp, xpOff, 0, hp);
        }

        /** Rows [i0, i1) of every plane (layout of planes). */
        static void rows(float[] x, int xOff, int planes, int h, int w, int pt, int pl, int hp, int wp,
                         float[] xp, int xpOff, int i0, int i1) {
            // padded column j reads input column j - pl
            int c0 = Math.max(0, pl), c1 = Math.min(wp, w + pl);
            for (int plane = 0; plane < planes; plane++) {
                int src = xOff + plane * h * w, dst = xpOff + plane * hp * wp;
                for (int i = i0; i < i1; i++) {
                    int row = dst + i * wp, si = i - pt;
                    if (si < 0 || si >= h || c1 <= c0) {
                        java.util.Arrays.fill(xp, row, row + wp, 0f);
                        continue;
                    }
                    zero(xp, row, row + c0);
                    copy(x, src + si * w + (c0 - pl), xp, row + c0, c1 - c0);
                    zero(xp, row + c1, row + wp);
                }
            }
        }
    }

    /**
     * Pads (strided: splits into phase planes, Pad.phases) every image of the batch into xp (images, ch,
     * sh * sw, hp, wp), tasks over groups of planes, then SLACK zeros.
     */
    static final class PadBatch implements Parallel.Task {
        static final int PLANES = 16;
        Geometry g;
        float[] xp;
        int hp, wp;

        void execute(Geometry geometry, float[] dst, int hpad, int wpad) {
            g = geometry;
            xp = dst;
            hp = hpad;
            wp = wpad;
            try {
                int planes = g.images * g.ch;
                Parallel.forEach((planes + PLANES - 1) / PLANES, this);
                int end = planes * g.sh * g.sw * hp * wp;
                java.util.Arrays.fill(xp, end, end + Pad.SLACK, 0f);
            } finally {
                g = null;
                xp = null;
            }
        }

        @Override
        public void run(int task) {
            int planes = g.images * g.ch, phases = g.sh * g.sw;
            int p0 = task * PLANES, p1 = Math.min(planes, p0 + PLANES);
            Pad.phasePlanes(g.x, g.xOff + p0 * g.h * g.w, p1 - p0, g.h, g.w, g.pt, g.pl, g.sh, g.sw, hp, wp, xp,
                    p0 * phases * hp * wp);
        }
    }

    /**
     * The samples a strided, unpadded 1x1 convolution reads, so that it runs as a pointwise one (VectorConv):
     * <pre>
     * gather:  xs (planes, p, q) = x[pl, a * sh, b * sw]
     * scatter: dx (planes, h, w) = xs[pl, a, b] at (a * sh, b * sw), zero elsewhere
     * </pre>
     * Tasks over groups of planes; each element is written by one task.
     */
    static final class Subsample implements Parallel.Task {
        static final int PLANES = 16;
        private float[] full, samples;
        private int fullOff, planes, h, w, sh, sw, p, q;
        private boolean scatter;

        void execute(boolean toFull, float[] x, int xOff, int planeCount, int height, int width, int strideH, int strideW,
                     int rows, int cols, float[] xs) {
            scatter = toFull;
            full = x;
            fullOff = xOff;
            planes = planeCount;
            h = height;
            w = width;
            sh = strideH;
            sw = strideW;
            p = rows;
            q = cols;
            samples = xs;
            try {
                Parallel.forEach((planes + PLANES - 1) / PLANES, this);
            } finally {
                full = null;
                samples = null;
            }
        }

        @Override
        public void run(int task) {
            int p1 = Math.min(planes, (task + 1) * PLANES), hw = h * w, pq = p * q;
            for (int plane = task * PLANES; plane < p1; plane++) {
                int src = fullOff + plane * hw, dst = plane * pq;
                if (scatter) {
                    java.util.Arrays.fill(full, src, src + hw, 0f);
                }
                for (int a = 0; a < p; a++) {
                    int row = src + a * sh * w, d = dst + a * q;
                    if (scatter) {
                        for (int b = 0; b < q; b++) {
                            full[row + b * sw] = samples[d + b];
                        }
                    } else {
                        for (int b = 0; b < q; b++) {
                            samples[d + b] = full[row + b * sw];
                        }
                    }
                }
            }
        }
    }

    /**
     * Backward-data as w^T . dy followed by col2im, one task per image (that image's dx is written by its
     * task alone, in a fixed order). Used where the transposed convolution is not a plain convolution
     * (stride > 1, or padding larger than kernel - 1). col2im adds into the phase planes of the image's dx (the
     * layout of Pad.phases, hp x wp), where each run of a tap is contiguous, then interleaves them into dx:
     * <pre>
     * dcol (crs, nr) = w^T (crs, k) . dy[image] (k, nr columns of p*q)
     * dxp[ch, (u % sh) * sw + v % sw, a + u / sh, b + v / sw] += dcol[(ch, u, v), (a, b)]
     * dx[image, ch, i * sh + pu - pt, j * sw + pv - pl] = dxp[ch, pu * sw + pv, i, j]   (inside dx only)
     * </pre>
     * Each dx element sums its terms in the order of the scalar col2im (panel by panel, taps in order), as
     * whole-vector adds: added straight into dx, a stride-2 run is a strided scalar loop (three quarters of the
     * 16 -> 32 stride-2 pass).
     */
    static final class DataCol2im implements Parallel.Task {
        /** Lanes [L - m, 2L - m) of PREFIX: the first m of L lanes set. */
        private static final boolean[] PREFIX = new boolean[2 * L];

        static {
            java.util.Arrays.fill(PREFIX, 0, L, true);
        }

        final Geometry g = new Geometry();
        MicroKernel mk;
        float[] ap, dy, dx;
        int dyOff, dxOff, kOut;
        /** Phase planes of one image, hp x wp each; tap (ch, u, v) starts at taps[(ch * r + u) * s + v]. */
        private int hp, wp;
        private int[] taps = new int[0];

        void execute() {
            hp = g.p - 1 + (g.r + g.sh - 1) / g.sh;
            wp = g.q - 1 + (g.s + g.sw - 1) / g.sw;
            int crs = g.crs();
            if (taps.length < crs) {
                taps = new int[crs];
            }
            Pad.tapOffsets(g.ch, g.r, g.s, g.sh, g.sw, hp, wp, taps);
            if (g.images == 1) {
                run(0);
            } else {
                Parallel.forEach(g.images, this);
            }
        }

        void clear() {
            ap = null;
            dy = null;
            dx = null;
        }

        @Override
        public void run(int img) {
            MicroKernel k = mk;
            int mr = k.mr, nr = k.nr;
            int pq = g.p * g.q, crs = g.crs(), crsPad = (crs + mr - 1) / mr * mr, planes = g.ch * g.sh * g.sw * hp * wp;
            Workspace ws = Workspace.get();
            float[] panel = ws.panel = Workspace.grow(ws.panel, (long) kOut * nr + L);
            // + L: a run's last vector reads past its row (masked)
            float[] dcol = ws.dcol = Workspace.grow(ws.dcol, (long) crsPad * nr + L);
            // + L: and adds zeros past its plane's end
            float[] dxp = ws.dxPhases = Workspace.grow(ws.dxPhases, (long) planes + L);
            int[] runs = ws.runs = Workspace.grow(ws.runs, nr * RUN);
            java.util.Arrays.fill(dxp, 0, planes + L, 0f);
            FloatVector zero = FloatVector.zero(Simd.F);
            for (int j0 = 0; j0 < pq; j0 += nr) {
                int cols = Math.min(nr, pq - j0);
                for (int o = 0; o < kOut; o++) {
                    int src = dyOff + (img * kOut + o) * pq + j0;
                    System.arraycopy(dy, src, panel, o * nr, cols);
                    for (int t = cols; t < nr; t++) {
                        panel[o * nr + t] = 0f;
                    }
                }
                for (int ir = 0; ir < crs; ir += mr) {
                    k.run(kOut, ap, ir * kOut, panel, 0, dcol, ir * nr, nr, false);
                }
                // the panel's columns lie in this image: offsets a * wp + b
                int count = Pad.runs(j0, cols, g.p, g.q, wp, 0, runs);
                for (int kg = 0; kg < crs; kg++) {
                    int tap = taps[kg];
                    for (int i = 0; i < count; i++) {
                        int src = kg * nr + runs[3 * i], dst = tap + runs[3 * i + 1], len = runs[3 * i + 2], e = 0;
                        for (; e <= len - L; e += L) {
                            FloatVector.fromArray(Simd.F, dxp, dst + e)
                                    .add(FloatVector.fromArray(Simd.F, dcol, src + e)).intoArray(dxp, dst + e);
                        }
                        if (e < len) {
                            FloatVector tail = zero.blend(FloatVector.fromArray(Simd.F, dcol, src + e),
                                    VectorMask.fromArray(Simd.F, PREFIX, L - (len - e)));
                            FloatVector.fromArray(Simd.F, dxp, dst + e).add(tail).intoArray(dxp, dst + e);
                        }
                    }
                }
            }
            unphase(dxp, dx, dxOff + img * g.ch * g.h * g.w);
        }

        /** dx image at out from its phase planes dxp (see the class comment); every element written once. */
        private void unphase(float[] dxp, float[] dx, int out) {
            int h = g.h, w = g.w, sh = g.sh, sw = g.sw, pt = g.pt, pl = g.pl, phases = sh * sw;
            // stride 2 along rows: dx[2m + e] = plane (e + pl) % 2 at column m + (e + pl) / 2
            int evenAt = pl / 2, oddAt = (1 + pl) / 2, end = out + g.ch * h * w;
            for (int ch = 0; ch < g.ch; ch++) {
                for (int ih = 0; ih < h; ih++) {
                    int pu = (ih + pt) % sh, i = (ih + pt) / sh, d = out + (ch * h + ih) * w;
                    int row = ((ch * phases + pu * sw) * hp + i) * wp, iw = 0;
                    if (i >= hp) {
                        // below every tap's reach (bottom padding larger than the taps need)
                        java.util.Arrays.fill(dx, d, d + w, 0f);
                        continue;
                    }
                    if (sw == 2) {
                        int even = row + (pl % 2) * hp * wp + evenAt, odd = row + ((1 + pl) % 2) * hp * wp + oddAt;
                        // a last vector may reach past the row (w < L: 7x7 and 14x14 images): into the next
                        // row of this image, written after it; never past the image
                        for (int m = 0; iw < w && d + iw + L <= end && (Math.min(iw + L, w) - 1 + pl) / 2 < wp;
                             m += L / 2, iw += L) {
                            FloatVector ye = FloatVector.fromArray(Simd.F, dxp, even + m);
                            FloatVector yo = FloatVector.fromArray(Simd.F, dxp, odd + m);
                            ye.rearrange(LaneMath.ZIP_LO).blend(yo.rearrange(LaneMath.ZIP_LO), LaneMath.ODD_LANES)
                                    .intoArray(dx, d + iw);
                        }
                    }
                    for (; iw < w; iw++) {
                        int j = (iw + pl) / sw;
                        dx[d + iw] = j < wp ? dxp[row + (iw + pl) % sw * hp * wp + j] : 0f;
                    }
                }
            }
        }
    }

    /**
     * Backward-weight: dw (k, crs) += dy (k, S) . col^T (S, crs) over the batched columns S = n * p * q,
     * computed as dot products along S (DotKernel), so neither operand needs a transpose.
     * <pre>
     * phase PACK:   dyp (kPad, sPad) = dy as one matrix over the batch, zero padded
     * phase MAIN:   task (group g, crs block): the group's S range in chunks of CHUNK columns; per chunk the
     *               block's im2col rows (crsBlock, CHUNK) are built, and lane-wise partial sums accumulate
     *               per (o, crs); at the end the lanes are summed in order
     * phase REDUCE: dw += the groups' sums, in group order (only when S is split into groups)
     * </pre>
     * Groups, blocks and chunks depend on the shape only; each dw element is reduced in one fixed order.
     */
    static final class Weight implements Parallel.Task {
        /** Columns of one chunk (a multiple of LANES): its im2col rows stay in L1/L2. */
        static final int CHUNK = 256;
        /** Aim for this many tasks. */
        static final int TARGET_TASKS = 16;
        /** Bound on the per-group partial sums (floats). */
        static final long GROUP_SUMS_MAX = 1L << 22;
        /** Bound on the vector partial sums of one task (floats). */
        static final int PARTIAL_MAX = 1 << 16;

        private static final int PACK = 0, MAIN = 1, REDUCE = 2;

        final Geometry g = new Geometry();
        float[] dy, dw, dyp, groupSums;
        int dyOff, dwOff, kOut;
        private int phase, kPad, sTotal, sPad, crs, crsBlock, crsBlocks, groups, groupLen;

        /** Plans the split; returns the floats of dyp and of the group sums (2 values). */
        void plan() {
            crs = g.crs();
            kPad = (kOut + DotKernel.P_ROWS - 1) / DotKernel.P_ROWS * DotKernel.P_ROWS;
            sTotal = g.images * g.p * g.q;
            sPad = (sTotal + L - 1) / L * L;
            int block = PARTIAL_MAX / (kPad * L) / 3 * 3;
            crsBlock = Math.max(3, Math.min(48, Math.min(block, (crs + 2) / 3 * 3)));
            crsBlocks = (crs + crsBlock - 1) / crsBlock;
            int chunks = (sTotal + CHUNK - 1) / CHUNK;
            long macs = (long) kOut * crs * sTotal;
            int maxTasks = (int) Math.max(1, Math.min(TARGET_TASKS, macs / GemmDriver.MIN_TASK_MACS));
            int want = Math.max(1, (maxTasks + crsBlocks - 1) / crsBlocks);
            if (crsBlocks >= maxTasks) {
                want = 1;
            }
            want = (int) Math.min(want, Math.max(1, GROUP_SUMS_MAX / ((long) kOut * crs)));
            want = Math.min(want, chunks);
            groupLen = (chunks + want - 1) / want * CHUNK;
            groups = (sTotal + groupLen - 1) / groupLen;
        }

        long dypSize() {
            return (long) kPad * sPad;
        }

        long groupSumsSize() {
            return groups > 1 ? (long) groups * kOut * crs : 0;
        }

        void execute() {
            phase = PACK;
            int packTasks = (kPad + 7) / 8;
            Parallel.forEach(packTasks, this);
            phase = MAIN;
            Parallel.forEach(groups * crsBlocks, this);
            if (groups > 1) {
                phase = REDUCE;
                Parallel.forEach((kOut + 7) / 8, this);
            }
        }

        void clear() {
            g.x = null;
            dy = null;
            dw = null;
            dyp = null;
            groupSums = null;
        }

        @Override
        public void run(int task) {
            switch (phase) {
                case PACK -> pack(task);
                case MAIN -> main(task / crsBlocks, task % crsBlocks);
                default -> reduce(task);
            }
        }

        private void pack(int task) {
            int pq = g.p * g.q;
            for (int o = task * 8; o < Math.min(kPad, task * 8 + 8); o++) {
                int row = o * sPad;
                if (o >= kOut) {
                    java.util.Arrays.fill(dyp, row, row + sPad, 0f);
                    continue;
                }
                for (int img = 0; img < g.images; img++) {
                    System.arraycopy(dy, dyOff + (img * kOut + o) * pq, dyp, row + img * pq, pq);
                }
                java.util.Arrays.fill(dyp, row + sTotal, row + sPad, 0f);
            }
        }

        private void main(int group, int block) {
            int s0 = group * groupLen, s1 = Math.min(sTotal, s0 + groupLen);
            int r0 = block * crsBlock, rows = Math.min(crsBlock, crs - r0);
            int rowsPad = (rows + 2) / 3 * 3;
            Workspace ws = Workspace.get();
            float[] acc = ws.partial = Workspace.grow(ws.partial, (long) kPad * rowsPad * L);
            java.util.Arrays.fill(acc, 0, kPad * rowsPad * L, 0f);
            float[] cols = ws.cols = Workspace.grow(ws.cols, (long) rowsPad * CHUNK + L);
            int[] runs = ws.runs = Workspace.grow(ws.runs, (CHUNK + 2) * RUN);
            int ldAcc = rowsPad * L;
            for (int cs = s0; cs < s1; cs += CHUNK) {
                int len = Math.min(CHUNK, s1 - cs);
                int lenPad = (len + L - 1) / L * L;
                int count = g.runs(cs, len, runs);
                for (int row = 0; row < rows; row++) {
                    g.im2colRow(r0 + row, runs, count, cols, row * CHUNK);
                    for (int t = len; t < lenPad; t++) {
                        cols[row * CHUNK + t] = 0f;
                    }
                }
                for (int row = rows; row < rowsPad; row++) {
                    java.util.Arrays.fill(cols, row * CHUNK, row * CHUNK + lenPad, 0f);
                }
                for (int rt = 0; rt < rowsPad; rt += 3) {
                    for (int ot = 0; ot < kPad; ot += DotKernel.P_ROWS) {
                        DotKernel.dot4x3(lenPad, dyp, ot * sPad + cs, sPad, cols, rt * CHUNK, CHUNK,
                                acc, ot * ldAcc + rt * L, ldAcc);
                    }
                }
            }
            for (int o = 0; o < kOut; o++) {
                for (int row = 0; row < rows; row++) {
                    int a = o * ldAcc + row * L;
                    float sum = acc[a];
                    for (int l = 1; l < L; l++) {
                        sum += acc[a + l];
                    }
                    if (groups == 1) {
                        dw[dwOff + o * crs + r0 + row] += sum;
                    } else {
                        groupSums[(group * kOut + o) * crs + r0 + row] = sum;
                    }
                }
            }
        }

        private void reduce(int task) {
            WeightGrid.reduceGroups(task, groupSums, groups, kOut, crs, dw, dwOff);
        }
    }
}
