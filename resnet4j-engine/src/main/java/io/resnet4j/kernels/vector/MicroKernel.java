package io.resnet4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-tiled GEMM micro-kernels: an MR x (NV * LANES) tile of C, its accumulators in explicit local
 * variables (C2 keeps them in vector registers; an array of vectors would live in memory).
 * <pre>
 * a: packed A micro-panel, kc x MR (row kk holds A[i0..i0+MR, kk]), from ai
 * b: B micro-panel, kc rows of NV * LANES floats (rows contiguous), from bi
 * c: the C tile, MR rows of NV * LANES floats, row stride ldc, from ci
 * c = (load ? c : 0) + a . b, each element reduced over kk in ascending order
 * </pre>
 * The tile is chosen once in {@link #choose}: it must fit the register file (MR * NV accumulators, NV B
 * vectors and one broadcast: 16 ymm on AVX2, 32 zmm on AVX-512).
 */
abstract class MicroKernel {
    static final VectorSpecies<Float> F = Simd.F;
    static final int L = Simd.LANES;
    static final Class<? extends Vector<Float>> VECTOR_CLASS = Simd.VECTOR_CLASS;

    /** Rows of the C tile. */
    final int mr;
    /** Vectors per C tile row. */
    final int nv;
    /** Columns of the C tile: nv * LANES. */
    final int nr;

    MicroKernel(int mr, int nv) {
        this.mr = mr;
        this.nv = nv;
        this.nr = nv * L;
    }

    abstract void run(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ldc, boolean load);

    /**
     * run, then the fused epilogue of a finished tile by Epilogue's rule: row r adds bias[biasOff + r] (bias null:
     * none), then ReLU (relu). A tile that overrides this applies it to its accumulators before they are stored:
     * re-reading a just-stored tile costs up to 1.9x a 1x1 layer's time on Zen 5 (BENCHMARKS.md, ninth session).
     */
    void runFinish(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ldc, boolean load,
                   float[] bias, int biasOff, boolean relu) {
        run(kc, a, ai, b, bi, c, ci, ldc, load);
        for (int r = 0; r < mr; r++) {
            Epilogue.run(c, ci + r * ldc, nr, bias != null, bias == null ? 0f : bias[biasOff + r], relu);
        }
    }

    /** Whether this tile offers runSplit (two vectors per row). */
    boolean splitsRows() {
        return false;
    }

    /**
     * runFinish (bias null and relu false: no epilogue) with the second vector of each C row at ci1 instead of
     * ci + LANES, for a row of C whose last vector was moved back to end at the row's last column (GemmDriver's
     * direct mode on rows of 17-31 or 49-63 columns): the two may overlap, their common columns computed alike.
     */
    void runSplit(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ci1, int ldc, boolean load,
                  float[] bias, int biasOff, boolean relu) {
        throw new UnsupportedOperationException(this + " stores each row's vectors together (see splitsRows)");
    }

    /**
     * The one place the tile is chosen. AVX2 (8 lanes, 16 registers): 6 x 2 vectors, 12 accumulators, on JDK 17;
     * 4 x 2 vectors on later JDKs. JDK 25's C2 loads every broadcast of a k step before its FMAs, so 6 x 2 needs
     * 20 registers and spills an accumulator to the stack, whose load-FMA-store chain through memory limits the
     * loop (disassembly, 2026-11-28): same-JVM A/B on JDK 25, 4 x 2 ran 1.07-1.50x faster than 6 x 2 on
     * ResNet-50's and CIFAR's GEMMs, and 0.97-1.10x on JDK 17 (BENCHMARKS.md). JDK 18-24 are not measured and get
     * 4 x 2, which is at worst close to 6 x 2 on JDK 17.
     * AVX-512 (16 lanes, 32 registers): 8 x 2 vectors on every JDK. The GEMM probe of shared/PERF-NOTES.md
     * found 8 x 3 faster on JDK 17 (JDK 25's C2 spills one of its accumulators), but in these convolutions 8 x 2
     * ran 1.07-2.05x faster than 8 x 3 on JDK 17 over every ResNet-50 layer at batch 1 and 0.94-1.50x on
     * CIFAR's passes at batch 128 (same-JVM A/B, Zen 5, 2026-11-28, BENCHMARKS.md): 32-column panels waste
     * fewer columns on small images and its B micro-panel stays in L1.
     * 4 lanes or fewer (SSE, NEON): as on AVX2.
     * No warm-up: the twelfth session's (every branch of the tile run 1000 times here, 140 ms at the first GEMM)
     * worked around frozen inference after training storing boxed vectors; the exact-class casts (VECTOR_CLASS)
     * remove the cause, and without it 24 of 24 JVMs settled (JitStateProbe, BENCHMARKS.md, thirteenth session).
     */
    static MicroKernel choose() {
        int jdk = Runtime.version().feature();
        if (L >= 16) {
            return new K8x2();
        }
        return jdk <= 17 ? new K6x2() : new K4x2();
    }

    /** Every tile this class offers, for tests that check each against the scalar reference. */
    static MicroKernel[] all() {
        return new MicroKernel[]{new K6x2(), new K8x2(), new K8x3(), new K4x3(), new K4x2()};
    }

    @Override
    public String toString() {
        return mr + "x" + nv + "v";
    }

    static final class K6x2 extends MicroKernel {
        K6x2() {
            super(6, 2);
        }

        @Override
        void run(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ldc, boolean load) {
            FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
            if (load) {
                c00 = FloatVector.fromArray(F, c, ci);
                c01 = FloatVector.fromArray(F, c, ci + L);
                c10 = FloatVector.fromArray(F, c, ci + 1 * ldc);
                c11 = FloatVector.fromArray(F, c, ci + 1 * ldc + L);
                c20 = FloatVector.fromArray(F, c, ci + 2 * ldc);
                c21 = FloatVector.fromArray(F, c, ci + 2 * ldc + L);
                c30 = FloatVector.fromArray(F, c, ci + 3 * ldc);
                c31 = FloatVector.fromArray(F, c, ci + 3 * ldc + L);
                c40 = FloatVector.fromArray(F, c, ci + 4 * ldc);
                c41 = FloatVector.fromArray(F, c, ci + 4 * ldc + L);
                c50 = FloatVector.fromArray(F, c, ci + 5 * ldc);
                c51 = FloatVector.fromArray(F, c, ci + 5 * ldc + L);
            } else {
                c00 = FloatVector.zero(F);
                c01 = c00;
                c10 = c00;
                c11 = c00;
                c20 = c00;
                c21 = c00;
                c30 = c00;
                c31 = c00;
                c40 = c00;
                c41 = c00;
                c50 = c00;
                c51 = c00;
            }
            for (int p = 0; p < kc; p++) {
                // indices computed from p with constant strides, not pointers bumped per step: 1.1-1.2x (probe, JDK 17)
                int pa = ai + 6 * p, pb = bi + 2 * L * p;
                FloatVector b0 = FloatVector.fromArray(F, b, pb);
                FloatVector b1 = FloatVector.fromArray(F, b, pb + L);
                FloatVector av = FloatVector.broadcast(F, a[pa]);
                c00 = av.fma(b0, c00);
                c01 = av.fma(b1, c01);
                av = FloatVector.broadcast(F, a[pa + 1]);
                c10 = av.fma(b0, c10);
                c11 = av.fma(b1, c11);
                av = FloatVector.broadcast(F, a[pa + 2]);
                c20 = av.fma(b0, c20);
                c21 = av.fma(b1, c21);
                av = FloatVector.broadcast(F, a[pa + 3]);
                c30 = av.fma(b0, c30);
                c31 = av.fma(b1, c31);
                av = FloatVector.broadcast(F, a[pa + 4]);
                c40 = av.fma(b0, c40);
                c41 = av.fma(b1, c41);
                av = FloatVector.broadcast(F, a[pa + 5]);
                c50 = av.fma(b0, c50);
                c51 = av.fma(b1, c51);
            }
            // exact classes for the stores (Simd.VECTOR_CLASS)
            c00 = (FloatVector) VECTOR_CLASS.cast(c00);
            c01 = (FloatVector) VECTOR_CLASS.cast(c01);
            c10 = (FloatVector) VECTOR_CLASS.cast(c10);
            c11 = (FloatVector) VECTOR_CLASS.cast(c11);
            c20 = (FloatVector) VECTOR_CLASS.cast(c20);
            c21 = (FloatVector) VECTOR_CLASS.cast(c21);
            c30 = (FloatVector) VECTOR_CLASS.cast(c30);
            c31 = (FloatVector) VECTOR_CLASS.cast(c31);
            c40 = (FloatVector) VECTOR_CLASS.cast(c40);
            c41 = (FloatVector) VECTOR_CLASS.cast(c41);
            c50 = (FloatVector) VECTOR_CLASS.cast(c50);
            c51 = (FloatVector) VECTOR_CLASS.cast(c51);
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + L);
            c10.intoArray(c, ci + 1 * ldc);
            c11.intoArray(c, ci + 1 * ldc + L);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + L);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + L);
            c40.intoArray(c, ci + 4 * ldc);
            c41.intoArray(c, ci + 4 * ldc + L);
            c50.intoArray(c, ci + 5 * ldc);
            c51.intoArray(c, ci + 5 * ldc + L);
        }
    }

    static final class K8x2 extends MicroKernel {
        K8x2() {
            super(8, 2);
        }

        @Override
        void run(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ldc, boolean load) {
            tile(kc, a, ai, b, bi, c, ci, ci + L, ldc, load, null, 0, false);
        }

        @Override
        void runFinish(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ldc, boolean load,
                       float[] bias, int biasOff, boolean relu) {
            tile(kc, a, ai, b, bi, c, ci, ci + L, ldc, load, bias, biasOff, relu);
        }

        @Override
        boolean splitsRows() {
            return true;
        }

        @Override
        void runSplit(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ci1, int ldc, boolean load,
                      float[] bias, int biasOff, boolean relu) {
            tile(kc, a, ai, b, bi, c, ci, ci1, ldc, load, bias, biasOff, relu);
        }

        /**
         * run with the second vector of each row at ci1 (ci + L: contiguous), and the epilogue on the accumulators
         * (bias null and relu false: none).
         */
        private void tile(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ci1, int ldc,
                          boolean load, float[] bias, int biasOff, boolean relu) {
            FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
            if (load) {
                c00 = FloatVector.fromArray(F, c, ci);
                c01 = FloatVector.fromArray(F, c, ci1);
                c10 = FloatVector.fromArray(F, c, ci + 1 * ldc);
                c11 = FloatVector.fromArray(F, c, ci1 + 1 * ldc);
                c20 = FloatVector.fromArray(F, c, ci + 2 * ldc);
                c21 = FloatVector.fromArray(F, c, ci1 + 2 * ldc);
                c30 = FloatVector.fromArray(F, c, ci + 3 * ldc);
                c31 = FloatVector.fromArray(F, c, ci1 + 3 * ldc);
                c40 = FloatVector.fromArray(F, c, ci + 4 * ldc);
                c41 = FloatVector.fromArray(F, c, ci1 + 4 * ldc);
                c50 = FloatVector.fromArray(F, c, ci + 5 * ldc);
                c51 = FloatVector.fromArray(F, c, ci1 + 5 * ldc);
                c60 = FloatVector.fromArray(F, c, ci + 6 * ldc);
                c61 = FloatVector.fromArray(F, c, ci1 + 6 * ldc);
                c70 = FloatVector.fromArray(F, c, ci + 7 * ldc);
                c71 = FloatVector.fromArray(F, c, ci1 + 7 * ldc);
            } else {
                c00 = FloatVector.zero(F);
                c01 = c00;
                c10 = c00;
                c11 = c00;
                c20 = c00;
                c21 = c00;
                c30 = c00;
                c31 = c00;
                c40 = c00;
                c41 = c00;
                c50 = c00;
                c51 = c00;
                c60 = c00;
                c61 = c00;
                c70 = c00;
                c71 = c00;
            }
            for (int p = 0; p < kc; p++) {
                // indices computed from p with constant strides, not pointers bumped per step: 1.1-1.2x (probe, JDK 17)
                int pa = ai + 8 * p, pb = bi + 2 * L * p;
                FloatVector b0 = FloatVector.fromArray(F, b, pb);
                FloatVector b1 = FloatVector.fromArray(F, b, pb + L);
                FloatVector av = FloatVector.broadcast(F, a[pa]);
                c00 = av.fma(b0, c00);
                c01 = av.fma(b1, c01);
                av = FloatVector.broadcast(F, a[pa + 1]);
                c10 = av.fma(b0, c10);
                c11 = av.fma(b1, c11);
                av = FloatVector.broadcast(F, a[pa + 2]);
                c20 = av.fma(b0, c20);
                c21 = av.fma(b1, c21);
                av = FloatVector.broadcast(F, a[pa + 3]);
                c30 = av.fma(b0, c30);
                c31 = av.fma(b1, c31);
                av = FloatVector.broadcast(F, a[pa + 4]);
                c40 = av.fma(b0, c40);
                c41 = av.fma(b1, c41);
                av = FloatVector.broadcast(F, a[pa + 5]);
                c50 = av.fma(b0, c50);
                c51 = av.fma(b1, c51);
                av = FloatVector.broadcast(F, a[pa + 6]);
                c60 = av.fma(b0, c60);
                c61 = av.fma(b1, c61);
                av = FloatVector.broadcast(F, a[pa + 7]);
                c70 = av.fma(b0, c70);
                c71 = av.fma(b1, c71);
            }
            // exact classes for the epilogue's calls and the stores (Simd.VECTOR_CLASS), kept through each step
            c00 = (FloatVector) VECTOR_CLASS.cast(c00);
            c01 = (FloatVector) VECTOR_CLASS.cast(c01);
            c10 = (FloatVector) VECTOR_CLASS.cast(c10);
            c11 = (FloatVector) VECTOR_CLASS.cast(c11);
            c20 = (FloatVector) VECTOR_CLASS.cast(c20);
            c21 = (FloatVector) VECTOR_CLASS.cast(c21);
            c30 = (FloatVector) VECTOR_CLASS.cast(c30);
            c31 = (FloatVector) VECTOR_CLASS.cast(c31);
            c40 = (FloatVector) VECTOR_CLASS.cast(c40);
            c41 = (FloatVector) VECTOR_CLASS.cast(c41);
            c50 = (FloatVector) VECTOR_CLASS.cast(c50);
            c51 = (FloatVector) VECTOR_CLASS.cast(c51);
            c60 = (FloatVector) VECTOR_CLASS.cast(c60);
            c61 = (FloatVector) VECTOR_CLASS.cast(c61);
            c70 = (FloatVector) VECTOR_CLASS.cast(c70);
            c71 = (FloatVector) VECTOR_CLASS.cast(c71);
            if (bias != null) {
                FloatVector br = FloatVector.broadcast(F, bias[biasOff]);
                c00 = (FloatVector) VECTOR_CLASS.cast(c00.add(br));
                c01 = (FloatVector) VECTOR_CLASS.cast(c01.add(br));
                br = FloatVector.broadcast(F, bias[biasOff + 1]);
                c10 = (FloatVector) VECTOR_CLASS.cast(c10.add(br));
                c11 = (FloatVector) VECTOR_CLASS.cast(c11.add(br));
                br = FloatVector.broadcast(F, bias[biasOff + 2]);
                c20 = (FloatVector) VECTOR_CLASS.cast(c20.add(br));
                c21 = (FloatVector) VECTOR_CLASS.cast(c21.add(br));
                br = FloatVector.broadcast(F, bias[biasOff + 3]);
                c30 = (FloatVector) VECTOR_CLASS.cast(c30.add(br));
                c31 = (FloatVector) VECTOR_CLASS.cast(c31.add(br));
                br = FloatVector.broadcast(F, bias[biasOff + 4]);
                c40 = (FloatVector) VECTOR_CLASS.cast(c40.add(br));
                c41 = (FloatVector) VECTOR_CLASS.cast(c41.add(br));
                br = FloatVector.broadcast(F, bias[biasOff + 5]);
                c50 = (FloatVector) VECTOR_CLASS.cast(c50.add(br));
                c51 = (FloatVector) VECTOR_CLASS.cast(c51.add(br));
                br = FloatVector.broadcast(F, bias[biasOff + 6]);
                c60 = (FloatVector) VECTOR_CLASS.cast(c60.add(br));
                c61 = (FloatVector) VECTOR_CLASS.cast(c61.add(br));
                br = FloatVector.broadcast(F, bias[biasOff + 7]);
                c70 = (FloatVector) VECTOR_CLASS.cast(c70.add(br));
                c71 = (FloatVector) VECTOR_CLASS.cast(c71.add(br));
            }
            if (relu) {
                // Epilogue's rule: negative values become 0, NaN and -0 stay
                FloatVector z = FloatVector.zero(F);
                c00 = (FloatVector) VECTOR_CLASS.cast(c00.blend(z, c00.compare(VectorOperators.LT, 0f)));
                c01 = (FloatVector) VECTOR_CLASS.cast(c01.blend(z, c01.compare(VectorOperators.LT, 0f)));
                c10 = (FloatVector) VECTOR_CLASS.cast(c10.blend(z, c10.compare(VectorOperators.LT, 0f)));
                c11 = (FloatVector) VECTOR_CLASS.cast(c11.blend(z, c11.compare(VectorOperators.LT, 0f)));
                c20 = (FloatVector) VECTOR_CLASS.cast(c20.blend(z, c20.compare(VectorOperators.LT, 0f)));
                c21 = (FloatVector) VECTOR_CLASS.cast(c21.blend(z, c21.compare(VectorOperators.LT, 0f)));
                c30 = (FloatVector) VECTOR_CLASS.cast(c30.blend(z, c30.compare(VectorOperators.LT, 0f)));
                c31 = (FloatVector) VECTOR_CLASS.cast(c31.blend(z, c31.compare(VectorOperators.LT, 0f)));
                c40 = (FloatVector) VECTOR_CLASS.cast(c40.blend(z, c40.compare(VectorOperators.LT, 0f)));
                c41 = (FloatVector) VECTOR_CLASS.cast(c41.blend(z, c41.compare(VectorOperators.LT, 0f)));
                c50 = (FloatVector) VECTOR_CLASS.cast(c50.blend(z, c50.compare(VectorOperators.LT, 0f)));
                c51 = (FloatVector) VECTOR_CLASS.cast(c51.blend(z, c51.compare(VectorOperators.LT, 0f)));
                c60 = (FloatVector) VECTOR_CLASS.cast(c60.blend(z, c60.compare(VectorOperators.LT, 0f)));
                c61 = (FloatVector) VECTOR_CLASS.cast(c61.blend(z, c61.compare(VectorOperators.LT, 0f)));
                c70 = (FloatVector) VECTOR_CLASS.cast(c70.blend(z, c70.compare(VectorOperators.LT, 0f)));
                c71 = (FloatVector) VECTOR_CLASS.cast(c71.blend(z, c71.compare(VectorOperators.LT, 0f)));
            }
            c00.intoArray(c, ci);
            c01.intoArray(c, ci1);
            c10.intoArray(c, ci + 1 * ldc);
            c11.intoArray(c, ci1 + 1 * ldc);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci1 + 2 * ldc);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci1 + 3 * ldc);
            c40.intoArray(c, ci + 4 * ldc);
            c41.intoArray(c, ci1 + 4 * ldc);
            c50.intoArray(c, ci + 5 * ldc);
            c51.intoArray(c, ci1 + 5 * ldc);
            c60.intoArray(c, ci + 6 * ldc);
            c61.intoArray(c, ci1 + 6 * ldc);
            c70.intoArray(c, ci + 7 * ldc);
            c71.intoArray(c, ci1 + 7 * ldc);
        }
    }

    static final class K8x3 extends MicroKernel {
        K8x3() {
            super(8, 3);
        }

        @Override
        void run(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ldc, boolean load) {
            FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
            if (load) {
                c00 = FloatVector.fromArray(F, c, ci);
                c01 = FloatVector.fromArray(F, c, ci + L);
                c02 = FloatVector.fromArray(F, c, ci + 2 * L);
                c10 = FloatVector.fromArray(F, c, ci + 1 * ldc);
                c11 = FloatVector.fromArray(F, c, ci + 1 * ldc + L);
                c12 = FloatVector.fromArray(F, c, ci + 1 * ldc + 2 * L);
                c20 = FloatVector.fromArray(F, c, ci + 2 * ldc);
                c21 = FloatVector.fromArray(F, c, ci + 2 * ldc + L);
                c22 = FloatVector.fromArray(F, c, ci + 2 * ldc + 2 * L);
                c30 = FloatVector.fromArray(F, c, ci + 3 * ldc);
                c31 = FloatVector.fromArray(F, c, ci + 3 * ldc + L);
                c32 = FloatVector.fromArray(F, c, ci + 3 * ldc + 2 * L);
                c40 = FloatVector.fromArray(F, c, ci + 4 * ldc);
                c41 = FloatVector.fromArray(F, c, ci + 4 * ldc + L);
                c42 = FloatVector.fromArray(F, c, ci + 4 * ldc + 2 * L);
                c50 = FloatVector.fromArray(F, c, ci + 5 * ldc);
                c51 = FloatVector.fromArray(F, c, ci + 5 * ldc + L);
                c52 = FloatVector.fromArray(F, c, ci + 5 * ldc + 2 * L);
                c60 = FloatVector.fromArray(F, c, ci + 6 * ldc);
                c61 = FloatVector.fromArray(F, c, ci + 6 * ldc + L);
                c62 = FloatVector.fromArray(F, c, ci + 6 * ldc + 2 * L);
                c70 = FloatVector.fromArray(F, c, ci + 7 * ldc);
                c71 = FloatVector.fromArray(F, c, ci + 7 * ldc + L);
                c72 = FloatVector.fromArray(F, c, ci + 7 * ldc + 2 * L);
            } else {
                c00 = FloatVector.zero(F);
                c01 = c00;
                c02 = c00;
                c10 = c00;
                c11 = c00;
                c12 = c00;
                c20 = c00;
                c21 = c00;
                c22 = c00;
                c30 = c00;
                c31 = c00;
                c32 = c00;
                c40 = c00;
                c41 = c00;
                c42 = c00;
                c50 = c00;
                c51 = c00;
                c52 = c00;
                c60 = c00;
                c61 = c00;
                c62 = c00;
                c70 = c00;
                c71 = c00;
                c72 = c00;
            }
            for (int p = 0; p < kc; p++) {
                // indices computed from p with constant strides, not pointers bumped per step: 1.1-1.2x (probe, JDK 17)
                int pa = ai + 8 * p, pb = bi + 3 * L * p;
                FloatVector b0 = FloatVector.fromArray(F, b, pb);
                FloatVector b1 = FloatVector.fromArray(F, b, pb + L);
                FloatVector b2 = FloatVector.fromArray(F, b, pb + 2 * L);
                FloatVector av = FloatVector.broadcast(F, a[pa]);
                c00 = av.fma(b0, c00);
                c01 = av.fma(b1, c01);
                c02 = av.fma(b2, c02);
                av = FloatVector.broadcast(F, a[pa + 1]);
                c10 = av.fma(b0, c10);
                c11 = av.fma(b1, c11);
                c12 = av.fma(b2, c12);
                av = FloatVector.broadcast(F, a[pa + 2]);
                c20 = av.fma(b0, c20);
                c21 = av.fma(b1, c21);
                c22 = av.fma(b2, c22);
                av = FloatVector.broadcast(F, a[pa + 3]);
                c30 = av.fma(b0, c30);
                c31 = av.fma(b1, c31);
                c32 = av.fma(b2, c32);
                av = FloatVector.broadcast(F, a[pa + 4]);
                c40 = av.fma(b0, c40);
                c41 = av.fma(b1, c41);
                c42 = av.fma(b2, c42);
                av = FloatVector.broadcast(F, a[pa + 5]);
                c50 = av.fma(b0, c50);
                c51 = av.fma(b1, c51);
                c52 = av.fma(b2, c52);
                av = FloatVector.broadcast(F, a[pa + 6]);
                c60 = av.fma(b0, c60);
                c61 = av.fma(b1, c61);
                c62 = av.fma(b2, c62);
                av = FloatVector.broadcast(F, a[pa + 7]);
                c70 = av.fma(b0, c70);
                c71 = av.fma(b1, c71);
                c72 = av.fma(b2, c72);
            }
            // exact classes for the stores (Simd.VECTOR_CLASS)
            c00 = (FloatVector) VECTOR_CLASS.cast(c00);
            c01 = (FloatVector) VECTOR_CLASS.cast(c01);
            c02 = (FloatVector) VECTOR_CLASS.cast(c02);
            c10 = (FloatVector) VECTOR_CLASS.cast(c10);
            c11 = (FloatVector) VECTOR_CLASS.cast(c11);
            c12 = (FloatVector) VECTOR_CLASS.cast(c12);
            c20 = (FloatVector) VECTOR_CLASS.cast(c20);
            c21 = (FloatVector) VECTOR_CLASS.cast(c21);
            c22 = (FloatVector) VECTOR_CLASS.cast(c22);
            c30 = (FloatVector) VECTOR_CLASS.cast(c30);
            c31 = (FloatVector) VECTOR_CLASS.cast(c31);
            c32 = (FloatVector) VECTOR_CLASS.cast(c32);
            c40 = (FloatVector) VECTOR_CLASS.cast(c40);
            c41 = (FloatVector) VECTOR_CLASS.cast(c41);
            c42 = (FloatVector) VECTOR_CLASS.cast(c42);
            c50 = (FloatVector) VECTOR_CLASS.cast(c50);
            c51 = (FloatVector) VECTOR_CLASS.cast(c51);
            c52 = (FloatVector) VECTOR_CLASS.cast(c52);
            c60 = (FloatVector) VECTOR_CLASS.cast(c60);
            c61 = (FloatVector) VECTOR_CLASS.cast(c61);
            c62 = (FloatVector) VECTOR_CLASS.cast(c62);
            c70 = (FloatVector) VECTOR_CLASS.cast(c70);
            c71 = (FloatVector) VECTOR_CLASS.cast(c71);
            c72 = (FloatVector) VECTOR_CLASS.cast(c72);
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + L);
            c02.intoArray(c, ci + 2 * L);
            c10.intoArray(c, ci + 1 * ldc);
            c11.intoArray(c, ci + 1 * ldc + L);
            c12.intoArray(c, ci + 1 * ldc + 2 * L);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + L);
            c22.intoArray(c, ci + 2 * ldc + 2 * L);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + L);
            c32.intoArray(c, ci + 3 * ldc + 2 * L);
            c40.intoArray(c, ci + 4 * ldc);
            c41.intoArray(c, ci + 4 * ldc + L);
            c42.intoArray(c, ci + 4 * ldc + 2 * L);
            c50.intoArray(c, ci + 5 * ldc);
            c51.intoArray(c, ci + 5 * ldc + L);
            c52.intoArray(c, ci + 5 * ldc + 2 * L);
            c60.intoArray(c, ci + 6 * ldc);
            c61.intoArray(c, ci + 6 * ldc + L);
            c62.intoArray(c, ci + 6 * ldc + 2 * L);
            c70.intoArray(c, ci + 7 * ldc);
            c71.intoArray(c, ci + 7 * ldc + L);
            c72.intoArray(c, ci + 7 * ldc + 2 * L);
        }
    }

    static final class K4x3 extends MicroKernel {
        K4x3() {
            super(4, 3);
        }

        @Override
        void run(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ldc, boolean load) {
            FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
            if (load) {
                c00 = FloatVector.fromArray(F, c, ci);
                c01 = FloatVector.fromArray(F, c, ci + L);
                c02 = FloatVector.fromArray(F, c, ci + 2 * L);
                c10 = FloatVector.fromArray(F, c, ci + 1 * ldc);
                c11 = FloatVector.fromArray(F, c, ci + 1 * ldc + L);
                c12 = FloatVector.fromArray(F, c, ci + 1 * ldc + 2 * L);
                c20 = FloatVector.fromArray(F, c, ci + 2 * ldc);
                c21 = FloatVector.fromArray(F, c, ci + 2 * ldc + L);
                c22 = FloatVector.fromArray(F, c, ci + 2 * ldc + 2 * L);
                c30 = FloatVector.fromArray(F, c, ci + 3 * ldc);
                c31 = FloatVector.fromArray(F, c, ci + 3 * ldc + L);
                c32 = FloatVector.fromArray(F, c, ci + 3 * ldc + 2 * L);
            } else {
                c00 = FloatVector.zero(F);
                c01 = c00;
                c02 = c00;
                c10 = c00;
                c11 = c00;
                c12 = c00;
                c20 = c00;
                c21 = c00;
                c22 = c00;
                c30 = c00;
                c31 = c00;
                c32 = c00;
            }
            for (int p = 0; p < kc; p++) {
                // indices computed from p with constant strides, not pointers bumped per step: 1.1-1.2x (probe, JDK 17)
                int pa = ai + 4 * p, pb = bi + 3 * L * p;
                FloatVector b0 = FloatVector.fromArray(F, b, pb);
                FloatVector b1 = FloatVector.fromArray(F, b, pb + L);
                FloatVector b2 = FloatVector.fromArray(F, b, pb + 2 * L);
                FloatVector av = FloatVector.broadcast(F, a[pa]);
                c00 = av.fma(b0, c00);
                c01 = av.fma(b1, c01);
                c02 = av.fma(b2, c02);
                av = FloatVector.broadcast(F, a[pa + 1]);
                c10 = av.fma(b0, c10);
                c11 = av.fma(b1, c11);
                c12 = av.fma(b2, c12);
                av = FloatVector.broadcast(F, a[pa + 2]);
                c20 = av.fma(b0, c20);
                c21 = av.fma(b1, c21);
                c22 = av.fma(b2, c22);
                av = FloatVector.broadcast(F, a[pa + 3]);
                c30 = av.fma(b0, c30);
                c31 = av.fma(b1, c31);
                c32 = av.fma(b2, c32);
            }
            // exact classes for the stores (Simd.VECTOR_CLASS)
            c00 = (FloatVector) VECTOR_CLASS.cast(c00);
            c01 = (FloatVector) VECTOR_CLASS.cast(c01);
            c02 = (FloatVector) VECTOR_CLASS.cast(c02);
            c10 = (FloatVector) VECTOR_CLASS.cast(c10);
            c11 = (FloatVector) VECTOR_CLASS.cast(c11);
            c12 = (FloatVector) VECTOR_CLASS.cast(c12);
            c20 = (FloatVector) VECTOR_CLASS.cast(c20);
            c21 = (FloatVector) VECTOR_CLASS.cast(c21);
            c22 = (FloatVector) VECTOR_CLASS.cast(c22);
            c30 = (FloatVector) VECTOR_CLASS.cast(c30);
            c31 = (FloatVector) VECTOR_CLASS.cast(c31);
            c32 = (FloatVector) VECTOR_CLASS.cast(c32);
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + L);
            c02.intoArray(c, ci + 2 * L);
            c10.intoArray(c, ci + 1 * ldc);
            c11.intoArray(c, ci + 1 * ldc + L);
            c12.intoArray(c, ci + 1 * ldc + 2 * L);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + L);
            c22.intoArray(c, ci + 2 * ldc + 2 * L);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + L);
            c32.intoArray(c, ci + 3 * ldc + 2 * L);
        }
    }

    /**
     * 4 x 2 vectors: 8 accumulators, and with the 2 B vectors and 4 broadcasts 14 registers even when C2 loads
     * every broadcast up front, as JDK 25's does (see {@link #choose}).
     */
    static final class K4x2 extends MicroKernel {
        K4x2() {
            super(4, 2);
        }

        @Override
        void run(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ldc, boolean load) {
            FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
            if (load) {
                c00 = FloatVector.fromArray(F, c, ci);
                c01 = FloatVector.fromArray(F, c, ci + L);
                c10 = FloatVector.fromArray(F, c, ci + 1 * ldc);
                c11 = FloatVector.fromArray(F, c, ci + 1 * ldc + L);
                c20 = FloatVector.fromArray(F, c, ci + 2 * ldc);
                c21 = FloatVector.fromArray(F, c, ci + 2 * ldc + L);
                c30 = FloatVector.fromArray(F, c, ci + 3 * ldc);
                c31 = FloatVector.fromArray(F, c, ci + 3 * ldc + L);
            } else {
                c00 = FloatVector.zero(F);
                c01 = c00;
                c10 = c00;
                c11 = c00;
                c20 = c00;
                c21 = c00;
                c30 = c00;
                c31 = c00;
            }
            for (int p = 0; p < kc; p++) {
                int pa = ai + 4 * p, pb = bi + 2 * L * p;
                FloatVector b0 = FloatVector.fromArray(F, b, pb);
                FloatVector b1 = FloatVector.fromArray(F, b, pb + L);
                FloatVector av = FloatVector.broadcast(F, a[pa]);
                c00 = av.fma(b0, c00);
                c01 = av.fma(b1, c01);
                av = FloatVector.broadcast(F, a[pa + 1]);
                c10 = av.fma(b0, c10);
                c11 = av.fma(b1, c11);
                av = FloatVector.broadcast(F, a[pa + 2]);
                c20 = av.fma(b0, c20);
                c21 = av.fma(b1, c21);
                av = FloatVector.broadcast(F, a[pa + 3]);
                c30 = av.fma(b0, c30);
                c31 = av.fma(b1, c31);
            }
            // exact classes for the stores (Simd.VECTOR_CLASS)
            c00 = (FloatVector) VECTOR_CLASS.cast(c00);
            c01 = (FloatVector) VECTOR_CLASS.cast(c01);
            c10 = (FloatVector) VECTOR_CLASS.cast(c10);
            c11 = (FloatVector) VECTOR_CLASS.cast(c11);
            c20 = (FloatVector) VECTOR_CLASS.cast(c20);
            c21 = (FloatVector) VECTOR_CLASS.cast(c21);
            c30 = (FloatVector) VECTOR_CLASS.cast(c30);
            c31 = (FloatVector) VECTOR_CLASS.cast(c31);
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + L);
            c10.intoArray(c, ci + 1 * ldc);
            c11.intoArray(c, ci + 1 * ldc + L);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + L);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + L);
        }
    }
}
