package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Flatten;
import io.resnet4j.nn.GlobalAvgPool;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.ReLU;
import io.resnet4j.nn.Residual;
import io.resnet4j.nn.Sequential;
import io.resnet4j.tensor.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The layer table of a small hand-built residual net, its counts derived by hand in the comments. */
class LayerTableTest {

    static Sequential tinyNet() {
        // stem: conv 1->4 3x3 (36 weights), bn (8); one basic block 4->8 stride 2 with a projection shortcut; head.
        Sequential block = new Sequential()
                .add("conv1", new Conv2d(4, 8, 3, 2, 1, false))    // 288 weights
                .add("bn1", new BatchNorm2d(8))                    // 16
                .add("relu", new ReLU())
                .add("conv2", new Conv2d(8, 8, 3, 1, 1, false))    // 576
                .add("bn2", new BatchNorm2d(8));                   // 16
        Sequential down = new Sequential(new Conv2d(4, 8, 1, 2, 0, false), new BatchNorm2d(8)); // 32 + 16
        return new Sequential()
                .add("conv1", new Conv2d(1, 4, 3, 1, 1, false))
                .add("bn1", new BatchNorm2d(4))
                .add("relu", new ReLU())
                .add("layer1", new Sequential(new Residual(block, down, true)))
                .add("avgpool", new GlobalAvgPool())
                .add("flatten", new Flatten())
                .add("fc", new Linear(8, 10));                     // 80 + 10
    }

    @Test
    void namesShapesAndTotals() {
        Sequential net = tinyNet();
        LayerTable t = LayerTable.of(net, Shape.of(1, 1, 8, 8));
        // 36 + 8 + 288 + 16 + 576 + 16 + 32 + 16 + 90 = 1078
        assertThat(t.totalParams()).isEqualTo(1078).isEqualTo(net.parameterCount());
        List<String> names = t.rows().stream().map(LayerTable.Row::name).toList();
        assertThat(names).containsExactly("(model)", "conv1", "bn1", "relu", "layer1", "layer1.0", "layer1.0.conv1",
                "layer1.0.bn1", "layer1.0.relu", "layer1.0.conv2", "layer1.0.bn2", "layer1.0.downsample",
                "layer1.0.downsample.0", "layer1.0.downsample.1", "avgpool", "flatten", "fc");
        LayerTable.Row conv = t.rows().stream().filter(r -> r.name().equals("layer1.0.conv1")).findFirst().orElseThrow();
        assertThat(conv.output()).isEqualTo(Shape.of(1, 8, 4, 4));
        assertThat(conv.macs()).isEqualTo(288L * 16); // 288 weights applied at 4x4 positions
        long sum = 0;
        for (LayerTable.Row r : t.rows()) {
            if (!r.composite()) {
                sum += r.macs();
            }
        }
        long residualAdd = net.namedModules().get("layer1.0").ownMacs(Shape.of(1, 4, 8, 8));
        assertThat(t.totalMacs()).isEqualTo(sum + residualAdd);
        assertThat(t.output()).isEqualTo(Shape.of(1, 10));
    }

    @Test
    void renderEndsWithTotals() {
        String text = LayerTable.of(tinyNet(), Shape.of(1, 1, 8, 8)).render(Integer.MAX_VALUE);
        assertThat(text).contains("Total params: 1,078").contains("Mult-adds: ").contains("layer1.0.downsample.0");
        String folded = LayerTable.of(tinyNet(), Shape.of(1, 1, 8, 8)).render(1);
        assertThat(folded).contains("layer1").doesNotContain("layer1.0.conv1").contains("Total params: 1,078");
    }
}
