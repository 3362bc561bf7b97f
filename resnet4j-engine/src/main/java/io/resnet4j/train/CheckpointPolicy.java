package io.resnet4j.train;

/**
 * Which checkpoints a run writes into its directory, each atomically (temporary file, fsync, rename).
 *
 * @param last      after every epoch, {@code last.safetensors}: the full training state, for exact resume
 * @param best      {@code best.safetensors}: the weights with the best test accuracy so far (the EMA weights
 *                  when EMA is on, since those are the ones evaluated), loadable as a plain model
 * @param keepEvery also keep {@code epoch-NNNN.safetensors} (full state) every that many epochs; 0 = never
 */
public record CheckpointPolicy(boolean last, boolean best, int keepEvery) {
    public CheckpointPolicy {
        if (keepEvery < 0) {
            throw new IllegalArgumentException("keepEvery must be >= 0 (0 = never), got " + keepEvery);
        }
    }

    /** last and best, no numbered copies. */
    public static CheckpointPolicy standard() {
        return new CheckpointPolicy(true, true, 0);
    }

    /** No files (tests, benchmarks); metrics.jsonl is still written. */
    public static CheckpointPolicy none() {
        return new CheckpointPolicy(false, false, 0);
    }
}
