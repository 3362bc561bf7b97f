package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resnet4j.cli.report.MetricsFile;
import io.resnet4j.io.Json;
import io.resnet4j.optim.LrSchedule;
import io.resnet4j.train.TrainConfig;
import io.resnet4j.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny training run through the command: the files it leaves, what it prints, and its refusals. */
class TrainCommandTest {
    @TempDir
    Path tmp;

    static String[] tinyRun(Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--dataset", "bundled", "--model", "resnet8",
                "--epochs", "2", "--train-limit", "64", "--test-limit", "32", "--batch", "32", "--quiet",
                "--out", out.toString()));
        List<String> extra = List.of(more);
        int e = extra.indexOf("--epochs");
        if (e >= 0) {
            args.set(args.indexOf("--epochs") + 1, extra.get(e + 1));
            extra = new java.util.ArrayList<>(extra);
            extra.remove(e + 1);
            extra.remove(e);
        }
        args.addAll(extra);
        return args.toArray(String[]::new);
    }

    @Test
    void tinyRunWritesCheckpointMetricsPlotsAndReport() throws IOException {
        Path run = tmp.resolve("run");
        Cli.Result r = Cli.run(tinyRun(run));
        assertThat(r.exitCode()).as(r.err()).isZero();
        for (String f : List.of("model.safetensors", "last.safetensors", "best.safetensors", "metrics.jsonl",
                "config.json", "confusion.json", "loss.png", "accuracy.png", "lr.png", "confusion.png", "report.html")) {
            assertThat(run.resolve(f)).as(f).isRegularFile();
        }
        assertThat(MetricsFile.read(run.resolve("metrics.jsonl"))).hasSize(2);
        assertThat(r.out()).containsPattern("test accuracy: \\d+\\.\\d\\d% \\(top-5 \\d+\\.\\d\\d%, loss \\d+\\.\\d{4}\\) "
                + "on 32 images after epoch 2")
                .contains("checkpoint:    " + run.resolve("model.safetensors"))
                .contains("report:        " + run.resolve("report.html"));
        // The final evaluation agrees with the trainer's last metrics line.
        String[] lines = Files.readString(run.resolve("metrics.jsonl")).strip().split("\n");
        double testAcc = ((Number) Json.parseObject(lines[1]).get("test_acc")).doubleValue();
        assertThat(r.out()).contains(String.format(java.util.Locale.ROOT, "test accuracy: %.2f%%", 100 * testAcc));
        Map<String, Object> config = Json.parseObject(Files.readString(run.resolve("config.json")));
        assertThat(config).containsEntry("model", "resnet8").containsEntry("dataset_id", "fashion-mnist-subset");

        // The model checkpoint is usable by predict, with the class names of the data.
        Network net = Networks.fromCheckpoint(run.resolve("model.safetensors"));
        assertThat(net.classNames()).contains("Ankle boot");
        assertThat(net.imageSize()).isEqualTo(28);
        assertThat(net.inChannels()).isEqualTo(1);

        // A finished run refuses to be overwritten, and resuming it takes no flag that changes the recipe.
        String line = ErrorPathsTest.oneLineError(Cli.run(tinyRun(run)));
        assertThat(line).contains("already holds a run").contains("--resume");
        line = ErrorPathsTest.oneLineError(Cli.run("train", "--resume", run.toString(), "--lr", "0.5"));
        assertThat(line).contains("drop --lr");
        Cli.Result resumed = Cli.run("train", "--resume", run.toString(), "--quiet");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("(resumed)").contains("after epoch 2");
        assertThat(MetricsFile.read(run.resolve("metrics.jsonl"))).hasSize(2);
    }

    @Test
    void sameSeedSameMetrics() throws IOException {
        Cli.Result a = Cli.run(tinyRun(tmp.resolve("a"), "--epochs", "1"));
        assertThat(a.exitCode()).as(a.err()).isZero();
        Map<String, Object> ma = Json.parseObject(Files.readString(tmp.resolve("a/metrics.jsonl")).strip());
        // One thread instead of two, and recomputation per unit and per stage (gradient checkpointing): the same run.
        for (List<String> flags : List.of(List.of("--threads", "1"), List.of("--recompute", "block"),
                List.of("--recompute", "stage"))) {
            Path dir = tmp.resolve(String.join("", flags).replace("-", ""));
            List<String> args = new java.util.ArrayList<>(List.of("--epochs", "1"));
            args.addAll(flags);
            Cli.Result b = Cli.run(tinyRun(dir, args.toArray(String[]::new)));
            assertThat(b.exitCode()).as(b.err()).isZero();
            Map<String, Object> mb = Json.parseObject(Files.readString(dir.resolve("metrics.jsonl")).strip());
            for (String k : List.of("train_loss", "train_acc", "test_loss", "test_acc")) {
                assertThat(mb.get(k)).as("%s with %s", k, flags).isEqualTo(ma.get(k));
            }
            if (flags.get(0).equals("--recompute")) {
                assertThat(b.out()).contains(flags.get(1).equals("block") ? "recompute per residual unit" : "recompute per stage");
                assertThat(Json.parseObject(Files.readString(dir.resolve("config.json")))).containsEntry("recompute", flags.get(1));
            }
        }
    }

    @Test
    void recipeFlagsReachTheTrainerAndItsCheckpoint() throws IOException {
        Path plain = tmp.resolve("plain"), tuned = tmp.resolve("tuned");
        assertThat(Cli.run(tinyRun(plain, "--epochs", "1")).exitCode()).isZero();
        Cli.Result r = Cli.run(tinyRun(tuned, "--epochs", "1", "--nesterov", "--label-smoothing", "0.1",
                "--warmup-iters", "3", "--no-decay-norm-bias", "--ema", "0.9", "--weight-decay", "5e-4"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("optim: SGD momentum 0.9 (Nesterov), weight decay 5.0E-4 (not on BN and biases), "
                + "label smoothing 0.1, EMA of weights 0.9").contains("linear warm-up from 0.1x over 3 iterations");
        TrainConfig c = Trainer.configOf(tuned.resolve(Trainer.LAST));
        assertThat(c.sgd().nesterov()).isTrue();
        assertThat(c.sgd().noDecayForNormAndBias()).isTrue();
        assertThat(c.sgd().weightDecay()).isEqualTo(5e-4);
        assertThat(c.labelSmoothing()).isEqualTo(0.1);
        assertThat(c.emaDecay()).isEqualTo(0.9);
        assertThat(c.schedule()).isInstanceOf(LrSchedule.Warmup.class);
        assertThat(((LrSchedule.Warmup) c.schedule()).length()).isEqualTo(3);
        // The recipe changes the run (label smoothing alone raises the training loss).
        double plainLoss = ((Number) Json.parseObject(Files.readString(plain.resolve("metrics.jsonl")).strip())
                .get("train_loss")).doubleValue();
        double tunedLoss = ((Number) Json.parseObject(Files.readString(tuned.resolve("metrics.jsonl")).strip())
                .get("train_loss")).doubleValue();
        assertThat(tunedLoss).isNotEqualTo(plainLoss);
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--resume", tuned.toString(), "--nesterov")))
                .contains("drop --nesterov");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--resume", tuned.toString(), "--no-decay-norm-bias",
                "--lr=0.2"))).contains("drop --no-decay-norm-bias, --lr (");
    }

    /** Random 40x30 RGB PNGs in root/{train,test}/CLASS: 4 training and 2 test images per class. */
    static void imageFolders(Path root, String... classes) throws IOException {
        java.util.Random rng = new java.util.Random(1);
        for (String split : List.of("train", "test")) {
            for (String cls : classes) {
                Files.createDirectories(root.resolve(split).resolve(cls));
                for (int i = 0; i < (split.equals("train") ? 4 : 2); i++) {
                    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(40, 30,
                            java.awt.image.BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < 30; y++) {
                        for (int x = 0; x < 40; x++) {
                            img.setRGB(x, y, rng.nextInt(1 << 24));
                        }
                    }
                    javax.imageio.ImageIO.write(img, "png", root.resolve(split).resolve(cls).resolve(i + ".png").toFile());
                }
            }
        }
    }

    /**
     * A class folder missing from test/ (torchvision would shift the labels of the classes after it silently)
     * is refused, naming the classes each side lacks, even when both sides have as many classes.
     */
    @Test
    void trainAndTestFoldersWithDifferentClassesAreRefusedByName() throws IOException {
        Path root = tmp.resolve("mismatch");
        imageFolders(root, "cats", "dogs");
        Files.move(root.resolve("test/dogs"), root.resolve("test/dog"));
        String line = ErrorPathsTest.oneLineError(Cli.run("train", "--dataset", root.toString(), "--model",
                "resnet8", "--epochs", "1", "--quiet", "--out", tmp.resolve("mismatch-run").toString()));
        assertThat(line).contains("only in train/: dogs").contains("only in test/: dog");
        assertThat(tmp.resolve("mismatch-run")).doesNotExist();
    }

    /** Image folders of cats and dogs under tmp/name and a finished one-epoch run on them in tmp/name-run. */
    private Path catsAndDogsRun(String name) throws IOException {
        Path root = tmp.resolve(name);
        imageFolders(root, "cats", "dogs");
        Path run = tmp.resolve(name + "-run");
        Cli.Result r = Cli.run("train", "--dataset", root.toString(), "--model", "resnet8", "--epochs", "1",
                "--batch", "4", "--image-size", "16", "--quiet", "--out", run.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        return run;
    }

    @Test
    void resumeRefusesAnImageFolderThatGainedAClassAndTouchesNothing() throws IOException {
        Path run = catsAndDogsRun("animals"), root = tmp.resolve("animals");
        imageFolders(tmp.resolve("more"), "zebra");
        Files.move(tmp.resolve("more/train/zebra"), root.resolve("train/zebra"));
        Files.move(tmp.resolve("more/test/zebra"), root.resolve("test/zebra"));
        assertResumeRefused(run, "the model has 2 classes but " + root + " now has 3");
    }

    /** train --resume run fails with one line that names the run, the problem and the way out; run is untouched. */
    private void assertResumeRefused(Path run, String problem) throws IOException {
        Map<String, String> before = files(run);
        String line = ErrorPathsTest.oneLineError(Cli.run("train", "--resume", run.toString(), "--quiet"));
        assertThat(line).contains("cannot resume " + run.toAbsolutePath()).contains(problem)
                .contains("start a new run with --out");
        assertThat(files(run)).isEqualTo(before);
    }

    /** A renamed class folder moves the labels (folders are labelled in name order): refused, naming the class. */
    @Test
    void resumeRefusesAnImageFolderWithARenamedClass() throws IOException {
        Path run = catsAndDogsRun("pets"), root = tmp.resolve("pets");
        assertThat(Json.parseObject(Files.readString(run.resolve("config.json")).strip()).get("classes"))
                .isEqualTo(List.of("cats", "dogs"));
        for (String split : List.of("train", "test")) {
            Files.move(root.resolve(split).resolve("cats"), root.resolve(split).resolve("lions"));
        }
        assertResumeRefused(run, "class 0 of the run was 'cats' but " + root + " now has 'dogs' there");
    }

    @Test
    void imageFolderDataset() throws IOException {
        Path root = tmp.resolve("folders");
        imageFolders(root, "cats", "dogs");
        Path run = tmp.resolve("folder-run");
        Cli.Result r = Cli.run("train", "--dataset", root.toString(), "--model", "resnet8", "--epochs", "1",
                "--batch", "4", "--image-size", "16", "--quiet", "--out", run.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("image folders").contains("8 train / 4 test images, 2 classes, resized to 16")
                .contains("on 4 images after epoch 1");
        Cli.Result p = Cli.run("predict", "--checkpoint", run.resolve("model.safetensors").toString(), "--top", "1",
                root.resolve("test/dogs/0.png").toString());
        assertThat(p.exitCode()).as(p.err()).isZero();
        assertThat(p.out()).containsPattern("1\\. (cats|dogs) ");
        Cli.Result e = Cli.run("eval", "--checkpoint", run.resolve("model.safetensors").toString(), "--dataset",
                root.toString(), "--quiet");
        assertThat(e.exitCode()).as(e.err()).isZero();
        assertThat(e.out()).contains("(4 images").contains("cats").contains("dogs");
    }

    @Test
    void erasingFlagsChangeTheRunAndSurviveResume() throws IOException {
        Path plain = tmp.resolve("plain"), erased = tmp.resolve("erased"), cut = tmp.resolve("cut");
        assertThat(Cli.run(tinyRun(plain, "--epochs", "1")).exitCode()).isZero();
        Cli.Result r = Cli.run(tinyRun(erased, "--epochs", "1", "--random-erasing", "0.5"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("crop+flip augmentation, random erasing p=0.5");
        Map<String, Object> config = Json.parseObject(Files.readString(erased.resolve("config.json")));
        assertThat(config.get("erasing")).isEqualTo(Map.of("type", "random_erasing", "p", 0.5,
                "scale", List.of(0.02, 0.33), "ratio", List.of(0.3, 3.3), "value", 0.0));
        Cli.Result c = Cli.run(tinyRun(cut, "--epochs", "1", "--cutout", "8"));
        assertThat(c.exitCode()).as(c.err()).isZero();
        assertThat(c.out()).contains("crop+flip augmentation, cutout 8x8");
        assertThat(Json.parseObject(Files.readString(plain.resolve("config.json")))).doesNotContainKey("erasing");
        // Same seed, same batches: only the erased pixels differ, and they change the loss.
        double plainLoss = trainLoss(plain), erasedLoss = trainLoss(erased), cutLoss = trainLoss(cut);
        assertThat(erasedLoss).isNotEqualTo(plainLoss);
        assertThat(cutLoss).isNotEqualTo(plainLoss).isNotEqualTo(erasedLoss);
        // --resume rebuilds the erasing from config.json, and refuses a new one.
        Cli.Result resumed = Cli.run("train", "--resume", erased.toString());
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("random erasing p=0.5");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--resume", cut.toString(), "--cutout", "4")))
                .contains("drop --cutout");
    }

    /** Every file under {@code dir} with a digest of its bytes, to show a refused command touched nothing. */
    static Map<String, String> files(Path dir) throws IOException {
        Map<String, String> out = new java.util.TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                try {
                    byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
                    out.put(dir.relativize(f).toString(), java.util.HexFormat.of().formatHex(d));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return out;
    }

    @Test
    void aNanTestLossStopsTheRunWithOneLineAndAdviceThisCliCanFollow() {
        Path run = tmp.resolve("diverged");
        // the QA case: the training loss stays finite for the first epoch, the test loss is NaN
        Cli.Result r = Cli.run("train", "--dataset", "bundled", "--model", "resnet8", "--epochs", "2",
                "--train-limit", "512", "--test-limit", "128", "--lr", "100", "--weight-decay", "1",
                "--momentum", "0.99", "--no-augment", "--quiet", "--out", run.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("internal error")
                .contains("training diverged at epoch 1 of 2").contains("the test loss is NaN")
                .contains("start a new run with a lower --lr").doesNotContain("resume");
        assertThat(run.resolve("model.safetensors")).doesNotExist();
        assertThat(run.resolve(Trainer.LAST)).doesNotExist();
    }

    @Test
    void resumeNamesACorruptMetricsLineAndTouchesNothing() throws IOException {
        Path run = tmp.resolve("corrupt");
        Cli.Result r = Cli.run(tinyRun(run, "--epochs", "1"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        Files.writeString(run.resolve("metrics.jsonl"), "not json\n", java.nio.file.StandardOpenOption.APPEND);
        Map<String, String> before = files(run);
        String line = ErrorPathsTest.oneLineError(Cli.run("train", "--resume", run.toString(), "--quiet"));
        assertThat(line).contains(run.resolve("metrics.jsonl") + " line 2 is not a JSON object")
                .contains("delete the line").doesNotContain("internal error");
        assertThat(files(run)).isEqualTo(before);
    }

    private static double trainLoss(Path run) throws IOException {
        return ((Number) Json.parseObject(Files.readString(run.resolve("metrics.jsonl")).strip()).get("train_loss"))
                .doubleValue();
    }

    @Test
    void emptyPathsAreRefusedNotTakenAsTheWorkingDirectory() {
        // the bad --model stops a regression before it trains in the working directory
        for (String flag : List.of("--out", "--resume", "--data-dir")) {
            assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--dataset", "bundled", "--model", "resnet19",
                    flag, ""))).as(flag).contains("'" + flag + "'").contains("the path is empty");
        }
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--model", "resnet19", "--out", " ")))
                .contains("'--out'").contains("the path is empty");
    }

    @Test
    void resumeOfAFileThatIsNotARunsCheckpointSaysWhatResumeTakes() throws IOException {
        Path text = Files.writeString(tmp.resolve("afile.txt"), "hello\n");
        Path empty = Files.createDirectories(tmp.resolve("bad")).resolve("empty.safetensors");
        Files.write(empty, new byte[0]);
        for (Path p : List.of(text, empty)) {
            assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--resume", p.toString())))
                    .contains("--resume " + p + " is not a run directory or a run's checkpoint")
                    .contains("give the directory './resnet4j train' wrote, or its last.safetensors")
                    .doesNotContain("has no config.json");
        }
        // in a run directory, a file that is not a training checkpoint is named as the --resume argument
        Path run = tmp.resolve("run");
        assertThat(Cli.run(tinyRun(run, "--epochs", "1")).exitCode()).isZero();
        Path model = run.resolve("model.safetensors");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--resume", model.toString())))
                .contains("--resume " + model + ": ").contains("not a resnet4j training checkpoint")
                .contains("give the run directory or its last.safetensors");
    }

    @Test
    void aFailedWriteNamesTheFileAskedForBeforeAnyTemporaryFile() throws IOException {
        // Each file is written to a temporary file beside it, then renamed; a directory in its place fails the rename.
        for (String blocked : List.of(TrainCommand.CONFIG, Trainer.BEST, "model.safetensors")) {
            Path run = tmp.resolve("blocked-" + blocked);
            Files.createDirectories(run.resolve(blocked));
            Cli.Result r = Cli.run("train", "--dataset", "bundled", "--model", "resnet8", "--epochs", "1",
                    "--batch", "16", "--train-limit", "32", "--test-limit", "16", "--quiet", "--out", run.toString());
            assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
            assertThat(r.errLines()).as(r.err()).hasSize(1);
            String line = r.errLines()[0];
            // config.json through AtomicFiles.writeString (UncheckedIOException), the checkpoints through
            // Safetensors (CheckpointException): the same line, without an "I/O error:" prefix, with the same hint
            assertThat(line).as(blocked).isEqualTo("error: cannot write " + run.resolve(blocked)
                    + ": it is a directory (check the directory exists, is writable and the disk has space)");
            try (var files = Files.list(run)) {
                assertThat(files.map(f -> f.getFileName().toString())).noneMatch(f -> f.endsWith(".tmp"));
            }
        }
    }

    @Test
    void badTrainInputs() {
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--train-limit", "lots")))
                .contains("--train-limit takes a number of images or 'all'");
        // 0 once meant "all": a whole-dataset run (the --out keeps such a regression out of the working directory)
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--dataset", "bundled", "--train-limit", "0",
                "--out", tmp.resolve("zero").toString())))
                .contains("--train-limit must be between 1 and 2147483647, got 0");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--dataset", "bundled", "--epochs", "1",
                "--test-limit", "0", "--out", tmp.resolve("zero").toString())))
                .contains("--test-limit must be between 1 and 2147483647, got 0");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--model", "resnet19", "--dataset", "bundled",
                "--out", tmp.resolve("x").toString()))).contains("--model").contains("6n+2");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--dataset", "bundled", "--image-size", "64",
                "--epochs", "1", "--out", tmp.resolve("sized").toString())))
                .contains("--image-size applies to image-folder datasets").contains("28x28 images");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--dataset", "imagenet"))).contains("imagenet")
                .contains("not a known dataset");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--resume", tmp.resolve("none").toString())))
                .contains("no last.safetensors");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--label-smoothing", "1"))).contains("--label-smoothing")
                .contains("[0, 1)");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--ema", "1.5"))).contains("--ema").contains("0.999");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--nesterov", "--momentum", "0")))
                .contains("--nesterov needs --momentum above 0");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--warmup-iters", "-1"))).contains("--warmup-iters");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--random-erasing", "1.5"))).contains("--random-erasing")
                .contains("[0, 1]");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--cutout", "-3"))).contains("--cutout");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("train", "--random-erasing", "0.5", "--cutout", "8")))
                .contains("choose one");
    }
}
