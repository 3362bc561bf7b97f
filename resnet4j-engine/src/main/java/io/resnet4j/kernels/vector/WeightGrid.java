package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;
import jdk.incubator.vector.FloatVector;

/**
 * Backward-weight of a convolution on the padded grid, with no im2col:
 * <pre>
 * xp[img] (ch, ph, hp, wp)   the zero-padded image: stride 1 one phase, hp = p - 1 + r, wp = q - 1 + s; stride
 *                            (sh, sw) its ph = sh * sw phase planes (ConvJobs.Pad.phases), hp = p - 1 + ceil(r / sh),
 *                            wp = q - 1 + ceil(s / sw)
 * grid position g = a * wp + b', a in [0, p), b' in [0, wp); gp = p * wp rounded up to LANES
 * dyg[o, img, g] = dy[img, o, a, b'] for b' < q, else 0          (one pass over dy)
 * col[(ch, u, v), img, g] = xp[img, ch, (u % sh) * sw + v % sw, g + (u / sh) * wp + v / sw]   (a contiguous slice)
 * dw[o, (ch, u, v)] += sum over img, g of dyg[o, img, g] * col[(ch, u, v), img, g]
 * </pre>
 * The grid columns b' >= q carry zeros in dyg, so they add nothing. Tasks: (group of images, block of
 * crs rows); each pads its own images' channels into its buffer (hot in cache), runs DotKernel 4x3 tiles
 * (16 and 32 output channels need no padding), and sums the lanes in order; groups are summed in group
 * order. The split depends on the shape only.
 */
final class WeightGrid implements Parallel.Task {
    static final int L = Simd.LANES;
    /**
     * Grid columns per kernel call (Tuning.gridChunk, a multiple of LANES). Loop order per chunk: 3 dy rows
     * stay in L1 while the crs tiles stream the padded image.
     */
    int chunk = Tuning.DEFAULT.gridChunk();
    /** Most crs rows of one task (Tuning.weightRows). */
    int maxRows = Tuning.DEFAULT.weightRows();
    static final int TARGET_TASKS = 16;
    static final long GROUP_SUMS_MAX = 1L << 22;
    /** Bound on the vector partial sums of one task (floats). */
    static final int PARTIAL_MAX = 1 << 16;

    private static final int PACK = 0, MAIN = 1, REDUCE = 2;

    final ConvJobs.Geometry g = new ConvJobs.Geometry();
    float[] dy, dw, dyg, groupSums;
    int dyOff, dwOff, kOut;
    private int phase, kPad, hp, wp, phases, grid, gp, crs, crsBlock, crsBlocks, groups, groupImages;
    private boolean unpadded, dyDirect;
    /** dy rows as read by the kernel: element (o, img, g) at dySrc[dyBase + o * dyRow + img * dyImg + g]. */
    private float[] dySrc;
    private int dyBase, dyRow, dyImg;

    /** Plans the split; call after setting the fields. */
    void plan() {
        hp = g.p - 1 + (g.r + g.sh - 1) / g.sh;
        wp = g.q - 1 + (g.s + g.sw - 1) / g.sw;
        phases = g.sh * g.sw;
        grid = g.p * wp;
        gp = (grid + L - 1) / L * L;
        crs = g.crs();
        kPad = (kOut + DotKernel.P_ROWS - 1) / DotKernel.P_ROWS * DotKernel.P_ROWS;
        unpadded = phases == 1 && g.r == 1 && g.s == 1 && g.pt == 0 && g.pl == 0 && hp == g.h && wp == g.w && gp == grid;
        dyDirect = wp == g.q && gp == grid;
        int block = PARTIAL_MAX / (kPad * L) / 3 * 3;
        crsBlock = Math.max(3, Math.min(maxRows, Math.min(block, (crs + 2) / 3 * 3)));
        crsBlocks = (crs + crsBlock - 1) / crsBlock;
        long macs = (long) kOut * crs * g.images * g.p * g.q;
        int maxTasks = (int) Math.max(1, Math.min(TARGET_TASKS, macs / GemmDriver.MIN_TASK_MACS));
        int want = crsBlocks >= maxTasks ? 1 : (maxTasks + crsBlocks - 1) / crsBlocks;
        want = (int) Math.min(want, Math.max(1, GROUP_SUMS_MAX / ((long) kOut * crs)));
        want = Math.min(want, g.images);
        groupImages = (g.images + want - 1) / want;
        groups = (g.images + groupImages - 1) / groupImages;
    }

    /** Floats of the packed dy (0 when dy is read in place). */
    long dygSize() {
        return dyDirect ? 0 : (long) kPad * g.images * gp;
    }

    long groupSumsSize() {
        return groups > 1 ? (long) groups * kOut * crs : 0;
    }

    void execute() {
        if (dyDirect) {
            dySrc = dy;
            dyBase = dyOff;
            dyRow = g.p * g.q;
            dyImg = kOut * g.p * g.q;
        } else {
            dySrc = dyg;
            dyBase = 0;
            dyRow = g.images * gp;
            dyImg = gp;
            phase = PACK;
            Parallel.forEach((kOut + 7) / 8, this);
        }
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
        dyg = null;
        dySrc = null;
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

    /** Plans and fills dyg (always packed, also where dy could be read in place) for WeightGemm. */
    int gridPositions() {
        return gp;
    }

    void packOnly() {
        dyDirect = false;
        phase = PACK;
        Parallel.forEach((kOut + 7) / 8, this);
    }

    private void pack(int task) {
        int pq = g.p * g.q;
        for (int o = task * 8; o < Math.min(kOut, task * 8 + 8); o++) {
            for (int img = 0; img < g.images; img++) {
                int dst = (o * g.images + img) * gp;
                int src = dyOff + (img * kOut + o) * pq;
                for (int a = 0; a < g.p; a++) {
                    System.arraycopy(dy, src + a * g.q, dyg, dst + a * wp, g.q);
                    java.util.Arrays.fill(dyg, dst + a * wp + g.q, dst + a * wp + wp, 0f);
                }
                java.util.Arrays.fill(dyg, dst + grid, dst + gp, 0f);
            }
        }
    }

    private void main(int group, int block) {
        int rs = g.r * g.s, hw = g.h * g.w, plane = hp * wp, chPlanes = phases * plane;
        int r0 = block * crsBlock, rows = Math.min(crsBlock, crs - r0);
        int rowsPad = (rows + 2) / 3 * 3;
        int c0 = r0 / rs, nch = (r0 + rows - 1) / rs - c0 + 1;
        int i0 = group * groupImages, i1 = Math.min(g.images, i0 + groupImages);
        boolean longImages = gp > chunk;
        int segs = longImages ? 1 : Math.max(1, chunk / gp);
        Workspace ws = Workspace.get();
        float[] acc = ws.partial = Workspace.grow(ws.partial, (long) kPad * rowsPad * L);
        java.util.Arrays.fill(acc, 0, kPad * rowsPad * L, 0f);
        int[] rowOff = ws.runs = Workspace.grow(ws.runs, rowsPad);
        for (int row = 0; row < rowsPad; row++) {
            int kg = r0 + Math.min(row, rows - 1);
            int cc = kg / rs, u = kg / g.s % g.r, v = kg % g.s;
            rowOff[row] = (cc - c0) * chPlanes + (u % g.sh * g.sw + v % g.sw) * plane + u / g.sh * wp + v / g.sw;
        }
        float[] src;
        int srcImg;
        if (unpadded) {
            src = g.x;
            srcImg = g.ch * hw;
        } else {
            int planes = longImages ? nch : (i1 - i0) * nch;
            src = ws.paddedImage = Workspace.grow(ws.paddedImage, ConvJobs.Pad.size(planes * phases, hp, wp));
            srcImg = nch * chPlanes;
            if (!longImages) {
                for (int img = i0; img < i1; img++) {
                    ConvJobs.Pad.phases(g.x, g.xOff + (img * g.ch + c0) * hw, nch, g.h, g.w, g.pt, g.pl, g.sh, g.sw,
                            hp, wp, src, (img - i0) * srcImg);
                }
            }
        }
        int ldAcc = rowsPad * L;
        for (int img = i0; img < i1; img += segs) {
            int ns = Math.min(segs, i1 - img);
            int srcBase;
            if (unpadded) {
                srcBase = g.xOff + img * srcImg + c0 * hw;
            } else if (longImages) {
                ConvJobs.Pad.phases(g.x, g.xOff + (img * g.ch + c0) * hw, nch, g.h, g.w, g.pt, g.pl, g.sh, g.sw, hp, wp,
                        src, 0);
                srcBase = 0;
            } else {
                srcBase = (img - i0) * srcImg;
            }
            int dyImgBase = dyBase + img * dyImg;
            for (int g0 = 0; g0 < gp; g0 += chunk) {
                int len = Math.min(chunk, gp - g0);
                for (int ot = 0; ot < kPad; ot += DotKernel.P_ROWS) {
                    // rows past kOut repeat the last one; their sums land in acc rows that are never read
                    int p0 = dyImgBase + g0 + Math.min(ot, kOut - 1) * dyRow;
                    int p1 = dyImgBase + g0 + Math.min(ot + 1, kOut - 1) * dyRow;
                    int p2 = dyImgBase + g0 + Math.min(ot + 2, kOut - 1) * dyRow;
                    int p3 = dyImgBase + g0 + Math.min(ot + 3, kOut - 1) * dyRow;
                    for (int rt = 0; rt < rowsPad; rt += 3) {
                        int q0 = srcBase + g0 + rowOff[rt], q1 = srcBase + g0 + rowOff[rt + 1], q2 = srcBase + g0 + rowOff[rt + 2];
                        DotKernel.dot4x3(ns, len, dySrc, p0, p1, p2, p3, dyImg, src, q0, q1, q2, srcImg,
                                acc, ot * ldAcc + rt * L, ldAcc);
                    }
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
        reduceGroups(task, groupSums, groups, kOut, crs, dw, dwOff);
    }

    /**
     * One reduce task of the backward-weight jobs: output channels [8 task, 8 task + 8) of
     * dw (k, crs) += the groups' partial sums groupSums (groups, k, crs), added in group order.
     */
    static void reduceGroups(int task, float[] groupSums, int groups, int kOut, int crs, float[] dw, int dwOff) {
        int stride = kOut * crs, vectorEnd = crs - crs % L;
        for (int o = task * 8; o < Math.min(kOut, task * 8 + 8); o++) {
            int row = o * crs;
            // a vector of j at a time, each lane summed in group order as below (bitwise the same)
            for (int j = 0; j < vectorEnd; j += L) {
                FloatVector sum = FloatVector.fromArray(Simd.F, groupSums, row + j);
                for (int gi = 1, at = row + stride + j; gi < groups; gi++, at += stride) {
                    sum = sum.add(FloatVector.fromArray(Simd.F, groupSums, at));
                }
                sum.add(FloatVector.fromArray(Simd.F, dw, dwOff + row + j)).intoArray(dw, dwOff + row + j);
            }
            for (int j = vectorEnd; j < crs; j++) {
                float sum = groupSums[o * crs + j];
                for (int gi = 1; gi < groups; gi++) {
                    sum += groupSums[(gi * kOut + o) * crs + j];
                }
                dw[dwOff + o * crs + j] += sum;
            }
        }
    }
}
