package io.resnet4j.onnx;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.FusedConv2d;
import io.resnet4j.nn.FusedLinear;
import io.resnet4j.nn.Inference;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.ReLU;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An imported ONNX graph as one {@link Module}: a DAG of engine modules (Conv2d, BatchNorm2d, ReLU, ...)
 * and element-wise joins (Add, Sum), in topological order. Everything computable at import time (shape
 * arithmetic, constant subgraphs) has been folded away, so only tensor work remains.
 *
 * <p>Values are numbered; value 0.. are the graph's run-time inputs. {@link #forward} takes the single
 * run-time input; {@link #run} takes several. {@link #backward} walks the steps in reverse and adds the
 * gradients of values used more than once (the skip connection of a residual block), so a graph whose steps
 * all have a backward (every ResNet built of Conv, BatchNormalization, Relu, MaxPool, AveragePool,
 * GlobalAveragePool, Add, Flatten, Gemm as a Linear layer, and the Slice/Pad of an option-A shortcut) can be
 * fine-tuned. Modules are registered under names derived from the ONNX file (the weight's initializer name
 * without ".weight", or the PyTorch scope of the node), so parameter names are torchvision's state_dict keys
 * whenever the exporter kept them.
 */
public final class OnnxGraph extends Module {
    /** One computation: {@code values[out] = op(values[in...])}. */
    abstract static class Step {
        final String onnxName;
        /** The ONNX operator (Conv, Add, ...) and the step's name in a layer table (a module's child name). */
        final String opType, name;
        final int[] in;
        final int out;

        Step(String onnxName, String opType, String name, int[] in, int out) {
            this.onnxName = onnxName;
            this.opType = opType;
            this.name = name;
            this.in = in;
            this.out = out;
        }

        abstract Tensor forward(Tensor[] inputs);

        /** Gradients for each input, in order (null where there is none). */
        abstract Tensor[] backward(Tensor gradOut);
    }

    /** A step that runs one module on one value. */
    static final class ModuleStep extends Step {
        final Module module;

        ModuleStep(String onnxName, String opType, String name, Module module, int in, int out) {
            super(onnxName, opType, name, new int[] {in}, out);
            this.module = module;
        }

        @Override
        Tensor forward(Tensor[] inputs) {
            return module.forward(inputs[0]);
        }

        @Override
        Tensor[] backward(Tensor gradOut) {
            return new Tensor[] {module.backward(gradOut)};
        }
    }

    /**
     * A frozen graph's Conv (no ReLU of its own), the Add of its output and one other value, and the Relu after
     * that when there is one, as one step: the convolution runs onto the other value (FusedConv2d.forwardAdd), so
     * its own output is never stored and no pass adds the two. in = {the Conv's input, the other value}. The other
     * value's buffer is written over where only this step reads it (overwrite), else copied into the step's own
     * buffer first; operands that broadcast run as the three steps would.
     */
    static final class ConvAddStep extends Step {
        final FusedConv2d conv;
        final boolean relu, overwrite;
        private Tensor output;

        ConvAddStep(String onnxName, String name, FusedConv2d conv, boolean relu, boolean overwrite, int x, int other,
                    int out) {
            super(onnxName, "Conv+Add" + (relu ? "+Relu" : ""), name, new int[] {x, other}, out);
            this.conv = conv;
            this.relu = relu;
            this.overwrite = overwrite;
        }

        @Override
        Tensor forward(Tensor[] inputs) {
            Tensor x = inputs[0], other = inputs[1];
            Shape convShape = conv.outputShape(x.shape());
            if (convShape.equals(other.shape())) {
                Tensor target = other;
                if (!overwrite || other.data() == x.data()) {
                    output = reuseTensor(output, convShape);
                    output.copyFrom(other);
                    target = output;
                }
                return conv.forwardAdd(x, target, relu);
            }
            Tensor branch = conv.forward(x);
            Shape s = Broadcast.shape(branch.shape(), other.shape(), onnxName);
            output = reuseTensor(output, s);
            Broadcast.copy(other, output.data(), s);
            Broadcast.accumulate(branch, output.data(), s);
            if (relu) {
                Kernels.ELEMENTWISE.relu(output.numel(), output.data(), 0, output.data(), 0);
            }
            return output;
        }

        @Override
        Tensor[] backward(Tensor gradOut) {
            throw new UnsupportedOperationException("a frozen graph is inference-only (" + onnxName + ")");
        }
    }

    /** Add / Sum of run-time values and constants with numpy broadcasting. */
    static final class AddStep extends Step {
        /** The sum of the constant operands (null when there are none). */
        final Tensor constant;
        private Shape[] inShapes;
        private Tensor output;
        private Tensor[] grads;

        AddStep(String onnxName, String opType, String name, int[] in, int out, Tensor constant) {
            super(onnxName, opType, name, in, out);
            this.constant = constant;
        }

        @Override
        Tensor forward(Tensor[] inputs) {
            Shape[] shapes = new Shape[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                shapes[i] = inputs[i].shape();
            }
            Shape s = constant == null ? shapes[0] : constant.shape();
            for (Shape sh : shapes) {
                s = Broadcast.shape(s, sh, onnxName);
            }
            output = reuseTensor(output, s);
            float[] y = output.data();
            if (constant == null && inputs.length == 2 && shapes[0].equals(s) && shapes[1].equals(s)) {
                // two run-time values of one shape (a residual unit's join): one pass
                Kernels.ELEMENTWISE.add(y.length, inputs[0].data(), 0, inputs[1].data(), 0, y, 0);
                inShapes = shapes;
                return output;
            }
            if (constant != null) {
                Broadcast.copy(constant, y, s);
            } else {
                Arrays.fill(y, 0f);
            }
            for (Tensor t : inputs) {
                if (t.shape().equals(s)) {
                    Kernels.ELEMENTWISE.accumulate(y.length, t.data(), 0, y, 0);
                } else {
                    Broadcast.accumulate(t, y, s);
                }
            }
            inShapes = shapes;
            return output;
        }

        @Override
        Tensor[] backward(Tensor gradOut) {
            if (inShapes == null) {
                throw new IllegalStateException("Add " + onnxName + ": backward called before forward");
            }
            if (grads == null || grads.length != inShapes.length) {
                grads = new Tensor[inShapes.length];
            }
            Tensor[] out = new Tensor[inShapes.length];
            for (int i = 0; i < inShapes.length; i++) {
                if (inShapes[i].equals(gradOut.shape())) {
                    out[i] = gradOut;
                } else {
                    grads[i] = reuseTensor(grads[i], inShapes[i]);
                    Broadcast.reduce(gradOut, grads[i]);
                    out[i] = grads[i];
                }
            }
            return out;
        }
    }

    private final List<Step> steps;
    private final int inputCount, valueCount;
    private final int[] outputs;
    private final Tensor[] constantOutputs;
    private final List<String> inputNames, outputNames;
    private final Shape[] importShapes;
    private final boolean shapeSpecialised;
    private Tensor[] values, grads, accum;
    private boolean[] ownGrad, heldGrad;

    OnnxGraph(List<Step> steps, List<String> inputNames, Shape[] importShapes, int valueCount, int[] outputs,
              Tensor[] constantOutputs, List<String> outputNames, boolean shapeSpecialised) {
        this.steps = List.copyOf(steps);
        this.inputNames = List.copyOf(inputNames);
        this.inputCount = inputNames.size();
        this.importShapes = importShapes.clone();
        this.valueCount = valueCount;
        this.outputs = outputs.clone();
        this.constantOutputs = constantOutputs.clone();
        this.outputNames = List.copyOf(outputNames);
        this.shapeSpecialised = shapeSpecialised;
    }

    /** Registers a step's module as a child (done by the importer, in topological order). */
    <M extends Module> M child(String name, M module) {
        return register(name, module);
    }

    /**
     * An inference copy of this graph (Inference.freeze for ONNX graphs): each Conv that runs as a Conv2d becomes
     * a FusedConv2d, with the BatchNormalization after it folded in and the Relu after that applied as each output
     * tile is finished, where each of those values feeds only the next step (not a graph output); a Conv left
     * without a Relu whose output feeds only an Add of two values runs onto the other value, with the Relu after the
     * Add (ConvAddStep, as a frozen residual unit does); each Gemm that runs as a Linear becomes a FusedLinear. The
     * fused steps own copies of their weights; every other step (and its module) is shared with this graph, so use
     * one graph or the other, not both at once. The copy is in eval mode and refuses train(true).
     */
    public OnnxGraph freeze() {
        int[] uses = new int[valueCount];
        for (Step s : steps) {
            for (int v : s.in) {
                uses[v]++;
            }
        }
        for (int v : outputs) {
            uses[v]++;
        }
        java.util.Map<Integer, Step> byInput = new java.util.HashMap<>();
        // per value: the step that computes it, and the index of the last step that reads it
        Step[] producer = new Step[valueCount];
        int[] lastRead = new int[valueCount];
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            for (int v : s.in) {
                byInput.put(v, s);
                lastRead[v] = i;
            }
            producer[s.out] = s;
        }
        java.util.Set<Integer> graphOutputs = new java.util.HashSet<>();
        for (int v : outputs) {
            graphOutputs.add(v);
        }
        List<Step> frozen = new ArrayList<>();
        java.util.Map<String, Module> modules = new java.util.LinkedHashMap<>();
        java.util.Set<Step> absorbed = new java.util.HashSet<>();
        // a Conv + Add (+ Relu) runs where the Add was: its other operand may come later than the Conv
        java.util.Map<Step, Step> replaced = new java.util.HashMap<>();
        for (Step s : steps) {
            if (replaced.containsKey(s)) {
                Step step = replaced.get(s);
                frozen.add(step);
                modules.put(step.name, ((ConvAddStep) step).conv);
                continue;
            }
            if (absorbed.contains(s)) {
                continue;
            }
            Step step = s;
            if (s instanceof ModuleStep ms && ms.module instanceof Conv2d conv) {
                BatchNorm2d bn = null;
                int out = s.out;
                Step next = uses[out] == 1 ? byInput.get(out) : null;
                if (next instanceof ModuleStep nb && nb.module instanceof BatchNorm2d b
                        && b.channels() == conv.outChannels()) {
                    bn = b;
                    absorbed.add(next);
                    out = next.out;
                    next = uses[out] == 1 ? byInput.get(out) : null;
                }
                boolean relu = next instanceof ModuleStep nr && nr.module instanceof ReLU;
                if (relu) {
                    absorbed.add(next);
                    out = next.out;
                }
                FusedConv2d fused = Inference.fuse(conv, bn, relu);
                Step add = relu || uses[out] != 1 ? null : byInput.get(out);
                // the first of the Add's Convs in step order claims it (a projection's or the branch's last)
                if (add instanceof AddStep a && a.constant == null && a.in.length == 2 && a.in[0] != a.in[1]
                        && !replaced.containsKey(a)) {
                    int other = a.in[0] == out ? a.in[1] : a.in[0];
                    Step after = uses[a.out] == 1 ? byInput.get(a.out) : null;
                    boolean reluAfter = after instanceof ModuleStep nr && nr.module instanceof ReLU;
                    absorbed.add(a);
                    if (reluAfter) {
                        absorbed.add(after);
                    }
                    // the other operand is read last by this Add, not a graph output, and in a buffer of its own
                    boolean overwrite = lastRead[other] == steps.indexOf(a) && !graphOutputs.contains(other)
                            && ownsOutput(producer[other]);
                    replaced.put(a, new ConvAddStep(a.onnxName, s.name, fused, reluAfter, overwrite, s.in[0], other,
                            reluAfter ? after.out : a.out));
                    continue;
                }
                step = new ModuleStep(s.onnxName, s.opType, s.name, fused, s.in[0], out);
            } else if (s instanceof ModuleStep ms && ms.module instanceof Linear fc) {
                FusedLinear fused = new FusedLinear(fc.inFeatures(), fc.outFeatures(), fc.weight().value(), fc.bias().value());
                step = new ModuleStep(s.onnxName, s.opType, s.name, fused, s.in[0], s.out);
            }
            frozen.add(step);
            if (step instanceof ModuleStep ms) {
                modules.put(ms.name, ms.module);
            }
        }
        OnnxGraph g = new OnnxGraph(frozen, inputNames, importShapes, valueCount, outputs, constantOutputs, outputNames,
                shapeSpecialised);
        for (java.util.Map.Entry<String, Module> e : modules.entrySet()) {
            g.child(e.getKey(), e.getValue());
        }
        g.train(false);
        return g;
    }

    /**
     * Whether a step's output is a buffer of its own (its module's output or the Add's), not a view of its input
     * (Flatten, Reshape, Identity) nor a graph input: freeze lets a Conv + Add write over such a value once no
     * later step reads it.
     */
    private static boolean ownsOutput(Step s) {
        return s instanceof AddStep || s instanceof ModuleStep m && (m.module instanceof Conv2d
                || m.module instanceof BatchNorm2d || m.module instanceof ReLU
                || m.module instanceof io.resnet4j.nn.MaxPool2d);
    }

    public List<String> inputNames() {
        return inputNames;
    }

    public List<String> outputNames() {
        return outputNames;
    }

    /** The input shapes the graph was imported (and its shape arithmetic folded) for. */
    public Shape[] importShapes() {
        return importShapes.clone();
    }

    /**
     * True unless a Shape node on run-time data was folded at import: then the graph runs only on its
     * {@link #importShapes}, else on any batch size.
     */
    public boolean acceptsAnyBatch() {
        return !shapeSpecialised;
    }

    /** Number of computation steps left after folding. */
    public int stepCount() {
        return steps.size();
    }

    /** How many steps run the given operator (a fused Conv + Add step's is "Conv+Add" or "Conv+Add+Relu"). */
    long stepsOf(String opType) {
        return steps.stream().filter(s -> s.opType.equals(opType)).count();
    }

    @Override
    public Shape outputShape(Shape input) {
        Shape[] shapes = propagate(input);
        return constantOutputs[0] != null ? constantOutputs[0].shape() : shapes[outputs[0]];
    }

    private static Shape stepShape(Step s, Shape[] shapes) {
        if (s instanceof ModuleStep m) {
            return m.module.outputShape(shapes[s.in[0]]);
        }
        AddStep a = (AddStep) s;
        Shape o = a.constant == null ? shapes[s.in[0]] : a.constant.shape();
        for (int v : s.in) {
            o = Broadcast.shape(o, shapes[v], s.onnxName);
        }
        return o;
    }

    /**
     * The joins' additions only: the step modules are children and report their own work. A summary needs
     * each child's input shape, which {@link #describe} gives.
     */
    @Override
    public long ownMacs(Shape input) {
        Shape[] shapes = propagate(input);
        long macs = 0;
        for (Step s : steps) {
            if (s instanceof AddStep) {
                macs += shapes[s.out].numel();
            }
        }
        return macs;
    }

    private Shape[] propagate(Shape input) {
        requireSingleInput();
        checkShape(input, 0);
        Shape[] shapes = new Shape[valueCount];
        shapes[0] = input;
        for (Step s : steps) {
            shapes[s.out] = stepShape(s, shapes);
        }
        return shapes;
    }

    /** One line per step for an input shape: ONNX node, module, output shape and multiply-adds. */
    public List<String> describe(Shape input) {
        Shape[] shapes = propagate(input);
        List<String> out = new ArrayList<>();
        for (Step s : steps) {
            String what = s instanceof ModuleStep m ? m.module.toString() : "Add(" + s.in.length + " inputs)";
            long macs = s instanceof ModuleStep m ? totalMacs(m.module, shapes[s.in[0]]) : shapes[s.out].numel();
            out.add(s.onnxName + "  " + what + "  -> " + shapes[s.out] + "  MACs " + macs);
        }
        return out;
    }

    /**
     * One step of the graph as a layer table lists it.
     *
     * @param name   the step's module name (torchvision's module path when the file kept it), or for a join the
     *               PyTorch scope of its node
     * @param op     the ONNX operator (Conv, BatchNormalization, Add, Gemm, ...)
     * @param node   the ONNX node name
     * @param output the step's output shape
     * @param params trainable parameters (not batch-norm statistics)
     * @param macs   multiply-adds (Conv, Gemm, MatMul) or element-wise operations (the others), as
     *               {@link Module#ownMacs} counts them
     */
    public record Layer(String name, String op, String node, Shape output, long params, long macs) {
    }

    /** The steps for an input shape, in execution order; nothing runs. */
    public List<Layer> layers(Shape input) {
        Shape[] shapes = propagate(input);
        List<Layer> out = new ArrayList<>();
        for (Step s : steps) {
            if (s instanceof ModuleStep m) {
                out.add(new Layer(s.name, s.opType, s.onnxName, shapes[s.out], m.module.parameterCount(),
                        totalMacs(m.module, shapes[s.in[0]])));
            } else {
                out.add(new Layer(s.name, s.opType, s.onnxName, shapes[s.out], 0, shapes[s.out].numel()));
            }
        }
        return out;
    }

    private static long totalMacs(Module m, Shape in) {
        long macs = m.ownMacs(in);
        if (m instanceof io.resnet4j.nn.Sequential seq) {
            macs = 0;
            for (Module c : seq.layers()) {
                macs += totalMacs(c, in);
                in = c.outputShape(in);
            }
        }
        return macs;
    }

    @Override
    public Tensor forward(Tensor x) {
        requireSingleInput();
        return run(x)[0];
    }

    /** Runs the graph on its run-time inputs (in {@link #inputNames} order) and returns every output. */
    public Tensor[] run(Tensor... inputs) {
        if (inputs.length != inputCount) {
            throw new IllegalArgumentException("the graph has " + inputCount + " run-time inputs " + inputNames
                    + ", got " + inputs.length + " tensors");
        }
        if (values == null) {
            values = new Tensor[valueCount];
        }
        for (int i = 0; i < inputCount; i++) {
            checkShape(inputs[i].shape(), i);
            values[i] = inputs[i];
        }
        for (Step s : steps) {
            Tensor[] in = new Tensor[s.in.length];
            for (int i = 0; i < in.length; i++) {
                in[i] = values[s.in[i]];
            }
            try {
                values[s.out] = s.forward(in);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ONNX node " + s.onnxName + ": " + e.getMessage(), e);
            }
        }
        Tensor[] out = new Tensor[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            out[i] = constantOutputs[i] != null ? constantOutputs[i] : values[outputs[i]];
        }
        return out;
    }

    private void checkShape(Shape s, int input) {
        Shape expected = importShapes[input];
        boolean ok = shapeSpecialised ? s.equals(expected)
                : s.rank() == expected.rank() && s.withBatch(1).equals(expected.withBatch(1));
        if (!ok) {
            throw new IllegalArgumentException("input " + inputNames.get(input) + " has shape " + s + ", the model was imported for "
                    + expected + (shapeSpecialised ? " (its shape arithmetic was folded for exactly that shape; import it again for another)"
                    : " (any batch size)"));
        }
    }

    private void requireSingleInput() {
        if (inputCount != 1 || outputs.length < 1) {
            throw new IllegalStateException("this graph has " + inputCount + " run-time inputs " + inputNames + "; use run(...)");
        }
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        requireSingleInput();
        if (values == null) {
            throw new IllegalStateException("OnnxGraph.backward called before forward");
        }
        if (grads == null) {
            grads = new Tensor[valueCount];
            accum = new Tensor[valueCount];
            ownGrad = new boolean[valueCount];
            heldGrad = new boolean[valueCount];
        }
        Arrays.fill(grads, null);
        Arrays.fill(ownGrad, false);
        grads[outputs[0]] = gradOutput;
        for (int k = steps.size() - 1; k >= 0; k--) {
            Step s = steps.get(k);
            Tensor g = grads[s.out];
            if (g == null) {
                continue;
            }
            Tensor[] gin;
            try {
                gin = s.backward(g);
            } catch (UnsupportedOperationException e) {
                throw new UnsupportedOperationException("ONNX node " + s.onnxName + " has no backward: " + e.getMessage()
                        + "; fine-tuning needs a graph of Conv, BatchNormalization, Relu, pooling, Add, Flatten and Gemm", e);
            }
            for (int i = 0; i < s.in.length; i++) {
                addGrad(s.in[i], gin[i]);
            }
            unhold(s.out);
        }
        for (int v = 0; v < valueCount; v++) {
            unhold(v);
        }
        return grads[0];
    }

    /**
     * The first gradient of a value is kept by reference, and held: the modules' input gradients come from the
     * network's shared pool, and other steps run before this value's consumer. A second one is summed into a
     * buffer this graph owns.
     */
    private void addGrad(int v, Tensor g) {
        if (g == null) {
            return;
        }
        if (grads[v] == null) {
            grads[v] = hold(g);
            heldGrad[v] = true;
            return;
        }
        if (!ownGrad[v]) {
            accum[v] = reuseTensor(accum[v], grads[v].shape());
            accum[v].copyFrom(grads[v]);
            unhold(v);
            grads[v] = accum[v];
            ownGrad[v] = true;
        }
        Kernels.ELEMENTWISE.accumulate(g.numel(), g.data(), 0, grads[v].data(), 0);
    }

    /** Lets the pool reuse value v's gradient once it has been read. */
    private void unhold(int v) {
        if (heldGrad[v]) {
            release(grads[v]);
            heldGrad[v] = false;
        }
    }

    static Tensor reuseTensor(Tensor current, Shape shape) {
        return current != null && current.shape().equals(shape) ? current : new Tensor(shape);
    }

    @Override
    public String toString() {
        return "OnnxGraph(" + steps.size() + " steps, inputs " + inputNames + ", outputs " + outputNames + ")";
    }
}
