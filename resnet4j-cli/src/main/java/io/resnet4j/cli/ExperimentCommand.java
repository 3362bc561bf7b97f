package io.resnet4j.cli;

import io.resnet4j.cli.experiment.DegradationReport;
import io.resnet4j.data.ArrayDataset;
import io.resnet4j.data.DataConfig;
import io.resnet4j.experiment.DegradationConfig;
import io.resnet4j.experiment.DegradationExperiment;
import io.resnet4j.experiment.DegradationResults;
import io.resnet4j.experiment.EpochRecord;
import io.resnet4j.experiment.ExperimentData;
import io.resnet4j.experiment.RunKey;
import io.resnet4j.kernels.Kernels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet4j experiment}: the paper's experiments; {@code degradation} is the plain-vs-residual depth study. */
@Command(name = "experiment",
        description = "Reproduce the experiments of He et al. 2015 (see docs/experiment.md).",
        mixinStandardHelpOptions = true,
        subcommands = {ExperimentCommand.Degradation.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j experiment degradation --help",
            "  ./resnet4j experiment degradation --depths 20,56 --epochs 2 --subset 1000 --test-subset 500"
        })
final class ExperimentCommand implements Runnable {
    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code resnet4j experiment degradation}: plain nets and their ResNet twins of several depths, one recipe. */
    @Command(name = "degradation",
            description = {
                "Train every depth as a plain net and as its ResNet twin (same layers, same initial weights, same batches) "
                        + "and record per epoch the training and test error, and per layer the gradient norm (at "
                        + "initialisation and during training) and the response std (He et al. 2015 Fig. 6 and 7).",
                "Writes experiment.json, results.jsonl (one line per finished epoch), runs/<net>-seed<s>/ checkpoints and "
                        + "report/ (errors.png, gradient-norms.png, response-std.png, report.md, report.html) into --out.",
                "Interrupt at any time and run the same command again: finished networks are skipped, an interrupted one "
                        + "continues from its last finished epoch."
            },
            mixinStandardHelpOptions = true,
            sortOptions = false,
            footerHeading = "%nExamples:%n",
            footer = {
                "  # a quick look (minutes): two shallow depths, small subsets",
                "  ./resnet4j experiment degradation --depths 8,14 --epochs 1 --subset 500 --test-subset 200",
                "  # the run recorded in RESULTS.md (about 1.5 h on 2 shared cores)",
                "  ./resnet4j experiment degradation --dataset fashion-mnist --depths 20,32,44,56 --epochs 4 \\",
                "      --seeds 1 --subset 1536 --test-subset 768 --batch 32 --lr 0.05 --schedule cosine \\",
                "      --probe-images 256 --out runs/degradation-fashion-mnist",
                "  # the paper's setting (days on a CPU), three seeds",
                "  ./resnet4j experiment degradation --dataset cifar10 --epochs 164 --seeds 3",
                "  # redraw the report of an experiment directory",
                "  ./resnet4j experiment degradation --out runs/degradation-fashion-mnist --report-only"
            })
    static final class Degradation extends BaseCommand {
        /** What an interrupted experiment tells when its directory stays. */
        static String continueNote(Path dir) {
            return dir + " is kept; run the same command again to continue (finished networks are skipped)";
        }

        @Mixin
        ThreadsOption threads;

        @Mixin
        DataOptions data;

        @Option(names = "--depths", paramLabel = "D", split = ",", defaultValue = "20,32,44,56",
                description = "Depths 6n+2, ascending (default: ${DEFAULT-VALUE}).")
        List<Integer> depths;

        @Option(names = "--epochs", paramLabel = "E", defaultValue = "4", description = "Epochs per network (default: ${DEFAULT-VALUE}).")
        int epochs;

        @Option(names = "--seeds", paramLabel = "N|S,S,...", defaultValue = "1",
                description = "N = seeds 1..N, or a comma-separated list of seeds (default: ${DEFAULT-VALUE}).")
        String seeds;

        @Option(names = "--subset", paramLabel = "N", defaultValue = "0",
                description = "Train on N training images, class-balanced (default: all).")
        int subset;

        @Option(names = "--test-subset", paramLabel = "N", defaultValue = "0",
                description = "Evaluate on N test images, class-balanced (default: all).")
        int testSubset;

        @Option(names = "--batch", paramLabel = "B", defaultValue = "128", description = "Images per step (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--lr", paramLabel = "LR", defaultValue = "0.1", description = "Initial learning rate (default: ${DEFAULT-VALUE}).")
        double lr;

        @Option(names = "--schedule", paramLabel = "S", defaultValue = "step",
                description = "step (÷10 at 50%% and 75%% of the epochs, as the paper), cosine or constant (default: step).")
        DegradationConfig.Schedule schedule;

        @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
        double momentum;

        @Option(names = "--weight-decay", paramLabel = "WD", defaultValue = "1e-4",
                description = "L2 weight decay on every parameter (default: ${DEFAULT-VALUE}, as the paper).")
        double weightDecay;

        @Option(names = "--augment", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Pad 4, random crop and horizontal flip of training images (default: on; --no-augment).")
        boolean augment;

        @Option(names = "--probe-epochs", paramLabel = "E", split = ",",
                description = "Epochs after which gradient norms and response std are measured (default: first, middle, last).")
        List<Integer> probeEpochs;

        @Option(names = "--probe-images", paramLabel = "N", defaultValue = "512",
                description = "Training images whose loss gradient is probed (default: ${DEFAULT-VALUE}).")
        int probeImages;

        @Option(names = "--out", paramLabel = "DIR", description = "Experiment directory (default: runs/degradation-<dataset>).")
        Path out;

        @Option(names = "--report-only", description = "Only rebuild the report from the files in --out.")
        boolean reportOnly;

        @Override
        public Integer call() {
            requireRange("--epochs", epochs, 1, 100_000);
            requireRange("--batch", batch, 2, 65536);
            requireRange("--lr", lr, 1e-8, 100);
            requireRange("--momentum", momentum, 0, 0.9999);
            requireRange("--weight-decay", weightDecay, 0, 1);
            requireRange("--subset", subset, 0, Integer.MAX_VALUE);
            requireRange("--test-subset", testSubset, 0, Integer.MAX_VALUE);
            requireRange("--probe-images", probeImages, 2, 1_000_000);
            if (reportOnly) {
                if (out == null) {
                    throw badFlag("--report-only needs --out DIR (the experiment directory)");
                }
                return report(out);
            }
            List<Long> seedList = parseSeeds(seeds);
            List<Path> created = new ArrayList<>();
            if (out != null) {
                // Checked (and created) before the data is loaded and hours of training start.
                created.addAll(UserFiles.requireWritableDirectory("--out", out));
            }
            // Ctrl-C or SIGTERM, as a failure, removes the directories created while they are empty; files are kept for
            // a rerun
            try (Interrupts.Cleanup interrupted = Interrupts.Cleanup.install(err())) {
                if (out != null) {
                    interrupted.watch(out, created, continueNote(out));
                }
                return run(seedList, created, interrupted);
            } catch (Throwable t) {
                UserFiles.removeIfEmpty(created);   // a failed experiment leaves no empty directory behind
                throw t;
            }
        }

        /** The experiment; directories it creates are added to created, and watched by interrupted. */
        private int run(List<Long> seedList, List<Path> created, Interrupts.Cleanup interrupted) {
            DegradationConfig config;
            DataConfig dataConfig = data.config(err());
            DataChoice choice = DataChoice.resolve(data.dataset, data.dataDir, dataConfig, true, 32);   // folders are refused below
            if (!(choice.train() instanceof ArrayDataset train) || !(choice.test() instanceof ArrayDataset test)) {
                throw new UserError("--dataset " + data.dataset + ": the experiment needs a dataset held in memory "
                        + "(fashion-mnist, mnist, cifar-10, cifar-100 or bundled), not image folders");
            }
            Path dir = out != null ? out : Path.of("runs", "degradation-" + choice.id());
            if (out == null) {
                created.addAll(UserFiles.requireWritableDirectory("the experiment directory", dir));
                interrupted.watch(dir, created, continueNote(dir));
            }
            try {
                config = new DegradationConfig(depths, seedList, epochs, batch, lr, schedule, momentum, weightDecay, augment,
                        subset, testSubset, probeEpochs == null ? DegradationConfig.defaultProbeEpochs(epochs) : probeEpochs,
                        probeImages, dir);
            } catch (IllegalArgumentException e) {
                throw badFlag(e.getMessage());
            }
            int threadCount = threads.apply();
            DegradationExperiment experiment = new DegradationExperiment(config,
                    new ExperimentData(choice.id(), train, test, choice.normalization()));
            out().println("data:    " + choice.description());
            out().println(String.format(Locale.ROOT, "used:    %,d training / %,d test images; %d networks (%s), %d epoch(s) each",
                    experiment.data().train().size(), experiment.data().test().size(), config.runs().size(),
                    depthsText(config), epochs));
            out().println("kernels: " + Kernels.describe() + " (" + threadCount + " thread(s))");
            out().println("out:     " + dir + (Files.exists(dir.resolve(DegradationExperiment.CONFIG_FILE))
                    ? " (resuming: finished networks are skipped)" : ""));
            out().flush();
            long t0 = System.nanoTime();
            experiment.run(new DegradationExperiment.Listener() {
                @Override
                public void onRunStart(RunKey key, int index, int total, int fromEpoch) {
                    out().println(String.format(Locale.ROOT, "[%d/%d] %s seed %d%s", index + 1, total, key.net(), key.seed(),
                            fromEpoch > 0 ? ", resuming after epoch " + fromEpoch : ""));
                    out().flush();
                }

                @Override
                public void onRunSkipped(RunKey key, int index, int total) {
                    out().println(String.format(Locale.ROOT, "[%d/%d] %s seed %d: finished before, skipped", index + 1, total,
                            key.net(), key.seed()));
                }

                @Override
                public void onEpoch(EpochRecord r) {
                    if (r.epoch() == 0) {
                        return;
                    }
                    out().println(String.format(Locale.ROOT, "  epoch %d/%d  train err %.2f%%  test err %.2f%%  (%.0f s%s)",
                            r.epoch(), epochs, 100 * r.trainError(), 100 * r.testError(),
                            r.trainSeconds() + r.evalSeconds() + r.probeSeconds(),
                            r.gradNorms() != null ? ", layers probed" : ""));
                    out().flush();
                }
            });
            out().println(String.format(Locale.ROOT, "done in %.1f min", (System.nanoTime() - t0) / 6e10));
            return report(dir);
        }

        private int report(Path dir) {
            DegradationResults r;
            try {
                r = DegradationResults.load(dir);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage(), e);
            }
            List<Path> files = DegradationReport.write(dir);
            out().println();
            out().print(r.markdownTable());
            out().println();
            out().println("report: " + dir.resolve(DegradationReport.DIR).resolve(DegradationReport.HTML));
            out().println("        " + files.size() + " files in " + dir.resolve(DegradationReport.DIR));
            return ErrorPolicy.OK;
        }

        private static String depthsText(DegradationConfig c) {
            List<String> s = new ArrayList<>();
            for (int d : c.depths()) {
                s.add(String.valueOf(d));
            }
            return "plain and ResNet of depth " + String.join(", ", s) + " × " + c.seeds().size() + " seed(s)";
        }

        /** "N" = seeds 1..N; "a,b,c" = those seeds. */
        List<Long> parseSeeds(String text) {
            List<Long> out = new ArrayList<>();
            try {
                if (!text.contains(",")) {
                    long n = Long.parseLong(text.trim());
                    if (n < 1 || n > 100) {
                        throw badFlag("--seeds N must be between 1 and 100 (or give a list: --seeds 3,7), got " + text);
                    }
                    for (long s = 1; s <= n; s++) {
                        out.add(s);
                    }
                    return out;
                }
                for (String p : text.split(",")) {
                    out.add(Long.parseLong(p.trim()));
                }
            } catch (NumberFormatException e) {
                throw badFlag("--seeds takes a count N or a comma-separated list of integers, got '" + text + "'");
            }
            return out;
        }
    }
}
