package io.resnet4j.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one thread pool of resnet4j: kernels split their work into a number of tasks that depends only on
 * the problem's shape (never on the thread count), and {@link #forEach} runs them on the calling thread
 * plus {@code threads - 1} workers. Each task writes its own part of the output, so results are bitwise
 * the same on any number of threads.
 *
 * <p>The thread count is set once at the edge of the program ({@link #setThreads}); kernels read it, nothing
 * else does. A nested call, or a call while another thread is using the pool, runs inline.
 */
public final class Parallel {

    /** One unit of a kernel's work. */
    @FunctionalInterface
    public interface Task {
        void run(int index);
    }

    private static volatile Parallel pool = new Parallel(Runtime.getRuntime().availableProcessors());

    /** Spins of an idle thread before it parks (about 0.1 ms on Zen 3; small kernels come back to back). */
    private static final int SPINS = 4_000;
    /** Task index of a finished job: no claim can succeed any more. */
    private static final long CLOSED = Integer.MAX_VALUE;

    private final int threads;
    private final Worker[] workers;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * (job generation << 32) | next unclaimed task index. A task is claimed by a compare-and-set that keeps the
     * generation, so a thread still holding an older job's body cannot claim a task of a newer one.
     */
    private final AtomicLong control = new AtomicLong();
    /** Tasks of the current job that have finished. */
    private final AtomicInteger done = new AtomicInteger();
    private volatile Task body;
    private volatile int taskCount;
    private volatile Throwable failure;
    private volatile Thread caller;

    private Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int t = 0; t < workers.length; t++) {
            workers[t] = new Worker(this, t);
            workers[t].start();
        }
    }

    /** Replaces the pool with one of {@code threads} threads (the caller counts as one). */
    public static synchronized void setThreads(int threads) {
        Parallel old = pool;
        if (old.threads == threads) {
            return;
        }
        pool = new Parallel(threads);
        old.shutdown();
    }

    public static int threads() {
        return pool.threads;
    }

    /** Runs {@code body.run(i)} for every i in [0, tasks), spread over the pool; returns when all are done. */
    public static void forEach(int tasks, Task body) {
        pool.run(tasks, body);
    }

    /**
     * Publishes the job, claims tasks on the calling thread like any worker, then waits only for the tasks
     * other threads have claimed and not finished. A worker that wakes late (the machine is busy) finds no task
     * left and costs the caller nothing: the caller never waits for a thread to check in.
     */
    private void run(int tasks, Task task) {
        if (tasks <= 0) {
            return;
        }
        if (tasks == 1 || workers.length == 0 || Thread.currentThread() instanceof Worker || lock.isHeldByCurrentThread()
                || !lock.tryLock()) {
            for (int i = 0; i < tasks; i++) {
                task.run(i);
            }
            return;
        }
        try {
            long generation = (control.get() >>> 32) + 1;
            body = task;
            taskCount = tasks;
            failure = null;
            caller = Thread.currentThread();
            done.set(0);
            control.set(generation << 32);
            for (Worker w : workers) {
                if (w.sleeping) {
                    LockSupport.unpark(w);
                }
            }
            claim(generation, task, tasks, null);
            int spins = 0;
            while (done.get() < tasks) {
                if (++spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 20_000);
                }
            }
            control.set(generation << 32 | CLOSED);
            body = null;
            Throwable t = failure;
            if (t != null) {
                if (t instanceof RuntimeException re) {
                    throw re;
                }
                if (t instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException(t);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Claims and runs tasks of job {@code generation} until none is left; the thread finishing the last task
     * wakes {@code owner} (null: the caller itself). A failed task still counts as done; the first failure is
     * rethrown by the caller.
     */
    private void claim(long generation, Task task, int tasks, Thread owner) {
        while (true) {
            long c = control.get();
            int i = (int) (c & 0xffffffffL);
            if (c >>> 32 != generation || i >= tasks) {
                return;
            }
            if (!control.compareAndSet(c, c + 1)) {
                continue;
            }
            try {
                task.run(i);
            } catch (Throwable t) {
                failure = t;
            }
            if (done.incrementAndGet() == tasks && owner != null) {
                LockSupport.unpark(owner);
            }
        }
    }

    private void shutdown() {
        for (Worker w : workers) {
            w.interrupt();
        }
    }

    private static final class Worker extends Thread {
        private final Parallel owner;
        /** Set while parked (or about to park): the caller unparks only sleeping workers. */
        volatile boolean sleeping;

        Worker(Parallel owner, int index) {
            super("resnet4j-kernel-" + (index + 1));
            this.owner = owner;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = owner.control.get() >>> 32;
            int spins = 0;
            while (!isInterrupted()) {
                long generation = owner.control.get() >>> 32;
                if (generation == seen) {
                    if (++spins < SPINS) {
                        Thread.onSpinWait();
                    } else {
                        sleeping = true;
                        if (owner.control.get() >>> 32 == seen) {
                            LockSupport.park(owner);
                        }
                        sleeping = false;
                        spins = 0;
                    }
                    continue;
                }
                seen = generation;
                spins = 0;
                // body and taskCount were written before the generation was published; if they already belong
                // to a newer job, job `generation` is closed and no claim below succeeds
                Task task = owner.body;
                int tasks = owner.taskCount;
                Thread caller = owner.caller;
                if (task != null) {
                    owner.claim(generation, task, tasks, caller);
                }
            }
        }
    }
}
