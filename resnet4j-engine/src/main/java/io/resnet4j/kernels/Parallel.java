package io.resnet4j.kernels;

import java.util.concurrent.atomic.AtomicInteger;
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

    private final int threads;
    private final Worker[] workers;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private volatile Task body;
    private volatile int taskCount;
    private volatile long generation;
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

    private void run(int tasks, Task task) {
        if (tasks <= 0) {
            return;
        }
        if (tasks == 1 || workers.length == 0 || Thread.currentThread() instanceof Worker || !lock.tryLock()) {
            for (int i = 0; i < tasks; i++) {
                task.run(i);
            }
            return;
        }
        try {
            body = task;
            taskCount = tasks;
            failure = null;
            caller = Thread.currentThread();
            next.set(0);
            running.set(workers.length);
            generation++;
            for (Worker w : workers) {
                LockSupport.unpark(w);
            }
            work();
            int spins = 0;
            while (running.get() > 0) {
                if (++spins < 20_000) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 50_000);
                }
            }
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

    private void work() {
        Task task = body;
        int tasks = taskCount;
        for (int i = next.getAndIncrement(); i < tasks; i = next.getAndIncrement()) {
            try {
                task.run(i);
            } catch (Throwable t) {
                failure = t;
                next.set(tasks);
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

        Worker(Parallel owner, int index) {
            super("resnet4j-kernel-" + (index + 1));
            this.owner = owner;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (!isInterrupted()) {
                int spins = 0;
                while (owner.generation == seen) {
                    if (++spins < 20_000) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(owner);
                        if (isInterrupted()) {
                            return;
                        }
                    }
                }
                seen = owner.generation;
                owner.work();
                if (owner.running.decrementAndGet() == 0) {
                    LockSupport.unpark(owner.caller);
                }
            }
        }
    }
}
