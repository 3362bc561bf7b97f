package io.resnet4j.train;

/**
 * Training stopped because the loss or a gradient became NaN or infinite, or the test loss after an epoch did.
 * The message names the step and the first parameter (in registration order, i.e. from the input side) whose
 * gradient is not finite, or the test loss; the checkpoints of that epoch are not written.
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

    /** 1-based iteration within the epoch (the epoch's last when the test loss is not finite). */
    public int iteration() {
        return iteration;
    }

    /**
     * 0-based optimiser step of the run at which it happened (the step was not taken); for a non-finite test
     * loss, the steps taken up to the evaluation.
     */
    public long step() {
        return step;
    }

    /** The first parameter whose gradient is not finite, or null when the (training or test) loss is not finite. */
    public String parameter() {
        return parameter;
    }
}
