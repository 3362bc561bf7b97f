package io.resnet4j.nn;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/**
 * A residual unit: {@code y = branch(x) + shortcut(x)}, optionally followed by ReLU (the original ResNet;
 * pre-activation units have none). The shortcut is the identity when null, otherwise a projection
 * (option B/C: 1x1 conv + BN) or the parameter-free option-A {@link ShortcutA}.
 *
 * <p>The branch's children are registered inline and the shortcut as "downsample", so the names are
 * torchvision's: {@code layer1.0.conv1.weight}, {@code layer2.0.downsample.0.weight}.
 */
public final class Residual extends Module {
    private final Module branch;
    private final Module shortcut;
    private final boolean reluAfterAdd;
    private Tensor output, gradInput, gradJoin;
    private boolean saved;

    public Residual(Module branch, Module shortcut, boolean reluAfterAdd) {
        this.branch = register("", branch);
        this.shortcut = shortcut == null ? null : register("downsample", shortcut);
        this.reluAfterAdd = reluAfterAdd;
    }

    public Module branch() {
        return branch;
    }

    /** The shortcut module, or null for the identity. */
    public Module shortcut() {
        return shortcut;
    }

    public boolean reluAfterAdd() {
        return reluAfterAdd;
    }

    @Override
    public Shape outputShape(Shape s) {
        Shape b = branch.outputShape(s);
        Shape sc = shortcut == null ? s : shortcut.outputShape(s);
        if (!b.equals(sc)) {
            throw new IllegalArgumentException("residual branch gives " + b + " but the shortcut gives " + sc
                    + " for input " + s + "; a shape-changing unit needs a projection or option-A shortcut");
        }
        return b;
    }

    @Override
    public long ownMacs(Shape s) {
        return branch.outputShape(s).numel();
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor b = branch.forward(x);
        Tensor s = shortcut == null ? x : shortcut.forward(x);
        if (!b.shape().equals(s.shape())) {
            outputShape(x.shape());
        }
        output = reuse(output, b.shape());
        if (reluAfterAdd) {
            Kernels.ELEMENTWISE.addRelu(b.numel(), b.data(), 0, s.data(), 0, output.data(), 0);
        } else {
            Kernels.ELEMENTWISE.add(b.numel(), b.data(), 0, s.data(), 0, output.data(), 0);
        }
        saved = training;
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        requireForward(saved ? output : null, gradOutput, output.shape());
        Tensor g = gradOutput;
        if (reluAfterAdd) {
            gradJoin = reuse(gradJoin, output.shape());
            Kernels.ELEMENTWISE.reluBackward(output.numel(), output.data(), 0, gradOutput.data(), 0, gradJoin.data(), 0);
            g = gradJoin;
        }
        // The skip connection: the same gradient flows into both paths and their input gradients add.
        Tensor viaBranch = branch.backward(g);
        Tensor viaShortcut = shortcut == null ? g : shortcut.backward(g);
        gradInput = reuse(gradInput, viaBranch.shape());
        Kernels.ELEMENTWISE.add(viaBranch.numel(), viaBranch.data(), 0, viaShortcut.data(), 0, gradInput.data(), 0);
        return gradInput;
    }

    @Override
    public String toString() {
        return "Residual(shortcut=" + (shortcut == null ? "identity" : shortcut) + ", reluAfterAdd=" + reluAfterAdd + ")";
    }
}
