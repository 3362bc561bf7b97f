package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;
import jdk.incubator.vector.FloatVector;

/**
 * Backward-data of a strided convolution as one stride-1 convolution per phase of dx, then the phases interleaved
 * into dx:
 * <pre>
 * dx phase (f, e): rows ih = I * sh + f, columns iw = J * sw + e (I in [0, hf), J in [0, we))
 * row taps of phase f: u = u0 + m * sh, u0 = (f + pt) % sh, m in [0, M); dy row a = I + d0 - m, d0 = (f + pt) / sh
 * dxf (c, hf, we) = conv(dy (k, p, q), w' (c, k, M, N)), stride 1, padding M - 1 - d0, N - 1 - e0, where
 *                   w'[ch, o, m', n'] = w[o, ch, u0 + (M - 1 - m') * sh, v0 + (N - 1 - n') * sw] (columns alike)
 * </pre>
 * Every dx element is one phase's output: the direct method's multiply-adds, none on inserted zeros, no scatter. A
 * task takes one image: per phase it unrolls dy along the sub-kernel's columns (ColumnPlanes) and runs DirectConv's
 * tiles over the phase's output positions as one run (its flat mode) into a buffer of the image's phases, which it
 * then interleaves into dx while they are in cache. A phase without taps (a kernel smaller than the stride) is zero.
 * Takes shapes whose phases all have non-negative padding, outputs in whole tiles (a multiple of 2 LANES positions)
 * and few channels (Tuning.direct); others take col2im. Against col2im (ConvAB, same JVM, 2 threads, caches
 * flushed): CIFAR's 16 -> 32 at 32x32 1.11x, 32 -> 64 at 16x16 1.22x; Fashion-MNIST's 16 -> 32 at 28x28 (14x14
 * phases) level and 32 -> 64 at 14x14 (7x7 phases) 0.83x, which the whole-tile rule leaves to col2im
 * (BENCHMARKS.md, twenty-first session).
 */
final class DataPhases implements Parallel.Task {
    private static final int L = Simd.LANES;
    /** Most phases along one axis; larger strides take col2im. */
    static final int MAX_STRIDE = 4;

    private final int[] rows = new int[MAX_STRIDE], cols = new int[MAX_STRIDE];
    private final int[] taps = new int[MAX_STRIDE], tapCols = new int[MAX_STRIDE];
    private final int[] first = new int[MAX_STRIDE], firstCol = new int[MAX_STRIDE];
    /** Per phase: its outputs' offset in an image's phase buffer, its packed sub-kernel, its taps' offsets in z. */
    private final int[] outOff = new int[MAX_STRIDE * MAX_STRIDE];
    private final float[][] packed = new float[MAX_STRIDE * MAX_STRIDE][0];
    private final int[][] tabs = new int[MAX_STRIDE * MAX_STRIDE][0];
    private final ConvJobs.Geometry[] geometry = new ConvJobs.Geometry[MAX_STRIDE * MAX_STRIDE];
    private final ColumnPlanes[] planes = new ColumnPlanes[MAX_STRIDE * MAX_STRIDE];
    /** The forward convolution's shape (x unused: dx's images, channels and size) and its output channels k. */
    private final ConvJobs.Geometry conv = new ConvJobs.Geometry();
    private int k, image, zMax;
    private float[] dx;
    private int dxOff;

    DataPhases() {
        for (int i = 0; i < geometry.length; i++) {
            geometry[i] = new ConvJobs.Geometry();
            planes[i] = new ColumnPlanes(geometry[i]);
        }
    }

    /**
     * Plans dx (n, c, h, wd) of a convolution of c to k channels, r x s kernel, stride sh x sw, padding pt, pl and
     * p x q outputs; false where a phase would need negative padding, the stride is too large, or a phase does not
     * suit DirectConv under the tuning.
     */
    boolean plan(Tuning tuning, int n, int c, int h, int wd, int k, int r, int s, int sh, int sw, int pt, int pl,
                 int p, int q) {
        if (sh > MAX_STRIDE || sw > MAX_STRIDE || sh * sw < 2 || pt < 0 || pl < 0 || c < DirectConv.KR) {
            return false;
        }
        if (!axis(h, r, sh, pt, rows, taps, first) || !axis(wd, s, sw, pl, cols, tapCols, firstCol)) {
            return false;
        }
        long out = 0, z = 0;
        for (int f = 0; f < sh; f++) {
            for (int e = 0; e < sw; e++) {
                int i = f * sw + e, hf = rows[f], we = cols[e], m = taps[f], nn = tapCols[e];
                outOff[i] = (int) out;
                out += (long) c * hf * we;
                if (hf == 0 || we == 0 || m == 0 || nn == 0) {
                    continue;
                }
                // whole tiles: a tile that recomputes positions (7x7 phases: 64 for 49) lost to col2im
                if ((long) hf * we % (DirectConv.VR * L) != 0 || !tuning.direct(k, c, m, nn, hf, we, false)) {
                    return false;
                }
                geometry[i].set(null, 0, n, k, p, q, m, nn, 1, 1, first[f], firstCol[e], hf, we);
                planes[i].plan(true);
                z = Math.max(z, planes[i].floats());
            }
        }
        if (out + L > Integer.MAX_VALUE || z + L > Integer.MAX_VALUE) {
            return false;
        }
        conv.set(null, 0, n, c, h, wd, r, s, sh, sw, pt, pl, p, q);
        this.k = k;
        this.image = (int) out;
        this.zMax = (int) z;
        return true;
    }

    /**
     * One axis of size len, kernel size kernel, stride st, padding pad: per phase f its outputs out[f], taps tapsOf[f]
     * and the padding of its convolution firstOf[f] = tapsOf[f] - 1 - (f + pad) / st; false if a phase with outputs
     * and taps would need negative padding.
     */
    private static boolean axis(int len, int kernel, int st, int pad, int[] out, int[] tapsOf, int[] firstOf) {
        for (int f = 0; f < st; f++) {
            int u0 = (f + pad) % st, d0 = (f + pad) / st;
            out[f] = f < len ? (len - f + st - 1) / st : 0;
            tapsOf[f] = u0 < kernel ? (kernel - u0 + st - 1) / st : 0;
            firstOf[f] = tapsOf[f] - 1 - d0;
            if (out[f] > 0 && tapsOf[f] > 0 && firstOf[f] < 0) {
                return false;
            }
        }
        return true;
    }

    /** Taps (k * M * N) of phase i, 0 where it has no outputs or no taps. */
    private int phaseTaps(int i) {
        int f = i / conv.sw, e = i % conv.sw;
        return rows[f] == 0 || cols[e] == 0 ? 0 : k * taps[f] * tapCols[e];
    }

    /**
     * Runs the pass (after plan): each phase's sub-kernel flipped through wt (c * k * r * s floats) and packed in
     * DirectConv's micro-panels, then a task per image.
     */
    void execute(float[] dy, int dyOff, float[] wgt, int wOff, float[] wt, Packing.PackA pack, float[] dxArray,
                 int dxOffset) {
        int kr = DirectConv.KR, blocks = (conv.ch + kr - 1) / kr * kr;
        for (int f = 0; f < conv.sh; f++) {
            for (int e = 0; e < conv.sw; e++) {
                int i = f * conv.sw + e, m = taps[f], nn = tapCols[e], crs = phaseTaps(i);
                if (crs == 0) {
                    continue;
                }
                int u0 = (f + conv.pt) % conv.sh, v0 = (e + conv.pl) % conv.sw;
                for (int ch = 0; ch < conv.ch; ch++) {
                    for (int o = 0; o < k; o++) {
                        for (int mi = 0; mi < m; mi++) {
                            int u = u0 + (m - 1 - mi) * conv.sh;
                            int src = wOff + ((o * conv.ch + ch) * conv.r + u) * conv.s + v0;
                            int dst = ((ch * k + o) * m + mi) * nn;
                            for (int ni = 0; ni < nn; ni++) {
                                wt[dst + ni] = wgt[src + (nn - 1 - ni) * conv.sw];
                            }
                        }
                    }
                }
                packed[i] = Workspace.grow(packed[i], (long) blocks * crs);
                pack.pack(false, conv.ch, crs, wt, 0, crs, kr, packed[i]);
                tabs[i] = Workspace.grow(tabs[i], crs);
                planes[i].tapOffsets(tabs[i]);
                geometry[i].x = dy;
                geometry[i].xOff = dyOff;
            }
        }
        this.dx = dxArray;
        this.dxOff = dxOffset;
        try {
            Parallel.forEach(conv.images, this);
        } finally {
            for (ConvJobs.Geometry g : geometry) {
                g.x = null;
            }
            this.dx = null;
        }
    }

    /** Image img: every phase into the thread's phase buffer, then interleaved into dx. */
    @Override
    public void run(int img) {
        Workspace ws = Workspace.get();
        float[] z = ws.paddedImage = Workspace.grow(ws.paddedImage, (long) zMax + L);
        float[] out = ws.phaseOutputs = Workspace.grow(ws.phaseOutputs, (long) image + L);
        int kr = DirectConv.KR;
        for (int i = 0; i < conv.sh * conv.sw; i++) {
            int crs = phaseTaps(i);
            if (crs == 0) {
                continue;
            }
            int plane = rows[i / conv.sw] * cols[i % conv.sw];
            planes[i].unroll(img, z, 0);
            for (int o0 = 0; o0 < conv.ch; o0 += kr) {
                DirectConv.flatBlock(z, 0, tabs[i], crs, packed[i], o0 * crs, out, outOff[i] + o0 * plane, plane,
                        Math.min(kr, conv.ch - o0), null, 0, false);
            }
        }
        interleave(out, dxOff + img * conv.ch * conv.h * conv.w);
    }

    /** The image's phases (out) into dx from d0; every element written once. */
    private void interleave(float[] out, int d0) {
        for (int ch = 0; ch < conv.ch; ch++) {
            for (int ih = 0; ih < conv.h; ih++) {
                int f = ih % conv.sh, i = ih / conv.sh, d = d0 + (ch * conv.h + ih) * conv.w;
                if (taps[f] == 0) {
                    java.util.Arrays.fill(dx, d, d + conv.w, 0f);
                    continue;
                }
                int iw = 0;
                if (conv.sw == 2 && tapCols[0] > 0 && tapCols[1] > 0) {
                    // LANES columns from LANES / 2 of each column phase
                    int even = outOff[f * 2] + (ch * rows[f] + i) * cols[0];
                    int odd = outOff[f * 2 + 1] + (ch * rows[f] + i) * cols[1];
                    for (; iw + L <= conv.w; iw += L) {
                        FloatVector a = FloatVector.fromArray(Simd.F, out, even + iw / 2);
                        FloatVector b = FloatVector.fromArray(Simd.F, out, odd + iw / 2);
                        a.rearrange(LaneMath.ZIP_LO).blend(b.rearrange(LaneMath.ZIP_LO), LaneMath.ODD_LANES)
                                .intoArray(dx, d + iw);
                    }
                }
                for (; iw < conv.w; iw++) {
                    int e = iw % conv.sw, j = iw / conv.sw;
                    dx[d + iw] = tapCols[e] == 0 ? 0f
                            : out[outOff[f * conv.sw + e] + (ch * rows[f] + i) * cols[e] + j];
                }
            }
        }
    }
}
