package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;
import jdk.incubator.vector.FloatVector;

/**
 * The packed, cache-blocked GEMM shared by the matrix multiply and the convolutions:
 * <pre>
 * C (m, n) = (accumulate ? C : 0) + A (m, kdim) . B (kdim, n)
 * A: packed once by the caller into mr-row micro-panels (Packing.PackA layout)
 * B: packed panel by panel (kc rows x nr columns) by the subclass, right before use
 * C(i, j) = c[cOff + (j / cCols) * cImgStride + i * ldc + j % cCols]
 *           (a matrix: cCols = n; a convolution output: one image per cCols columns)
 * </pre>
 * Work is split into tasks over column blocks and row blocks (the split that reads the least data, see
 * splitByTraffic: few columns, as in a batch-1 convolution, split by rows); the split and the blocking depend
 * only on the shape, and every C element is reduced over kdim in ascending order by one task, so results are
 * bitwise the same on any number of threads and any split.
 *
 * <p>Loop nest of one task (GotoBLAS): kc blocks of kdim, mc blocks of the task's rows, nr-column micro-panels
 * of B (packed on the first mc block, reused by the others), mr-row micro-panels of A.
 */
abstract class GemmDriver implements Parallel.Task {
    /** Widest column block of one task. */
    static final int NC_MAX = 1536;
    /** Aim for this many tasks when the work allows: enough to balance a few threads, shape-derived. */
    static final int TARGET_TASKS = 16;
    /** Multiply-adds below which a task is not worth starting. */
    static final long MIN_TASK_MACS = 1L << 19;

    MicroKernel mk = Tuning.DEFAULT.kernel();
    int kcMax = Tuning.DEFAULT.kc(), aBlock = Tuning.DEFAULT.aBlock(), panelBlock = Tuning.DEFAULT.panelBlock();
    int m, n, kdim;
    boolean accumulate;
    float[] ap;
    float[] c;
    int cOff, ldc, cCols, cImgStride;
    /**
     * Epilogue (inference convolutions; null and false: none): once a C tile is complete, row i gets
     * + bias[biasOff + i], then ReLU (see Epilogue).
     */
    float[] bias;
    int biasOff;
    boolean relu;

    /**
     * Direct mode (convolutions): B is gathered from its source, a segment of images at a time. Row kk's
     * vector at column jv is at src[rowOff[kk] + vectorOffset(jv)], where src = directImages(...) prepares
     * the segment (e.g. zero-pads it into the task's own buffer, hot in cache). Vectors never straddle an
     * output row, so a panel is a few whole-vector copies per row (Packing.gather); reading B through the
     * offset table inside the micro-kernel instead ran at 60% of the packed kernel's speed.
     */
    boolean direct;
    int[] rowOff;

    private int kc, mc, colsPerTask, rowsPerTask, tasksN, tasksM;

    /**
     * Packed mode split into several row blocks: B is packed once, by tasks of its own before the GEMM's (each
     * row block packing its columns again cost more than the multiply-adds at batch 1: ResNet-50's strided 3x3
     * layers spent 58% of their time in im2col), into this array: the panel of k block kb (kcb rows) and column
     * j at sharedOffset(kb, j); each panel is followed by PANEL_SLACK floats, as in the task's own panel
     * buffer (packB may write whole vectors past a panel's end). Null: each task packs its own panels.
     */
    private float[] sharedB;
    private boolean packPhase;
    /** Most floats of a shared packed B (16 MiB). */
    static final long SHARED_B_MAX = 1L << 22;

    /** Floats after each packed panel of B: packB may write whole vectors past a panel's end. */
    static final int PANEL_SLACK = 2 * Simd.LANES;

    /** Panels of B: nr-column slices of its n columns. */
    private int panelsOfB() {
        return (n + mk.nr - 1) / mk.nr;
    }

    /** Pack tasks of a shared B: its (k block, panel) pairs in up to TARGET_TASKS contiguous runs. */
    private int sharedPackTasks() {
        return Math.min(TARGET_TASKS, (kdim + kc - 1) / kc * panelsOfB());
    }

    /** Where the shared panel of k block kb and columns from j starts (see sharedB). */
    private int sharedOffset(int kb, int j) {
        int nr = mk.nr, kcb = Math.min(kc, kdim - kb * kc);
        return kb * panelsOfB() * (kc * nr + PANEL_SLACK) + j / nr * (kcb * nr + PANEL_SLACK);
    }

    /** Floats of a shared packed B (see sharedB). */
    private long sharedSize() {
        return (long) (kdim + kc - 1) / kc * panelsOfB() * (kc * mk.nr + PANEL_SLACK);
    }

    /** Direct mode: images per segment (their padded copies stay in L2 together). */
    int imagesPerSegment = 1;

    /**
     * Direct mode with junk columns (0: none): every output row of rowCols C columns is computed as rowStride
     * columns (the next multiple of LANES), so that its vectors stay inside the row; the rowStride - rowCols
     * extra columns are computed from whatever the gather reads and never stored. Then n and cCols count
     * these virtual columns, while ldc and cImgStride stay those of C.
     */
    int rowCols, rowStride;

    /**
     * Direct mode: makes images [img, img + count) readable; returns their array and sets ws.directBase to
     * where the first starts.
     */
    float[] directImages(int img, int count, Workspace ws) {
        throw new UnsupportedOperationException("no direct B access");
    }

    /** Direct mode: offset (from the segment base) of the vector of LANES columns at segment-local column pos. */
    int vectorOffset(int pos) {
        throw new UnsupportedOperationException("no direct B access");
    }

    /** Packs B rows [k0, k0 + kc) and columns [j0, j0 + nr) into dst[d + kk * nr + t], zero for columns >= n. */
    abstract void packB(int k0, int kc, int j0, float[] dst, int d, Workspace ws);

    /** Chooses the blocking and the task split from the shape and the tuning. */
    final void plan(Tuning t) {
        mk = t.kernel();
        kcMax = t.kc();
        aBlock = t.aBlock();
        panelBlock = t.panelBlock();
        int mr = mk.mr, nr = mk.nr;
        int kBlocks = (kdim + kcMax - 1) / kcMax;
        kc = (kdim + kBlocks - 1) / kBlocks;
        // the A block (mc x kc) fills about half of L2
        mc = Math.max(mr, Math.min(aBlock / kc, (m + mr - 1) / mr * mr) / mr * mr);
        long macs = (long) m * n * kdim;
        int maxTasks = (int) Math.max(1, Math.min(TARGET_TASKS, macs / MIN_TASK_MACS));
        int panels = (n + nr - 1) / nr;
        int rowPanels = (m + mr - 1) / mr;
        int panelsPerTask = Math.min(NC_MAX / nr, Math.max(1, (panels + maxTasks - 1) / maxTasks));
        tasksN = (panels + panelsPerTask - 1) / panelsPerTask;
        colsPerTask = panelsPerTask * nr;
        tasksM = 1;
        if (tasksN * 2 <= maxTasks && m > mc) {
            tasksM = Math.min(rowPanels, maxTasks / tasksN);
        }
        rowsPerTask = (rowPanels + tasksM - 1) / tasksM * mr;
        tasksM = (m + rowsPerTask - 1) / rowsPerTask;
        if (t.splitB() > 0) {
            splitByTraffic(t.splitB(), maxTasks, panels, rowPanels);
        }
    }

    /**
     * Among the splits into tasksM x tasksN tasks with at least as many tasks as the columns-first split above
     * (so no worse balanced on a few threads) and at most maxTasks, takes the one that moves the least data:
     * each task streams its rows of A once (A read tasksN times in all) and packs its columns of B once per k
     * block (B read tasksM times), B counted weightB times (gathered, not streamed).
     */
    private void splitByTraffic(int weightB, int maxTasks, int panels, int rowPanels) {
        int mr = mk.mr, nr = mk.nr, least = tasksM * tasksN;
        double best = (double) m * tasksN + (double) weightB * n * tasksM;
        for (int tn = 1; tn <= Math.min(panels, maxTasks); tn++) {
            int ppt = Math.min(NC_MAX / nr, (panels + tn - 1) / tn);
            if ((panels + ppt - 1) / ppt != tn) {
                continue;
            }
            int rowBlocks = Math.max(1, maxTasks / tn);
            int rpt = (rowPanels + rowBlocks - 1) / rowBlocks * mr;
            int tm = (m + rpt - 1) / rpt;
            double cost = (double) m * tn + (double) weightB * n * tm;
            if (tm * tn >= least && cost < best) {
                best = cost;
                tasksN = tn;
                colsPerTask = ppt * nr;
                tasksM = tm;
                rowsPerTask = rpt;
            }
        }
    }

    final int tasks() {
        return tasksM * tasksN;
    }

    /** Column blocks of the planned split (tasks() / tasksN() row blocks). */
    final int tasksN() {
        return tasksN;
    }

    /** Runs the planned GEMM on the pool (a single task runs on the calling thread). */
    final void execute() {
        long sharedSize = sharedSize();
        if (!direct && tasksM > 1 && sharedSize <= SHARED_B_MAX) {
            Workspace ws = Workspace.get();
            sharedB = ws.packedB = Workspace.grow(ws.packedB, sharedSize);
            packPhase = true;
            try {
                Parallel.forEach(sharedPackTasks(), this);
            } finally {
                packPhase = false;
            }
        }
        try {
            Parallel.forEach(tasks(), this);
        } finally {
            sharedB = null;
        }
    }

    /** Packs task's share of the (k block, panel) pairs of B into sharedB. */
    private void packShared(int task) {
        int nr = mk.nr, panels = panelsOfB(), units = (kdim + kc - 1) / kc * panels;
        int tasks = sharedPackTasks(), per = (units + tasks - 1) / tasks;
        Workspace ws = Workspace.get();
        for (int u = task * per; u < Math.min(units, (task + 1) * per); u++) {
            int kb = u / panels, k0 = kb * kc, j = u % panels * nr;
            packB(k0, Math.min(kc, kdim - k0), j, sharedB, sharedOffset(kb, j), ws);
        }
    }

    @Override
    public final void run(int task) {
        if (packPhase) {
            packShared(task);
        } else if (direct) {
            runDirect(task);
        } else {
            runPacked(task);
        }
    }

    private void runDirect(int task) {
        MicroKernel k = mk;
        int mr = k.mr, nr = k.nr, lanes = Simd.LANES, nb = panelBlock;
        int tn = task % tasksN, tm = task / tasksN;
        int jStart = tn * colsPerTask, jEnd = Math.min(n, jStart + colsPerTask);
        int iStart = tm * rowsPerTask, iEnd = Math.min(m, iStart + rowsPerTask);
        Workspace ws = Workspace.get();
        float[] tile = ws.tile = Workspace.grow(ws.tile, (long) mr * nr);
        // panels of one segment: at most one more per image than the full panels
        int segmentPanels = colsPerTask / nr + imagesPerSegment + 1;
        float[] bb = ws.panel = Workspace.grow(ws.panel, (long) kc * nr * Math.max(nb, segmentPanels) + 2L * lanes);
        // per panel of a block: first column, end, and how far its second vector moves back (see split)
        int[] pj = ws.runs = Workspace.grow(ws.runs, 3 * nb);
        boolean split = k.splitsRows() && k.nv == 2 && rowStride != 0 && rowCols >= lanes;
        int[] bvs = ws.vectorOffsets = Workspace.grow(ws.vectorOffsets, 3 * nb);
        for (int seg = jStart; seg < jEnd; ) {
            int img = seg / cCols;
            int count = Math.min(imagesPerSegment - img % imagesPerSegment, (jEnd - 1) / cCols - img + 1);
            int segEnd = Math.min(jEnd, (img + count) * cCols);
            float[] b = directImages(img, count, ws);
            int base = ws.directBase;
            int segCol = img * cCols;
            boolean keep = iEnd - iStart > mc;
            for (int k0 = 0; k0 < kdim; k0 += kc) {
                int kcb = Math.min(kc, kdim - k0);
                boolean load = accumulate || k0 > 0, finish = k0 + kcb == kdim && (bias != null || relu);
                for (int ib = iStart; ib < iEnd; ib += mc) {
                    int ie = Math.min(iEnd, ib + mc);
                    // column blocks of up to nb panels; a panel never crosses an image (contiguous C columns)
                    for (int jb = seg, segPanel = 0; jb < segEnd; ) {
                        int np = 0;
                        for (int jr = jb; np < nb && jr < segEnd; np++) {
                            int pe = Math.min(jr + nr, Math.min(segEnd, (jr / cCols + 1) * cCols));
                            int shift = split && pe - jr == nr ? splitShift(jr % cCols % rowStride) : 0;
                            pj[3 * np] = jr;
                            pj[3 * np + 1] = pe;
                            pj[3 * np + 2] = shift;
                            for (int v = 0; v < k.nv; v++) {
                                int jv = jr + v * lanes - (v == 1 ? shift : 0);
                                bvs[np * k.nv + v] = base + (jv < pe ? vectorOffset(jv - segCol) : 0);
                            }
                            jr = pe;
                        }
                        if (ib == iStart) {
                            Packing.gatherBlock(b, rowOff, k0, kcb, bvs, np, k.nv, bb, (keep ? segPanel : 0) * kcb * nr);
                        }
                        for (int ir = ib; ir < ie; ir += mr) {
                            int ao = (ir / mr * kdim + k0) * mr;
                            for (int pi = 0; pi < np; pi++) {
                                int jr = pj[3 * pi], pe = pj[3 * pi + 1], shift = pj[3 * pi + 2];
                                int bo = (keep ? segPanel + pi : pi) * kcb * nr;
                                int local = jr % cCols, col = rowStride == 0 ? 0 : local % rowStride;
                                int ci = cOff + jr / cCols * cImgStride + ir * ldc
                                        + (rowStride == 0 ? local : local / rowStride * rowCols + col);
                                if (shift > 0 && ir + mr <= m) {
                                    k.runSplit(kcb, ap, ao, bb, bo, c, ci, ci + lanes - shift, ldc, load,
                                            finish ? bias : null, biasOff + ir, finish && relu);
                                } else if (pe - jr == nr && ir + mr <= m && (rowStride == 0 || col + nr <= rowCols)) {
                                    if (finish) {
                                        k.runFinish(kcb, ap, ao, bb, bo, c, ci, ldc, load, bias, biasOff + ir, relu);
                                    } else {
                                        k.run(kcb, ap, ao, bb, bo, c, ci, ldc, load);
                                    }
                                } else {
                                    // a partial tile (a split panel only for its last rows) through the scratch tile
                                    int rows = Math.min(mr, m - ir), cols = pe - jr;
                                    if (load) {
                                        copyTile(true, tile, rows, jr, cols, ir, ci, shift);
                                    }
                                    k.run(kcb, ap, ao, bb, bo, tile, 0, nr, load);
                                    if (finish) {
                                        epilogue(tile, 0, nr, rows, ir);
                                    }
                                    copyTile(false, tile, rows, jr, cols, ir, ci, shift);
                                }
                            }
                        }
                        segPanel += np;
                        jb = pj[3 * np - 2];
                    }
                }
            }
            seg = segEnd;
        }
    }

    /**
     * Direct mode, a panel of two vectors starting at column col of a row of rowCols (>= LANES) C columns: how far
     * its second vector moves back so that it ends at the row's last column, where the first is whole and the
     * second, in the same row, is not (0: none). It then overlaps the first, in the same tile, so that a tile
     * accumulating over k blocks reads its overlap before either vector writes it.
     */
    private int splitShift(int col) {
        int lanes = Simd.LANES, second = col + lanes;
        return second < rowCols && second + lanes > rowCols ? second + lanes - rowCols : 0;
    }

    /** Direct mode: a partial tile's copy between C and the scratch tile, by splitTile for a split panel (shift > 0). */
    private void copyTile(boolean toTile, float[] tile, int rows, int jr, int cols, int ir, int ci, int shift) {
        if (shift > 0) {
            splitTile(toTile, tile, rows, ci, shift);
        } else {
            directTile(toTile, tile, rows, jr, cols, ir);
        }
    }

    /**
     * Direct mode: copies the two vectors of rows [0, rows) of a split panel (see splitShift) between C (from ci,
     * the second vector LANES - shift after the first) and the tile (rows of nr).
     */
    private void splitTile(boolean toTile, float[] tile, int rows, int ci, int shift) {
        int lanes = Simd.LANES, nr = mk.nr;
        for (int r = 0; r < rows; r++) {
            int at = ci + r * ldc;
            if (toTile) {
                System.arraycopy(c, at, tile, r * nr, lanes);
                System.arraycopy(c, at + lanes - shift, tile, r * nr + lanes, lanes);
            } else {
                System.arraycopy(tile, r * nr, c, at, lanes);
                System.arraycopy(tile, r * nr + lanes, c, at + lanes - shift, lanes);
            }
        }
    }

    /** The epilogue of a finished tile: rows [ir, ir + rows) of C, nr columns each, at arr[base + r * ld]. */
    private void epilogue(float[] arr, int base, int ld, int rows, int ir) {
        for (int r = 0; r < rows; r++) {
            Epilogue.run(arr, base + r * ld, mk.nr, bias != null, bias == null ? 0f : bias[biasOff + ir + r], relu);
        }
    }

    /**
     * Direct mode: copies C rows [ir, ir + rows) x columns [jr, jr + cols) (one image) into the tile (rows of
     * nr) or back, skipping junk columns.
     */
    private void directTile(boolean toTile, float[] tile, int rows, int jr, int cols, int ir) {
        int nr = mk.nr, local = jr % cCols, base = cOff + jr / cCols * cImgStride + ir * ldc;
        int stride = rowStride == 0 ? cCols : rowStride, width = rowStride == 0 ? cCols : rowCols;
        for (int t = 0; t < cols; ) {
            int a = (local + t) / stride, b = local + t - a * stride;
            int len = Math.min(width - b, cols - t);
            if (len > 0) {
                int ci = base + a * width + b;
                for (int r = 0; r < rows; r++) {
                    if (toTile) {
                        System.arraycopy(c, ci + r * ldc, tile, r * nr + t, len);
                    } else {
                        System.arraycopy(tile, r * nr + t, c, ci + r * ldc, len);
                    }
                }
            }
            t += stride - b;
        }
    }

    private void runPacked(int task) {
        int tn = task % tasksN, tm = task / tasksN;
        int jStart = tn * colsPerTask, jEnd = Math.min(n, jStart + colsPerTask);
        int iStart = tm * rowsPerTask, iEnd = Math.min(m, iStart + rowsPerTask);
        packedRange(iStart, iEnd, jStart, jEnd, 0, kdim, c, cOff, accumulate);
    }

    /**
     * C rows [iStart, iEnd) x columns [jStart, jEnd) (+)= A . B over k in [kStart, kEnd), into cArr from
     * cBase (same layout as C: row stride ldc, cCols columns per image).
     */
    final void packedRange(int iStart, int iEnd, int jStart, int jEnd, int kStart, int kEnd,
                           float[] cArr, int cBase, boolean acc) {
        MicroKernel k = mk;
        int mr = k.mr, nr = k.nr;
        Workspace ws = Workspace.get();
        // B packed before the tasks (execute), for the whole k range only
        float[] shared = kStart == 0 && kEnd == kdim ? sharedB : null;
        float[] bb = shared != null ? shared
                : (ws.panel = Workspace.grow(ws.panel, (long) kc * ((jEnd - jStart + nr - 1) / nr * nr) + PANEL_SLACK));
        float[] tile = ws.tile = Workspace.grow(ws.tile, (long) mr * nr);
        for (int k0 = kStart; k0 < kEnd; k0 += kc) {
            int kcb = Math.min(kc, kEnd - k0);
            boolean load = acc || k0 > kStart, finish = k0 + kcb == kdim && (bias != null || relu);
            // B panels are kept for the next row blocks; with a single row block one L1-hot slot is reused
            int panelStep = iEnd - iStart > mc ? kcb * nr : 0;
            for (int ib = iStart; ib < iEnd; ib += mc) {
                int ie = Math.min(iEnd, ib + mc);
                for (int jr = jStart, bp = 0; jr < jEnd; jr += nr, bp += panelStep) {
                    int bo = bp;
                    if (shared != null) {
                        bo = sharedOffset(k0 / kc, jr);
                    } else if (ib == iStart) {
                        packB(k0, kcb, jr, bb, bo, ws);
                    }
                    boolean fullCols = jr + nr <= n && jr % cCols + nr <= cCols;
                    int colBase = cBase + jr / cCols * cImgStride + jr % cCols;
                    for (int ir = ib; ir < ie; ir += mr) {
                        int ao = (ir / mr * kdim + k0) * mr;
                        if (!(fullCols && ir + mr <= m)) {
                            edgeTile(k, kcb, ao, bb, bo, ir, jr, tile, load, finish, cArr, cBase);
                        } else {
                            if (finish) {
                                k.runFinish(kcb, ap, ao, bb, bo, cArr, colBase + ir * ldc, ldc, load, bias,
                                        biasOff + ir, relu);
                            } else {
                                k.run(kcb, ap, ao, bb, bo, cArr, colBase + ir * ldc, ldc, load);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * A tile that leaves C (rows >= m, columns >= n) or crosses an image boundary: computed into a dense
     * scratch tile, then copied out. Row tails (the common case) copy whole rows with vectors.
     */
    private void edgeTile(MicroKernel k, int kcb, int ao, float[] bb, int bo, int ir, int jr, float[] tile, boolean load,
                          boolean finish, float[] c, int cOff) {
        int mr = k.mr, nr = k.nr, lanes = Simd.LANES;
        int rows = Math.min(mr, m - ir), cols = Math.min(nr, n - jr);
        boolean rowsOnly = jr + nr <= n && jr % cCols + nr <= cCols;
        int base = cOff + jr / cCols * cImgStride + jr % cCols + ir * ldc;
        if (load) {
            if (rowsOnly) {
                for (int r = 0; r < rows; r++) {
                    for (int t = 0; t < nr; t += lanes) {
                        FloatVector.fromArray(Simd.F, c, base + r * ldc + t).intoArray(tile, r * nr + t);
                    }
                }
            } else {
                for (int t = 0; t < cols; t++) {
                    int j = jr + t;
                    int col = cOff + j / cCols * cImgStride + j % cCols + ir * ldc;
                    for (int r = 0; r < rows; r++) {
                        tile[r * nr + t] = c[col + r * ldc];
                    }
                }
            }
        }
        k.run(kcb, ap, ao, bb, bo, tile, 0, nr, load);
        if (finish) {
            epilogue(tile, 0, nr, rows, ir);
        }
        if (rowsOnly) {
            for (int r = 0; r < rows; r++) {
                for (int t = 0; t < nr; t += lanes) {
                    FloatVector.fromArray(Simd.F, tile, r * nr + t).intoArray(c, base + r * ldc + t);
                }
            }
        } else {
            for (int t = 0; t < cols; t++) {
                int j = jr + t;
                int col = cOff + j / cCols * cImgStride + j % cCols + ir * ldc;
                for (int r = 0; r < rows; r++) {
                    c[col + r * ldc] = tile[r * nr + t];
                }
            }
        }
    }

    /** B from a row-major matrix: B (kdim, n) at b[bOff + kk * ldb + j], or stored (n, kdim) when transB. */
    static final class MatrixGemm extends GemmDriver {
        private float[] b;
        private int bOff, ldb;
        private boolean transB;

        void set(float[] b, int bOff, int ldb, boolean transB) {
            this.b = b;
            this.bOff = bOff;
            this.ldb = ldb;
            this.transB = transB;
        }

        void clear() {
            b = null;
            c = null;
            ap = null;
        }

        @Override
        void packB(int k0, int kc, int j0, float[] dst, int d, Workspace ws) {
            int nr = mk.nr;
            int cols = Math.min(nr, n - j0);
            if (transB) {
                for (int t = 0; t < cols; t++) {
                    int s = bOff + (j0 + t) * ldb + k0;
                    for (int kk = 0; kk < kc; kk++) {
                        dst[d + kk * nr + t] = b[s + kk];
                    }
                }
                for (int t = cols; t < nr; t++) {
                    for (int kk = 0; kk < kc; kk++) {
                        dst[d + kk * nr + t] = 0f;
                    }
                }
            } else if (cols == nr) {
                int L = Simd.LANES;
                for (int kk = 0; kk < kc; kk++) {
                    int s = bOff + (k0 + kk) * ldb + j0;
                    for (int t = 0; t < nr; t += L) {
                        FloatVector.fromArray(Simd.F, b, s + t).intoArray(dst, d + kk * nr + t);
                    }
                }
            } else {
                for (int kk = 0; kk < kc; kk++) {
                    int s = bOff + (k0 + kk) * ldb + j0;
                    int o = d + kk * nr;
                    for (int t = 0; t < cols; t++) {
                        dst[o + t] = b[s + t];
                    }
                    for (int t = cols; t < nr; t++) {
                        dst[o + t] = 0f;
                    }
                }
            }
        }
    }
}
