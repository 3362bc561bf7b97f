package io.resnet4j.data;

/** Seed derivation for the loader: independent streams per (seed, epoch[, example]) by SplitMix64 mixing. */
final class Seeds {
    private static final long SHUFFLE = 0x5348554646_4C45L;   // stream tags keep shuffle and augmentation apart
    private static final long AUGMENT = 0x4155474D454E54L;

    private Seeds() {
    }

    /** Seed of the epoch's shuffle. */
    static long shuffle(long seed, int epoch) {
        return mix(mix(seed ^ SHUFFLE) + epoch);
    }

    /** Seed of the augmentation of example {@code index} in epoch {@code epoch}. */
    static long example(long seed, int epoch, int index) {
        return mix(mix(mix(seed ^ AUGMENT) + epoch) + index);
    }

    /** SplitMix64's finaliser (Steele, Lea, Flood 2014): a bijection that scatters nearby inputs. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
