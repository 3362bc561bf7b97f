package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Copies into the packed layouts of the micro-kernels, and the im2col row copy of the convolutions. */
final class Packing {
    static final VectorSpecies<Float> F = Simd.F;
    static final int L = Simd.LANES;

    private Packing() {
    }

    /**
     * Packs op(A) (m, kdim) into micro-panels of mr rows:
     * <pre>
     * dst[(p * kdim + kk) * mr + r] = op(A)[p * mr + r, kk], zero for rows >= m
     * op(A)[i, kk] = a[aOff + i * lda + kk], or a[aOff + kk * lda + i] when trans
     * </pre>
     * Run as a job: tasks are groups of panels (the split depends on the shape only).
     */
    static final class PackA implements Parallel.Task {
        private static final int PANELS_PER_TASK = 8;
        private float[] a, dst;
        private int aOff, lda, m, kdim, mr;
        private boolean trans, flip;
        private int fk, fr, fs;

        /**
         * Packs the weights of the transposed convolution: op(A) (c, k*r*s) with
         * op(A)[ch, (o, u, v)] = w[aOff + ((o * c + ch) * r + r-1-u) * s + s-1-v], w (k, c, r, s).
         */
        void packFlipped(int k, int c, int r, int s, float[] w, int wOff, int mr, float[] dst) {
            flip = true;
            fk = k;
            fr = r;
            fs = s;
            try {
                pack(false, c, k * r * s, w, wOff, 0, mr, dst);
            } finally {
                flip = false;
            }
        }

        void pack(boolean trans, int m, int kdim, float[] a, int aOff, int lda, int mr, float[] dst) {
            this.trans = trans;
            this.m = m;
            this.kdim = kdim;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.mr = mr;
            this.dst = dst;
            int panels = (m + mr - 1) / mr;
            int tasks = (long) m * kdim < 65536 ? 1 : (panels + PANELS_PER_TASK - 1) / PANELS_PER_TASK;
            if (tasks == 1) {
                run(-1);
            } else {
                Parallel.forEach(tasks, this);
            }
            this.a = null;
            this.dst = null;
        }

        @Override
        public void run(int task) {
            int panels = (m + mr - 1) / mr;
            int p0 = task < 0 ? 0 : task * PANELS_PER_TASK;
            int p1 = task < 0 ? panels : Math.min(panels, p0 + PANELS_PER_TASK);
            for (int p = p0; p < p1; p++) {
                int base = p * kdim * mr;
                for (int r = 0; r < mr; r++) {
                    int i = p * mr + r;
                    if (i >= m) {
                        for (int kk = 0; kk < kdim; kk++) {
                            dst[base + kk * mr + r] = 0f;
                        }
                    } else if (flip) {
                        int rs = fr * fs;
                        for (int o = 0, kk = 0; o < fk; o++) {
                            int src = aOff + (o * m + i) * rs + rs - 1;
                            for (int uv = 0; uv < rs; uv++, kk++) {
                                dst[base + kk * mr + r] = a[src - uv];
                            }
                        }
                    } else if (trans) {
                        for (int kk = 0, s = aOff + i; kk < kdim; kk++, s += lda) {
                            dst[base + kk * mr + r] = a[s];
                        }
                    } else {
                        for (int kk = 0, s = aOff + i * lda; kk < kdim; kk++, s++) {
                            dst[base + kk * mr + r] = a[s];
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs np consecutive B panels of nv vectors per row from rows given by offsets, row by row (each
     * source row is read across the whole block, which the hardware prefetchers follow):
     * <pre>
     * dst[d + (p * kc + kk) * nv * LANES + j * LANES + l] = src[rowOff[k0 + kk] + bv[p * nv + j] + l]
     * </pre>
     */
    static void gatherBlock(float[] src, int[] rowOff, int k0, int kc, int[] bv, int np, int nv, float[] dst, int d) {
        int nr = nv * L, panel = kc * nr;
        for (int kk = 0; kk < kc; kk++) {
            int o = rowOff[k0 + kk];
            int dd = d + kk * nr;
            if (nv == 2) {
                for (int p = 0; p < np; p++, dd += panel) {
                    FloatVector.fromArray(F, src, o + bv[2 * p]).intoArray(dst, dd);
                    FloatVector.fromArray(F, src, o + bv[2 * p + 1]).intoArray(dst, dd + L);
                }
            } else {
                for (int p = 0; p < np; p++, dd += panel) {
                    for (int j = 0; j < nv; j++) {
                        FloatVector.fromArray(F, src, o + bv[p * nv + j]).intoArray(dst, dd + j * L);
                    }
                }
            }
        }
    }

    /**
     * dst[d, d + len) = 0. Arrays.fill, not a FloatVector.zero store loop: C2 sometimes compiled that loop with
     * the zero vector boxed (the packed convolution path then allocated 48 KiB per call of a strided 3x3 layer at
     * batch 4, in five JVMs of six, for good).
     */
    static void zero(float[] dst, int d, int len) {
        java.util.Arrays.fill(dst, d, d + len, 0f);
    }

    /**
     * One im2col row segment: {@code len} output columns of one output row, for one (channel, u, v).
     * <pre>
     * dst[d + t] = plane[ih, iw0 + t * sw]  for t in [0, len), zero where (ih, iw) is outside (h, w)
     * plane: x[xPlane + ih * w + iw], an (h, w) image plane
     * </pre>
     * May write up to LANES - 1 floats past d + len (junk that the caller overwrites by writing its
     * segments in ascending order; the destination keeps LANES floats of slack at its end).
     */
    static void im2colRun(float[] x, int xPlane, int h, int w, int ih, int iw0, int sw, int len, float[] dst, int d) {
        if (ih < 0 || ih >= h) {
            zero(dst, d, len);
            return;
        }
        int row = xPlane + ih * w;
        if (sw == 1) {
            int lo = Math.max(0, -iw0);
            int hi = Math.min(len, w - iw0);
            if (hi <= lo) {
                zero(dst, d, len);
                return;
            }
            for (int t = 0; t < lo; t++) {
                dst[d + t] = 0f;
            }
            int src = row + iw0 + lo;
            int cnt = hi - lo;
            int dd = d + lo;
            if (src + cnt + L <= x.length && dd + cnt + L <= dst.length) {
                for (int t = 0; t < cnt; t += L) {
                    FloatVector.fromArray(F, x, src + t).intoArray(dst, dd + t);
                }
            } else {
                System.arraycopy(x, src, dst, dd, cnt);
            }
            for (int t = hi; t < len; t++) {
                dst[d + t] = 0f;
            }
        } else {
            // first and last t with 0 <= iw0 + t * sw < w
            int lo = iw0 >= 0 ? 0 : (-iw0 + sw - 1) / sw;
            int hi = w - 1 - iw0 < 0 ? 0 : Math.min(len, (w - 1 - iw0) / sw + 1);
            int t = 0;
            for (; t < Math.min(lo, len); t++) {
                dst[d + t] = 0f;
            }
            for (int s = row + iw0 + t * sw; t < hi; t++, s += sw) {
                dst[d + t] = x[s];
            }
            for (; t < len; t++) {
                dst[d + t] = 0f;
            }
        }
    }
}
