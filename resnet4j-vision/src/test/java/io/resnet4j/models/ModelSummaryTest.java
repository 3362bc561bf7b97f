package io.resnet4j.models;

import io.resnet4j.models.ModelSummary.Row;
import io.resnet4j.nn.Sequential;
import io.resnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelSummaryTest {

    @Test
    void resnet50At224Is409GigaMultiplyAdds() {
        Sequential net = ResNet.build(ResNetSpec.resnet50());
        ModelSummary s = ModelSummary.of(net, Shape.of(3, 224, 224));
        // torchvision's ResNet50_Weights meta: 25,557,032 parameters, 4.09 GFLOPS (multiply-adds of conv + fc).
        assertThat(s.totalParams()).isEqualTo(25_557_032L).isEqualTo(net.parameterCount());
        assertThat(s.totalMacs()).isEqualTo(4_089_184_256L);
        String text = s.render();
        assertThat(text).contains("Total params: 25,557,032\n")
                .contains("Total mult-adds (conv + linear): 4,089,184,256 (4.09 G)\n")
                .contains("Input shape: (1, 3, 224, 224)");
        // conv1: 64 filters of 3x7x7 on 112x112 outputs.
        assertThat(text).containsPattern("conv1 \\(Conv2d\\) +\\(1, 64, 112, 112\\) +9,408 +118,013,952\n");
        assertThat(text).containsPattern("layer4.2 \\(Add\\+ReLU\\) +\\(1, 2048, 7, 7\\) +0 +-\n");
        assertThat(text).containsPattern("fc \\(Linear\\) +\\(1, 1000\\) +2,049,000 +2,048,000\n");
    }

    @Test
    void resnet18AndResnet20MatchThePublishedFigures() {
        // torchvision ResNet18_Weights: 1.81 GFLOPS; the CIFAR ResNet-20 is usually quoted at 40.55 M (41 M).
        assertThat(ModelSummary.of(ResNet.build(ResNetSpec.resnet18()), Shape.of(1, 3, 224, 224)).totalMacs())
                .isEqualTo(1_814_073_344L);
        ModelSummary cifar = ModelSummary.of(ResNet.build(ResNetSpec.cifarResNet(20)), Shape.of(3, 32, 32));
        assertThat(cifar.totalMacs()).isEqualTo(40_551_040L);
        // Doubling the batch doubles the work.
        assertThat(ModelSummary.of(ResNet.build(ResNetSpec.cifarResNet(20)), Shape.of(2, 3, 32, 32)).totalMacs())
                .isEqualTo(2 * 40_551_040L);
    }

    @Test
    void rowsFollowTheForwardOrderWithTheShortcutBeforeTheAdd() {
        ModelSummary s = ModelSummary.of(ResNet.build(ResNetSpec.cifarResNet(8).withShortcut(ResNetSpec.Shortcut.B)),
                Shape.of(1, 3, 32, 32));
        List<String> names = s.rows().stream().map(Row::name).toList();
        assertThat(names).containsSubsequence("conv1", "bn1", "relu", "layer1.0.conv1", "layer1.0.bn2", "layer1.0",
                "layer2.0.conv1", "layer2.0.bn2", "layer2.0.downsample.0", "layer2.0.downsample.1", "layer2.0",
                "avgpool", "flatten", "fc");
        Row projection = s.rows().get(names.indexOf("layer2.0.downsample.0"));
        assertThat(projection.output()).isEqualTo(Shape.of(1, 32, 16, 16));
        assertThat(projection.params()).isEqualTo(16 * 32);
        assertThat(projection.macs()).isEqualTo(32L * 16 * 16 * 16);
        Row add = s.rows().get(names.indexOf("layer2.0"));
        assertThat(add.type()).isEqualTo("Add+ReLU");
        assertThat(add.otherOps()).isEqualTo(32L * 16 * 16);
        Row bn = s.rows().get(names.indexOf("bn1"));
        assertThat(bn.macs()).isZero();
        assertThat(bn.otherOps()).isEqualTo(16L * 32 * 32);
        assertThat(s.otherOps()).isEqualTo(s.rows().stream().mapToLong(Row::otherOps).sum());
    }

    @Test
    void anInputThatDoesNotFitIsAClearError() {
        Sequential net = ResNet.build(ResNetSpec.cifarResNet(8));
        assertThatThrownBy(() -> ModelSummary.of(net, Shape.of(1, 1, 32, 32)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 input channels");
    }

    @Test
    void numbersGetThousandsSeparators() {
        assertThat(ModelSummary.group(25_557_032L)).isEqualTo("25,557,032");
        assertThat(ModelSummary.group(7)).isEqualTo("7");
        assertThat(ModelSummary.giga(4_089_184_256L)).isEqualTo("4.09 G");
    }
}
