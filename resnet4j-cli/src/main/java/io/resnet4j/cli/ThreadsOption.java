package io.resnet4j.cli;

import io.resnet4j.kernels.Parallel;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code --threads T}: the size of the kernel thread pool, set once at the edge of the program. */
final class ThreadsOption {
    static final int MAX_THREADS = 1024;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    private Integer threads;

    @Option(names = "--threads", paramLabel = "T",
            description = "Kernel threads (default: one per core). "
                    + "Results are bitwise the same for any T.")
    void setThreads(int value) {
        if (value < 1 || value > MAX_THREADS) {
            throw new ParameterException(mixee.commandLine(),
                    "--threads must be between 1 and " + MAX_THREADS + ", got " + value);
        }
        threads = value;
    }

    /** Resizes the kernel pool when {@code --threads} was given; returns the threads in use. */
    int apply() {
        if (threads != null) {
            Parallel.setThreads(threads);
        }
        return Parallel.threads();
    }
}
