package io.resnet4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorSpecies;

/** The vector shape every Vector API kernel uses, read once: the machine's preferred float species. */
public final class Simd {
    /** 8 lanes on AVX2, 16 on AVX-512. */
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    public static final int LANES = F.length();

    /**
     * F's vector class (Float512Vector on AVX-512; not public), a constant to C2. The micro-kernels, WeightOuter,
     * PositionTiles and DirectConv cast their accumulators to it before storing them, {@code c = (FloatVector)
     * VECTOR_CLASS.cast(c)}, and C2 knows their exact class while it parses (DirectConv's casts measured level in the
     * twenty-first session, 2-4% of resnet20 training in the thirteenth). It parses a big kernel's vector calls before
     * it has inlined the calls that produced their receivers, so
     * the accumulators reach intoArray typed as FloatVector, and without the exact class C2 inlines intoArray only
     * behind a type-profile guard. When the class-check traps that C2 adds up over every method it inlines into one
     * compilation pass PerMethodTrapLimit (100), it makes a virtual call instead: the store intrinsic fails and every
     * vector is boxed (25-106 GB per 1000 convolution passes, 1 JVM in 4 of the engine's tests on JDK 17;
     * ARCHITECTURE.md, "Exact vector classes"). Class.cast of a constant class is intrinsified while parsing.
     */
    public static final Class<? extends Vector<Float>> VECTOR_CLASS = F.vectorType();

    private Simd() {
    }

    public static String describe() {
        return F.toString() + " (" + LANES + " floats, " + F.vectorBitSize() + "-bit)";
    }
}
