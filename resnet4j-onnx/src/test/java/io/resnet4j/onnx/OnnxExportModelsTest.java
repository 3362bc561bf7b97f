package io.resnet4j.onnx;

import io.resnet4j.models.ModelRegistry;
import io.resnet4j.nn.Sequential;
import io.resnet4j.onnx.proto.OnnxProto.ModelProto;
import io.resnet4j.onnx.proto.OnnxProto.TensorProto;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The registry's models (basic and bottleneck blocks, ImageNet and CIFAR stems, option-A and option-B
 * shortcuts, pre-activation units, wide and plain nets) export to ONNX, run in ONNX Runtime with resnet4j's
 * outputs (1e-4 relative), carry torchvision's state_dict keys and import back with the same names. Spatial
 * sizes are kept small for test time; the files are left in target/onnx-export for the onnx checker.
 */
class OnnxExportModelsTest {
    @ParameterizedTest
    @CsvSource({"resnet20, 32, 9, 0", "resnet18, 32, 8, 0", "resnet50, 32, 16, 0", "preact-resnet20, 32, 0, 9",
            "wrn-10-2, 32, 0, 3", "plain20, 32, 0, 0"})
    void registryModelExportsRunInOnnxRuntime(String name, int size, int convAddRelu, int convAdd) throws Exception {
        Sequential net = ModelRegistry.build(name, 11);
        OnnxExportTest.randomiseBatchNorm(net, 12);
        net.train(false);
        Path file = OnnxExportTest.KEEP.resolve(name + ".onnx");
        OnnxExport.export(net, Shape.of(1, 3, size, size), file);
        Tensor x = OnnxExportTest.randomInput(Shape.of(2, 3, size, size), 13);
        float[] ours = net.forward(x).data().clone();
        assertThat(OnnxResNetImportTest.relError(OnnxExportTest.runOrt(file, x), ours)).as(name + " in ONNX Runtime").isLessThan(1e-4);

        ModelProto proto = OnnxReader.readModel(file);
        Set<String> initializers = new TreeSet<>();
        for (TensorProto t : proto.getGraph().getInitializerList()) {
            initializers.add(t.getName());
        }
        Set<String> stateDict = new TreeSet<>(net.namedParameters().keySet());
        stateDict.addAll(net.namedBuffers().keySet());
        assertThat(initializers).isEqualTo(stateDict);

        OnnxModel back = OnnxModel.load(file);
        assertThat(back.module().namedParameters().keySet()).containsExactlyInAnyOrderElementsOf(net.namedParameters().keySet());
        assertThat(OnnxResNetImportTest.relError(back.module().forward(x).data(), ours)).as(name + " re-imported").isLessThan(1e-6);

        // frozen: each residual unit's last Conv runs onto the other operand of its Add (with the Relu after it)
        OnnxGraph frozen = back.module().freeze();
        assertThat(frozen.stepsOf("Conv+Add+Relu")).as(name).isEqualTo(convAddRelu);
        assertThat(frozen.stepsOf("Conv+Add")).as(name).isEqualTo(convAdd);
        assertThat(frozen.stepsOf("Add")).as(name).isZero();
        float[] input = x.data().clone();
        for (int call = 0; call < 2; call++) {
            assertThat(OnnxResNetImportTest.relError(frozen.forward(x).data(), ours)).as(name + " frozen, call " + call)
                    .isLessThan(1e-4);
        }
        assertThat(x.data()).as("the input").isEqualTo(input);
    }
}
