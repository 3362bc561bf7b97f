package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A layer or a composite of layers with an explicit forward and backward pass.
 *
 * <p>{@link #forward} in training mode keeps what {@link #backward} needs; {@link #backward} takes the
 * gradient of the loss with respect to the output, adds the parameter gradients into each
 * {@link Parameter#grad()} and returns the gradient with respect to the input.
 *
 * <p>Buffers: a module writes its output into {@link #newOutput}, its own buffer, kept until its next forward
 * and reused while the shape stays the same (inside a recomputed segment, a scratch buffer shared by all
 * segments instead), and its input gradient into {@link #newGradient}, a buffer from a small pool shared by the
 * whole network: a returned gradient is valid until the module before has consumed it (ping-pong), and a
 * composite that needs one longer {@link #hold}s it. So a training step at a fixed batch shape allocates
 * nothing, and the gradients of a network take a few buffers per shape whatever its depth. In a frozen network
 * ({@link Inference#freeze}) outputs are pooled the same way (see {@link #newOutput(Shape, Tensor)}).
 *
 * <p>Children, parameters and buffers are registered under names, so that {@link #namedParameters()} gives
 * torchvision's state_dict keys ({@code layer1.0.conv1.weight}). A child registered under the empty name
 * is inlined: its entries appear without a prefix of their own.
 */
public abstract class Module {
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    // The same children and parameters as lists, walked by index on the per-step paths (no iterator garbage).
    private final List<Module> childList = new ArrayList<>();
    private final List<Parameter> paramList = new ArrayList<>();
    protected boolean training = true;
    private boolean inputGradient = true;
    // Shared by the whole tree: replaced by the parent's when this module is registered as a child.
    private Memory memory = new Memory();
    private Tensor ownOutput;

    /** The output for input x; in training mode also remembers what backward needs. */
    public abstract Tensor forward(Tensor x);

    /**
     * Whether {@link #backward} must return the gradient with respect to the input (default true). A network's
     * input is data, whose gradient nobody reads: the trainer turns it off, and a {@link Sequential} passes it
     * to its first module, so that the first convolution skips its backward-data pass (PyTorch does the same
     * for an input that does not require grad). Where it is off, backward may return null.
     */
    public void setInputGradient(boolean needed) {
        inputGradient = needed;
    }

    public final boolean inputGradient() {
        return inputGradient;
    }

    /** Gradient w.r.t. the input of the last forward, given the gradient w.r.t. its output. */
    public abstract Tensor backward(Tensor gradOutput);

    /** The output shape for an input shape; throws IllegalArgumentException when the input does not fit. */
    public abstract Shape outputShape(Shape input);

    /** Multiply-adds of this module's own forward pass (not its children's) for one input of that shape. */
    public long ownMacs(Shape input) {
        return 0;
    }

    /** Switches training mode (batch statistics, saved activations) on or off, for this module and its children. */
    public void train(boolean on) {
        training = on;
        for (Module m : children.values()) {
            m.train(on);
        }
    }

    public final boolean isTraining() {
        return training;
    }

    /** Re-initialises every parameter of the tree in registration order from one seed. */
    public final void initialize(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Module m : modules()) {
            m.resetParameters(rng);
        }
    }

    /** This module's own initialisation (children are visited by {@link #initialize}). */
    protected void resetParameters(SplittableRandom rng) {
    }

    protected final <M extends Module> M register(String name, M child) {
        checkName(name);
        children.put(name, child);
        childList.add(child);
        shareMemory(child, memory);
        return child;
    }

    protected final Parameter register(String name, Parameter p) {
        checkName(name);
        params.put(name, p);
        paramList.add(p);
        return p;
    }

    protected final Tensor registerBuffer(String name, Tensor t) {
        checkName(name);
        buffers.put(name, t);
        return t;
    }

    private void checkName(String name) {
        if (children.containsKey(name) || params.containsKey(name) || buffers.containsKey(name)) {
            throw new IllegalArgumentException("name already registered: " + name);
        }
    }

    /** Direct children in registration order (inlined children keep the empty name). */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** This module and all descendants, depth first, in registration order. */
    public final List<Module> modules() {
        List<Module> out = new ArrayList<>();
        collectModules(this, out);
        return out;
    }

    private static void collectModules(Module m, List<Module> out) {
        out.add(m);
        for (Module c : m.children.values()) {
            collectModules(c, out);
        }
    }

    /** Every descendant under its dotted name ("" for this module), depth first. */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectNamed(this, "", out);
        return out;
    }

    private static void collectNamed(Module m, String prefix, Map<String, Module> out) {
        out.putIfAbsent(prefix, m);
        for (Map.Entry<String, Module> e : m.children.entrySet()) {
            collectNamed(e.getValue(), join(prefix, e.getKey()), out);
        }
    }

    /** Parameters under torchvision-style dotted names, in registration order. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collectParams(this, "", out);
        return out;
    }

    private static void collectParams(Module m, String prefix, Map<String, Parameter> out) {
        for (Map.Entry<String, Parameter> e : m.params.entrySet()) {
            putUnique(out, join(prefix, e.getKey()), e.getValue());
        }
        for (Map.Entry<String, Module> e : m.children.entrySet()) {
            collectParams(e.getValue(), join(prefix, e.getKey()), out);
        }
    }

    /** Non-trainable state (BN running statistics) under dotted names. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectBuffers(this, "", out);
        return out;
    }

    private static void collectBuffers(Module m, String prefix, Map<String, Tensor> out) {
        for (Map.Entry<String, Tensor> e : m.buffers.entrySet()) {
            putUnique(out, join(prefix, e.getKey()), e.getValue());
        }
        for (Map.Entry<String, Module> e : m.children.entrySet()) {
            collectBuffers(e.getValue(), join(prefix, e.getKey()), out);
        }
    }

    private static <T> void putUnique(Map<String, T> out, String name, T value) {
        if (out.put(name, value) != null) {
            throw new IllegalStateException("two entries share the name " + name);
        }
    }

    private static String join(String prefix, String name) {
        if (prefix.isEmpty()) {
            return name;
        }
        return name.isEmpty() ? prefix : prefix + "." + name;
    }

    public final List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    public final long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) {
            n += p.value().numel();
        }
        return n;
    }

    /** Clears every parameter gradient of the tree; allocates nothing (it runs once per training step). */
    public final void zeroGrad() {
        for (int i = 0; i < paramList.size(); i++) {
            paramList.get(i).zeroGrad();
        }
        for (int i = 0; i < childList.size(); i++) {
            childList.get(i).zeroGrad();
        }
    }

    private static void shareMemory(Module module, Memory m) {
        module.memory = m;
        for (int i = 0; i < module.childList.size(); i++) {
            shareMemory(module.childList.get(i), m);
        }
    }

    /**
     * The buffer for this forward's output: the module's own, reused while the shape stays the same, or inside a
     * recomputed segment the next scratch buffer of the segment pass. Call it on every forward.
     */
    protected final Tensor newOutput(Shape shape) {
        if (memory.inSegment()) {
            return memory.scratch(shape);
        }
        ownOutput = reuse(ownOutput, shape);
        return ownOutput;
    }

    /**
     * The buffer for this forward's output when the module reads {@code input}: in a frozen network
     * ({@link Inference#freeze}) a buffer of the network's activation pool that is neither held nor input's, valid
     * until the modules after this one have consumed it (a composite that reads a result after running other
     * modules {@link #hold}s it); otherwise {@link #newOutput(Shape)}.
     */
    protected final Tensor newOutput(Shape shape, Tensor input) {
        if (memory.pooledOutputs() && !memory.inSegment()) {
            return memory.activation(shape, input);
        }
        return newOutput(shape);
    }

    /** Whether outputs come from the activation pool (a frozen network), see {@link #newOutput(Shape, Tensor)}. */
    protected final boolean pooledOutputs() {
        return memory.pooledOutputs();
    }

    /** Makes this tree's outputs pooled (Inference.freeze, on the root of the frozen copy). */
    final void poolOutputs() {
        memory.poolOutputs();
    }

    /**
     * A buffer for the input gradient of {@code shape} from the network's gradient pool: never a held one, nor
     * {@code gradOutput}, the gradient this backward reads. Valid until the module before has consumed it.
     */
    protected final Tensor newGradient(Shape shape, Tensor gradOutput) {
        return memory.gradient(shape, gradOutput);
    }

    /**
     * Keeps a gradient (or, in a frozen network, an activation) from its pool out of reuse until {@link #release},
     * across other modules' calls; a tensor from elsewhere is left alone.
     */
    protected final Tensor hold(Tensor gradient) {
        memory.hold(gradient);
        return gradient;
    }

    protected final void release(Tensor gradient) {
        memory.release(gradient);
    }

    /**
     * Whether t is a buffer of the frozen network's activation pool held exactly {@code holds} times: by the caller's
     * own holds alone, so that no other module reads it later and the caller may write over it.
     */
    protected final boolean pooledAndHeld(Tensor t, int holds) {
        return memory.activationHolds(t) == holds;
    }

    /**
     * Starts a pass over this module as a recomputed segment (the plain forward, or with {@code replay} its
     * repetition before backward): until {@link #endSegment} the outputs of the modules it runs go to scratch.
     */
    protected final void beginSegment(boolean replay) {
        memory.beginSegment(replay, this);
    }

    protected final void endSegment() {
        memory.endSegment();
    }

    /** True while a recomputed segment repeats its forward: side effects (running statistics) must not repeat. */
    protected final boolean replaying() {
        return memory.replaying();
    }

    /**
     * The activation and gradient buffers this network holds now: module outputs kept between forward and
     * backward, the shared gradient pool and the shared scratch of recomputed segments.
     */
    public final BufferUse bufferUse() {
        long own = 0;
        for (Module m : modules()) {
            own += m.ownOutput == null ? 0 : 4L * m.ownOutput.numel();
        }
        return new BufferUse(own + memory.activationBytes(), memory.gradientBytes(), memory.scratchBytes());
    }

    /** Bytes of activation buffers by kind, see {@link #bufferUse()}. */
    public record BufferUse(long outputBytes, long gradientBytes, long scratchBytes) {
        public long totalBytes() {
            return outputBytes + gradientBytes + scratchBytes;
        }
    }

    /** The buffer to write an output of {@code shape} into: {@code current} when it fits, a new one otherwise. */
    protected static Tensor reuse(Tensor current, Shape shape) {
        return current != null && current.shape().equals(shape) ? current : new Tensor(shape);
    }

    /** Throws when backward is called without a training-mode forward before it. */
    protected final void requireForward(Object saved, Tensor gradOutput, Shape expected) {
        if (saved == null) {
            throw new IllegalStateException(getClass().getSimpleName() + ".backward needs a training-mode forward before it"
                    + " (eval mode keeps no activations): call train(true), then forward, then backward");
        }
        if (!gradOutput.shape().equals(expected)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".backward: gradient shape "
                    + gradOutput.shape() + " does not match the output shape " + expected);
        }
    }

    protected static void requireRank4(Shape s, String who) {
        if (s.rank() != 4) {
            throw new IllegalArgumentException(who + " expects an (N, C, H, W) input, got " + s);
        }
    }
}
