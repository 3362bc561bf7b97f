package io.resnet4j.onnx;

import io.resnet4j.onnx.proto.OnnxProto.ModelProto;
import io.resnet4j.onnx.proto.OnnxProto.TensorProto;
import io.resnet4j.onnx.proto.OnnxProto.ValueInfoProto;
import io.resnet4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * ONNX's own backend operator tests (Debian's libonnx-testdata, ONNX 1.12): each case is a one-node
 * model.onnx and test_data_set_N/{input,output}_K.pb. Every case of the operators the importer supports
 * runs: an applicable case must import, run and match ONNX's outputs; a case listed in {@link #NOT_APPLICABLE}
 * must be rejected at import with an {@link OnnxException} (never run silently with other semantics).
 *
 * The pytorch-converted and pytorch-operator cases of the same operators run the same way.
 *
 * <p>Graph inputs after the first are bound as constants (weights, biases, statistics, shapes, as they are
 * initializers in a real model), except for Add and Sum, whose inputs all stay run-time tensors.
 */
class OnnxConformanceTest {
    static final Path ROOT = Path.of(System.getProperty("onnx.testdata", "/usr/share/libonnx-testdata/data"));
    static final double RTOL = 1e-4, ATOL = 1e-5;

    /** Node-test directory prefixes (data/node) of the supported operators, as the issue lists them. */
    static final List<String> NODE_PREFIXES = List.of("test_conv_", "test_basic_conv_", "test_batchnorm_", "test_relu",
            "test_maxpool_2d_", "test_averagepool_2d_", "test_globalaveragepool", "test_gemm_", "test_flatten_", "test_add",
            "test_sum_", "test_softmax_", "test_reshape_");
    /** The matching PyTorch-converted cases (data/pytorch-converted). */
    static final List<String> CONVERTED_PREFIXES = List.of("test_AvgPool2d", "test_BatchNorm2d", "test_Conv2d", "test_Linear",
            "test_MaxPool2d", "test_ReLU", "test_Softmax", "test_softmax_", "test_ConstantPad2d", "test_ZeroPad2d");

    /** The matching PyTorch operator-export cases (data/pytorch-operator). */
    static final List<String> OPERATOR_PREFIXES = List.of("test_operator_add", "test_operator_conv", "test_operator_flatten",
            "test_operator_maxpool", "test_operator_mm", "test_operator_pad", "test_operator_permute2", "test_operator_view");

    /** Cases outside what the importer implements, with the reason; each must fail to import. */
    static final Map<String, String> NOT_APPLICABLE = new LinkedHashMap<>();

    static {
        na("node/test_add_uint8", "uint8 tensors: only float data runs");
        na("node/test_maxpool_2d_uint8", "uint8 tensors: only float data runs");
        na("node/test_maxpool_2d_dilations", "dilations other than 1");
        na("node/test_batchnorm_epsilon_training_mode", "training_mode=1 (batch statistics and running-stat outputs): inference only");
        na("node/test_batchnorm_example_training_mode", "training_mode=1 (batch statistics and running-stat outputs): inference only");
        na("node/test_reshape_allowzero_reordered", "allowzero=1 with an empty (0-sized) tensor");
        for (String s : List.of("axis_0", "axis_1", "axis_2", "default_axis", "example", "large_number", "negative_axis")) {
            na("node/test_softmax_" + s + "_expanded", "the expanded form uses ReduceMax, Sub, Exp, ReduceSum, Div on run-time data");
        }
        na("pytorch-converted/test_Conv2d_depthwise", "group > 1");
        na("pytorch-converted/test_Conv2d_depthwise_padded", "group > 1");
        na("pytorch-converted/test_Conv2d_depthwise_strided", "group > 1");
        na("pytorch-converted/test_Conv2d_depthwise_with_multiplier", "group > 1");
        na("pytorch-converted/test_Conv2d_groups", "group > 1");
        na("pytorch-converted/test_Conv2d_groups_thnn", "group > 1");
        na("pytorch-converted/test_Conv2d_dilated", "dilations other than 1");
        na("pytorch-converted/test_MaxPool2d_stride_padding_dilation", "dilations other than 1");
        for (String s : List.of("add_broadcast", "add_size1_broadcast", "add_size1_right_broadcast", "add_size1_singleton_broadcast", "addconstant")) {
            na("pytorch-operator/test_operator_" + s, "float64 (double) tensors: only float data runs");
        }
        na("pytorch-operator/test_operator_addmm", "Gemm whose C operand is computed at run time (a bias must be a constant)");
        na("pytorch-operator/test_operator_convtranspose", "ConvTranspose is not a supported operator");
        na("pytorch-operator/test_operator_maxpool", "1-D pooling (N, C, L)");
        na("pytorch-operator/test_operator_pad", "Pad in reflect mode");
        na("pytorch-operator/test_operator_permute2", "a rank-6 tensor (run-time tensors have rank 1 to 4)");
    }

    private static void na(String k, String reason) {
        NOT_APPLICABLE.put(k, reason);
    }

    private static final AtomicInteger PASSED = new AtomicInteger(), REJECTED = new AtomicInteger();

    static List<Path> cases(String dir, List<String> prefixes) throws IOException {
        Path base = ROOT.resolve(dir);
        if (!Files.isDirectory(base)) {
            fail("ONNX operator test data not found at " + base + ": install it with `apt-get install libonnx-testdata`"
                    + " (or point -Donnx.testdata at its data directory)");
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(base)) {
            s.filter(p -> prefixes.stream().anyMatch(pre -> p.getFileName().toString().equals(pre.replaceAll("_$", ""))
                            || p.getFileName().toString().startsWith(pre)))
                    .sorted().forEach(out::add);
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> nodeTests() throws IOException {
        return tests("node", NODE_PREFIXES);
    }

    @TestFactory
    Stream<DynamicTest> pytorchConvertedTests() throws IOException {
        return tests("pytorch-converted", CONVERTED_PREFIXES);
    }

    @TestFactory
    Stream<DynamicTest> pytorchOperatorTests() throws IOException {
        return tests("pytorch-operator", OPERATOR_PREFIXES);
    }

    private Stream<DynamicTest> tests(String dir, List<String> prefixes) throws IOException {
        List<Path> cases = cases(dir, prefixes);
        assertThat(cases).as("cases under " + ROOT.resolve(dir)).isNotEmpty();
        return cases.stream().map(c -> {
            String key = dir + "/" + c.getFileName();
            if (NOT_APPLICABLE.containsKey(key)) {
                return DynamicTest.dynamicTest(key + " (rejected: " + NOT_APPLICABLE.get(key) + ")", () -> {
                    assertThatThrownBy(() -> runCase(c)).isInstanceOf(OnnxException.class);
                    REJECTED.incrementAndGet();
                });
            }
            return DynamicTest.dynamicTest(key, () -> {
                runCase(c);
                PASSED.incrementAndGet();
            });
        });
    }

    /** Every case listed as not applicable exists in the installed data (the list is not stale). */
    @Test
    void notApplicableListNamesInstalledCases() {
        for (String k : NOT_APPLICABLE.keySet()) {
            assertThat(ROOT.resolve(k).resolve("model.onnx")).as(k).exists();
        }
    }

    @AfterAll
    static void report() {
        System.out.println("ONNX conformance: " + PASSED.get() + " cases passed, " + REJECTED.get()
                + " not applicable (rejected at import as expected)");
    }

    static void runCase(Path dir) throws IOException {
        ModelProto model = OnnxReader.readModel(dir.resolve("model.onnx"));
        Set<String> inits = new HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> inits.add(t.getName()));
        List<String> inputs = new ArrayList<>();
        for (ValueInfoProto v : model.getGraph().getInputList()) {
            if (!inits.contains(v.getName())) {
                inputs.add(v.getName());
            }
        }
        String op = model.getGraph().getNode(0).getOpType();
        boolean allRuntime = model.getGraph().getNodeCount() == 1 && (op.equals("Add") || op.equals("Sum"));
        Set<Path> sets = new TreeSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).forEach(sets::add);
        }
        assertThat(sets).as("data sets in " + dir).isNotEmpty();
        for (Path set : sets) {
            Map<String, Const> bound = new LinkedHashMap<>();
            Map<String, io.resnet4j.tensor.Shape> shapes = new LinkedHashMap<>();
            List<Tensor> runtime = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                Const c = Const.fromProto(OnnxReader.readTensor(set.resolve("input_" + i + ".pb")), "input_" + i);
                if (i == 0 || allRuntime) {
                    if (!c.isFloat()) {
                        throw new OnnxException("input " + i + " is " + Const.typeName(c.type) + "; only float data runs");
                    }
                    Tensor t = c.toTensor("input " + i);
                    shapes.put(inputs.get(i), t.shape());
                    runtime.add(t);
                } else {
                    bound.put(inputs.get(i), c);
                }
            }
            OnnxGraph g = OnnxImporter.importGraph(model, shapes, bound);
            Tensor[] out = g.run(runtime.toArray(new Tensor[0]));
            assertEquals(model.getGraph().getOutputCount(), out.length, "outputs of " + dir);
            for (int k = 0; k < out.length; k++) {
                TensorProto expectedProto = OnnxReader.readTensor(set.resolve("output_" + k + ".pb"));
                Const expected = Const.fromProto(expectedProto, "output_" + k);
                long[] dims = expected.dims.length == 0 ? new long[] {1} : expected.dims;
                assertThat(Const.dimsOf(out[k].shape())).as(dir.getFileName() + " output " + k + " shape").isEqualTo(dims);
                float[] want = expected.asFloats(), got = out[k].data();
                for (int e = 0; e < want.length; e++) {
                    double tol = ATOL + RTOL * Math.abs(want[e]);
                    if (!(Math.abs(got[e] - want[e]) <= tol)) {
                        fail(dir.getFileName() + "/" + set.getFileName() + " output " + k + " element " + e + ": got " + got[e]
                                + ", ONNX expects " + want[e] + " (shape " + Arrays.toString(dims) + ")");
                    }
                }
            }
        }
    }
}
