package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resnet4j.data.DatasetSpec;
import io.resnet4j.io.Json;
import io.resnet4j.io.ModuleState;
import io.resnet4j.models.ModelCheckpoint;
import io.resnet4j.models.ModelRegistry;
import io.resnet4j.models.ResNet;
import io.resnet4j.models.ResNetSpec;
import io.resnet4j.nn.Sequential;
import io.resnet4j.testing.Fixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eval and predict on a model checkpoint like the one train writes (a small random resnet8 for Fashion-MNIST). */
class CheckpointCommandsTest {
    static final Path FIXTURES = Fixture.repoRoot().resolve("resnet4j-cli/src/test/resources/fixtures/cli");

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeCheckpoint() {
        ResNetSpec spec = ModelRegistry.spec("resnet8").withInputChannels(1);
        Sequential net = ResNet.build(spec, 3);
        model = dir.resolve("model.safetensors");
        ModelCheckpoint.save(model, net, new ModelCheckpoint.ModelCard("resnet8", spec,
                DatasetSpec.FASHION_MNIST.classNames(),
                new ModelCheckpoint.Normalization(List.of(0.2860), List.of(0.3530))),
                Map.of(Networks.IMAGE_SIZE, "28", Networks.RESIZE, "28", Networks.DATASET, "bundled"));
    }

    @Test
    void aCheckpointHoldingNaNIsRefusedByEveryCommandThatUsesItsWeights() {
        ResNetSpec spec = ModelRegistry.spec("resnet8").withInputChannels(1);
        Sequential net = ResNet.build(spec, 3);
        net.namedParameters().get("layer1.0.conv2.weight").value().data()[5] = Float.NaN;
        Path nan = dir.resolve("nan/model.safetensors");
        ModelCheckpoint.save(nan, net, new ModelCheckpoint.ModelCard("resnet8", spec,
                DatasetSpec.FASHION_MNIST.classNames(),
                new ModelCheckpoint.Normalization(List.of(0.2860), List.of(0.3530))),
                Map.of(Networks.IMAGE_SIZE, "28", Networks.RESIZE, "28", Networks.DATASET, "bundled"));
        String expected = nan + ": layer1.0.conv2.weight holds NaN or infinite values";
        for (Cli.Result r : List.of(
                Cli.run("eval", "--checkpoint", nan.toString(), "--limit", "16"),
                Cli.run("predict", "--checkpoint", nan.toString(), FIXTURES.resolve("grey.png").toString()),
                Cli.run("predict", "--model", "resnet8", "--in-channels", "1", "--weights", nan.toString(),
                        FIXTURES.resolve("grey.png").toString()),
                Cli.run("export", "--checkpoint", nan.toString(), "--out", dir.resolve("nan.onnx").toString()))) {
            assertThat(ErrorPathsTest.oneLineError(r)).contains(expected);
        }
        assertThat(dir.resolve("nan.onnx")).doesNotExist();
    }

    @Test
    void evalPrintsLossTopKAndPerClassAccuracy() {
        Cli.Result r = Cli.run("eval", "--checkpoint", model.toString(), "--limit", "24", "--batch", "16",
                "--out", dir.resolve("eval").toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Fashion-MNIST subset").containsPattern(
                "loss \\d+\\.\\d{4}  top-1 \\d+\\.\\d\\d%  top-5 \\d+\\.\\d\\d%  \\(24 images");
        List<String> perClass = r.out().lines().dropWhile(l -> !l.equals("per-class accuracy:")).skip(1)
                .takeWhile(l -> l.startsWith("  ")).toList();
        assertThat(perClass).hasSize(10).anyMatch(l -> l.contains("Ankle boot"));
        long counted = perClass.stream().mapToLong(l -> Long.parseLong(l.replaceAll(".*\\((\\d+)\\)$", "$1"))).sum();
        assertThat(counted).isEqualTo(24);
        assertThat(dir.resolve("eval/confusion.json")).exists();
        assertThat(dir.resolve("eval/confusion.png")).exists();
    }

    @Test
    void predictJsonFromCheckpointUsesItsClassNames() {
        Cli.Result r = Cli.run("predict", "--checkpoint", model.toString(), "--json", "--top", "3",
                FIXTURES.resolve("grey.png").toString(), FIXTURES.resolve("rgb.png").toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        Map<String, Object> o = Json.parseObject(lines.get(0));
        assertThat(o.get("input")).isEqualTo(FIXTURES.resolve("grey.png").toString());
        assertThat((List<?>) o.get("logits")).hasSize(10);
        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) ((List<?>) o.get("top")).get(0);
        assertThat(DatasetSpec.FASHION_MNIST.classNames()).contains((String) first.get("label"));
    }

    @Test
    void predictWithModelAndWeights() {
        Cli.Result r = Cli.run("predict", "--model", "resnet8", "--in-channels", "1", "--weights", model.toString(),
                "--top", "2", FIXTURES.resolve("grey.png").toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).hasSize(3);
    }

    @Test
    void weightsThatDoNotFitTheModel() {
        String line = ErrorPathsTest.oneLineError(Cli.run("predict", "--model", "resnet20", "--weights",
                model.toString(), FIXTURES.resolve("grey.png").toString()));
        assertThat(line).contains("does not fit resnet20").contains("--model");
    }

    @Test
    void arrayOfWrongShape() {
        String line = ErrorPathsTest.oneLineError(Cli.run("predict", "--checkpoint", model.toString(),
                FIXTURES.resolve("single.npy").toString()));
        assertThat(line).contains("single.npy has shape (3,4,4)").contains("1 input channel");
    }

    @Test
    void undecodableImage() throws IOException {
        Path bad = dir.resolve("bad.jpg");
        Files.writeString(bad, "GIF89a but not really");
        String line = ErrorPathsTest.oneLineError(Cli.run("predict", "--checkpoint", model.toString(), bad.toString()));
        assertThat(line).contains("cannot decode").contains("bad.jpg");
    }

    @Test
    void aFailedEvalRemovesTheOutDirectoriesItCreatedAndNoOther() throws IOException {
        String missing = dir.resolve("nope.safetensors").toString();
        Path fresh = dir.resolve("fresh");
        ErrorPathsTest.oneLineError(Cli.run("eval", "--checkpoint", missing, "--out", fresh.resolve("a/b").toString()));
        assertThat(fresh).as("created with its parents, removed with them").doesNotExist();
        Path had = Files.createDirectories(dir.resolve("had"));
        ErrorPathsTest.oneLineError(Cli.run("eval", "--checkpoint", missing, "--out", had.resolve("sub").toString()));
        assertThat(had).as("the user's directory stays, empty").isEmptyDirectory();
        ErrorPathsTest.oneLineError(Cli.run("eval", "--checkpoint", missing, "--out", had.toString()));
        assertThat(had).isEmptyDirectory();
        // Never a directory that holds something: here one created (by someone) inside the new --out meanwhile.
        Path outer = dir.resolve("outer"), inner = outer.resolve("inner");
        Files.createDirectories(inner.resolve("theirs"));
        UserFiles.removeIfEmpty(List.of(outer, inner));
        assertThat(inner.resolve("theirs")).isDirectory();
    }

    @Test
    void missingTruncatedAndCardlessCheckpoints() throws IOException {
        String line = ErrorPathsTest.oneLineError(Cli.run("eval", "--checkpoint", dir.resolve("nope.safetensors").toString()));
        assertThat(line).contains("file not found").contains("nope.safetensors");

        Path cut = dir.resolve("cut.safetensors");
        byte[] bytes = Files.readAllBytes(model);
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        line = ErrorPathsTest.oneLineError(Cli.run("predict", "--checkpoint", cut.toString(),
                FIXTURES.resolve("grey.png").toString()));
        assertThat(line).contains("cut.safetensors");

        Files.createDirectories(dir.resolve("sub"));
        Path plain = dir.resolve("sub/plain.safetensors");
        ModuleState.save(ResNet.build(ModelRegistry.spec("resnet8")), plain, Map.of());
        line = ErrorPathsTest.oneLineError(Cli.run("eval", "--checkpoint", plain.toString()));
        assertThat(line).contains("does not say which network").contains("--model NAME --weights");
        // Beside a run's model checkpoint, the hint names it.
        Path trainerState = dir.resolve("last.safetensors");
        ModuleState.save(ResNet.build(ModelRegistry.spec("resnet8")), trainerState, Map.of());
        line = ErrorPathsTest.oneLineError(Cli.run("eval", "--checkpoint", trainerState.toString()));
        assertThat(line).contains("use --checkpoint " + model.toAbsolutePath());
    }

    @Test
    void anArrayHoldingNaNIsRefused() {
        Path npy = dir.resolve("nan.npy");
        float[] values = new float[28 * 28];
        values[100] = Float.NaN;
        writeNpy(npy, values, 1, 1, 28, 28);
        assertThat(ErrorPathsTest.oneLineError(Cli.run("predict", "--checkpoint", model.toString(), npy.toString())))
                .contains(npy + " holds a NaN or infinite value at index 100");
    }

    @Test
    void exportToOnnxThenPredictGivesTheSameLogits() {
        Path onnx = dir.resolve("resnet8.onnx");
        Cli.Result r = Cli.run("export", "--checkpoint", model.toString(), "--out", onnx.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote " + onnx).contains("input (N, 1, 28, 28)");
        // A (1, 1, 28, 28) array: the same numbers reach both networks (no image preprocessing involved).
        Path npy = dir.resolve("one.npy");
        float[] values = new float[28 * 28];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i * 0.37);
        }
        writeNpy(npy, values, 1, 1, 28, 28);
        Cli.Result viaCheckpoint = Cli.run("predict", "--checkpoint", model.toString(), "--json", npy.toString());
        Cli.Result viaOnnx = Cli.run("predict", "--model", onnx.toString(), "--json", "--classes",
                writeClasses().toString(), npy.toString());
        assertThat(viaCheckpoint.exitCode()).as(viaCheckpoint.err()).isZero();
        assertThat(viaOnnx.exitCode()).as(viaOnnx.err()).isZero();
        List<?> a = (List<?>) Json.parseObject(viaCheckpoint.out().strip()).get("logits");
        List<?> b = (List<?>) Json.parseObject(viaOnnx.out().strip()).get("logits");
        assertThat(b).hasSize(10);
        for (int i = 0; i < 10; i++) {
            assertThat(((Number) b.get(i)).doubleValue()).isCloseTo(((Number) a.get(i)).doubleValue(),
                    org.assertj.core.api.Assertions.within(1e-4));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> best = (Map<String, Object>) ((List<?>) Json.parseObject(viaOnnx.out().strip()).get("top")).get(0);
        assertThat(DatasetSpec.FASHION_MNIST.classNames()).contains((String) best.get("label"));
    }

    @Test
    void exportRefusesAnOutThatWouldReplaceAnInput() throws IOException {
        // A copy: were it replaced, the other tests' checkpoint stays intact.
        Path own = Files.createDirectories(dir.resolve("own"));
        Path ckpt = Files.copy(model, own.resolve("model.safetensors"), StandardCopyOption.REPLACE_EXISTING);
        byte[] before = Files.readAllBytes(ckpt);
        String line = ErrorPathsTest.oneLineError(Cli.run("export", "--checkpoint", ckpt.toString(), "--out",
                ckpt.toString()));
        assertThat(line).contains("--out " + ckpt + " is the --checkpoint file").contains("another file name");
        Files.createDirectories(own.resolve("x"));
        Path spelledOtherwise = own.resolve("x/../model.safetensors");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("export", "--checkpoint", ckpt.toString(), "--out",
                spelledOtherwise.toString()))).contains("is the --checkpoint file");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("export", "--model", "resnet8", "--in-channels", "1",
                "--weights", ckpt.toString(), "--out", ckpt.toString()))).contains("is the --weights file");
        assertThat(Files.readAllBytes(ckpt)).isEqualTo(before);
        // A checkpoint named .onnx, reached through a link: the same file by its real path.
        Path onnxNamed = own.resolve("checkpoint-named.onnx");
        Files.copy(model, onnxNamed, StandardCopyOption.REPLACE_EXISTING);
        Path link = own.resolve("link.onnx");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, onnxNamed);
        assertThat(ErrorPathsTest.oneLineError(Cli.run("export", "--checkpoint", onnxNamed.toString(), "--out",
                link.toString()))).contains("is the --checkpoint file");
        assertThat(Files.readAllBytes(onnxNamed)).isEqualTo(before);
    }

    @Test
    void exportChecksOutBeforeAnyWork() throws IOException {
        Path notes = dir.resolve("notes.txt");
        Files.writeString(notes, "my notes");
        String line = ErrorPathsTest.oneLineError(Cli.run("export", "--checkpoint", model.toString(), "--out",
                notes.toString()));
        assertThat(line).contains("ending in .onnx").contains("notes.txt");
        assertThat(Files.readString(notes)).isEqualTo("my notes");

        Path folder = Files.createDirectories(dir.resolve("folder.ONNX"));
        assertThat(ErrorPathsTest.oneLineError(Cli.run("export", "--checkpoint", model.toString(), "--out",
                folder.toString()))).contains("cannot write " + folder + ": it is a directory");
        Path missing = dir.resolve("missing/m.onnx");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("export", "--checkpoint", model.toString(), "--out",
                missing.toString()))).contains("directory " + missing.getParent() + " does not exist");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("export", "--checkpoint", model.toString(), "--out",
                notes.resolve("m.onnx").toString()))).contains(notes + " is not a directory");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("export", "--checkpoint", model.toString(), "--out", "")))
                .contains("--out").contains("the path is empty");
        if (Files.isDirectory(Path.of("/proc/self"))) {
            // A directory that takes no files, even for root: the error names --out, not a temporary file.
            line = ErrorPathsTest.oneLineError(Cli.run("export", "--checkpoint", model.toString(), "--out",
                    "/proc/x.onnx"));
            assertThat(line).contains("cannot write /proc/x.onnx").doesNotContain(".tmp");
        }
    }

    @Test
    void exportAndPredictRefuseShapeFlagsTheCheckpointFixes() {
        Path onnx = dir.resolve("flags.onnx");
        for (String[] flag : new String[][] {{"--num-classes", "5"}, {"--in-channels", "3"}}) {
            assertThat(ErrorPathsTest.oneLineError(Cli.run("export", "--checkpoint", model.toString(), flag[0],
                    flag[1], "--out", onnx.toString()))).contains("drop --in-channels/--num-classes");
        }
        assertThat(onnx).doesNotExist();
        for (String[] flag : new String[][] {{"--num-classes", "5"}, {"--in-channels", "3"}, {"--input-size", "32"}}) {
            assertThat(ErrorPathsTest.oneLineError(Cli.run("predict", "--checkpoint", model.toString(), flag[0],
                    flag[1], FIXTURES.resolve("grey.png").toString())))
                    .contains("--checkpoint already fixes").contains("drop --in-channels/--num-classes/--input-size");
        }
    }

    @Test
    void aDirectoryWhereAFileIsExpectedIsSaidSo() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("a-folder.onnx"));
        String png = FIXTURES.resolve("grey.png").toString();
        String expected = folder + " is a directory, not a file";
        for (Cli.Result r : List.of(
                Cli.run("eval", "--checkpoint", folder.toString()),
                Cli.run("predict", "--checkpoint", folder.toString(), png),
                Cli.run("export", "--checkpoint", folder.toString(), "--out", dir.resolve("d.onnx").toString()),
                Cli.run("eval", "--model", folder.toString()),
                Cli.run("predict", "--model", folder.toString(), png),
                Cli.run("predict", "--checkpoint", model.toString(), folder.toString()),
                Cli.run("predict", "--checkpoint", model.toString(), "--classes", folder.toString(), png))) {
            assertThat(ErrorPathsTest.oneLineError(r)).contains(expected).doesNotContain("not found");
        }
    }

    @Test
    void evalChecksOutBeforeEvaluating() throws IOException {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "keep me");
        // oneLineError also asserts an empty stdout: nothing was evaluated.
        assertThat(ErrorPathsTest.oneLineError(Cli.run("eval", "--checkpoint", model.toString(), "--out",
                file.toString()))).contains("--out " + file + " is a file; give a directory");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("eval", "--checkpoint", model.toString(), "--out",
                file.resolve("sub").toString()))).contains(file + " is a file");
        assertThat(Files.readString(file)).isEqualTo("keep me");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("eval", "--checkpoint", model.toString(), "--out", "")))
                .contains("the path is empty");
        if (Files.isDirectory(Path.of("/proc/self"))) {
            assertThat(ErrorPathsTest.oneLineError(Cli.run("eval", "--checkpoint", model.toString(), "--out",
                    "/proc/qa"))).contains("/proc/qa");
        }
    }

    /** A version 1 .npy of little-endian float32 values. */
    static void writeNpy(Path file, float[] values, int... shape) {
        StringBuilder dims = new StringBuilder();
        for (int d : shape) {
            dims.append(d).append(", ");
        }
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims.toString().strip() + "), }";
        int pad = 64 - (10 + header.length() + 1) % 64;
        header = header + " ".repeat(pad) + "\n";
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(10 + header.length() + 4 * values.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        for (float v : values) {
            b.putFloat(v);
        }
        try {
            Files.write(file, b.array());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Path writeClasses() {
        Path f = dir.resolve("classes.txt");
        try {
            Files.write(f, DatasetSpec.FASHION_MNIST.classNames());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return f;
    }

    @Test
    void corruptOnnxIsOneLine() throws IOException {
        Path bad = dir.resolve("bad.onnx");
        Files.writeString(bad, "not a protobuf at all, just text");
        String line = ErrorPathsTest.oneLineError(Cli.run("predict", "--model", bad.toString(),
                FIXTURES.resolve("grey.png").toString()));
        assertThat(line).contains("bad.onnx");
    }

    @Test
    void evalOnDataThatDoesNotFit() {
        String line = ErrorPathsTest.oneLineError(Cli.run("eval", "--checkpoint", model.toString(), "--dataset",
                "cifar-10", "--no-download", "--cache-dir", dir.resolve("empty-cache").toString()));
        assertThat(line).contains("CIFAR-10 not found");
    }
}
