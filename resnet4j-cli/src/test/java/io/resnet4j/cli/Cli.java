package io.resnet4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@link Main} in-process with captured stdout and stderr. */
final class Cli {
    record Result(int exitCode, String out, String err) {
        /** The non-empty lines of stderr. */
        String[] errLines() {
            return err.lines().filter(l -> !l.isBlank()).toArray(String[]::new);
        }
    }

    private Cli() {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out, true); PrintWriter e = new PrintWriter(err, true)) {
            code = Main.execute(args, o, e);
        }
        return new Result(code, out.toString(), err.toString());
    }
}
