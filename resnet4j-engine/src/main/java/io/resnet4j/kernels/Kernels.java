package io.resnet4j.kernels;

import io.resnet4j.kernels.scalar.ScalarConv;
import io.resnet4j.kernels.scalar.ScalarElementwise;
import io.resnet4j.kernels.scalar.ScalarGemm;
import io.resnet4j.kernels.scalar.ScalarLoss;
import io.resnet4j.kernels.scalar.ScalarNorm;
import io.resnet4j.kernels.scalar.ScalarOptim;
import io.resnet4j.kernels.scalar.ScalarPool;
import io.resnet4j.kernels.scalar.ScalarShortcut;

/**
 * The one place where the kernel implementations are chosen, once, at class initialisation: the Vector API
 * twins in {@code io.resnet4j.kernels.vector} when {@code jdk.incubator.vector} is present (the launcher,
 * the POM and the benchmarks add it), otherwise the scalar references. {@code -Dresnet4j.kernels=scalar}
 * forces the references (for debugging a suspected SIMD fault).
 */
public final class Kernels {
    /** True when the Vector API module is readable and not switched off. */
    public static final boolean VECTOR = detectVector();

    public static final GemmOps GEMM = pick("VectorGemm", ScalarGemm.INSTANCE);
    public static final ConvOps CONV = pick("VectorConv", ScalarConv.INSTANCE);
    public static final NormOps NORM = pick("VectorNorm", ScalarNorm.INSTANCE);
    public static final PoolOps POOL = pick("VectorPool", ScalarPool.INSTANCE);
    public static final ElementwiseOps ELEMENTWISE = pick("VectorElementwise", ScalarElementwise.INSTANCE);
    public static final LossOps LOSS = pick("VectorLoss", ScalarLoss.INSTANCE);
    public static final ShortcutOps SHORTCUT = pick("VectorShortcut", ScalarShortcut.INSTANCE);
    public static final OptimOps OPTIM = pick("VectorOptim", ScalarOptim.INSTANCE);

    private Kernels() {
    }

    /** One line for logs and benchmark reports: which implementation runs, the vector shape, the threads. */
    public static String describe() {
        return (VECTOR ? "Vector API " + vectorSpecies() : "scalar (jdk.incubator.vector not present)")
                + ", threads=" + Parallel.threads()
                + ", gemm=" + GEMM.getClass().getSimpleName()
                + ", conv=" + CONV.getClass().getSimpleName();
    }

    private static String vectorSpecies() {
        try {
            Class<?> c = Class.forName("io.resnet4j.kernels.vector.Simd");
            return String.valueOf(c.getMethod("describe").invoke(null));
        } catch (ReflectiveOperationException e) {
            return "(species unknown)";
        }
    }

    private static boolean detectVector() {
        if ("scalar".equals(System.getProperty("resnet4j.kernels"))) {
            return false;
        }
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    @SuppressWarnings("unchecked")
    private static <T> T pick(String vectorClass, T scalar) {
        if (!VECTOR) {
            return scalar;
        }
        try {
            Class<?> c = Class.forName("io.resnet4j.kernels.vector." + vectorClass);
            return (T) c.getField("INSTANCE").get(null);
        } catch (ClassNotFoundException e) {
            return scalar;
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("cannot load the Vector API kernel " + vectorClass, e);
        }
    }
}
