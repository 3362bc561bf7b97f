package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;

/**
 * How the memory-bound kernels of this package cut their work into {@link Parallel} tasks: a run of
 * {@code units} equal units (channels, planes, blocks of elements) is grouped into tasks of {@link #grain}
 * consecutive units, so that each task touches at least {@link #MIN_TASK_FLOATS} floats. The grouping depends
 * only on the shape, never on the thread count, so every task computes the same thing on 1 or N threads.
 *
 * <p>Callers run the whole range inline when {@code grain >= units} (no lambda, no allocation), and otherwise
 * pass a capturing lambda to {@link #run}: one small object per call, no arrays.
 */
final class Split {
    /** Below this many floats (128 KiB) a pool hand-off costs more than it saves. */
    static final int MIN_TASK_FLOATS = 1 << 15;

    /** A contiguous range [from, to) of units. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    private Split() {
    }

    /** Units per task: enough that a task covers {@link #MIN_TASK_FLOATS} floats; at least 1. */
    static int grain(int units, long floatsPerUnit) {
        long g = (MIN_TASK_FLOATS + Math.max(floatsPerUnit, 1) - 1) / Math.max(floatsPerUnit, 1);
        return (int) Math.min(Math.max(g, 1), Math.max(units, 1));
    }

    /** Runs {@code body} over [0, units) in tasks of {@code grain} units on the pool. */
    static void run(int units, int grain, Range body) {
        int tasks = (units + grain - 1) / grain;
        Parallel.forEach(tasks, t -> body.run(t * grain, Math.min(units, (t + 1) * grain)));
    }
}
