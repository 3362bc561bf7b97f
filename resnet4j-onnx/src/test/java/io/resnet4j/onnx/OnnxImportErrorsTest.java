package io.resnet4j.onnx;

import com.google.protobuf.ByteString;
import io.resnet4j.onnx.proto.OnnxProto.AttributeProto;
import io.resnet4j.onnx.proto.OnnxProto.GraphProto;
import io.resnet4j.onnx.proto.OnnxProto.ModelProto;
import io.resnet4j.onnx.proto.OnnxProto.NodeProto;
import io.resnet4j.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.resnet4j.onnx.proto.OnnxProto.TensorProto;
import io.resnet4j.onnx.proto.OnnxProto.TensorShapeProto;
import io.resnet4j.onnx.proto.OnnxProto.TypeProto;
import io.resnet4j.onnx.proto.OnnxProto.ValueInfoProto;
import io.resnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad and hostile files fail with one clear OnnxException: never an OOM, a hang or an opaque stack trace. */
class OnnxImportErrorsTest {

    static ValueInfoProto input(String name, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    static NodeProto node(String op, String name, List<String> in, String out, AttributeProto... attrs) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out).addAllAttribute(Arrays.asList(attrs)).build();
    }

    static ModelProto model(GraphProto.Builder g) {
        return ModelProto.newBuilder().setIrVersion(7).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build();
    }

    static ModelProto load(Path dir, ModelProto m) throws IOException {
        Path f = dir.resolve("m.onnx");
        Files.write(f, m.toByteArray());
        return OnnxReader.readModel(f);
    }

    @Test
    void everyUnsupportedOperatorIsListedWithItsNodeInOneError(@TempDir Path dir) throws IOException {
        GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 1, 3, 8, 8))
                .addNode(node("Relu", "r0", List.of("x"), "a"))
                .addNode(node("LeakyRelu", "leaky_1", List.of("a"), "b"))
                .addNode(node("Tanh", "tanh_7", List.of("b"), "c"))
                .addNode(NodeProto.newBuilder().setOpType("Relu").setDomain("com.example").setName("custom").addInput("c").addOutput("d"))
                .addOutput(input("d"));
        assertThatThrownBy(() -> OnnxModel.fromProto(load(dir, model(g)), null, "m.onnx"))
                .isInstanceOf(OnnxException.class)
                .hasMessageContaining("3 nodes")
                .hasMessageContaining("LeakyRelu node 'leaky_1'")
                .hasMessageContaining("Tanh node 'tanh_7'")
                .hasMessageContaining("'custom' (domain com.example)");
    }

    @Test
    void unsupportedAttributesAreCollectedAcrossNodes() {
        TensorProto w = Const.floatProto("w", new int[] {2, 3, 3, 3}, new float[54]);
        GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 1, 3, 8, 8)).addInitializer(w)
                .addNode(node("Conv", "dilated", List.of("x", "w"), "a", ints("dilations", 2, 2)))
                .addNode(node("Conv", "grouped", List.of("x", "w"), "b", AttributeProto.newBuilder().setName("group").setI(3).build()))
                .addOutput(input("a")).addOutput(input("b"));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(g).toBuilder().build(), null, "m.onnx"))
                .isInstanceOf(OnnxException.class)
                .hasMessageContaining("2 problems").hasMessageContaining("'dilated'").hasMessageContaining("dilations")
                .hasMessageContaining("'grouped'").hasMessageContaining("group 3");
    }

    static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    @Test
    void aTransposePermThatIsNotAPermutationAndAGraphWithoutOutputsAreImportErrors() {
        TensorProto c = Const.floatProto("c", new int[] {1, 2, 3, 4}, new float[24]);
        GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 1, 3, 8, 8)).addInitializer(c)
                .addNode(node("Transpose", "repeats", List.of("x"), "a", ints("perm", 0, 0, 5, 9)))
                .addNode(node("Transpose", "short", List.of("x"), "b", ints("perm", 1, 0)))
                .addNode(node("Transpose", "folded", List.of("c"), "d", ints("perm", 3, 3, 1, 0)))
                .addOutput(input("a")).addOutput(input("b")).addOutput(input("d"));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(g), null, "m.onnx")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("3 problems")
                .hasMessageContaining("'repeats'").hasMessageContaining("perm [0, 0, 5, 9] is not a permutation")
                .hasMessageContaining("'short'").hasMessageContaining("perm [1, 0] is not a permutation")
                .hasMessageContaining("'folded'").hasMessageContaining("perm [3, 3, 1, 0] is not a permutation");
        GraphProto.Builder none = GraphProto.newBuilder().addInput(input("x", 1, 3, 8, 8))
                .addNode(node("Relu", "r", List.of("x"), "y"));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(none), null, "m.onnx")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("the graph has no outputs");
    }

    @Test
    void opsetsOutsideOneToEighteenAreRefusedNamingTheRange() {
        GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 1, 3, 8, 8))
                .addNode(node("Relu", "r", List.of("x"), "y")).addOutput(input("y"));
        for (long v : new long[] {99, 19, Long.MAX_VALUE}) {
            ModelProto m = model(g).toBuilder().setOpsetImport(0, OperatorSetIdProto.newBuilder().setVersion(v))
                    .build();
            assertThatThrownBy(() -> OnnxModel.fromProto(m, null, "m.onnx")).as("opset " + v)
                    .isInstanceOf(OnnxException.class)
                    .hasMessageStartingWith("m.onnx: opset " + v + " is newer than the newest this importer knows (18)")
                    .hasMessageContaining("opsets 1 to 18 are supported");
        }
        for (long v : new long[] {0, -3}) {
            ModelProto m = model(g).toBuilder()
                    .setOpsetImport(0, OperatorSetIdProto.newBuilder().setDomain("ai.onnx").setVersion(v)).build();
            assertThatThrownBy(() -> OnnxModel.fromProto(m, null, "m.onnx")).as("opset " + v)
                    .isInstanceOf(OnnxException.class)
                    .hasMessageStartingWith("m.onnx: opset " + v + " is not an ONNX operator set")
                    .hasMessageContaining("opsets 1 to 18 are supported");
        }
        for (long v : new long[] {1, 18}) {
            ModelProto m = model(g).toBuilder().setOpsetImport(0, OperatorSetIdProto.newBuilder().setVersion(v))
                    .build();
            assertThat(OnnxModel.fromProto(m, null, "m.onnx").metadata()).containsEntry("opset", String.valueOf(v));
        }
    }

    static ModelProto model(GraphProto.Builder g, long opset) {
        return model(g).toBuilder().setOpsetImport(0, OperatorSetIdProto.newBuilder().setVersion(opset)).build();
    }

    static AttributeProto attr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setI(v).build();
    }

    /**
     * Dropout is imported as the identity in inference mode only: training mode (is_test=0, the default up to opset
     * 6; a true training_mode input from opset 12) would drop values at random.
     */
    @Test
    void dropoutInTrainingModeIsRefused() {
        GraphProto.Builder old = GraphProto.newBuilder().addInput(input("x", 1, 2, 2, 2))
                .addNode(node("Dropout", "drop", List.of("x"), "y")).addOutput(input("y"));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(old, 6), null, "m.onnx")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("'drop'").hasMessageContaining("is_test=0 (training mode, opsets 1 to 6)");
        old.setNode(0, old.getNode(0).toBuilder().addAttribute(attr("is_test", 1)));
        assertThat(OnnxModel.fromProto(model(old, 6), null, "m.onnx").module()).isNotNull();
        for (int flag : new int[] {1, 0}) {
            TensorProto mode = TensorProto.newBuilder().setName("mode").setDataType(Const.BOOL).addInt32Data(flag)
                    .build();
            GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 1, 2, 2, 2)).addInitializer(mode)
                    .addInitializer(Const.floatProto("ratio", new int[0], new float[] {0.5f}))
                    .addNode(node("Dropout", "drop", List.of("x", "ratio", "mode"), "y")).addOutput(input("y"));
            if (flag == 1) {
                assertThatThrownBy(() -> OnnxModel.fromProto(model(g, 13), null, "m.onnx"))
                        .isInstanceOf(OnnxException.class)
                        .hasMessageContaining("'drop'").hasMessageContaining("training_mode=true is not supported");
            } else {
                assertThat(OnnxModel.fromProto(model(g, 13), null, "m.onnx").module()).isNotNull();
            }
        }
        GraphProto.Builder twoInputs = GraphProto.newBuilder().addInput(input("x", 1, 2, 2, 2))
                .addInitializer(Const.floatProto("ratio", new int[0], new float[] {0.5f}))
                .addNode(node("Dropout", "drop", List.of("x", "ratio"), "y")).addOutput(input("y"));
        assertThat(OnnxModel.fromProto(model(twoInputs, 13), null, "m.onnx").module()).isNotNull();
    }

    @Test
    void formsOfOpsetsOneToSixThatNumpyRulesDoNotCoverAreHonouredOrRefused() {
        // BatchNormalization before opset 7 is in training mode unless is_test=1.
        GraphProto.Builder bn = GraphProto.newBuilder().addInput(input("x", 1, 2, 2, 2));
        for (String t : List.of("s", "b", "m", "v")) {
            bn.addInitializer(Const.floatProto(t, new int[] {2}, new float[] {1, 1}));
        }
        bn.addNode(node("BatchNormalization", "bn", List.of("x", "s", "b", "m", "v"), "y")).addOutput(input("y"));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(bn, 6), null, "m.onnx")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("'bn'").hasMessageContaining("is_test=0 (training mode, opsets 1 to 6)");
        bn.setNode(0, bn.getNode(0).toBuilder().addAttribute(attr("is_test", 1)));
        assertThat(OnnxModel.fromProto(model(bn, 6), null, "m.onnx").module()).isNotNull();
        // Broadcasting along an axis (B aligned at A's dimension 1, not at the end) has no numpy equivalent.
        TensorProto c3 = Const.floatProto("c3", new int[] {3}, new float[] {1, 2, 3});
        GraphProto.Builder axis = GraphProto.newBuilder().addInput(input("x", 1, 3, 2, 2)).addInitializer(c3)
                .addNode(node("Add", "add", List.of("x", "c3"), "y", attr("broadcast", 1), attr("axis", 1)))
                .addOutput(input("y"));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(axis, 6), null, "m.onnx")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("'add'").hasMessageContaining("broadcast=1 with axis 1 (opsets 1 to 6)");
        GraphProto.Builder folded = GraphProto.newBuilder().addInput(input("x", 3, 2)).addInitializer(c3)
                .addInitializer(Const.floatProto("c32", new int[] {3, 2}, new float[6]))
                .addNode(node("Mul", "mul", List.of("c32", "c3"), "k", attr("broadcast", 1), attr("axis", 0)))
                .addNode(node("Add", "add", List.of("x", "k"), "y")).addOutput(input("y"));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(folded, 6), null, "m.onnx"))
                .isInstanceOf(OnnxException.class)
                .hasMessageContaining("'mul'").hasMessageContaining("broadcast=1 with axis 0");
        // Without axis, B matches A's trailing dimensions: numpy broadcasting, also with a constant B.
        TensorProto c2 = Const.floatProto("c2", new int[] {2}, new float[] {10, 20});
        GraphProto.Builder suffix = GraphProto.newBuilder().addInput(input("x", 1, 1, 1, 2)).addInitializer(c2)
                .addNode(node("Add", "add", List.of("x", "c2"), "y", attr("broadcast", 1))).addOutput(input("y"));
        io.resnet4j.tensor.Tensor x = io.resnet4j.tensor.Tensor.wrap(Shape.of(1, 1, 1, 2), new float[] {1, 2});
        assertThat(OnnxModel.fromProto(model(suffix, 6), null, "m.onnx").module().forward(x).data())
                .containsExactly(11f, 22f);
        // Concat before opset 4: axis optional, default 1.
        GraphProto.Builder concat = GraphProto.newBuilder().addInput(input("x", 1, 5))
                .addInitializer(Const.floatProto("a", new int[] {1, 2}, new float[] {1, 2}))
                .addInitializer(Const.floatProto("b", new int[] {1, 3}, new float[] {3, 4, 5}))
                .addNode(NodeProto.newBuilder().setOpType("Concat").setName("cat").addInput("a").addInput("b")
                        .addOutput("k"))
                .addNode(node("Add", "add", List.of("x", "k"), "y")).addOutput(input("y"));
        io.resnet4j.tensor.Tensor zeros = new io.resnet4j.tensor.Tensor(Shape.of(1, 5));
        assertThat(OnnxModel.fromProto(model(concat, 3), null, "m.onnx").module().forward(zeros).data())
                .containsExactly(1f, 2f, 3f, 4f, 5f);
    }

    static AttributeProto attr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    @Test
    void castOfOpsetsOneToFiveNamesItsTypeAsAString() {
        // Cast-1 (opsets 1 to 5): to = "FLOAT", "INT64", ... (TensorProto.DataType's names), an int from Cast-6 on.
        TensorProto c = Const.floatProto("c", new int[] {2}, new float[] {1.7f, -2.5f});
        GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 1, 2)).addInitializer(c)
                .addNode(node("Cast", "to_int", List.of("c"), "ci", attr("to", "INT64")))
                .addNode(node("Cast", "to_float", List.of("ci"), "cf", attr("to", "FLOAT")))
                .addNode(node("Cast", "runtime", List.of("x"), "xf", attr("to", "FLOAT")))
                .addNode(node("Add", "add", List.of("xf", "cf"), "y")).addOutput(input("y"));
        io.resnet4j.tensor.Tensor x = io.resnet4j.tensor.Tensor.wrap(Shape.of(1, 2), new float[] {10, 20});
        assertThat(OnnxModel.fromProto(model(g, 5), null, "m.onnx").module().forward(x).data())
                .containsExactly(11f, 18f);
        g.setNode(2, node("Cast", "runtime", List.of("x"), "xf", attr("to", "DOUBLE")));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(g, 5), null, "m.onnx")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("Cast node 'runtime': casts run-time data to double; only float is supported");
        g.setNode(2, node("Cast", "runtime", List.of("x"), "xf", attr("to", "FLOATY")));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(g, 5), null, "m.onnx")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("Cast node 'runtime': its 'to' attribute 'FLOATY' (a string, the form of opsets"
                        + " 1 to 5) names no ONNX data type").hasMessageNotContaining("undefined");
        g.setNode(2, node("Cast", "runtime", List.of("x"), "xf"));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(g, 5), null, "m.onnx")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("Cast node 'runtime': attribute to is required");
        // Cast-6 on: a number; one past int's range must not wrap onto FLOAT (1)
        g.setNode(2, node("Cast", "runtime", List.of("x"), "xf", attr("to", (1L << 32) + 1)));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(g, 13), null, "m.onnx")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("Cast node 'runtime': its 'to' attribute 4294967297 is no ONNX data type");
    }

    @Test
    void initializerClaimingMoreDataThanTheFileHoldsIsRejected() {
        TensorProto huge = TensorProto.newBuilder().setName("w").setDataType(1).addDims(1_000_000).addDims(1_000_000)
                .setRawData(ByteString.copyFrom(new byte[16])).build();
        assertThatThrownBy(() -> Const.fromProto(huge, "initializer w")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("initializer w");
        TensorProto mismatch = TensorProto.newBuilder().setName("w").setDataType(1).addDims(8)
                .setRawData(ByteString.copyFrom(new byte[16])).build();
        assertThatThrownBy(() -> Const.fromProto(mismatch, "initializer w")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("16 bytes of raw data");
        TensorProto typed = TensorProto.newBuilder().setName("w").setDataType(1).addDims(1 << 20).addFloatData(1f).build();
        assertThatThrownBy(() -> Const.fromProto(typed, "initializer w")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("1 values");
    }

    @Test
    void computedConstantsAreBounded() {
        TensorProto shape = Const.longProto("s", 100_000, 100_000);
        GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 1, 3, 8, 8)).addInitializer(shape)
                .addNode(node("ConstantOfShape", "bomb", List.of("s"), "z"))
                .addNode(node("Add", "add", List.of("x", "z"), "y"))
                .addOutput(input("y"));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(g), null, "m.onnx")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("'bomb'").hasMessageContaining("elements computed at import time");
    }

    @Test
    void truncatedGarbageAndObjectFloodsFailCleanly(@TempDir Path dir) throws IOException {
        TensorProto w = Const.floatProto("w", new int[] {4, 3, 3, 3}, new float[108]);
        GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 1, 3, 8, 8)).addInitializer(w)
                .addNode(node("Conv", "c", List.of("x", "w"), "y")).addOutput(input("y"));
        byte[] good = model(g).toByteArray();
        Path f = dir.resolve("t.onnx");
        Files.write(f, Arrays.copyOf(good, good.length - 50));
        assertThatThrownBy(() -> OnnxReader.readModel(f)).isInstanceOf(OnnxException.class).hasMessageContaining("t.onnx");
        byte[] garbage = new byte[4096];
        new java.util.Random(1).nextBytes(garbage);
        Files.write(f, garbage);
        assertThatThrownBy(() -> OnnxReader.readModel(f)).isInstanceOf(OnnxException.class);
        // 2.1 million empty nodes: 4 MB on disk, gigabytes as parsed objects; the scan refuses before parsing.
        byte[] flood = new byte[2 * (OnnxReader.MAX_OBJECTS + 10)];
        for (int i = 0; i < flood.length; i += 2) {
            flood[i] = 0x0a; // GraphProto.node, length-delimited
            flood[i + 1] = 0;
        }
        byte[] wrapped = ModelProto.newBuilder().setGraph(GraphProto.getDefaultInstance()).build().toByteArray();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(wrapped);
        com.google.protobuf.CodedOutputStream cos = com.google.protobuf.CodedOutputStream.newInstance(out);
        cos.writeTag(7, 2); // ModelProto.graph
        cos.writeUInt32NoTag(flood.length);
        cos.flush();
        out.write(flood);
        Files.write(f, out.toByteArray());
        assertThatThrownBy(() -> OnnxReader.readModel(f)).isInstanceOf(OnnxException.class).hasMessageContaining("protobuf messages");
        assertThatThrownBy(() -> OnnxReader.readModel(dir.resolve("absent.onnx"))).isInstanceOf(OnnxException.class)
                .hasMessageContaining("no ONNX file");
    }

    @Test
    void deeplyNestedGraphsAreRejected(@TempDir Path dir) throws IOException {
        GraphProto inner = GraphProto.getDefaultInstance();
        for (int i = 0; i < 40; i++) {
            inner = GraphProto.newBuilder().addNode(NodeProto.newBuilder().setOpType("If")
                    .addAttribute(AttributeProto.newBuilder().setName("then_branch").setG(inner))).build();
        }
        Path f = dir.resolve("deep.onnx");
        Files.write(f, ModelProto.newBuilder().setGraph(inner).build().toByteArray());
        assertThatThrownBy(() -> OnnxReader.readModel(f)).isInstanceOf(OnnxException.class).hasMessageContaining("nested");
    }

    @Test
    void nodesOutOfOrderAndMissingShapesAreExplained() {
        TensorProto w = Const.floatProto("w", new int[] {4, 3, 3, 3}, new float[108]);
        GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 1, 3, 8, 8)).addInitializer(w)
                .addNode(node("Relu", "late", List.of("y"), "z"))
                .addNode(node("Conv", "c", List.of("x", "w"), "y")).addOutput(input("z"));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(g), null, "m.onnx")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("'late' reads 'y'").hasMessageContaining("topologically sorted");
        ValueInfoProto symbolic = ValueInfoProto.newBuilder().setName("x").setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(1).setShape(TensorShapeProto.newBuilder()
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("C"))))).build();
        GraphProto.Builder g2 = GraphProto.newBuilder().addInput(symbolic).addNode(node("Relu", "r", List.of("x"), "y")).addOutput(input("y"));
        assertThatThrownBy(() -> OnnxModel.fromProto(model(g2), null, "m.onnx")).isInstanceOf(OnnxException.class)
                .hasMessageContaining("symbolic dimension 1").hasMessageContaining("give the input shape");
        assertThat(OnnxModel.fromProto(model(g2), Shape.of(2, 5), "m.onnx").module().forward(new io.resnet4j.tensor.Tensor(Shape.of(2, 5))).shape())
                .isEqualTo(Shape.of(2, 5));
    }

    @Test
    void aGraphWithShapeArithmeticOnTheInputIsTiedToItsImportShape() {
        // y = Reshape(x, Shape(x)): Shape is folded for (2, 6), so another batch size is refused with a hint.
        GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 2, 6))
                .addNode(node("Shape", "s", List.of("x"), "shape"))
                .addNode(node("Reshape", "r", List.of("x", "shape"), "y")).addOutput(input("y"));
        OnnxGraph graph = OnnxModel.fromProto(model(g), null, "m.onnx").module();
        assertThat(graph.acceptsAnyBatch()).isFalse();
        assertThat(graph.forward(new io.resnet4j.tensor.Tensor(Shape.of(2, 6))).shape()).isEqualTo(Shape.of(2, 6));
        assertThatThrownBy(() -> graph.forward(new io.resnet4j.tensor.Tensor(Shape.of(3, 6))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("import it again");
    }
}
