package io.resnet4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Shared plumbing of the subcommands: the output streams and flag validation that ends in one line + exit 2. */
abstract class BaseCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** A bad flag value: reported like a parse error (one line naming the flag, exit code 2). */
    ParameterException badFlag(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    int requireRange(String flag, int value, int min, int max) {
        if (value < min || value > max) {
            throw badFlag(flag + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    double requireRange(String flag, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw badFlag(flag + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }
}
