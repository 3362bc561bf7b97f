package io.resnet4j.onnx;

import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Flatten;
import io.resnet4j.nn.GlobalAvgPool;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.MaxPool2d;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.ReLU;
import io.resnet4j.onnx.proto.OnnxProto.AttributeProto;
import io.resnet4j.onnx.proto.OnnxProto.GraphProto;
import io.resnet4j.onnx.proto.OnnxProto.ModelProto;
import io.resnet4j.onnx.proto.OnnxProto.NodeProto;
import io.resnet4j.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.resnet4j.onnx.proto.OnnxProto.TensorProto;
import io.resnet4j.onnx.proto.OnnxProto.TensorShapeProto;
import io.resnet4j.onnx.proto.OnnxProto.ValueInfoProto;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns an ONNX graph into an {@link OnnxGraph}: nodes whose inputs are all known at import time are
 * evaluated here (constant folding, {@link ConstFold}), {@code Shape} of a run-time tensor is its shape for
 * the import-time input shape, and the remaining nodes become engine modules. Every unsupported operator and
 * every unsupported use of a supported one is collected, and the import fails once with the whole list.
 */
final class OnnxImporter {
    /** Operators that become run-time steps (or aliases) when an input is computed at run time. */
    static final Set<String> RUNTIME_OPS = Set.of("Conv", "BatchNormalization", "Relu", "MaxPool", "AveragePool",
            "GlobalAveragePool", "Add", "Sum", "Flatten", "Reshape", "Gemm", "MatMul", "Softmax", "Identity", "Pad",
            "Slice", "Transpose", "Cast", "Dropout");
    /** Operators with the attributes broadcast and axis in opsets 1 to 6 (numpy broadcasting from opset 7 on). */
    private static final Set<String> LEGACY_BROADCAST_OPS = Set.of("Add", "Sub", "Mul", "Div");
    /** Every operator the importer knows, including those only evaluated on constants. */
    static final Set<String> SUPPORTED_OPS;

    static {
        Set<String> s = new TreeSet<>(RUNTIME_OPS);
        s.addAll(ConstFold.OPS);
        SUPPORTED_OPS = java.util.Collections.unmodifiableSet(s);
    }

    /** A value of the graph: a constant, or a run-time tensor with its import-time shape. */
    private record Val(Const c, int id, Shape shape) {
        boolean isConst() {
            return c != null;
        }
    }

    private final ModelProto model;
    private final GraphProto graph;
    private final int opset;
    private final Map<String, Shape> inputShapes;
    private final Map<String, Const> bindings;
    private final ConstFold fold = new ConstFold();
    private final Map<String, Val> env = new HashMap<>();
    private final Set<String> poisoned = new HashSet<>();
    private final List<String> problems = new ArrayList<>();
    private final List<OnnxGraph.Step> steps = new ArrayList<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final Map<String, Integer> initializerUses = new HashMap<>();
    private int nextValue;
    private boolean shapeSpecialised;
    /** Names of the Add/Sum steps (not modules), for layer tables. */
    private final Set<String> joinNames = new HashSet<>();

    private OnnxImporter(ModelProto model, Map<String, Shape> inputShapes, Map<String, Const> bindings) {
        this.model = model;
        this.graph = model.getGraph();
        this.opset = defaultOpset(model);
        this.inputShapes = inputShapes;
        this.bindings = bindings;
    }

    /**
     * Imports a model. {@code inputShapes} fixes the shape of run-time inputs whose dimensions are symbolic
     * (missing ones default to the file's dimensions with a symbolic batch of 1); {@code bindings} turns graph
     * inputs into constants (weights passed as inputs, as ONNX's operator tests do).
     */
    static OnnxGraph importGraph(ModelProto model, Map<String, Shape> inputShapes, Map<String, Const> bindings) {
        return new OnnxImporter(model, inputShapes, bindings).build();
    }

    /**
     * The default-domain opsets the importer reads. Its operators' opset-dependent forms reach back to opset 1
     * (Pad's paddings, Reshape's shape attribute; ONNX's own GlobalAveragePool tests are opset 1, the
     * PyTorch-converted ones opset 6) and forward to opset 18 (Pad's axes input); a newer opset may change an
     * operator in a way this importer would not notice.
     */
    static final int MIN_OPSET = 1, MAX_OPSET = 18;

    static int defaultOpset(ModelProto model) {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                long v = o.getVersion();
                if (v > MAX_OPSET) {
                    throw new OnnxException("opset " + v + " is newer than the newest this importer knows ("
                            + MAX_OPSET + "); export the model with opset_version " + MAX_OPSET + " or lower (opsets "
                            + MIN_OPSET + " to " + MAX_OPSET + " are supported)");
                }
                if (v < MIN_OPSET) {
                    throw new OnnxException("opset " + v + " is not an ONNX operator set (they start at " + MIN_OPSET
                            + "; opsets " + MIN_OPSET + " to " + MAX_OPSET + " are supported)");
                }
                return (int) v;
            }
        }
        throw new OnnxException("the model does not import the default ONNX operator set (opset_import has no ai.onnx entry)");
    }

    private OnnxGraph build() {
        checkOperators();
        for (TensorProto t : graph.getInitializerList()) {
            env.put(t.getName(), new Val(Const.fromProto(t, "initializer " + t.getName()), -1, null));
        }
        for (NodeProto n : graph.getNodeList()) {
            for (String in : n.getInputList()) {
                initializerUses.merge(in, 1, Integer::sum);
            }
        }
        List<String> inputNames = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (ValueInfoProto vi : graph.getInputList()) {
            String name = vi.getName();
            if (bindings.containsKey(name)) {
                env.put(name, new Val(bindings.get(name), -1, null));
            } else if (!env.containsKey(name)) {
                Shape s = inputShape(vi);
                env.put(name, new Val(null, nextValue++, s));
                inputNames.add(name);
                shapes.add(s);
            }
        }
        if (inputNames.isEmpty()) {
            throw new OnnxException("the graph has no run-time input: every input is an initializer or bound to a constant");
        }
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto n = graph.getNode(i);
            String label = label(n, i);
            boolean skip = false;
            for (String in : n.getInputList()) {
                if (in.isEmpty()) {
                    continue;
                }
                if (poisoned.contains(in)) {
                    skip = true;
                } else if (!env.containsKey(in)) {
                    problems.add(label + " reads '" + in + "', which no earlier node, input or initializer defines"
                            + " (the graph must be topologically sorted)");
                    skip = true;
                }
            }
            if (skip) {
                poisoned.addAll(n.getOutputList());
                continue;
            }
            try {
                node(n, i, label);
            } catch (OnnxException | IllegalArgumentException e) {
                problems.add(label + ": " + e.getMessage());
                poisoned.addAll(n.getOutputList());
            }
        }
        List<String> outputNames = new ArrayList<>();
        List<Integer> outIds = new ArrayList<>();
        List<Tensor> constOuts = new ArrayList<>();
        for (ValueInfoProto vi : graph.getOutputList()) {
            Val v = env.get(vi.getName());
            if (v == null) {
                if (!poisoned.contains(vi.getName())) {
                    problems.add("graph output '" + vi.getName() + "' is not computed by any node");
                }
                continue;
            }
            outputNames.add(vi.getName());
            outIds.add(v.isConst() ? -1 : v.id);
            constOuts.add(v.isConst() ? v.c.toTensor("output " + vi.getName()) : null);
        }
        if (graph.getOutputCount() == 0) {
            problems.add("the graph has no outputs");
        }
        if (!problems.isEmpty()) {
            throw new OnnxException("cannot import the ONNX model (" + problems.size() + " problem" + (problems.size() > 1 ? "s" : "")
                    + "):\n  " + String.join("\n  ", problems));
        }
        OnnxGraph g = new OnnxGraph(steps, inputNames, shapes.toArray(new Shape[0]), nextValue,
                outIds.stream().mapToInt(Integer::intValue).toArray(), constOuts.toArray(new Tensor[0]), outputNames, shapeSpecialised);
        for (Map.Entry<String, Module> e : children.entrySet()) {
            g.child(e.getKey(), e.getValue());
        }
        g.train(false);
        return g;
    }

    /** Fails with one message naming every node whose operator (or domain) is not supported. */
    private void checkOperators() {
        Set<String> bad = new LinkedHashSet<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto n = graph.getNode(i);
            String domain = n.getDomain();
            if (!(domain.isEmpty() || domain.equals("ai.onnx"))) {
                bad.add(label(n, i) + " (domain " + domain + ")");
            } else if (!SUPPORTED_OPS.contains(n.getOpType())) {
                bad.add(label(n, i));
            }
        }
        if (!bad.isEmpty()) {
            throw new OnnxException("the model uses " + bad.size() + " node" + (bad.size() > 1 ? "s" : "")
                    + " with operators this importer does not support:\n  " + String.join("\n  ", bad)
                    + "\nsupported: " + String.join(", ", SUPPORTED_OPS));
        }
    }

    private static String label(NodeProto n, int index) {
        return n.getOpType() + " node '" + (n.getName().isEmpty() ? "#" + index : n.getName()) + "'";
    }

    private Shape inputShape(ValueInfoProto vi) {
        String name = vi.getName();
        if (!vi.getType().hasTensorType()) {
            throw new OnnxException("graph input '" + name + "' is not a tensor");
        }
        int elem = vi.getType().getTensorType().getElemType();
        if (elem != Const.FLOAT) {
            throw new OnnxException("graph input '" + name + "' has element type " + Const.typeName(elem) + "; only float inputs are supported");
        }
        Shape given = inputShapes.get(name);
        TensorShapeProto sp = vi.getType().getTensorType().getShape();
        if (given != null) {
            if (vi.getType().getTensorType().hasShape() && sp.getDimCount() != given.rank()) {
                throw new OnnxException("graph input '" + name + "' has rank " + sp.getDimCount() + ", the shape given is " + given);
            }
            for (int d = 0; d < sp.getDimCount(); d++) {
                TensorShapeProto.Dimension dim = sp.getDim(d);
                if (dim.hasDimValue() && dim.getDimValue() != given.dim(d)) {
                    throw new OnnxException("graph input '" + name + "' has dimension " + d + " = " + dim.getDimValue()
                            + ", the shape given is " + given);
                }
            }
            return given;
        }
        if (!vi.getType().getTensorType().hasShape()) {
            throw new OnnxException("graph input '" + name + "' has no shape in the file; give the input shape");
        }
        long[] dims = new long[sp.getDimCount()];
        for (int d = 0; d < dims.length; d++) {
            TensorShapeProto.Dimension dim = sp.getDim(d);
            if (dim.hasDimValue()) {
                dims[d] = dim.getDimValue();
            } else if (d == 0) {
                dims[d] = 1;
            } else {
                throw new OnnxException("graph input '" + name + "' has a symbolic dimension " + d + " ('" + dim.getDimParam()
                        + "'); give the input shape");
            }
        }
        return Const.shape(dims, "graph input '" + name + "'");
    }

    // ---------------------------------------------------------------- nodes

    private void node(NodeProto n, int index, String label) {
        String op = n.getOpType();
        Attrs a = new Attrs(n);
        List<Val> in = new ArrayList<>();
        boolean allConst = true;
        for (String name : n.getInputList()) {
            Val v = name.isEmpty() ? null : env.get(name);
            in.add(v);
            allConst &= v == null || v.isConst();
        }
        if (op.equals("Shape") && in.get(0) != null && !in.get(0).isConst()) {
            // The shape of a run-time tensor is known for the import-time input shape.
            shapeSpecialised = true;
            define(n, 0, new Val(fold.shapeOf(Const.dimsOf(in.get(0).shape), a), -1, null));
            return;
        }
        if (opset < 7 && LEGACY_BROADCAST_OPS.contains(op) && a.i("broadcast", 0) != 0 && a.has("axis")) {
            // Without axis, opsets 1 to 6 match B's shape to A's trailing dimensions, as numpy's rules do.
            throw new OnnxException("broadcast=1 with axis " + a.i("axis", 0) + " (opsets 1 to 6) is not supported;"
                    + " only broadcasting over the trailing dimensions is");
        }
        if (op.equals("Constant") || allConst && ConstFold.OPS.contains(op)) {
            List<Const> cs = new ArrayList<>();
            for (Val v : in) {
                cs.add(v == null ? null : v.c);
            }
            Const out = fold.eval(op, a, cs, opset);
            define(n, 0, new Val(out, -1, null));
            return;
        }
        if (!RUNTIME_OPS.contains(op)) {
            throw new OnnxException("is evaluated only on constant inputs, but an input is computed at run time");
        }
        if (in.isEmpty() || in.get(0) == null || in.get(0).isConst() && !op.equals("Add") && !op.equals("Sum")) {
            throw new OnnxException("its data input is a constant; only constant folding of shape operators is supported");
        }
        Val x = in.get(0);
        switch (op) {
            case "Identity", "Dropout" -> {
                if (op.equals("Dropout")) {
                    dropoutInInferenceMode(a, in);
                }
                define(n, 0, x);
                if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
                    throw new OnnxException("the mask output of Dropout is not supported");
                }
            }
            case "Cast" -> {
                int to = ConstFold.castTarget(a);
                if (to != Const.FLOAT) {
                    throw new OnnxException("casts run-time data to " + Const.typeName(to)
                            + "; only float is supported");
                }
                define(n, 0, x);
            }
            case "Relu" -> module(n, index, new ReLU(), x, null);
            case "GlobalAveragePool" -> module(n, index, new GlobalAvgPool(), x, null);
            case "Conv" -> conv(n, index, a, x, in);
            case "BatchNormalization" -> batchNorm(n, index, a, x, in);
            case "MaxPool", "AveragePool" -> pool(n, index, a, x, op.equals("MaxPool"));
            case "Add", "Sum" -> add(n, index, in);
            case "Flatten" -> {
                int axis = (int) a.i("axis", 1);
                int rank = x.shape.rank();
                if (axis < -rank || axis > rank) {
                    throw new OnnxException("axis " + axis + " outside an input of rank " + rank);
                }
                module(n, index, axis == 1 || axis == 1 - rank ? new Flatten() : ReshapeOp.flatten(axis), x, null);
            }
            case "Reshape" -> {
                long[] target;
                if (opset < 5) {
                    target = a.ints("shape");
                } else {
                    target = constInput(in, 1, "shape").asLongs("Reshape shape");
                }
                if (a.i("allowzero", 0) != 0) {
                    for (long d : target) {
                        if (d == 0) {
                            throw new OnnxException("allowzero=1 with a 0 in the target shape (an empty tensor) is not supported");
                        }
                    }
                }
                module(n, index, ReshapeOp.reshape(target), x, null);
            }
            case "Gemm" -> gemm(n, index, a, x, in);
            case "MatMul" -> {
                Const b = constInput(in, 1, "B");
                if (x.shape.rank() != 2 || b.rank() != 2) {
                    throw new OnnxException("MatMul of " + x.shape + " by " + java.util.Arrays.toString(b.dims)
                            + ": only 2-D by a constant 2-D matrix is supported");
                }
                module(n, index, new GemmOp(1f, 0f, false, false, b.toTensor("MatMul B"), null), x, null);
            }
            case "Softmax" -> module(n, index, new SoftmaxOp((int) a.i("axis", opset < 13 ? 1 : -1), opset < 13), x, null);
            case "Pad" -> pad(n, index, a, x, in);
            case "Slice" -> slice(n, index, a, x, in);
            case "Transpose" -> {
                int[] perm = IndexMapOp.Transpose.permutation(a.has("perm") ? a.ints("perm") : null, x.shape.rank());
                module(n, index, new IndexMapOp.Transpose(perm), x, null);
            }
            default -> throw new OnnxException("is not supported on run-time data");
        }
    }

    private void define(NodeProto n, int output, Val v) {
        if (n.getOutputCount() <= output) {
            throw new OnnxException("has no output " + output);
        }
        env.put(n.getOutput(output), v);
        for (int i = 0; i < n.getOutputCount(); i++) {
            if (i != output && !n.getOutput(i).isEmpty()) {
                throw new OnnxException("output " + i + " ('" + n.getOutput(i) + "') is not supported");
            }
        }
    }

    /**
     * Dropout is the identity only in inference mode: is_test=1 up to opset 6 (its default, 0, is training mode), no
     * training_mode input or a false one from opset 12. In training mode it drops values at random, which an
     * inference import cannot reproduce.
     */
    private void dropoutInInferenceMode(Attrs a, List<Val> in) {
        if (opset < 7 && a.i("is_test", 0) == 0) {
            throw new OnnxException("is_test=0 (training mode, opsets 1 to 6) is not supported (inference only: set"
                    + " is_test=1, or export the model in eval mode)");
        }
        Const mode = optionalConst(in, 2, "training_mode");
        if (mode != null && Const.numel(mode.dims) != 1) {
            throw new OnnxException("training_mode must be one boolean, not " + mode);
        }
        if (mode != null && mode.get(0) != 0) {
            throw new OnnxException("training_mode=true is not supported (inference only: export the model in eval"
                    + " mode)");
        }
    }

    private Const constInput(List<Val> in, int i, String what) {
        if (in.size() <= i || in.get(i) == null) {
            throw new OnnxException("input " + i + " (" + what + ") is missing");
        }
        if (!in.get(i).isConst()) {
            throw new OnnxException("input " + i + " (" + what + ") is computed at run time; it must be a constant (initializer)");
        }
        return in.get(i).c;
    }

    private Const optionalConst(List<Val> in, int i, String what) {
        return in.size() <= i || in.get(i) == null ? null : constInput(in, i, what);
    }

    /** Adds a run-time step; its module's output shape is computed now, so shape errors surface at import. */
    private void module(NodeProto n, int index, Module m, Val x, String weightName) {
        Shape out = m.outputShape(x.shape);
        String name = uniqueName(childName(n, index, weightName));
        children.put(name, m);
        int id = nextValue++;
        steps.add(new OnnxGraph.ModuleStep(n.getName().isEmpty() ? n.getOpType() + " #" + index : n.getName(), n.getOpType(),
                name, m, x.id, id));
        define(n, 0, new Val(null, id, out));
    }

    /**
     * The child name: the weight initializer's name without ".weight" (torchvision's module path when the
     * exporter kept it), else the PyTorch scope in the node name ("/layer1/layer1.0/conv1/Conv" gives
     * "layer1.0.conv1"), else the operator and node index.
     */
    static String childName(NodeProto n, int index, String weightName) {
        if (weightName != null && weightName.endsWith(".weight") && weightName.length() > 7) {
            return sanitize(weightName.substring(0, weightName.length() - 7));
        }
        String nodeName = n.getName();
        if (nodeName.startsWith("/")) {
            String[] parts = nodeName.substring(1).split("/");
            String path = "";
            for (int i = 0; i < parts.length - 1; i++) {
                String p = parts[i];
                path = path.isEmpty() || p.startsWith(path + ".") ? p : path + "." + p;
            }
            if (!path.isEmpty()) {
                return sanitize(path);
            }
        }
        if (!nodeName.isEmpty()) {
            return sanitize(nodeName);
        }
        return n.getOpType().toLowerCase(Locale.ROOT) + "_" + index;
    }

    private static String sanitize(String s) {
        String t = s.replaceAll("[^A-Za-z0-9_.]", "_").replaceAll("^[._]+|[._]+$", "");
        return t.isEmpty() ? "node" : t;
    }

    private String uniqueName(String base) {
        String name = base;
        for (int k = 1; children.containsKey(name); k++) {
            name = base + "_" + k;
        }
        return name;
    }

    private static int[] pair(long[] v, int def, String what) {
        if (v == null) {
            return new int[] {def, def};
        }
        if (v.length != 2) {
            throw new OnnxException(what + " has " + v.length + " values; only 2-D (NCHW) operators are supported");
        }
        return new int[] {Math.toIntExact(v[0]), Math.toIntExact(v[1])};
    }

    /** pads [top, left, bottom, right] from the attributes, or computed for auto_pad on the import-time size. */
    private static int[] pads(Attrs a, Shape x, int[] kernel, int[] stride) {
        String autoPad = a.s("auto_pad", "NOTSET");
        switch (autoPad) {
            case "NOTSET" -> {
                long[] p = a.has("pads") ? a.ints("pads") : new long[4];
                if (p.length != 4) {
                    throw new OnnxException("pads has " + p.length + " values; only 2-D operators are supported");
                }
                int[] out = new int[4];
                for (int i = 0; i < 4; i++) {
                    if (p[i] < 0 || p[i] > 1 << 20) {
                        throw new OnnxException("pads " + java.util.Arrays.toString(p) + " out of range");
                    }
                    out[i] = (int) p[i];
                }
                return out;
            }
            case "VALID" -> {
                return new int[4];
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int[] out = new int[4];
                for (int d = 0; d < 2; d++) {
                    int size = x.dim(2 + d);
                    int outSize = (size + stride[d] - 1) / stride[d];
                    int total = Math.max(0, (outSize - 1) * stride[d] + kernel[d] - size);
                    int small = total / 2, big = total - small;
                    out[d] = autoPad.equals("SAME_UPPER") ? small : big;
                    out[d + 2] = autoPad.equals("SAME_UPPER") ? big : small;
                }
                return out;
            }
            default -> throw new OnnxException("auto_pad " + autoPad + " is not an ONNX value");
        }
    }

    private static void requireOnes(Attrs a, String name) {
        if (a.has(name)) {
            for (long v : a.ints(name)) {
                if (v != 1) {
                    throw new OnnxException(name + " " + java.util.Arrays.toString(a.ints(name)) + " is not supported (only 1)");
                }
            }
        }
    }

    private void conv(NodeProto n, int index, Attrs a, Val x, List<Val> in) {
        Const w = constInput(in, 1, "W");
        Const b = optionalConst(in, 2, "B");
        requireOnes(a, "dilations");
        if (a.i("group", 1) != 1) {
            throw new OnnxException("group " + a.i("group", 1) + " is not supported (only 1)");
        }
        if (w.rank() != 4 || x.shape.rank() != 4) {
            throw new OnnxException("only 2-D convolutions are supported (weight " + java.util.Arrays.toString(w.dims) + ")");
        }
        int out = (int) w.dims[0], inC = (int) w.dims[1], kh = (int) w.dims[2], kw = (int) w.dims[3];
        if (x.shape.c() != inC) {
            throw new OnnxException("weight " + java.util.Arrays.toString(w.dims) + " expects " + inC + " channels, the input is " + x.shape);
        }
        if (a.has("kernel_shape")) {
            int[] ks = pair(a.ints("kernel_shape"), 0, "kernel_shape");
            if (ks[0] != kh || ks[1] != kw) {
                throw new OnnxException("kernel_shape " + ks[0] + "x" + ks[1] + " does not match the weight " + kh + "x" + kw);
            }
        }
        if (b != null && (b.rank() != 1 || b.dims[0] != out)) {
            throw new OnnxException("bias " + java.util.Arrays.toString(b.dims) + " for " + out + " output channels");
        }
        int[] stride = pair(a.has("strides") ? a.ints("strides") : null, 1, "strides");
        int[] p = pads(a, x.shape, new int[] {kh, kw}, stride);
        Module m;
        if (kh == kw && stride[0] == stride[1] && p[0] == p[1] && p[1] == p[2] && p[2] == p[3]) {
            Conv2d c = new Conv2d(inC, out, kh, stride[0], p[0], b != null);
            c.weight().value().copyFrom(w.toTensor("Conv weight"));
            if (b != null) {
                c.bias().value().copyFrom(b.toTensor("Conv bias"));
            }
            m = c;
        } else {
            ConvOp c = new ConvOp(inC, out, kh, kw, stride[0], stride[1], p, b != null);
            c.weight().value().copyFrom(w.toTensor("Conv weight"));
            if (b != null) {
                c.bias().value().copyFrom(b.toTensor("Conv bias"));
            }
            m = c;
        }
        module(n, index, m, x, n.getInput(1));
    }

    private void batchNorm(NodeProto n, int index, Attrs a, Val x, List<Val> in) {
        if (a.i("training_mode", 0) != 0) {
            throw new OnnxException("training_mode=1 is not supported (inference only; fine-tune the imported graph instead)");
        }
        if (opset < 7 && a.i("is_test", 0) == 0) {
            throw new OnnxException("is_test=0 (training mode, opsets 1 to 6) is not supported (inference only;"
                    + " fine-tune the imported graph instead)");
        }
        if (opset < 9 && a.i("spatial", 1) != 1) {
            throw new OnnxException("spatial=0 is not supported");
        }
        if (x.shape.rank() != 4) {
            throw new OnnxException("only (N, C, H, W) inputs are supported, got " + x.shape);
        }
        int c = x.shape.c();
        Const scale = constInput(in, 1, "scale"), bias = constInput(in, 2, "B");
        Const mean = constInput(in, 3, "input_mean"), var = constInput(in, 4, "input_var");
        for (Const t : new Const[] {scale, bias, mean, var}) {
            if (t.size() != c) {
                throw new OnnxException("per-channel input of " + t.size() + " values for " + c + " channels");
            }
        }
        float eps = a.f("epsilon", 1e-5f);
        float momentum = a.f("momentum", 0.9f);
        // ONNX: running = running * momentum + batch * (1 - momentum); PyTorch's momentum is the other weight.
        BatchNorm2d bn = new BatchNorm2d(c, eps, Math.min(1f, Math.max(0f, 1f - momentum)));
        System.arraycopy(scale.asFloats(), 0, bn.weight().value().data(), 0, c);
        System.arraycopy(bias.asFloats(), 0, bn.bias().value().data(), 0, c);
        System.arraycopy(mean.asFloats(), 0, bn.runningMean().data(), 0, c);
        System.arraycopy(var.asFloats(), 0, bn.runningVar().data(), 0, c);
        module(n, index, bn, x, n.getInput(1));
    }

    private void pool(NodeProto n, int index, Attrs a, Val x, boolean max) {
        if (x.shape.rank() != 4) {
            throw new OnnxException("only 2-D pooling over (N, C, H, W) is supported, got " + x.shape);
        }
        requireOnes(a, "dilations");
        if (a.i("storage_order", 0) != 0) {
            throw new OnnxException("storage_order=1 is not supported");
        }
        int[] k = pair(a.ints("kernel_shape"), 0, "kernel_shape");
        int[] stride = pair(a.has("strides") ? a.ints("strides") : null, 1, "strides");
        int[] p = pads(a, x.shape, k, stride);
        boolean countIncludePad = a.i("count_include_pad", 0) != 0;
        if (a.i("ceil_mode", 0) != 0) {
            if (!max && countIncludePad) {
                throw new OnnxException("ceil_mode=1 with count_include_pad=1 is not supported");
            }
            // Ceil mode: extra bottom/right padding that completes the last window (never wins a max, never counted).
            for (int d = 0; d < 2; d++) {
                int span = x.shape.dim(2 + d) + p[d] + p[d + 2] - k[d];
                int outCeil = (span + stride[d] - 1) / stride[d] + 1;
                p[d + 2] += Math.max(0, (outCeil - 1) * stride[d] + k[d] - (x.shape.dim(2 + d) + p[d] + p[d + 2]));
            }
        }
        for (int d = 0; d < 2; d++) {
            if (p[d] >= k[d] || p[d + 2] >= k[d]) {
                throw new OnnxException("padding " + java.util.Arrays.toString(p) + " not smaller than the window " + k[0] + "x" + k[1]);
            }
        }
        Module m;
        if (max && k[0] == k[1] && stride[0] == stride[1] && p[0] == p[1] && p[1] == p[2] && p[2] == p[3] && p[0] <= k[0] / 2) {
            m = new MaxPool2d(k[0], stride[0], p[0]);
        } else {
            m = new PoolOp(max, k[0], k[1], stride[0], stride[1], p, countIncludePad);
        }
        if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
            throw new OnnxException("the Indices output is not supported");
        }
        module(n, index, m, x, null);
    }

    private void add(NodeProto n, int index, List<Val> in) {
        List<Integer> ids = new ArrayList<>();
        Const c = null;
        Shape out = null;
        for (Val v : in) {
            if (v == null) {
                throw new OnnxException("has an empty input");
            }
            if (v.isConst()) {
                c = c == null ? v.c : fold.eval("Add", new Attrs(NodeProto.getDefaultInstance()), List.of(c, v.c), opset);
            } else {
                ids.add(v.id);
                out = out == null ? v.shape : Broadcast.shape(out, v.shape, "Add");
            }
        }
        Tensor constant = c == null ? null : c.toTensor("constant operand");
        if (constant != null) {
            out = Broadcast.shape(out, constant.shape(), "Add");
        }
        int id = nextValue++;
        String name = childName(n, index, null);
        for (int k = 1; !joinNames.add(name) || children.containsKey(name); k++) {
            name = childName(n, index, null) + "_" + k;
        }
        steps.add(new OnnxGraph.AddStep(n.getName().isEmpty() ? n.getOpType() + " #" + index : n.getName(), n.getOpType(),
                name, ids.stream().mapToInt(Integer::intValue).toArray(), id, constant));
        define(n, 0, new Val(null, id, out));
    }

    private void gemm(NodeProto n, int index, Attrs a, Val x, List<Val> in) {
        Const b = constInput(in, 1, "B");
        Const c = optionalConst(in, 2, "C");
        float alpha = a.f("alpha", 1f), beta = a.f("beta", 1f);
        boolean transA = a.i("transA", 0) != 0, transB = a.i("transB", 0) != 0;
        if (b.rank() != 2 || x.shape.rank() != 2) {
            throw new OnnxException("Gemm needs 2-D A and B, got " + x.shape + " and " + java.util.Arrays.toString(b.dims));
        }
        int outF = (int) (transB ? b.dims[0] : b.dims[1]), inF = (int) (transB ? b.dims[1] : b.dims[0]);
        boolean vectorBias = c == null || c.size() == outF && (c.rank() == 1 || c.rank() == 2 && c.dims[0] == 1);
        if (alpha == 1f && (beta == 1f || c == null) && !transA && vectorBias && x.shape.dim(1) == inF) {
            Linear fc = new Linear(inF, outF);
            float[] bw = b.asFloats(), w = fc.weight().value().data();
            for (int o = 0; o < outF; o++) {
                for (int i = 0; i < inF; i++) {
                    w[o * inF + i] = transB ? bw[o * inF + i] : bw[i * outF + o];
                }
            }
            if (c != null) {
                System.arraycopy(c.asFloats(), 0, fc.bias().value().data(), 0, outF);
            }
            module(n, index, fc, x, n.getInput(1));
        } else {
            module(n, index, new GemmOp(alpha, beta, transA, transB, b.toTensor("Gemm B"), c == null ? null : c.toTensor("Gemm C")), x, null);
        }
    }

    private void pad(NodeProto n, int index, Attrs a, Val x, List<Val> in) {
        String mode = a.s("mode", "constant");
        if (!mode.equals("constant")) {
            throw new OnnxException("mode " + mode + " is not supported (only constant)");
        }
        long[] pads;
        float value;
        if (opset < 11) {
            pads = a.ints(opset < 2 ? "paddings" : "pads");
            value = a.f("value", 0f);
        } else {
            pads = constInput(in, 1, "pads").asLongs("pads");
            Const v = optionalConst(in, 2, "constant_value");
            value = v == null ? 0f : (float) v.get(0);
            if (in.size() > 3 && in.get(3) != null) {
                throw new OnnxException("the axes input is not supported");
            }
        }
        for (long p : pads) {
            if (p < 0 || p > 1 << 20) {
                throw new OnnxException("pads " + java.util.Arrays.toString(pads) + ": only non-negative pads are supported");
            }
        }
        module(n, index, new IndexMapOp.Pad(pads, value), x, null);
    }

    private void slice(NodeProto n, int index, Attrs a, Val x, List<Val> in) {
        long[] starts, ends, axesL, steps;
        if (opset < 10) {
            starts = a.ints("starts");
            ends = a.ints("ends");
            axesL = a.has("axes") ? a.ints("axes") : null;
            steps = null;
        } else {
            starts = constInput(in, 1, "starts").asLongs("starts");
            ends = constInput(in, 2, "ends").asLongs("ends");
            Const ax = optionalConst(in, 3, "axes"), st = optionalConst(in, 4, "steps");
            axesL = ax == null ? null : ax.asLongs("axes");
            steps = st == null ? null : st.asLongs("steps");
        }
        int k = starts.length;
        if (ends.length != k || axesL != null && axesL.length != k || steps != null && steps.length != k) {
            throw new OnnxException("starts, ends, axes and steps differ in length");
        }
        int[] axes = new int[k];
        long[] st = new long[k];
        for (int i = 0; i < k; i++) {
            axes[i] = axesL == null ? i : (int) axesL[i];
            st[i] = steps == null ? 1 : steps[i];
            if (st[i] == 0) {
                throw new OnnxException("a step of 0");
            }
        }
        module(n, index, new IndexMapOp.Slice(starts, ends, axes, st), x, null);
    }

    /** A node's attributes by name. */
    static final class Attrs {
        private final Map<String, AttributeProto> map = new HashMap<>();

        Attrs(NodeProto n) {
            for (AttributeProto a : n.getAttributeList()) {
                map.put(a.getName(), a);
            }
        }

        boolean has(String name) {
            return map.containsKey(name);
        }

        AttributeProto get(String name) {
            AttributeProto a = map.get(name);
            if (a == null) {
                throw new OnnxException("attribute " + name + " is required");
            }
            return a;
        }

        long i(String name, long def) {
            return has(name) ? get(name).getI() : def;
        }

        float f(String name, float def) {
            return has(name) ? get(name).getF() : def;
        }

        String s(String name, String def) {
            return has(name) ? get(name).getS().toString(StandardCharsets.UTF_8) : def;
        }

        long[] ints(String name) {
            AttributeProto a = get(name);
            long[] v = new long[a.getIntsCount()];
            for (int k = 0; k < v.length; k++) {
                v[k] = a.getInts(k);
            }
            return v;
        }
    }
}
