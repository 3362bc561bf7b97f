package io.resnet4j.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.io.OutputStreamWriter;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code resnet4j} command. Subcommands print results on stdout; every failure ends with one line on
 * stderr (see {@link ErrorPolicy}): exit code 2 for bad input, 1 for a fault of ours.
 */
@Command(name = "resnet4j",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Deep residual networks in pure Java: train, evaluate, run and inspect ResNets on the CPU.",
        subcommands = {
            TrainCommand.class,
            EvalCommand.class,
            PredictCommand.class,
            SummaryCommand.class,
            ModelsCommand.class,
            BenchCommand.class,
            DatasetsCommand.class,
            ReportCommand.class,
            ExportCommand.class,
            ExperimentCommand.class,
            CommandLine.HelpCommand.class
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j train                       # resnet20 on Fashion-MNIST, a few minutes on 2 cores",
            "  ./resnet4j models                      # every model with its parameter count",
            "  ./resnet4j summary --model resnet50    # the layer table",
            "  ./resnet4j train --help                # the options of one command"
        })
public final class Main implements Runnable {

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print the stack trace of an error (also: RESNET4J_DEBUG=1).")
    boolean debug;

    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int code = execute(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs the command line with the given streams and returns the exit code (no {@code System.exit}). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        Locale.setDefault(Locale.ROOT);
        CommandLine cl = commandLine(out, err);
        try {
            return cl.execute(args);
        } catch (Throwable t) {
            // picocli hands Errors (OutOfMemoryError, StackOverflowError) through: they get the same one line.
            Main main = cl.getCommand();
            return ErrorPolicy.report(t, err, main.debug);
        }
    }

    /** The configured picocli command line: streams, and the error policy for parse and run failures. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Path.of("") is the current directory: an empty path option would quietly mean "here".
        cl.registerConverter(Path.class, s -> {
            if (s.isBlank()) {
                throw new CommandLine.TypeConversionException("the path is empty; give a file or directory name");
            }
            return Path.of(s);
        });
        cl.setUsageHelpAutoWidth(false);
        cl.setUsageHelpWidth(100);
        cl.setParameterExceptionHandler((ex, args) -> {
            err.println("error: " + ErrorPolicy.oneLine(describe(ex)));
            if (main.debug || ErrorPolicy.debugFromEnvironment()) {
                ex.printStackTrace(err);
            }
            err.flush();
            return ErrorPolicy.BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) ->
                ErrorPolicy.report(ex, err, main.debug));
        return cl;
    }

    /** One line for a picocli parse error, naming the flag and pointing at the command's help. */
    private static String describe(ParameterException ex) {
        CommandLine where = ex.getCommandLine();
        String path = qualifiedName(where);
        String help = " (see '" + path + " --help')";
        if (ex instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String arg = u.getUnmatched().get(0);
            List<String> suggestions = u.getSuggestions();
            String hint = suggestions.isEmpty() ? "" : "; did you mean " + String.join(" or ", suggestions) + "?";
            if (!arg.startsWith("-") && !where.getSubcommands().isEmpty()) {
                return "unknown command '" + arg + "'" + hint + " Commands: "
                        + String.join(", ", where.getSubcommands().keySet()) + help;
            }
            if (arg.startsWith("-")) {
                return "unknown option '" + arg + "' for '" + path + "'" + hint + help;
            }
            return "unexpected argument '" + arg + "' for '" + path + "'" + hint + help;
        }
        String msg = ex.getMessage();
        return (msg == null ? "invalid arguments" : msg) + help;
    }

    static String qualifiedName(CommandLine cl) {
        return cl.getCommandSpec().qualifiedName(" ");
    }
}
