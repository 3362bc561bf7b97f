package io.resnet4j.cli;

import io.resnet4j.io.AtomicFiles;
import io.resnet4j.cli.progress.TrainingProgress;
import io.resnet4j.cli.report.ConfusionMatrix;
import io.resnet4j.cli.report.MetricsFile;
import io.resnet4j.cli.report.RunReport;
import io.resnet4j.data.Augmentation;
import io.resnet4j.data.DataConfig;
import io.resnet4j.data.DataLoader;
import io.resnet4j.data.Dataset;
import io.resnet4j.data.LoaderConfig;
import io.resnet4j.io.CheckpointException;
import io.resnet4j.io.Json;
import io.resnet4j.kernels.Kernels;
import io.resnet4j.models.ModelCheckpoint;
import io.resnet4j.models.ModelRegistry;
import io.resnet4j.models.ResNet;
import io.resnet4j.models.ResNetSpec;
import io.resnet4j.nn.Sequential;
import io.resnet4j.optim.LrSchedule;
import io.resnet4j.optim.SgdConfig;
import io.resnet4j.train.Batch;
import io.resnet4j.train.BatchProgress;
import io.resnet4j.train.EpochMetrics;
import io.resnet4j.train.TrainConfig;
import io.resnet4j.train.TrainListener;
import io.resnet4j.train.TrainResult;
import io.resnet4j.train.Trainer;
import io.resnet4j.train.TrainingDivergedException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet4j train}: trains a model, writes checkpoints, metrics, plots and a report. */
@Command(name = "train",
        description = {
            "Train a model and write its checkpoints, metrics.jsonl, plots and report.html into --out.",
            "With no --dataset: Fashion-MNIST when it is found (see 'resnet4j datasets'), else the Fashion-MNIST subset "
                    + "bundled in the jar; the CIFAR-style resnet20 with 1 input channel.",
            "With no --epochs: a short budget of " + TrainCommand.BUDGET_EPOCHS + " epochs on "
                    + TrainCommand.BUDGET_TRAIN + " training and " + TrainCommand.BUDGET_TEST
                    + " test images, batch " + TrainCommand.BUDGET_BATCH + ", no augmentation (a few minutes on 2 cores).",
            "Ctrl-C stops after the current epoch (Ctrl-C twice, or SIGTERM: at once); --resume continues a stopped "
                    + "run.",
            "Deep nets at large batches (resnet1202 at batch 128 keeps 16 GiB of activations) fit with --recompute block "
                    + "(with --resume too: it changes memory and time, not results)."
        },
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j train",
            "  ./resnet4j train --epochs 30 --out runs/fashion-30",
            "  ./resnet4j train --model resnet56 --dataset cifar-10 --epochs 160 --schedule step",
            "  ./resnet4j train --epochs 30 --nesterov --label-smoothing 0.1 --warmup-iters 200",
            "  ./resnet4j train --model resnet1202 --recompute block --dataset cifar-10 --epochs 160",
            "  ./resnet4j train --resume runs/fashion-30"
        })
final class TrainCommand extends BaseCommand {
    static final int BUDGET_EPOCHS = 3;
    static final int BUDGET_TRAIN = 5000;
    static final int BUDGET_TEST = 2000;
    static final int BUDGET_BATCH = 64;
    static final String CONFIG = RunReport.CONFIG_JSON;
    /** Exit code of a run stopped early by Ctrl-C (128 + SIGINT), its checkpoint written. */
    static final int STOPPED = Interrupts.SIGINT_EXIT;

    enum Schedule { cosine, step, constant }

    @Mixin
    ThreadsOption threads;

    @Mixin
    DataOptions data;

    @Mixin
    RecomputeOption recompute;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "resnet20",
            description = "Model from 'resnet4j models' (default: ${DEFAULT-VALUE}); input channels and classes follow the data.")
    String model;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs over the training data (default: the short budget).")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "B", description = "Images per step (default: 128; " + BUDGET_BATCH
            + " in the short budget).")
    Integer batch;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "0.1", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--schedule", paramLabel = "S", defaultValue = "cosine",
            description = "Learning-rate schedule per step: cosine (to 0), step (x0.1 at 50%% and 75%% of the epochs, "
                    + "He et al.), constant (default: ${DEFAULT-VALUE}).")
    Schedule schedule;

    @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--weight-decay", paramLabel = "WD", defaultValue = "1e-4",
            description = "L2 weight decay (default: ${DEFAULT-VALUE}, as He et al. 2015).")
    double weightDecay;

    @Option(names = "--nesterov", description = "Nesterov momentum (default: off).")
    boolean nesterov;

    @Option(names = "--decay-norm-bias", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Apply weight decay to batch-norm weights and biases too (default: on, as He et al.; "
                    + "--no-decay-norm-bias decays only conv and linear weights).")
    boolean decayNormBias;

    @Option(names = "--label-smoothing", paramLabel = "E", defaultValue = "0",
            description = "Label smoothing of the cross-entropy, in [0, 1) (default: ${DEFAULT-VALUE}).")
    double labelSmoothing;

    @Option(names = "--warmup-iters", paramLabel = "N", defaultValue = "0",
            description = "Linear learning-rate warm-up over the first N steps, from 0.1x (default: ${DEFAULT-VALUE}, none).")
    int warmupIters;

    @Option(names = "--ema", paramLabel = "DECAY", defaultValue = "0",
            description = "Keep an exponential moving average of the weights with this decay per step, e.g. 0.999, and "
                    + "evaluate it (default: ${DEFAULT-VALUE}, off).")
    double ema;

    @Option(names = "--augment", negatable = true,
            description = "Pad-4 random crop and horizontal flip of training images (default: on, off in the short "
                    + "budget, where 3 epochs are too few to profit; --no-augment).")
    Boolean augment;

    @Option(names = "--random-erasing", paramLabel = "P", defaultValue = "0",
            description = "Random erasing (Zhong et al. 2017, torchvision's RandomErasing: 2-33%% of the area, aspect "
                    + "0.3-3.3, set to 0 after normalisation) with probability P per training image (default: "
                    + "${DEFAULT-VALUE}, off).")
    double randomErasing;

    @Option(names = "--cutout", paramLabel = "SIZE", defaultValue = "0",
            description = "Cutout (DeVries and Taylor 2017): a SIZE x SIZE square at a random centre, clipped at the "
                    + "borders, set to 0 in every training image (default: ${DEFAULT-VALUE}, off).")
    int cutout;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of initialisation, data order and augmentation (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--train-limit", paramLabel = "N|all",
            description = "Train on N images drawn with the seed (default: all; " + BUDGET_TRAIN + " in the short budget).")
    String trainLimit;

    @Option(names = "--test-limit", paramLabel = "N|all",
            description = "Evaluate on N test images (default: all; " + BUDGET_TEST + " in the short budget).")
    String testLimit;

    @Option(names = "--image-size", paramLabel = "H",
            description = "Side of the images for an image-folder --dataset (default: 224 for ImageNet-style models, "
                    + "32 for CIFAR-style ones); refused for the fixed-size datasets, which are not resized.")
    Integer imageSize;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<dataset>-<model>, numbered if taken).")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR|FILE",
            description = "Continue a stopped run (its directory or last.safetensors) with its own configuration.")
    Path resume;

    @Option(names = "--quiet", description = "No progress output; only the final result.")
    boolean quiet;

    /**
     * The run's settings, as config.json holds them (so --resume can rebuild the same run). classes: the data's
     * class names in label order, null before the data is opened and for config.json files written before they
     * were recorded.
     */
    private record Setup(String model, ResNetSpec spec, String dataset, String dataDir, boolean augment,
                         Augmentation.Erasing erasing, int trainLimit, int testLimit, int imageSize,
                         List<String> classes) {
    }

    /** The image side a model's stem is made for: 224 (ImageNet) or 32 (CIFAR). */
    private int stemSize(Setup setup) {
        ResNetSpec s = setup.spec();
        if (s == null) {
            try {
                s = ModelRegistry.spec(setup.model());
            } catch (IllegalArgumentException e) {
                throw badFlag("--model: " + e.getMessage());
            }
        }
        return s.stem() == ResNetSpec.Stem.IMAGENET ? 224 : 32;
    }

    @Override
    public Integer call() {
        validate();
        int threadCount = threads.apply();
        DataConfig dataConfig = data.config(err());

        Path runDir;
        Setup setup;
        TrainConfig config;
        Path resumeFrom = null;
        if (resume != null) {
            boolean isDir = Files.isDirectory(resume);
            resumeFrom = isDir ? resume.resolve(Trainer.LAST) : resume;
            if (!Files.isRegularFile(resumeFrom)) {
                throw new UserError("--resume " + resume + ": no " + Trainer.LAST + " there (give a run directory or its "
                        + Trainer.LAST + ")");
            }
            runDir = resumeFrom.toAbsolutePath().getParent();
            // a file outside a run directory: say what --resume takes rather than what its directory lacks
            if (!isDir && !Files.isRegularFile(runDir.resolve(CONFIG))) {
                throw new UserError("--resume " + resume + " is not a run directory or a run's checkpoint (no " + CONFIG
                        + " beside it); give the directory './resnet4j train' wrote, or its " + Trainer.LAST);
            }
            setup = readSetup(runDir);
            checkMetrics(runDir.resolve(Trainer.METRICS));
            try {
                config = Trainer.configOf(resumeFrom).toBuilder().runDir(runDir).build();
            } catch (CheckpointException e) {
                throw new UserError("--resume " + resume + ": " + e.getMessage() + "; give the run directory or its "
                        + Trainer.LAST, e);
            }
        } else {
            boolean budget = epochs == null;
            int nTrain = limit("--train-limit", trainLimit, budget ? BUDGET_TRAIN : 0);
            int nTest = limit("--test-limit", testLimit, budget ? BUDGET_TEST : 0);
            boolean aug = augment != null ? augment : !budget;
            setup = new Setup(model, null, data.dataset, data.dataDir == null ? null : data.dataDir.toString(), aug,
                    erasing(), nTrain, nTest, imageSize == null ? 0 : requireRange("--image-size", imageSize, 8, 4096),
                    null);
            config = null;
            runDir = null;
        }

        int folderSize = setup.imageSize() > 0 ? setup.imageSize() : stemSize(setup);
        DataChoice choice = DataChoice.resolve(setup.dataset(), setup.dataDir() == null ? null : Path.of(setup.dataDir()),
                dataConfig, true, folderSize);
        if (resume != null) {
            checkDataFits(runDir, setup, choice);
        } else if (imageSize != null && choice.test().height() > 0 && imageSize != choice.test().height()) {
            // fixed-size data are not resized: the option would be ignored
            throw badFlag("--image-size applies to image-folder datasets; " + choice.id() + " has "
                    + choice.test().height() + "x" + choice.test().width() + " images");
        }
        ResNetSpec spec = setup.spec() != null ? setup.spec() : spec(setup.model(), choice);
        Dataset trainSet = setup.trainLimit() > 0 ? SubsetDataset.of(choice.train(), setup.trainLimit(), seed ^ 0x5eed)
                : choice.train();
        Dataset testSet = setup.testLimit() > 0 ? SubsetDataset.of(choice.test(), setup.testLimit(), seed ^ 0x7e57)
                : choice.test();
        if (resume == null) {
            setup = new Setup(setup.model(), spec, setup.dataset(), setup.dataDir(), setup.augment(), setup.erasing(),
                    setup.trainLimit(), setup.testLimit(), choice.imageSize(), choice.classNames());
            runDir = out != null ? out : freshRunDir(choice.id() + "-" + setup.model());
            refuseExistingRun(runDir);
            int e = epochs == null ? BUDGET_EPOCHS : epochs;
            config = TrainConfig.builder(runDir)
                    .epochs(e)
                    .batchSize(batch != null ? batch : epochs == null ? BUDGET_BATCH : 128)
                    .schedule(warmupIters > 0 ? LrSchedule.Warmup.linear(warmupIters, 0.1, schedule(e)) : schedule(e))
                    .sgd(new SgdConfig(momentum, 0, nesterov, weightDecay, !decayNormBias))
                    .labelSmoothing(labelSmoothing)
                    .emaDecay(ema)
                    .seed(seed)
                    .build();
        }

        Sequential net = recompute.apply(ResNet.build(spec));
        Augmentation trainAug = choice.trainAugmentation(setup.augment()).withErasing(setup.erasing());
        Augmentation testAug = choice.evalAugmentation();
        PrintStream terminal = System.out;
        try (DataLoader trainLoader = new DataLoader(trainSet, trainAug, LoaderConfig.train(config.batchSize(),
                config.seed()));
             DataLoader testLoader = new DataLoader(testSet, testAug, LoaderConfig.eval(256));
             TrainingProgress progress = TrainingProgress.create(out(), terminal, quiet)) {
            Trainer trainer = new Trainer(net, config, trainLoader, testLoader);
            trainer.addListener(new ProgressAdapter(progress));
            if (resumeFrom != null) {
                trainer.resumeFrom(resumeFrom);
            }
            out().println("model: " + setup.model() + " (" + String.format(Locale.ROOT, "%,d", spec.parameterCount())
                    + " parameters, " + spec.inputChannels() + " input channel" + (spec.inputChannels() == 1 ? "" : "s")
                    + ", " + spec.numClasses() + " classes)");
            out().println("data:  " + choice.description());
            out().println(String.format(Locale.ROOT, "run:   %d epoch%s of %,d images (batch %d), tested on %,d images; "
                            + "%s; %s; %s%d thread%s, %s", config.epochs(), config.epochs() == 1 ? "" : "s",
                    trainSet.size(), config.batchSize(), testSet.size(), describe(config.schedule()),
                    describeAugmentation(setup),
                    recompute.mode == RecomputeOption.Mode.none ? "" : recompute.mode.words + "; ", threadCount,
                    threadCount == 1 ? "" : "s", Kernels.VECTOR ? "Vector API kernels"
                            : "scalar kernels (run with --add-modules jdk.incubator.vector for speed)"));
            out().println("optim: " + describeOptim(config));
            out().println("out:   " + runDir + (resumeFrom != null ? " (resumed)" : ""));
            if (resumeFrom == null && epochs == null) {
                out().println("       (the short default budget; a full run: ./resnet4j train --epochs 30)");
            }
            out().flush();
            writeConfig(runDir, setup, config, choice, threadCount);
            Interrupts.onInterrupt(trainer::requestStop, err(), runDir);

            TrainResult result;
            try {
                result = trainer.fit();
            } catch (TrainingDivergedException e) {
                // --resume takes no --lr (the recipe is the run's), so only a new run can follow the advice
                String resumeNote = Files.exists(runDir.resolve(Trainer.LAST))
                        ? "; --resume would repeat the run's recipe and diverge again" : "";
                throw new UserError(e.getMessage() + resumeNote + "; start a new run with a lower --lr "
                        + "(or --warmup-iters N) and another --out", e);
            }
            progress.close();

            Evaluation eval = evaluate(net, testLoader, choice.classNames());
            eval.confusion().write(runDir.resolve(ConfusionMatrix.FILE_NAME));
            Path modelFile = runDir.resolve(Networks.MODEL_FILE);
            saveModel(modelFile, net, setup, spec, choice);
            RunReport.Result report = RunReport.generate(runDir);
            finish(result, config, eval, runDir, modelFile, report);
            // A run stopped by Ctrl-C is not finished: say so to scripts, as an interrupted program does.
            return result.stoppedEarly() ? STOPPED : 0;
        }
    }

    private void validate() {
        if (epochs != null) {
            requireRange("--epochs", epochs, 1, 100_000);
        }
        if (batch != null) {
            requireRange("--batch", batch, 1, 65536);
        }
        requireRange("--lr", lr, 1e-8, 100);
        requireRange("--momentum", momentum, 0, 0.9999);
        requireRange("--weight-decay", weightDecay, 0, 1);
        if (nesterov && momentum == 0) {
            throw badFlag("--nesterov needs --momentum above 0");
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw badFlag("--label-smoothing must be in [0, 1), got " + labelSmoothing);
        }
        requireRange("--warmup-iters", warmupIters, 0, Integer.MAX_VALUE);
        if (!(randomErasing >= 0 && randomErasing <= 1)) {
            throw badFlag("--random-erasing takes a probability in [0, 1] such as 0.5, or 0 for off; got " + randomErasing);
        }
        requireRange("--cutout", cutout, 0, 4096);
        if (randomErasing > 0 && cutout > 0) {
            throw badFlag("--random-erasing and --cutout both erase part of the image; choose one");
        }
        if (!(ema == 0 || ema > 0 && ema < 1)) {
            throw badFlag("--ema takes a decay in (0, 1) such as 0.999, or 0 for off; got " + ema);
        }
        if (resume != null) {
            // named as typed: a negatable option matches under either of its names
            Set<String> fixed = Set.of("--model", "--dataset", "--epochs", "--batch", "--lr", "--schedule", "--momentum",
                    "--weight-decay", "--nesterov", "--decay-norm-bias", "--no-decay-norm-bias", "--label-smoothing",
                    "--warmup-iters", "--ema", "--augment", "--no-augment", "--random-erasing", "--cutout", "--seed",
                    "--train-limit", "--test-limit", "--image-size", "--out");
            Set<String> conflicting = new LinkedHashSet<>();
            for (String arg : spec.commandLine().getParseResult().originalArgs()) {
                String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                if (fixed.contains(flag)) {
                    conflicting.add(flag);
                }
            }
            if (!conflicting.isEmpty()) {
                throw badFlag("--resume continues a run with the configuration in its " + CONFIG + "; drop "
                        + String.join(", ", conflicting) + " (or start a new run with --out)");
            }
        }
    }

    private Augmentation.Erasing erasing() {
        if (randomErasing > 0) {
            return Augmentation.Erasing.RandomErasing.standard().withProbability(randomErasing);
        }
        return cutout > 0 ? new Augmentation.Erasing.Cutout(cutout, 1.0) : new Augmentation.Erasing.None();
    }

    /** "crop+flip augmentation, random erasing p=0.5". */
    private static String describeAugmentation(Setup setup) {
        String base = setup.augment() ? "crop+flip augmentation" : "no augmentation";
        if (setup.erasing() instanceof Augmentation.Erasing.RandomErasing re) {
            return base + ", random erasing p=" + re.probability();
        }
        if (setup.erasing() instanceof Augmentation.Erasing.Cutout co) {
            return base + ", cutout " + co.size() + "x" + co.size();
        }
        return base;
    }

    /** config.json's "erasing": absent for none (and in runs written before the option existed). */
    private static Map<String, Object> encodeErasing(Augmentation.Erasing e) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (e instanceof Augmentation.Erasing.RandomErasing re) {
            m.put("type", "random_erasing");
            m.put("p", re.probability());
            m.put("scale", List.of(re.minScale(), re.maxScale()));
            m.put("ratio", List.of(re.minRatio(), re.maxRatio()));
            m.put("value", (double) re.value());
        } else if (e instanceof Augmentation.Erasing.Cutout co) {
            m.put("type", "cutout");
            m.put("size", co.size());
            m.put("p", co.probability());
        } else {
            return null;
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Augmentation.Erasing decodeErasing(Object o) {
        if (o == null) {
            return new Augmentation.Erasing.None();
        }
        Map<String, Object> m = (Map<String, Object>) o;
        String type = (String) m.get("type");
        if ("random_erasing".equals(type)) {
            List<Number> scale = (List<Number>) m.get("scale");
            List<Number> ratio = (List<Number>) m.get("ratio");
            return new Augmentation.Erasing.RandomErasing(((Number) m.get("p")).doubleValue(),
                    scale.get(0).doubleValue(), scale.get(1).doubleValue(), ratio.get(0).doubleValue(),
                    ratio.get(1).doubleValue(), ((Number) m.get("value")).floatValue());
        }
        if ("cutout".equals(type)) {
            return new Augmentation.Erasing.Cutout(((Number) m.get("size")).intValue(), ((Number) m.get("p")).doubleValue());
        }
        throw new IllegalArgumentException("unknown erasing type '" + type + "'");
    }

    private int limit(String flag, String value, int fallback) {
        if (value == null) {
            return fallback;
        }
        // 0 is not "all": a slip of the finger would otherwise start an epoch over the whole dataset
        if (value.equalsIgnoreCase("all")) {
            return 0;
        }
        try {
            return requireRange(flag, Integer.parseInt(value.trim()), 1, Integer.MAX_VALUE);
        } catch (NumberFormatException e) {
            throw badFlag(flag + " takes a number of images or 'all', got '" + value + "'");
        }
    }

    private ResNetSpec spec(String name, DataChoice choice) {
        try {
            return ModelRegistry.spec(name).withInputChannels(choice.channels()).withNumClasses(choice.classNames().size());
        } catch (IllegalArgumentException e) {
            throw badFlag("--model: " + e.getMessage());
        }
    }

    private LrSchedule schedule(int e) {
        return switch (schedule) {
            case cosine -> new LrSchedule.Cosine(lr, 0);
            case constant -> new LrSchedule.Constant(lr);
            case step -> {
                long a = Math.max(1, Math.round(e * 0.5));
                long b = Math.max(a + 1, Math.round(e * 0.75));
                yield LrSchedule.MultiStep.epochs(lr, a, b);
            }
        };
    }

    /** "SGD momentum 0.9 (Nesterov), weight decay 5e-4 (not on BN and biases), label smoothing 0.1, EMA 0.999". */
    static String describeOptim(TrainConfig c) {
        SgdConfig sgd = c.sgd();
        StringBuilder b = new StringBuilder("SGD momentum ").append(sgd.momentum()).append(sgd.nesterov() ? " (Nesterov)" : "")
                .append(", weight decay ").append(sgd.weightDecay())
                .append(sgd.noDecayForNormAndBias() ? " (not on BN and biases)" : "");
        if (c.labelSmoothing() > 0) {
            b.append(", label smoothing ").append(c.labelSmoothing());
        }
        if (c.emaEnabled()) {
            b.append(", EMA of weights ").append(c.emaDecay());
        }
        return b.toString();
    }

    /** The schedule in words: "lr 0.1, cosine to 0". */
    static String describe(LrSchedule s) {
        if (s instanceof LrSchedule.Warmup w) {
            return describe(w.after()) + ", linear warm-up from " + w.startFactor() + "x over " + w.length() + " "
                    + w.unit().name().toLowerCase(Locale.ROOT);
        }
        if (s instanceof LrSchedule.Cosine c) {
            return "lr " + c.base() + ", cosine to " + c.min();
        }
        if (s instanceof LrSchedule.Constant c) {
            return "lr " + c.lr() + " constant";
        }
        if (s instanceof LrSchedule.MultiStep m) {
            return "lr " + m.base() + ", x" + m.gamma() + " at " + m.unit().name().toLowerCase(Locale.ROOT) + " "
                    + m.milestones();
        }
        return "lr schedule " + Json.write(s.describe());
    }

    /** runs/NAME, or runs/NAME-2, -3, ... when taken. */
    static Path freshRunDir(String name) {
        Path base = Path.of("runs");
        Path dir = base.resolve(name);
        for (int i = 2; holdsRun(dir); i++) {
            dir = base.resolve(name + "-" + i);
        }
        return dir;
    }

    static boolean holdsRun(Path dir) {
        return Files.exists(dir.resolve(Trainer.METRICS)) || Files.exists(dir.resolve(Trainer.LAST));
    }

    private static void refuseExistingRun(Path dir) {
        if (holdsRun(dir)) {
            throw new UserError("--out " + dir + " already holds a run; continue it with --resume " + dir
                    + ", or choose another --out");
        }
    }

    private void writeConfig(Path runDir, Setup setup, TrainConfig config, DataChoice choice, int threadCount) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model", setup.model());
        c.put("spec", setup.spec().encode());
        c.put("parameters", setup.spec().parameterCount());
        c.put("dataset", setup.dataset());
        c.put("dataset_id", choice.id());
        c.put("data", choice.description());
        c.put("data_dir", setup.dataDir());
        c.put("augment", setup.augment());
        Map<String, Object> erasing = encodeErasing(setup.erasing());
        if (erasing != null) {
            c.put("erasing", erasing);
        }
        c.put("train_limit", setup.trainLimit());
        c.put("test_limit", setup.testLimit());
        c.put("image_size", choice.imageSize());
        c.put("classes", choice.classNames());
        c.put("training", config.recipe());
        c.put("threads", threadCount);
        c.put("recompute", recompute.mode.name());
        c.put("kernels", Kernels.describe());
        c.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        c.put("resnet4j", Version.projectVersion());
        try {
            Files.createDirectories(runDir);
        } catch (java.io.IOException e) {
            throw new UserError("cannot create the run directory " + runDir + ": " + e.getMessage());
        }
        AtomicFiles.writeString(runDir.resolve(CONFIG), Json.write(c) + "\n");
    }

    private static Setup readSetup(Path runDir) {
        Path file = runDir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new UserError(runDir + " has no " + CONFIG + ": it was not written by './resnet4j train', so the model "
                    + "and data of the run are unknown");
        }
        try {
            Map<String, Object> c = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8).strip());
            ResNetSpec spec = ResNetSpec.parse((String) c.get("spec"));
            return new Setup((String) c.get("model"), spec, (String) c.get("dataset"), (String) c.get("data_dir"),
                    Boolean.TRUE.equals(c.get("augment")), decodeErasing(c.get("erasing")),
                    ((Number) c.get("train_limit")).intValue(),
                    ((Number) c.get("test_limit")).intValue(), ((Number) c.get("image_size")).intValue(),
                    classes(c.get("classes")));
        } catch (java.io.IOException | RuntimeException e) {
            throw new UserError(file + " cannot be read (" + e.getMessage() + "); it is needed to resume the run");
        }
    }

    /** config.json's class names (null: not recorded, as in runs from before they were). */
    private static List<String> classes(Object v) {
        if (v == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (Object o : (List<?>) v) {
            names.add((String) o);
        }
        return names;
    }

    /**
     * The run's model was built for the data it started with; an image folder may have gained or lost a class
     * since (or an image size), which would train on labels the model has no output for, or had a class renamed,
     * which would move the labels (folders are labelled in name order). Checked before any file of the run is
     * touched.
     */
    private static void checkDataFits(Path runDir, Setup setup, DataChoice choice) {
        ResNetSpec spec = setup.spec();
        String data = setup.dataset() != null ? setup.dataset() : choice.id();
        String problem = null;
        if (choice.channels() != spec.inputChannels()) {
            problem = "the model takes " + spec.inputChannels() + " input channel(s) but " + data + " now has "
                    + choice.channels();
        } else if (choice.classNames().size() != spec.numClasses()) {
            problem = "the model has " + spec.numClasses() + " classes but " + data + " now has "
                    + choice.classNames().size();
        } else if (setup.imageSize() > 0 && choice.imageSize() != setup.imageSize()) {
            problem = "the run trained on " + setup.imageSize() + "x" + setup.imageSize() + " images but " + data
                    + " now gives " + choice.imageSize() + "x" + choice.imageSize();
        } else if (setup.classes() != null && !setup.classes().equals(choice.classNames())) {
            int i = 0;
            while (setup.classes().get(i).equals(choice.classNames().get(i))) {
                i++;
            }
            problem = "class " + i + " of the run was '" + setup.classes().get(i) + "' but " + data + " now has '"
                    + choice.classNames().get(i) + "' there (a renamed class folder would move the labels)";
        }
        if (problem != null) {
            throw new UserError("cannot resume " + runDir + ": " + problem + "; restore the data the run started "
                    + "with, or start a new run with --out");
        }
    }

    /**
     * The resume rewrites metrics.jsonl (it drops the lines of lost epochs): a line that is not valid is named here,
     * as 'report' names it, before any file of the run is touched.
     */
    private static void checkMetrics(Path file) {
        try {
            if (!Files.isRegularFile(file) || Files.readString(file, StandardCharsets.UTF_8).isBlank()) {
                return;
            }
        } catch (java.io.IOException e) {
            throw new UserError("cannot read " + file + " (" + e.getMessage() + "); it is needed to resume the run");
        }
        MetricsFile.read(file);
    }

    private static Evaluation evaluate(Sequential net, DataLoader test, List<String> classes) {
        net.train(false);
        Evaluation eval = new Evaluation(classes);
        for (Iterator<Batch> it = test.epoch(0); it.hasNext(); ) {
            Batch b = it.next();
            eval.add(net.forward(b.images()).data(), 0, b.labels(), b.size());
        }
        return eval;
    }

    private static void saveModel(Path file, Sequential net, Setup setup, ResNetSpec spec, DataChoice choice) {
        Augmentation.Normalization n = choice.normalization();
        List<Double> mean = new ArrayList<>();
        List<Double> std = new ArrayList<>();
        for (int c = 0; c < n.channels(); c++) {
            mean.add(n.mean()[c]);
            std.add(n.std()[c]);
        }
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(Networks.IMAGE_SIZE, Integer.toString(choice.imageSize()));
        extra.put(Networks.RESIZE, Integer.toString(choice.resize()));
        if (setup.dataset() == null || !Files.isDirectory(Path.of(setup.dataset()))) {
            extra.put(Networks.DATASET, choice.id());
        }
        // a failure is a CheckpointException that names the file ("cannot write FILE: ..."), a user error
        ModelCheckpoint.save(file, net, new ModelCheckpoint.ModelCard(setup.model(), spec, choice.classNames(),
                new ModelCheckpoint.Normalization(mean, std)), extra);
    }

    private void finish(TrainResult result, TrainConfig config, Evaluation eval, Path runDir, Path modelFile,
                        RunReport.Result report) {
        out().println();
        if (result.stoppedEarly()) {
            out().println(String.format(Locale.ROOT, "stopped after epoch %d of %d; continue with: ./resnet4j train "
                    + "--resume %s", result.epochsCompleted(), config.epochs(), runDir));
        }
        out().println(String.format(Locale.ROOT, "test accuracy: %.2f%% (top-5 %.2f%%, loss %.4f) on %,d images after "
                        + "epoch %d; best %.2f%% at epoch %d", 100 * eval.top1(), 100 * eval.top5(), eval.loss(),
                eval.count(), result.epochsCompleted(), 100 * result.bestTestAcc(), result.bestEpoch()));
        out().println("checkpoint:    " + modelFile + "   (predict/eval/export; last.safetensors resumes, "
                + "best.safetensors holds the best epoch's weights)");
        out().println("metrics:       " + runDir.resolve(Trainer.METRICS));
        List<String> pngs = new ArrayList<>();
        for (Path f : report.files()) {
            if (f.getFileName().toString().endsWith(".png")) {
                pngs.add(f.getFileName().toString());
            }
        }
        out().println("plots:         " + runDir + "/{" + String.join(",", pngs) + "}");
        out().println("report:        " + report.html());
        out().println("next:          ./resnet4j predict --checkpoint " + modelFile + " IMAGE.png");
        out().flush();
    }

    /** Feeds the trainer's listener calls to the progress display. */
    private static final class ProgressAdapter implements TrainListener {
        private final TrainingProgress progress;

        ProgressAdapter(TrainingProgress progress) {
            this.progress = progress;
        }

        @Override
        public void onStart(int startEpoch, int epochs, int batchesPerEpoch) {
            progress.runStarted(startEpoch + 1, epochs, batchesPerEpoch);
        }

        @Override
        public void onBatch(BatchProgress p) {
            progress.batchEnded(p.epoch(), p.batch(), p.meanLoss(), p.accuracy(), p.imgPerSec());
        }

        @Override
        public void onEpoch(EpochMetrics m) {
            progress.epochEnded(new io.resnet4j.cli.report.EpochMetrics(m.epoch(), m.trainLoss(), m.trainAcc(),
                    m.testLoss(), m.testAcc(), m.lr(), m.imgPerSec(), m.dataWaitSec() / m.trainTimeSec()));
        }
    }
}
