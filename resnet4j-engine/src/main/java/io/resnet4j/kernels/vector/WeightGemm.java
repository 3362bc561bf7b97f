package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;

/**
 * Backward-weight of a stride-1 convolution as one packed GEMM on the padded grid (see WeightGrid for the
 * grid): the register-tiled outer-product micro-kernel instead of dot products.
 * <pre>
 * dw (k, crs) += dyg (k, S) . col^T (S, crs)      S = images * gp grid positions, reduced in kc blocks
 * A = dyg packed once into mr-row panels; B panel (kc, nr) gathered from the padded batch:
 * B[s, (ch, u, v)] = xp[img, ch, g + u * wp + v],  s = img * gp + g
 * </pre>
 * Each dw element is reduced over S in ascending order by one task (GemmDriver's split), so the result does
 * not depend on the thread count.
 */
final class WeightGemm extends GemmDriver {
    final ConvJobs.Geometry g = new ConvJobs.Geometry();
    /** The padded batch (images, ch, hp, wp). */
    float[] xp;
    int hp, wp, gp;
    /** Row offsets of the crs columns inside one padded image. */
    int[] colOff;

    @Override
    void packB(int k0, int kc, int j0, float[] dst, int d, Workspace ws) {
        int nr = mk.nr;
        int cols = Math.min(nr, n - j0);
        int imgSize = g.ch * hp * wp;
        for (int t = 0; t < nr; t++) {
            if (t >= cols) {
                for (int kk = 0; kk < kc; kk++) {
                    dst[d + kk * nr + t] = 0f;
                }
                continue;
            }
            int off = colOff[j0 + t];
            // runs of s within one image: contiguous reads of xp
            for (int kk = 0; kk < kc; ) {
                int s = k0 + kk;
                int img = s / gp, gg = s - img * gp;
                int len = Math.min(kc - kk, gp - gg);
                int src = img * imgSize + off + gg;
                for (int e = 0, o = d + kk * nr + t; e < len; e++, o += nr) {
                    dst[o] = xp[src + e];
                }
                kk += len;
            }
        }
    }

    void clear() {
        g.x = null;
        xp = null;
        c = null;
        ap = null;
    }

    /** Pads every image of the batch into xp, tasks over groups of planes. */
    static final class PadBatch implements Parallel.Task {
        static final int PLANES = 16;
        ConvJobs.Geometry g;
        float[] xp;
        int hp, wp;

        @Override
        public void run(int task) {
            int planes = g.images * g.ch;
            int p0 = task * PLANES, p1 = Math.min(planes, p0 + PLANES);
            ConvJobs.Pad.planes(g.x, g.xOff + p0 * g.h * g.w, p1 - p0, g.h, g.w, g.pt, g.pl, hp, wp, xp, p0 * hp * wp);
        }
    }
}
