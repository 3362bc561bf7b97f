package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;

/**
 * Backward-weight of a convolution as one packed GEMM on the padded grid (see WeightGrid for the grid; strided,
 * that of the stride's phase planes): the register-tiled outer-product micro-kernel instead of dot products.
 * <pre>
 * dw (k, crs) += dyg (k, S) . col^T (S, crs)      S = images * gp grid positions, reduced in kc blocks
 * A = dyg packed once into mr-row panels; B panel (kc, nr) gathered from the padded batch (ph = sh * sw planes):
 * B[s, (ch, u, v)] = xp[img, ch, (u % sh) * sw + v % sw, g + (u / sh) * wp + v / sw],  s = img * gp + g
 * </pre>
 * Each dw element is reduced over S in ascending order by one task (GemmDriver's split), so the result does
 * not depend on the thread count.
 */
final class WeightGemm extends GemmDriver {
    final ConvJobs.Geometry g = new ConvJobs.Geometry();
    /** The padded batch (images, ch, sh * sw, hp, wp). */
    float[] xp;
    int hp, wp, gp;
    /** Row offsets of the crs columns inside one padded image. */
    int[] colOff;
    /** Reduction split: groups of S, each computing all of dw into its slice of partial. */
    int groups, groupLen;
    float[] partial;
    private final Groups groupTask = new Groups();

    static final int MAX_GROUPS = 16;
    static final long PARTIAL_MAX = 1L << 22;

    /**
     * Splits the reduction over S into groups when S dominates (the usual split over rows and columns would
     * stream the packed dy once per column block), each at least minGroup positions (Tuning.weightGemmGroup):
     * shape-derived, so the result is thread-count independent. Returns the floats of the partial results (0
     * without a split).
     */
    long planGroups(int minGroup) {
        groups = 1;
        if (kdim >= 8L * (m + n)) {
            long byLen = kdim / minGroup;
            long byMem = PARTIAL_MAX / ((long) m * n);
            groups = (int) Math.max(1, Math.min(MAX_GROUPS, Math.min(byLen, byMem)));
        }
        groupLen = (kdim + groups - 1) / groups;
        groups = (kdim + groupLen - 1) / groupLen;
        return groups > 1 ? (long) groups * m * n : 0;
    }

    /** Runs the planned GEMM: split over S into groups (summed in group order into dw), or GemmDriver's split. */
    void executeGroups() {
        if (groups == 1) {
            execute();
            return;
        }
        groupTask.phase = 0;
        Parallel.forEach(groups, groupTask);
        groupTask.phase = 1;
        Parallel.forEach((m + 7) / 8, groupTask);
    }

    private final class Groups implements Parallel.Task {
        int phase;

        @Override
        public void run(int task) {
            if (phase == 0) {
                int k0 = task * groupLen, k1 = Math.min(kdim, k0 + groupLen);
                packedRange(0, m, 0, n, k0, k1, partial, task * m * n, false);
                return;
            }
            for (int i = task * 8; i < Math.min(m, task * 8 + 8); i++) {
                for (int j = 0; j < n; j++) {
                    float sum = partial[i * n + j];
                    for (int gi = 1; gi < groups; gi++) {
                        sum += partial[(gi * m + i) * n + j];
                    }
                    c[cOff + i * ldc + j] += sum;
                }
            }
        }
    }

    @Override
    void packB(int k0, int kc, int j0, float[] dst, int d, Workspace ws) {
        int nr = mk.nr;
        int cols = Math.min(nr, n - j0);
        int imgSize = g.ch * g.sh * g.sw * hp * wp;
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
        partial = null;
        c = null;
        ap = null;
    }
}
