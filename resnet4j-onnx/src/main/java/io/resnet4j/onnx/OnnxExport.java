package io.resnet4j.onnx;

import com.google.protobuf.ByteString;
import io.resnet4j.io.AtomicFiles;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Flatten;
import io.resnet4j.nn.GlobalAvgPool;
import io.resnet4j.nn.Identity;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.MaxPool2d;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.ReLU;
import io.resnet4j.nn.Residual;
import io.resnet4j.nn.Sequential;
import io.resnet4j.nn.ShortcutA;
import io.resnet4j.onnx.proto.OnnxProto.AttributeProto;
import io.resnet4j.onnx.proto.OnnxProto.GraphProto;
import io.resnet4j.onnx.proto.OnnxProto.ModelProto;
import io.resnet4j.onnx.proto.OnnxProto.NodeProto;
import io.resnet4j.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.resnet4j.onnx.proto.OnnxProto.StringStringEntryProto;
import io.resnet4j.onnx.proto.OnnxProto.TensorProto;
import io.resnet4j.onnx.proto.OnnxProto.TensorShapeProto;
import io.resnet4j.onnx.proto.OnnxProto.TypeProto;
import io.resnet4j.onnx.proto.OnnxProto.ValueInfoProto;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a resnet4j module tree (Sequential, Residual, Conv2d, BatchNorm2d, ReLU, MaxPool2d, GlobalAvgPool,
 * Flatten, Linear, ShortcutA, Identity) as an ONNX model, opset {@value #OPSET}, for inference.
 *
 * <p>Initializer names are the module's state_dict keys ({@code layer1.0.conv1.weight},
 * {@code bn1.running_mean}), so a PyTorch user can load them into torchvision's model by name; BatchNorm stays
 * a BatchNormalization node (not folded) to keep those names. The option-A shortcut becomes
 * {@code Slice(::s, ::s)} then a constant {@code Pad} of the channels, as PyTorch's reproduction exports it.
 * The batch dimension is symbolic ("batch"). The file is written to a temporary file, forced to disk and
 * renamed over the target.
 */
public final class OnnxExport {
    public static final int OPSET = 13;
    /** IR version 7 goes with opset 13 (ONNX 1.8), which every current runtime reads. */
    static final int IR_VERSION = 7;
    /** The metadata_props key of the export's input shape, e.g. "(1, 3, 224, 224)". */
    public static final String INPUT_SHAPE = "input_shape";

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();
    private final List<String> unsupported = new ArrayList<>();

    private OnnxExport() {
    }

    /**
     * Exports {@code model} (evaluated for inputs of {@code inputShape}, N x C x H x W; the batch becomes
     * symbolic) to {@code file}, atomically.
     */
    public static void export(Module model, Shape inputShape, Path file) throws IOException {
        export(model, inputShape, file, Map.of());
    }

    /**
     * {@link #export(Module, Shape, Path)} with extra {@code metadata_props} (e.g. class names and input
     * normalisation, which {@link OnnxModel#metadata} gives back on import), in the map's iteration order.
     */
    public static void export(Module model, Shape inputShape, Path file, Map<String, String> metadata) throws IOException {
        ModelProto proto = toProto(model, inputShape, metadata);
        writeAtomically(file, proto.toByteArray());
    }

    /** The ONNX model for {@code model} (see {@link #export}). */
    public static ModelProto toProto(Module model, Shape inputShape) {
        return toProto(model, inputShape, Map.of());
    }

    /** The ONNX model for {@code model} with extra {@code metadata_props}; the key input_shape is the exporter's. */
    public static ModelProto toProto(Module model, Shape inputShape, Map<String, String> metadata) {
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null || e.getKey().equals(INPUT_SHAPE)) {
                throw new IllegalArgumentException("metadata key '" + e.getKey() + "' with value '" + e.getValue()
                        + "': keys must be non-empty, values non-null, and " + INPUT_SHAPE + " is written by the exporter");
            }
        }
        Shape out;
        try {
            out = model.outputShape(inputShape);
        } catch (IllegalArgumentException e) {
            throw new OnnxException("the model does not accept inputs of shape " + inputShape + ": " + e.getMessage(), e);
        }
        OnnxExport ex = new OnnxExport();
        ex.names.add("input");
        String y = ex.emit(model, "", "input");
        if (!ex.unsupported.isEmpty()) {
            throw new OnnxException("cannot export to ONNX; unsupported modules:\n  " + String.join("\n  ", ex.unsupported));
        }
        // The output gets a stable name through a final Identity.
        ex.node("Identity", "output", List.of(y), "logits");
        ex.graph.setName("resnet4j").addInput(valueInfo("input", inputShape)).addOutput(valueInfo("logits", out));
        ModelProto.Builder proto = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("resnet4j")
                .setProducerVersion(version())
                .setDocString("exported by resnet4j; initializer names are the torchvision state_dict keys")
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey(INPUT_SHAPE).setValue(inputShape.toString()));
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            proto.addMetadataProps(StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        return proto.setGraph(ex.graph).build();
    }

    private static String version() {
        String v = OnnxExport.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static ValueInfoProto valueInfo(String name, Shape s) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int i = 0; i < s.rank(); i++) {
            shape.addDim(i == 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(s.dim(i)));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(Const.FLOAT).setShape(shape))).build();
    }

    private static String join(String prefix, String name) {
        if (prefix.isEmpty()) {
            return name;
        }
        return name.isEmpty() ? prefix : prefix + "." + name;
    }

    /** Emits the nodes of module m (state_dict prefix {@code path}) on value x; returns the output value. */
    private String emit(Module m, String path, String x) {
        if (m instanceof Sequential) {
            for (Map.Entry<String, Module> e : m.children().entrySet()) {
                x = emit(e.getValue(), join(path, e.getKey()), x);
            }
            return x;
        }
        if (m instanceof Residual r) {
            String b = emit(r.branch(), path, x);
            String s = r.shortcut() == null ? x : emit(r.shortcut(), join(path, "downsample"), x);
            String sum = node("Add", join(path, "add"), List.of(b, s));
            return r.reluAfterAdd() ? node("Relu", join(path, "relu_out"), List.of(sum)) : sum;
        }
        if (m instanceof Conv2d c) {
            List<String> in = new ArrayList<>(List.of(x, init(join(path, "weight"), c.weight().value())));
            if (c.bias() != null) {
                in.add(init(join(path, "bias"), c.bias().value()));
            }
            int k = c.kernel(), s = c.stride(), p = c.padding();
            return node("Conv", path, in, ints("kernel_shape", k, k), ints("strides", s, s), ints("pads", p, p, p, p),
                    ints("dilations", 1, 1), intAttr("group", 1));
        }
        if (m instanceof BatchNorm2d bn) {
            return node("BatchNormalization", path, List.of(x, init(join(path, "weight"), bn.weight().value()),
                            init(join(path, "bias"), bn.bias().value()), init(join(path, "running_mean"), bn.runningMean()),
                            init(join(path, "running_var"), bn.runningVar())),
                    floatAttr("epsilon", bn.eps()), floatAttr("momentum", 1f - bn.momentum()));
        }
        if (m instanceof ReLU) {
            return node("Relu", path, List.of(x));
        }
        if (m instanceof MaxPool2d p) {
            int k = p.kernel(), s = p.stride(), pad = p.padding();
            return node("MaxPool", path, List.of(x), ints("kernel_shape", k, k), ints("strides", s, s), ints("pads", pad, pad, pad, pad));
        }
        if (m instanceof GlobalAvgPool) {
            return node("GlobalAveragePool", path, List.of(x));
        }
        if (m instanceof Flatten) {
            return node("Flatten", path, List.of(x), intAttr("axis", 1));
        }
        if (m instanceof Linear fc) {
            return node("Gemm", path, List.of(x, init(join(path, "weight"), fc.weight().value()), init(join(path, "bias"), fc.bias().value())),
                    floatAttr("alpha", 1f), floatAttr("beta", 1f), intAttr("transB", 1));
        }
        if (m instanceof ShortcutA a) {
            // x[:, :, ::s, ::s] then zero channels, (k - c) / 2 before and the rest after (ShortcutOps' split).
            int s = a.stride(), extra = a.outChannels() - a.inChannels(), lo = extra / 2, hi = extra - lo;
            String sub = node("Slice", join(path, "slice"), List.of(x, constant(path, "starts", 0, 0),
                    constant(path, "ends", Long.MAX_VALUE, Long.MAX_VALUE), constant(path, "axes", 2, 3), constant(path, "steps", s, s)));
            return node("Pad", join(path, "pad"), List.of(sub, constant(path, "pads", 0, lo, 0, 0, 0, hi, 0, 0)),
                    stringAttr("mode", "constant"));
        }
        if (m instanceof Identity) {
            return node("Identity", path.isEmpty() ? "identity" : path, List.of(x));
        }
        unsupported.add((path.isEmpty() ? "(root)" : path) + ": " + m.getClass().getSimpleName() + " " + m);
        return x;
    }

    /** Adds an initializer named by its state_dict key. */
    private String init(String name, Tensor t) {
        if (!names.add(name)) {
            throw new OnnxException("two tensors would share the initializer name " + name);
        }
        graph.addInitializer(Const.floatProto(name, t.shape().dims(), t.data()));
        return name;
    }

    /** An int64 vector as a Constant node (not an initializer, which is reserved for state_dict entries). */
    private String constant(String path, String what, long... values) {
        TensorProto t = Const.longProto("", values);
        return node("Constant", join(path, what), List.of(), AttributeProto.newBuilder().setName("value")
                .setType(AttributeProto.AttributeType.TENSOR).setT(t).build());
    }

    private String node(String op, String path, List<String> inputs, AttributeProto... attrs) {
        String base = path.isEmpty() ? op.toLowerCase(java.util.Locale.ROOT) : path;
        String out = base;
        for (int k = 1; !names.add(out); k++) {
            out = base + "_" + k;
        }
        return node(op, out, inputs, out, attrs);
    }

    private String node(String op, String name, List<String> inputs, String output, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName("/" + name.replace('.', '/') + "/" + op)
                .addAllInput(inputs).addOutput(output);
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return output;
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    private static AttributeProto stringAttr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFrom(v, StandardCharsets.UTF_8)).build();
    }

    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        AtomicFiles.writeWith(file, ch -> AtomicFiles.writeFully(ch, ByteBuffer.wrap(bytes)));
    }

}
