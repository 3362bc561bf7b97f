package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resnet4j.cli.input.Npy;
import io.resnet4j.io.Json;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Flatten;
import io.resnet4j.nn.GlobalAvgPool;
import io.resnet4j.nn.Inference;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.ReLU;
import io.resnet4j.nn.Residual;
import io.resnet4j.nn.Sequential;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Fixture;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** predict's inputs and outputs on a small hand-built network (1 channel, 10 classes). */
class PredictorTest {
    static final Path FIXTURES = Fixture.repoRoot().resolve("resnet4j-cli/src/test/resources/fixtures/cli");
    static final List<String> CLASSES = IntStream.range(0, 10).mapToObj(i -> "class" + i).toList();

    @TempDir
    Path tmp;

    /** A small residual net: 1 input channel, one projection unit, 10 classes. */
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

    static Network tinyNetwork() {
        Sequential m = tinyNet();
        m.initialize(7);
        return new Network(m, 1, CLASSES, new float[] {0.5f}, new float[] {0.25f}, 8, 8, "tiny");
    }

    static String run(Network net, boolean json, int top, Path... files) {
        StringWriter sink = new StringWriter();
        new Predictor(net, top, json, new PrintWriter(sink)).run(List.of(files));
        return sink.toString();
    }

    @Test
    void npyBatchJsonHasTopAndRawLogitsEqualToForward() {
        Network net = tinyNetwork();
        Path f = FIXTURES.resolve("batch.npy"); // (2, 1, 5, 4)
        String text = run(net, true, 3, f);
        List<String> lines = text.lines().toList();
        assertThat(lines).hasSize(2);
        Npy.Array a = Npy.read(f);
        // predict runs the network frozen (Inference.freeze): its logits bitwise, the eval-mode ones up to rounding
        Tensor x = Tensor.wrap(Shape.of(2, 1, 5, 4), a.data().clone());
        Tensor expected = Inference.freeze(net.module()).forward(x).copy();
        Tensor eval = net.module().forward(x);
        for (int e = 0; e < 20; e++) {
            assertThat(expected.data()[e]).isCloseTo(eval.data()[e], org.assertj.core.data.Offset.offset(1e-5f));
        }
        for (int i = 0; i < 2; i++) {
            Map<String, Object> o = Json.parseObject(lines.get(i));
            assertThat(o.get("input")).isEqualTo(f.toString());
            assertThat(o.get("index")).isEqualTo((long) i);
            @SuppressWarnings("unchecked")
            List<Object> logits = (List<Object>) o.get("logits");
            assertThat(logits).hasSize(10);
            for (int k = 0; k < 10; k++) {
                assertThat(((Number) logits.get(k)).floatValue()).isEqualTo(expected.data()[i * 10 + k]);
            }
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> top = (List<Map<String, Object>>) (List<?>) o.get("top");
            assertThat(top).hasSize(3);
            int best = ((Number) top.get(0).get("class")).intValue();
            assertThat(top.get(0).get("label")).isEqualTo("class" + best);
            for (int k = 0; k < 10; k++) {
                assertThat(expected.data()[i * 10 + best]).isGreaterThanOrEqualTo(expected.data()[i * 10 + k]);
            }
        }
    }

    @Test
    void imageTextOutput() {
        String text = run(tinyNetwork(), false, 2, FIXTURES.resolve("grey.png"));
        List<String> lines = text.lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo(FIXTURES.resolve("grey.png").toString());
        assertThat(lines.get(1)).matches("  1\\. class\\d  +\\d+\\.\\d\\d%");
    }

    @Test
    void wrongShapeAndBadFilesAreUserErrors() throws IOException {
        Network net = tinyNetwork();
        assertThatThrownBy(() -> run(net, false, 1, FIXTURES.resolve("single.npy"))) // (3, 4, 4): 3 channels
                .isInstanceOf(UserError.class).hasMessageContaining("has shape (3,4,4)")
                .hasMessageContaining("takes 1 input channel");
        Path fake = tmp.resolve("fake.npy");
        Files.writeString(fake, "not numpy");
        assertThatThrownBy(() -> run(net, false, 1, fake)).isInstanceOf(UserError.class)
                .hasMessageContaining("not a NumPy array file");
        assertThatThrownBy(() -> run(net, false, 1, tmp.resolve("missing.png"))).isInstanceOf(UserError.class)
                .hasMessageContaining("file not found");
        Path text = tmp.resolve("photo.jpg");
        Files.writeString(text, "<html>not an image</html>");
        assertThatThrownBy(() -> run(net, false, 1, text)).isInstanceOf(UserError.class)
                .hasMessageContaining("cannot decode");
    }
}
