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
    @CsvSource({"resnet20, 32", "resnet18, 32", "resnet50, 32", "preact-resnet20, 32", "wrn-10-2, 32", "plain20, 32"})
    void registryModelExportsRunInOnnxRuntime(String name, int size) throws Exception {
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
    }
}
