package io.resnet4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pool runs every task of every job exactly once, also when workers wake late, and reports failures. */
class ParallelTest {
    private int before;

    @BeforeEach
    void remember() {
        before = Parallel.threads();
    }

    @AfterEach
    void restore() {
        Parallel.setThreads(before);
    }

    @Test
    void everyTaskOfEveryJobRunsOnce() {
        for (int threads : new int[]{2, 3}) {
            Parallel.setThreads(threads);
            SplittableRandom rng = new SplittableRandom(threads);
            for (int job = 0; job < 3000; job++) {
                int tasks = 1 + rng.nextInt(40);
                // some jobs have slow tasks, so that late or slow threads overlap the next job's start
                int work = rng.nextInt(4) == 0 ? 20_000 : 0;
                AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
                Parallel.forEach(tasks, i -> {
                    spin(work);
                    runs.incrementAndGet(i);
                });
                for (int i = 0; i < tasks; i++) {
                    assertThat(runs.get(i)).as("job %d (%d tasks, %d threads), task %d", job, tasks, threads, i)
                            .isEqualTo(1);
                }
            }
        }
    }

    @Test
    void failureIsRethrownAndThePoolStaysUsable() {
        Parallel.setThreads(2);
        assertThatThrownBy(() -> Parallel.forEach(8, i -> {
            if (i == 5) {
                throw new IllegalStateException("task 5 failed");
            }
        })).isInstanceOf(IllegalStateException.class).hasMessage("task 5 failed");
        AtomicIntegerArray runs = new AtomicIntegerArray(8);
        Parallel.forEach(8, runs::incrementAndGet);
        for (int i = 0; i < 8; i++) {
            assertThat(runs.get(i)).isEqualTo(1);
        }
    }

    @Test
    void nestedCallsRunInline() {
        Parallel.setThreads(2);
        AtomicIntegerArray runs = new AtomicIntegerArray(4 * 5);
        Parallel.forEach(4, i -> Parallel.forEach(5, j -> runs.incrementAndGet(i * 5 + j)));
        for (int i = 0; i < runs.length(); i++) {
            assertThat(runs.get(i)).isEqualTo(1);
        }
    }

    private static void spin(int n) {
        long x = 0;
        for (int i = 0; i < n; i++) {
            x += i ^ (x >>> 3);
        }
        if (x == 42) {
            System.out.print("");
        }
    }
}
