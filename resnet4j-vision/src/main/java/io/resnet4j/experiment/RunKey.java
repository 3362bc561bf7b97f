package io.resnet4j.experiment;

/** One trained network of the experiment: a kind, a depth and a seed. */
public record RunKey(NetKind kind, int depth, long seed) {
    public RunKey {
        java.util.Objects.requireNonNull(kind, "kind");
    }

    /** {@code plain20}, {@code resnet56}. */
    public String net() {
        return kind.id() + depth;
    }

    /** The run's directory name under {@code runs/}: {@code plain20-seed1}. */
    public String dirName() {
        return net() + "-seed" + seed;
    }

    @Override
    public String toString() {
        return net() + " (seed " + seed + ")";
    }
}
