package io.resnet4j.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Flatten;
import io.resnet4j.nn.GlobalAvgPool;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.MaxPool2d;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.ReLU;
import io.resnet4j.nn.Residual;
import io.resnet4j.nn.Sequential;
import io.resnet4j.nn.ShortcutA;
import io.resnet4j.onnx.proto.OnnxProto.ModelProto;
import io.resnet4j.onnx.proto.OnnxProto.TensorProto;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Exported resnet4j models run in ONNX Runtime (a second, independent implementation) with resnet4j's
 * outputs, carry torchvision's state_dict keys as initializer names, and import back into the same graph.
 * The exported files are also left in target/onnx-export for the Python onnx checker
 * ({@code tools/reference/onnx_models.py --check}).
 */
class OnnxExportTest {
    static final Path KEEP = Path.of("target/onnx-export");

    /** A small ResNet with every exportable module: ImageNet-style stem, an identity unit, option-A and option-B units. */
    static Sequential smallResNet() {
        Sequential net = new Sequential();
        net.add("conv1", new Conv2d(3, 8, 7, 2, 3, false)).add("bn1", new BatchNorm2d(8)).add("relu", new ReLU())
                .add("maxpool", new MaxPool2d(3, 2, 1));
        Sequential layer1 = new Sequential();
        layer1.add("0", new Residual(basicBranch(8, 8, 1), null, true));
        layer1.add("1", new Residual(basicBranch(8, 16, 2), new ShortcutA(8, 16, 2), true));
        Sequential projection = new Sequential(new Conv2d(16, 24, 1, 2, 0, false));
        projection.add("1", new BatchNorm2d(24));
        layer1.add("2", new Residual(basicBranch(16, 24, 2), projection, true));
        net.add("layer1", layer1);
        net.add("avgpool", new GlobalAvgPool()).add("flatten", new Flatten()).add("fc", new Linear(24, 5));
        net.initialize(42);
        randomiseBatchNorm(net, 43);
        net.train(false);
        return net;
    }

    static Sequential basicBranch(int in, int out, int stride) {
        Sequential b = new Sequential();
        b.add("conv1", new Conv2d(in, out, 3, stride, 1, false)).add("bn1", new BatchNorm2d(out)).add("relu", new ReLU());
        b.add("conv2", new Conv2d(out, out, 3, 1, 1, false)).add("bn2", new BatchNorm2d(out));
        return b;
    }

    /** Non-trivial BN statistics and affine parameters, so that a misplaced BN would show in the outputs. */
    static void randomiseBatchNorm(Module net, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (Module m : net.modules()) {
            if (m instanceof BatchNorm2d bn) {
                for (int c = 0; c < bn.channels(); c++) {
                    bn.weight().value().data()[c] = (float) (0.5 + r.nextDouble());
                    bn.bias().value().data()[c] = (float) (0.2 * r.nextGaussian());
                    bn.runningMean().data()[c] = (float) (0.2 * r.nextGaussian());
                    bn.runningVar().data()[c] = (float) (0.5 + r.nextDouble());
                }
            }
        }
    }

    static Tensor randomInput(Shape s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = new Tensor(s);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) r.nextGaussian();
        }
        return t;
    }

    static float[] runOrt(Path model, Tensor x) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model.toString(), opts);
                 OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data()),
                         java.util.Arrays.stream(x.shape().dims()).asLongStream().toArray());
                 OrtSession.Result result = session.run(Map.of("input", in))) {
                OnnxTensor out = (OnnxTensor) result.get(0);
                FloatBuffer b = out.getFloatBuffer();
                float[] y = new float[b.remaining()];
                b.get(y);
                return y;
            }
        }
    }

    @Test
    void exportedResNetRunsInOnnxRuntimeWithOurOutputs(@TempDir Path dir) throws Exception {
        Sequential net = smallResNet();
        Path file = dir.resolve("small.onnx");
        OnnxExport.export(net, Shape.of(1, 3, 40, 40), file);
        keep(file, "small_resnet.onnx");
        // Batch 3 through a model exported with batch 1: the batch dimension is symbolic.
        Tensor x = randomInput(Shape.of(3, 3, 40, 40), 7);
        float[] ours = net.forward(x).data().clone();
        float[] ort = runOrt(file, x);
        assertThat(ort).hasSize(ours.length);
        assertThat(OnnxResNetImportTest.relError(ort, ours)).isLessThan(1e-4);

        ModelProto proto = OnnxReader.readModel(file);
        Set<String> initializers = new TreeSet<>();
        for (TensorProto t : proto.getGraph().getInitializerList()) {
            initializers.add(t.getName());
        }
        Set<String> stateDict = new TreeSet<>(net.namedParameters().keySet());
        stateDict.addAll(net.namedBuffers().keySet());
        assertThat(initializers).isEqualTo(stateDict).contains("layer1.2.downsample.0.weight", "layer1.2.downsample.1.running_var");
        assertThat(proto.getOpsetImport(0).getVersion()).isGreaterThanOrEqualTo(13);
    }

    @Test
    void exportedModelImportsBackWithTheSameNamesAndOutputs(@TempDir Path dir) throws IOException {
        Sequential net = smallResNet();
        Path file = dir.resolve("small.onnx");
        OnnxExport.export(net, Shape.of(2, 3, 40, 40), file, Map.of("resnet4j.classes", "[\"a\", \"b\"]"));
        OnnxModel back = OnnxModel.load(file);
        assertThat(back.inputShape()).isEqualTo(Shape.of(1, 3, 40, 40));
        assertThat(back.metadata()).containsEntry("producer_name", "resnet4j")
                .containsEntry(OnnxExport.INPUT_SHAPE, "(2, 3, 40, 40)").containsEntry("resnet4j.classes", "[\"a\", \"b\"]");
        assertThat(back.module().acceptsAnyBatch()).isTrue();
        assertThat(new LinkedHashSet<>(back.module().namedParameters().keySet())).isEqualTo(new LinkedHashSet<>(net.namedParameters().keySet()));
        Tensor x = randomInput(Shape.of(2, 3, 40, 40), 8);
        float[] ours = net.forward(x).data().clone();
        float[] again = back.module().forward(x).data();
        // The same kernels in the same order: equal up to rounding.
        assertThat(OnnxResNetImportTest.relError(again, ours)).isLessThan(1e-6);
    }

    @Test
    void resNet20FromPyTorchRoundTripsThroughExportAndOnnxRuntime(@TempDir Path dir) throws Exception {
        io.resnet4j.testing.Fixture f = io.resnet4j.testing.Fixture.load("resnet4j-onnx", "onnx/resnet20_io.bin");
        OnnxModel imported = OnnxModel.load(OnnxResNetImportTest.fixtureFile("resnet20.onnx"));
        Tensor x = f.tensor("input");
        float[] ours = imported.module().forward(x).data().clone();
        // PyTorch's own file in ONNX Runtime agrees with our import of it.
        assertThat(OnnxResNetImportTest.relError(runOrt(OnnxResNetImportTest.fixtureFile("resnet20.onnx"), x), ours)).isLessThan(1e-4);
    }

    @Test
    void loadReshapedReplacesTheDeclaredInputShape(@TempDir Path dir) throws IOException {
        Sequential net = smallResNet();
        Path file = dir.resolve("small.onnx");
        OnnxExport.export(net, Shape.of(1, 3, 40, 40), file);
        assertThatThrownBy(() -> OnnxModel.load(file, Shape.of(2, 3, 64, 64))).isInstanceOf(OnnxException.class)
                .hasMessageContaining("dimension 2 = 40");
        OnnxModel m = OnnxModel.loadReshaped(file, Shape.of(2, 3, 64, 64));
        assertThat(m.inputShape()).isEqualTo(Shape.of(2, 3, 64, 64));
        Tensor x = randomInput(Shape.of(2, 3, 64, 64), 9);
        assertThat(OnnxResNetImportTest.relError(m.module().forward(x).data(), net.forward(x).data().clone())).isLessThan(1e-6);
        assertThatThrownBy(() -> OnnxModel.loadReshaped(file, Shape.of(3, 64, 64))).isInstanceOf(OnnxException.class)
                .hasMessageContaining("rank 4");
    }

    @Test
    void metadataMayNotReplaceTheExportersOwn() {
        assertThatThrownBy(() -> OnnxExport.toProto(smallResNet(), Shape.of(1, 3, 40, 40),
                Map.of(OnnxExport.INPUT_SHAPE, "(1, 1)"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(OnnxExport.INPUT_SHAPE);
    }

    @Test
    void layersOfAnImportedExportFollowTheModuleTree() {
        Sequential net = smallResNet();
        Shape in = Shape.of(1, 3, 40, 40);
        OnnxGraph g = OnnxModel.fromProto(OnnxExport.toProto(net, in), null, "small").module();
        java.util.List<OnnxGraph.Layer> layers = g.layers(in);
        assertThat(layers).hasSize(g.stepCount());
        assertThat(layers.get(0)).isEqualTo(new OnnxGraph.Layer("conv1", "Conv", "/conv1/Conv", Shape.of(1, 8, 20, 20),
                8 * 3 * 7 * 7, 8L * 20 * 20 * 3 * 7 * 7));
        assertThat(layers).extracting(OnnxGraph.Layer::name).contains("layer1.2.downsample.0", "layer1.0.add", "fc");
        assertThat(layers.stream().filter(l -> l.op().equals("Add")).count()).isEqualTo(3);
        assertThat(layers.stream().mapToLong(OnnxGraph.Layer::params).sum()).isEqualTo(net.parameterCount());
        assertThat(layers.get(layers.size() - 1).output()).isEqualTo(Shape.of(1, 5));
    }

    @Test
    void unsupportedModulesAreListed() {
        Sequential net = new Sequential();
        net.add("conv1", new Conv2d(3, 4, 3, 1, 1, false));
        net.add("odd", new Module() {
            @Override
            public Tensor forward(Tensor x) {
                return x;
            }

            @Override
            public Tensor backward(Tensor g) {
                return g;
            }

            @Override
            public Shape outputShape(Shape s) {
                return s;
            }
        });
        assertThatThrownBy(() -> OnnxExport.toProto(net, Shape.of(1, 3, 8, 8))).isInstanceOf(OnnxException.class)
                .hasMessageContaining("odd");
    }

    private static void keep(Path file, String name) throws IOException {
        Files.createDirectories(KEEP);
        Files.copy(file, KEEP.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
