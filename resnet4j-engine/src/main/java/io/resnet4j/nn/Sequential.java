package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Modules applied in order; children are named "0", "1", ... or by {@link #add(String, Module)}.
 *
 * <p>A {@link BatchNorm2d} followed by a {@link ReLU} runs as one fused kernel (forward and backward), with
 * bitwise the same results as the two modules one after the other.
 *
 * <p>With {@link #setRecompute} the sequence is a recomputed segment (gradient checkpointing): its forward keeps
 * only its input and a copy of its result, the layers write to scratch shared by every segment, and backward
 * runs them again before backpropagating through them. Results are bitwise those of the plain sequence.
 */
public final class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();
    private boolean recompute;
    private Tensor input, output;

    public Sequential(Module... modules) {
        for (Module m : modules) {
            add(String.valueOf(layers.size()), m);
        }
    }

    /** Appends a module under a name (torchvision's: "conv1", "bn1", "layer1", ...). */
    public Sequential add(String name, Module m) {
        register(name, m);
        layers.add(m);
        return this;
    }

    /** Passed on to the first layer (see {@link Module#setInputGradient}). */
    @Override
    public void setInputGradient(boolean needed) {
        super.setInputGradient(needed);
        if (!layers.isEmpty()) {
            layers.get(0).setInputGradient(needed);
        }
    }

    public List<Module> layers() {
        return List.copyOf(layers);
    }

    @Override
    public Shape outputShape(Shape s) {
        for (Module m : layers) {
            s = m.outputShape(s);
        }
        return s;
    }

    /**
     * Recompute the layers in backward instead of keeping their activations (see the class comment). Takes effect
     * from the next forward.
     */
    public Sequential setRecompute(boolean on) {
        recompute = on;
        input = null;
        return this;
    }

    public boolean recompute() {
        return recompute;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!recompute) {
            return forwardLayers(x);
        }
        Tensor y = forwardLayersAsSegment(x, false);
        // The result outlives the scratch it was computed in: it is the next module's input.
        output = newOutput(y.shape());
        output.copyFrom(y);
        input = training ? x : null;
        return output;
    }

    private Tensor forwardLayers(Tensor x) {
        return forwardLayers(x, layers.size());
    }

    /**
     * The forward of every layer but the last (for a Residual that runs the last, a batch norm, fused with its add;
     * not in a recomputed sequence).
     */
    Tensor forwardHead(Tensor x) {
        return forwardLayers(x, layers.size() - 1);
    }

    /** The last layer, or null when there is none. */
    Module last() {
        return layers.isEmpty() ? null : layers.get(layers.size() - 1);
    }

    /** The forward of layers [0, end). */
    private Tensor forwardLayers(Tensor x, int end) {
        // Indexed loops: no iterator per call on the training path.
        for (int i = 0; i < end; i++) {
            Module m = layers.get(i);
            if (m instanceof BatchNorm2d bn && bn.fusesRelu() && i + 1 < end && layers.get(i + 1) instanceof ReLU relu) {
                // conv-BN-ReLU: one fused kernel, bitwise equal to the two (NormOps.forwardTrainRelu)
                x = relu.adopt(bn.forwardRelu(x));
                i++;
                continue;
            }
            x = m.forward(x);
        }
        return x;
    }

    /** The layers as a recomputed segment: their activations go to scratch shared by every segment. */
    private Tensor forwardLayersAsSegment(Tensor x, boolean replay) {
        beginSegment(replay);
        try {
            return forwardLayers(x);
        } finally {
            endSegment();
        }
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        if (recompute) {
            requireForward(input, gradOutput, output == null ? null : output.shape());
            forwardLayersAsSegment(input, true);
        }
        Tensor g = gradOutput;
        for (int i = layers.size() - 1; i >= 0; i--) {
            Module m = layers.get(i);
            if (m instanceof ReLU relu && relu.adopted() && i > 0 && layers.get(i - 1) instanceof BatchNorm2d bn) {
                g = bn.backwardRelu(g);
                i--;
                continue;
            }
            g = m.backward(g);
        }
        return g;
    }

    @Override
    public String toString() {
        return "Sequential(" + layers.size() + " modules)";
    }
}
