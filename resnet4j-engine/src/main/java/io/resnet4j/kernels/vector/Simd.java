package io.resnet4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** The vector shape every Vector API kernel uses, read once: the machine's preferred float species. */
public final class Simd {
    /** 8 lanes on AVX2, 16 on AVX-512. */
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    public static final int LANES = F.length();

    private Simd() {
    }

    public static String describe() {
        return F.toString() + " (" + LANES + " floats, " + F.vectorBitSize() + "-bit)";
    }
}
