package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.resnet4j.data.Augmentation;
import io.resnet4j.data.DatasetSpec;
import io.resnet4j.models.ModelCheckpoint;
import io.resnet4j.models.ModelRegistry;
import io.resnet4j.models.ResNet;
import io.resnet4j.models.ResNetSpec;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Flatten;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Sequential;
import io.resnet4j.onnx.OnnxExport;
import io.resnet4j.onnx.proto.OnnxProto.GraphProto;
import io.resnet4j.onnx.proto.OnnxProto.ModelProto;
import io.resnet4j.onnx.proto.OnnxProto.NodeProto;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Fixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval and summary on ONNX models: a checkpoint exported to ONNX evaluates to the checkpoint's figures,
 * with or without the metadata the export writes; an exported registry model has the registry's summary totals;
 * bad files and sizes end in one line.
 */
class OnnxCommandsTest {
    private static final Pattern RESULT = Pattern.compile(
            "loss (\\d+\\.\\d{4})  top-1 (\\d+\\.\\d\\d)%  top-5 (\\d+\\.\\d\\d)%  \\(([\\d,]+) images");

    @TempDir
    static Path dir;
    /**
     * A resnet8 for the bundled Fashion-MNIST subset with the card and metadata train writes (TrainCommandTest
     * checks that train writes them); random batch-norm statistics make the outputs of every layer matter.
     */
    static Path checkpoint;
    static Path onnx;

    @BeforeAll
    static void writeAndExport() {
        ResNetSpec spec = ModelRegistry.spec("resnet8").withInputChannels(1);
        Sequential net = ResNet.build(spec, 5);
        SplittableRandom rng = new SplittableRandom(6);
        for (Module m : net.modules()) {
            if (m instanceof BatchNorm2d bn) {
                float[] mean = bn.runningMean().data(), var = bn.runningVar().data();
                for (int c = 0; c < mean.length; c++) {
                    mean[c] = (float) (rng.nextDouble() - 0.5);
                    var[c] = (float) (0.5 + rng.nextDouble());
                }
            }
        }
        checkpoint = dir.resolve("model.safetensors");
        ModelCheckpoint.save(checkpoint, net, new ModelCheckpoint.ModelCard("resnet8", spec,
                DatasetSpec.FASHION_MNIST.classNames(), new ModelCheckpoint.Normalization(List.of(0.2860), List.of(0.3530))),
                Map.of(Networks.IMAGE_SIZE, "28", Networks.RESIZE, "28", Networks.DATASET, "fashion-mnist-subset"));
        onnx = dir.resolve("resnet8.onnx");
        Cli.Result e = Cli.run("export", "--checkpoint", checkpoint.toString(), "--out", onnx.toString());
        assertThat(e.exitCode()).as(e.err()).isZero();
        assertThat(e.out()).contains("metadata: ").contains(ModelCheckpoint.CLASSES).contains(ModelCheckpoint.NORMALIZATION);
    }

    /** loss, top-1, top-5 and the per-class lines of an eval run. */
    record EvalResult(double loss, double top1, double top5, long images, List<String> perClass) {
        static EvalResult of(Cli.Result r) {
            assertThat(r.exitCode()).as(r.err()).isZero();
            Matcher m = RESULT.matcher(r.out());
            assertThat(m.find()).as(r.out()).isTrue();
            List<String> perClass = r.out().lines().dropWhile(l -> !l.equals("per-class accuracy:")).skip(1)
                    .takeWhile(l -> l.startsWith("  ")).toList();
            return new EvalResult(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)),
                    Double.parseDouble(m.group(3)), Long.parseLong(m.group(4).replace(",", "")), perClass);
        }

        void assertSameAs(EvalResult want) {
            // Printed to 4 decimals: values within 1e-6 print within one unit of the last digit.
            assertThat(loss).isCloseTo(want.loss, within(1.0001e-4));
            assertThat(top1).isEqualTo(want.top1);
            assertThat(top5).isEqualTo(want.top5);
            assertThat(images).isEqualTo(want.images);
            assertThat(perClass).isEqualTo(want.perClass);
        }
    }

    @Test
    void exportedCheckpointEvaluatesLikeTheCheckpoint() {
        EvalResult want = EvalResult.of(Cli.run("eval", "--checkpoint", checkpoint.toString(), "--limit", "300", "--batch", "128"));
        // No --dataset: the dataset, normalisation and class names come from the ONNX metadata, as from the checkpoint's card.
        Cli.Result r = Cli.run("eval", "--model", onnx.toString(), "--limit", "300", "--batch", "128");
        EvalResult got = EvalResult.of(r);
        got.assertSameAs(want);
        assertThat(got.images()).isEqualTo(300);
        assertThat(got.perClass()).anyMatch(l -> l.contains("Ankle boot"));
        assertThat(r.out()).contains("Fashion-MNIST subset").contains("resnet8.onnx (ONNX from resnet4j")
                .contains("input: normalisation mean [0.2860] std [0.3530] from the ONNX metadata")
                .contains("classes: from the ONNX metadata\n");

        // The networks themselves: the same logits on the same batch.
        Network ckpt = Networks.fromCheckpoint(checkpoint);
        Network imported = Networks.fromOnnx(onnx, null);
        assertThat(imported.classNames()).isEqualTo(ckpt.classNames());
        assertThat(imported.mean()).isEqualTo(ckpt.mean());
        assertThat(imported.std()).isEqualTo(ckpt.std());
        assertThat(imported.resize()).isEqualTo(ckpt.resize());
        Tensor x = new Tensor(Shape.of(5, 1, 28, 28));
        for (int i = 0; i < x.numel(); i++) {
            x.data()[i] = (float) Math.sin(0.13 * i);
        }
        float[] a = ckpt.module().forward(x).data().clone();
        float[] b = imported.module().forward(x).data();
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).isCloseTo(a[i], within(1e-5f));
        }
    }

    @Test
    void withoutMetadataTheDatasetsDefaultsAreUsedAndSaid() throws IOException {
        // The same network exported without metadata_props: the dataset's normalisation is the one it was trained
        // with, so the figures are the checkpoint's.
        Network ckpt = Networks.fromCheckpoint(checkpoint);
        Path bare = dir.resolve("bare.onnx");
        OnnxExport.export(ckpt.module(), Shape.of(1, 1, 28, 28), bare);
        EvalResult want = EvalResult.of(Cli.run("eval", "--checkpoint", checkpoint.toString(), "--limit", "100"));
        Cli.Result r = Cli.run("eval", "--model", bare.toString(), "--dataset", "bundled", "--limit", "100");
        EvalResult.of(r).assertSameAs(want);
        assertThat(r.out()).contains("input: normalisation mean [" + String.format(java.util.Locale.ROOT, "%.4f",
                        Augmentation.Normalization.fashionMnist().mean()[0]))
                .contains("the dataset's defaults (the ONNX file records none)")
                .contains("classes: the dataset's (the ONNX file records none)");
    }

    @Test
    void aGraphFoldedForOneBatchSizeIsImportedAgainForTheEvalBatch() throws IOException {
        // input -> Reshape(input, Shape(input)) -> the network: the Shape folds for the import batch (1).
        ModelProto proto = io.resnet4j.onnx.OnnxReader.readModel(onnx);
        GraphProto.Builder g = proto.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto.Builder n = g.getNode(i).toBuilder();
            for (int k = 0; k < n.getInputCount(); k++) {
                if (n.getInput(k).equals("input")) {
                    n.setInput(k, "reshaped");
                }
            }
            g.setNode(i, n);
        }
        g.addNode(0, NodeProto.newBuilder().setOpType("Reshape").setName("view").addInput("input").addInput("dims")
                .addOutput("reshaped"));
        g.addNode(0, NodeProto.newBuilder().setOpType("Shape").setName("size").addInput("input").addOutput("dims"));
        Path folded = dir.resolve("folded.onnx");
        Files.write(folded, proto.toBuilder().setGraph(g).build().toByteArray());
        assertThat(Networks.loadOnnx(folded, null, true).model().module().acceptsAnyBatch()).isFalse();

        // 50 images in batches of 16: three full batches and a padded one of 2.
        EvalResult want = EvalResult.of(Cli.run("eval", "--checkpoint", checkpoint.toString(), "--limit", "50", "--batch", "16"));
        Cli.Result r = Cli.run("eval", "--model", folded.toString(), "--limit", "50", "--batch", "16");
        EvalResult.of(r).assertSameAs(want);
        assertThat(r.out()).contains("imported again for batch 16");
    }

    @Test
    void summaryOfExportedRegistryModelsHasTheRegistrysTotals() {
        for (String name : List.of("resnet20", "resnet50")) {
            Path file = dir.resolve(name + ".onnx");
            Cli.Result e = Cli.run("export", "--model", name, "--out", file.toString());
            assertThat(e.exitCode()).as(e.err()).isZero();
            Cli.Result registry = Cli.run("summary", "--model", name);
            Cli.Result imported = Cli.run("summary", "--model", file.toString());
            assertThat(imported.exitCode()).as(imported.err()).isZero();
            assertThat(totals(imported)).as(name).isEqualTo(totals(registry)).hasSize(4);
            assertThat(imported.out()).contains("Layer (type)").contains("conv1 (Conv)").contains("fc (Gemm)")
                    .contains(name + ".onnx (ONNX from resnet4j");
        }
        assertThat(totals(Cli.run("summary", "--model", "resnet50"))).contains("Total params: 25,557,032",
                "Total mult-adds (conv + linear): 4,089,184,256 (4.09 G)");
        // Another input size: the graph is imported again for it.
        Cli.Result at64 = Cli.run("summary", "--model", dir.resolve("resnet20.onnx").toString(), "--input-size", "64");
        assertThat(at64.exitCode()).as(at64.err()).isZero();
        assertThat(totals(at64)).isEqualTo(totals(Cli.run("summary", "--model", "resnet20", "--input-size", "64")))
                .contains("Input shape: (1, 3, 64, 64)");
        assertThat(at64.out()).contains("layer1.0.add (Add)").contains("layer3.2.conv2 (Conv)").contains("(1, 64, 16, 16)");
    }

    /** bench on an ONNX file: its graph in infer mode and frozen, at another batch size and input size. */
    @Test
    void benchMeasuresAnOnnxFile() {
        Path file = dir.resolve("resnet20-bench.onnx");
        assertThat(Cli.run("export", "--model", "resnet20", "--out", file.toString()).exitCode()).isZero();
        for (String mode : List.of("infer", "frozen")) {
            Cli.Result r = Cli.run("bench", "--model", file.toString(), "--mode", mode, "--batch", "3", "--input-size",
                    "40", "--warmup", "1", "--warmup-seconds", "0", "--blocks", "2", "--steps", "1", "--threads", "1");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out()).contains("resnet20-bench.onnx (ONNX from resnet4j").contains("input (3, 3, 40, 40)")
                    .contains(mode + " mode").containsPattern("img/s: [0-9]+\\.[0-9]");
        }
    }

    @Test
    void summaryOfPyTorchsExportWithBatchNormFolded() {
        Path file = Fixture.repoRoot().resolve("resnet4j-onnx/src/test/resources/fixtures/onnx/resnet20.onnx");
        Cli.Result r = Cli.run("summary", "--model", file.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        // BN folded: 2 x 688 BN parameters gone, 688 conv biases added (19 convs: 16 x 7 + 32 x 6 + 64 x 6).
        assertThat(r.out()).contains("Total params: " + String.format("%,d", 269_722 - 2 * 688 + 688))
                .contains("ONNX from pytorch");
        String macs = totals(Cli.run("summary", "--model", "resnet20")).get(2);
        assertThat(totals(r)).contains(macs);
    }

    /** The four lines after the table: input shape, params, mult-adds, other ops. */
    private static List<String> totals(Cli.Result r) {
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        return lines.subList(lines.size() - 4, lines.size());
    }

    @Test
    void badFilesSizesAndFlagsAreOneLine() throws IOException {
        Path text = dir.resolve("text.onnx");
        Files.writeString(text, "not a protobuf at all, just text");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("eval", "--model", text.toString(), "--dataset", "bundled")))
                .contains("text.onnx");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("summary", "--model", text.toString()))).contains("text.onnx");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("summary", "--model", dir.resolve("none.onnx").toString())))
                .contains("file not found").contains("none.onnx");

        // A 32x32 model on 28x28 data.
        Path resnet20 = dir.resolve("resnet20-1ch.onnx");
        assertThat(Cli.run("export", "--model", "resnet20", "--in-channels", "1", "--out", resnet20.toString()).exitCode()).isZero();
        assertThat(ErrorPathsTest.oneLineError(Cli.run("eval", "--model", resnet20.toString(), "--dataset", "bundled")))
                .contains("takes 32x32 images but fashion-mnist-subset has 28x28 images").contains("--input-size");
        // ... and a 32x32 array for a 28x28 model.
        Path npy = dir.resolve("32.npy");
        CheckpointCommandsTest.writeNpy(npy, new float[32 * 32], 1, 1, 32, 32);
        assertThat(ErrorPathsTest.oneLineError(Cli.run("predict", "--model", onnx.toString(), npy.toString())))
                .contains("images of 32x32 do not fit the model");
        // A graph without global pooling fits one input size only.
        Sequential flat = new Sequential();
        flat.add("conv", new Conv2d(1, 2, 3, 1, 1, false)).add("flatten", new Flatten()).add("fc", new Linear(2 * 8 * 8, 3));
        flat.initialize(1);
        Path flatFile = dir.resolve("flat.onnx");
        OnnxExport.export(flat, Shape.of(1, 1, 8, 8), flatFile);
        assertThat(ErrorPathsTest.oneLineError(Cli.run("summary", "--model", flatFile.toString(), "--input-size", "16")))
                .contains("--input-size 16 does not fit flat.onnx (made for 8x8 inputs)");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("summary", "--model", onnx.toString(), "--in-channels", "3")))
                .contains("do not apply to an ONNX file");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("bench", "--model", onnx.toString(), "--mode", "train")))
                .contains("registry");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("bench", "--model", onnx.toString(), "--num-classes", "3")))
                .contains("apply to registry models");

        // Unsupported operators: every one listed with its node, on one line.
        ModelProto proto = OnnxExport.toProto(flat, Shape.of(1, 1, 8, 8));
        GraphProto.Builder g = proto.getGraph().toBuilder();
        NodeProto conv = g.getNode(0);
        // input -> Conv -> pre -> LeakyRelu -> (the conv's old output) -> Flatten ..., and an Erf on the side.
        g.setNode(0, conv.toBuilder().setOutput(0, "pre"));
        g.addNode(1, NodeProto.newBuilder().setOpType("LeakyRelu").setName("leaky_1").addInput("pre").addOutput(conv.getOutput(0)));
        g.addNode(0, NodeProto.newBuilder().setOpType("Erf").setName("erf_1").addInput("input").addOutput("unused"));
        Path unsupported = dir.resolve("unsupported.onnx");
        Files.write(unsupported, proto.toBuilder().setGraph(g).build().toByteArray());
        for (Cli.Result r : List.of(Cli.run("summary", "--model", unsupported.toString()),
                Cli.run("eval", "--model", unsupported.toString(), "--dataset", "bundled"))) {
            assertThat(ErrorPathsTest.oneLineError(r)).contains("unsupported.onnx").contains("LeakyRelu node 'leaky_1'")
                    .contains("Erf node 'erf_1'");
        }

        // Bad metadata in an otherwise good file.
        Path badMeta = dir.resolve("bad-meta.onnx");
        OnnxExport.export(flat, Shape.of(1, 1, 8, 8), badMeta, Map.of(ModelCheckpoint.CLASSES, "[\"a\", \"b\"]"));
        assertThat(ErrorPathsTest.oneLineError(Cli.run("predict", "--model", badMeta.toString(), npy.toString())))
                .contains("bad-meta.onnx: bad resnet4j.classes metadata (2 names for a model with 3 classes)");

        // Flags.
        assertThat(ErrorPathsTest.oneLineError(Cli.run("eval", "--model", onnx.toString(), "--checkpoint",
                checkpoint.toString()))).contains("not both");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("eval", "--model", "resnet20"))).contains("--model takes an ONNX file");
    }
}
