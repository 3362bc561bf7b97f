package io.resnet4j.onnx;

import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.FusedConv2d;
import io.resnet4j.nn.FusedLinear;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Fixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A CIFAR ResNet-20 with the option-A shortcut exported by PyTorch (tools/reference/onnx_models.py) runs in
 * resnet4j with PyTorch's outputs, in both export forms (BatchNorm folded; BatchNorm kept with the shortcut's
 * pad arithmetic unfolded), and the BN-kept import fine-tunes: its gradients equal PyTorch's.
 */
class OnnxResNetImportTest {
    static final String MODULE = "resnet4j-onnx";

    static Path fixtureFile(String name) {
        Fixture.load(MODULE, "onnx/resnet20_io.bin");
        return Fixture.repoRoot().resolve(MODULE).resolve("src/test/resources/fixtures/onnx").resolve(name);
    }

    /** max |a - b| / max |b|: the relative error the issue bounds by 1e-4. */
    static double relError(float[] got, float[] want) {
        double diff = 0, scale = 0;
        for (int i = 0; i < want.length; i++) {
            diff = Math.max(diff, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return diff / scale;
    }

    @Test
    void foldedBatchNormExportMatchesPyTorch() throws IOException {
        Fixture f = Fixture.load(MODULE, "onnx/resnet20_io.bin");
        OnnxModel m = OnnxModel.load(fixtureFile("resnet20.onnx"));
        assertThat(m.inputShape()).isEqualTo(Shape.of(1, 3, 32, 32));
        assertThat(m.metadata()).containsEntry("producer_name", "pytorch").containsEntry("opset", "13");
        // Imported for batch 1, run on batch 3: nothing in the graph was folded for a particular batch.
        assertThat(m.module().acceptsAnyBatch()).isTrue();
        Tensor y = m.module().forward(f.tensor("input"));
        assertThat(y.shape()).isEqualTo(Shape.of(3, 10));
        assertThat(relError(y.data(), f.floats("output"))).isLessThan(1e-4);
        // BN folded into the convs: 19 convolutions (stem + 18 in the blocks; option A has no projection), all with bias.
        assertThat(m.module().modules().stream().filter(x -> x instanceof Conv2d c && c.bias() != null).count()).isEqualTo(19);
        assertThat(m.module().modules().stream().filter(x -> x instanceof BatchNorm2d).count()).isZero();
        assertThat(m.module().namedParameters()).containsKeys("conv1.weight", "conv1.bias", "layer3.2.conv2.weight", "fc.weight", "fc.bias");
    }

    @Test
    void batchNormExportWithUnfoldedShapeOpsMatchesPyTorch() throws IOException {
        Fixture f = Fixture.load(MODULE, "onnx/resnet20_io.bin");
        OnnxModel m = OnnxModel.load(fixtureFile("resnet20_bn.onnx"), Shape.of(3, 3, 32, 32));
        Tensor y = m.module().forward(f.tensor("input"));
        assertThat(relError(y.data(), f.floats("output"))).isLessThan(1e-4);
        // Torchvision's state_dict keys, taken from the initializer names, and the same count as PyTorch's parameters.
        Map<String, Parameter> params = m.module().namedParameters();
        assertThat(params).containsKeys("conv1.weight", "bn1.weight", "bn1.bias", "layer2.0.conv1.weight", "layer3.2.bn2.bias", "fc.weight");
        // convs 432 + 13,824 + 50,688 + 202,752, BN 2 x 688, fc 650: the paper's 0.27M.
        assertThat(m.module().parameterCount()).isEqualTo(269_722);
        assertThat(m.module().namedBuffers()).containsKeys("bn1.running_mean", "layer1.0.bn2.running_var");
    }

    /**
     * OnnxGraph.freeze: every Conv fused (with the BatchNormalization after it where the file keeps one, and the
     * Relu after that), the Gemm a FusedLinear; both exports still match PyTorch, and the original graph is
     * unchanged.
     */
    @Test
    void frozenGraphsMatchPyTorch() throws IOException {
        Fixture f = Fixture.load(MODULE, "onnx/resnet20_io.bin");
        for (String file : List.of("resnet20.onnx", "resnet20_bn.onnx")) {
            OnnxGraph g = OnnxModel.load(fixtureFile(file), Shape.of(3, 3, 32, 32)).module();
            float[] before = g.forward(f.tensor("input")).data().clone();
            OnnxGraph frozen = g.freeze();
            List<Module> modules = frozen.modules();
            assertThat(modules.stream().filter(x -> x instanceof FusedConv2d).count()).as(file).isEqualTo(19);
            // the stem and the first conv of each of the 9 blocks take their ReLU; the second leaves it to the add
            assertThat(modules.stream().filter(x -> x instanceof FusedConv2d c && c.relu()).count()).as(file).isEqualTo(10);
            assertThat(modules.stream().filter(x -> x instanceof Conv2d || x instanceof BatchNorm2d || x instanceof Linear))
                    .as(file).isEmpty();
            assertThat(modules.stream().filter(x -> x instanceof FusedLinear).count()).as(file).isEqualTo(1);
            assertThat(frozen.stepCount()).as(file).isLessThan(g.stepCount());
            Tensor y = frozen.forward(f.tensor("input"));
            assertThat(relError(y.data(), f.floats("output"))).as(file).isLessThan(1e-4);
            assertThatThrownBy(() -> frozen.train(true)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("inference-only");
            assertThat(g.forward(f.tensor("input")).data()).as(file).isEqualTo(before);
        }
    }

    /**
     * A frozen Conv + Add writes over the Add's other operand only where no later step reads it and it is no graph
     * input: the graph's input x as an operand, and Relu(x) read again by a later Add, each stay as they were.
     */
    @Test
    void frozenConvAddLeavesOperandsThatAreStillRead() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
        float[] w = new float[4 * 4 * 3 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rng.nextDouble() - 0.5);
        }
        io.resnet4j.onnx.proto.OnnxProto.GraphProto.Builder g = io.resnet4j.onnx.proto.OnnxProto.GraphProto.newBuilder()
                .addInput(OnnxImportErrorsTest.input("x", 1, 4, 6, 6))
                .addInitializer(Const.floatProto("w", new int[] {4, 4, 3, 3}, w))
                .addNode(OnnxImportErrorsTest.node("Relu", "r", List.of("x"), "a"))
                .addNode(OnnxImportErrorsTest.node("Conv", "c1", List.of("a", "w"), "c",
                        OnnxImportErrorsTest.ints("pads", 1, 1, 1, 1)))
                .addNode(OnnxImportErrorsTest.node("Add", "add1", List.of("c", "x"), "s"))
                .addNode(OnnxImportErrorsTest.node("Conv", "c2", List.of("s", "w"), "d",
                        OnnxImportErrorsTest.ints("pads", 1, 1, 1, 1)))
                .addNode(OnnxImportErrorsTest.node("Add", "add2", List.of("d", "a"), "t"))
                .addNode(OnnxImportErrorsTest.node("Add", "add3", List.of("t", "a"), "y"))
                .addOutput(OnnxImportErrorsTest.input("y"));
        OnnxGraph graph = OnnxModel.fromProto(OnnxImportErrorsTest.model(g), null, "m.onnx").module();
        Tensor x = new Tensor(Shape.of(1, 4, 6, 6));
        for (int i = 0; i < x.numel(); i++) {
            x.data()[i] = (float) (rng.nextDouble() - 0.5);
        }
        float[] input = x.data().clone();
        float[] expected = graph.forward(x).data().clone();
        OnnxGraph frozen = graph.freeze();
        assertThat(frozen.stepsOf("Conv+Add")).isEqualTo(2);
        assertThat(frozen.stepsOf("Add")).isEqualTo(1);
        for (int call = 0; call < 2; call++) {
            assertThat(relError(frozen.forward(x).data(), expected)).as("call %d", call).isLessThan(1e-5);
            assertThat(x.data()).as("the graph's input").isEqualTo(input);
        }
    }

    @Test
    void importedResNetFineTunesWithPyTorchsGradients() throws IOException {
        Fixture f = Fixture.load(MODULE, "onnx/resnet20_io.bin");
        OnnxGraph g = OnnxModel.load(fixtureFile("resnet20_bn.onnx")).module();
        g.train(true);
        g.zeroGrad();
        Tensor y = g.forward(f.tensor("input"));
        assertThat(relError(y.data(), f.floats("train_output"))).isLessThan(1e-4);
        Tensor dx = g.backward(f.tensor("r"));
        assertThat(relError(dx.data(), f.floats("grad.input"))).as("input gradient").isLessThan(1e-4);
        Map<String, Parameter> params = g.namedParameters();
        for (String key : new String[] {"conv1.weight", "bn1.weight", "layer2.0.conv1.weight", "layer3.2.bn2.bias", "fc.weight", "fc.bias"}) {
            assertThat(relError(params.get(key).grad().data(), f.floats("grad." + key))).as("gradient of " + key).isLessThan(1e-4);
        }
    }
}
