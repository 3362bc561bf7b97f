package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;

/**
 * How the memory-bound kernels of this package cut their work into {@link Parallel} tasks: a run of
 * {@code units} equal units (channels, planes, blocks of elements) is grouped into tasks of {@link #grain}
 * consecutive units, so that each task touches at least {@link #MIN_TASK_FLOATS} floats. The grouping depends
 * only on the shape, never on the thread count, so every task computes the same thing on 1 or N threads.
 *
 * <p>Callers run the whole range inline when {@code grain >= units}, and otherwise put the call's arguments in
 * this thread's {@link Args} and pass a lambda that captures nothing and reads them: a capturing lambda would be
 * an object per call, hundreds per training step, where the design allocates nothing in steady state.
 */
final class Split {
    /** Below this many floats (128 KiB) a pool hand-off costs more than it saves. */
    static final int MIN_TASK_FLOATS = 1 << 15;

    /** A contiguous range [from, to) of units, with the call's arguments. */
    @FunctionalInterface
    interface Range {
        void run(Args args, int from, int to);
    }

    /**
     * The arguments of one split call, in the kernel's parameter order: arrays x0.., their offsets o0.., other
     * ints i0.., one float, one flag, one int array, one object. One per thread, reused; {@link #run} clears the
     * references when the call ends.
     */
    static final class Args implements Parallel.Task {
        float[] x0, x1, x2, x3, x4, x5, x6, x7, x8, x9;
        int o0, o1, o2, o3;
        int i0, i1, i2, i3, i4;
        float f;
        boolean flag;
        int[] ints;
        Object ref;
        private Range body;
        private int units, grain;
        private boolean busy;

        @Override
        public void run(int t) {
            body.run(this, t * grain, Math.min(units, (t + 1) * grain));
        }

        private void clear() {
            x0 = x1 = x2 = x3 = x4 = x5 = x6 = x7 = x8 = x9 = null;
            ints = null;
            ref = null;
            body = null;
            busy = false;
        }
    }

    private static final ThreadLocal<Args> ARGS = ThreadLocal.withInitial(Args::new);

    private Split() {
    }

    /** Units per task: enough that a task covers {@link #MIN_TASK_FLOATS} floats; at least 1. */
    static int grain(int units, long floatsPerUnit) {
        long g = (MIN_TASK_FLOATS + Math.max(floatsPerUnit, 1) - 1) / Math.max(floatsPerUnit, 1);
        return (int) Math.min(Math.max(g, 1), Math.max(units, 1));
    }

    /** This thread's argument holder, to fill before {@link #run}; a fresh one if a split call on it is under way. */
    static Args args() {
        Args a = ARGS.get();
        if (a.busy) {
            return new Args();
        }
        a.busy = true;
        return a;
    }

    /** Runs {@code body} over [0, units) in tasks of {@code grain} units on the pool, with {@code args} from {@link #args}. */
    static void run(int units, int grain, Args args, Range body) {
        args.body = body;
        args.units = units;
        args.grain = grain;
        try {
            Parallel.forEach((units + grain - 1) / grain, args);
        } finally {
            args.clear();
        }
    }
}
