package io.resnet4j.train;

/**
 * Training stopped because the loss or a gradient became NaN or infinite. The message names the step and the
 * first parameter (in registration order, i.e. from the input side) whose gradient is not finite.
 */
public final class TrainingDivergedException extends RuntimeException {
    private final int epoch;
    private final int iteration;
    private final long step;
    private final String parameter;

    TrainingDivergedException(String message, int epoch, int iteration, long step, String parameter) {
        super(message);
        this.epoch = epoch;
        this.iteration = iteration;
        this.step = step;
        this.parameter = parameter;
    }

    /** 1-based epoch. */
    public int epoch() {
        return epoch;
    }

    /** 1-based iteration within the epoch. */
    public int iteration() {
        return iteration;
    }

    /** 0-based optimiser step of the run at which it happened (the step was not taken). */
    public long step() {
        return step;
    }

    /** The first parameter whose gradient is not finite, or null when the loss itself is not finite. */
    public String parameter() {
        return parameter;
    }
}
