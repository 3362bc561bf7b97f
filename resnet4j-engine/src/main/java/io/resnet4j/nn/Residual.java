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
 *
 * <p>When the branch ends in a batch norm and the unit has its ReLU, that batch norm, the add and the ReLU run as
 * one kernel (BatchNorm2d.forwardAddRelu, bitwise the three): the batch norm's own output, which no backward reads,
 * is never stored ({@link #fusesNorm}; BatchNorm2d.setFuseRelu(false) turns it off for probes).
 *
 * <p>With {@link #setRecompute} the unit is a recomputed segment: its forward keeps only its input and its own
 * output, the layers inside write to scratch shared by every segment, and backward runs them again before
 * backpropagating through them (gradient checkpointing). Results are bitwise those of the plain unit.
 */
public final class Residual extends Module {
    private final Module branch;
    private final Module shortcut;
    private final boolean reluAfterAdd;
    private boolean recompute;
    private Tensor input, output, branchOut, shortcutOut;
    private boolean saved;

    public Residual(Module branch, Module shortcut, boolean reluAfterAdd) {
        this.branch = register("", branch);
        this.shortcut = shortcut == null ? null : register("downsample", shortcut);
        this.reluAfterAdd = reluAfterAdd;
    }

    /**
     * Recompute the branch and shortcut in backward instead of keeping their activations (see the class comment).
     * Takes effect from the next forward.
     */
    public Residual setRecompute(boolean on) {
        recompute = on;
        saved = false;
        return this;
    }

    public boolean recompute() {
        return recompute;
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
        FusedConv2d tail = addingTail();
        if (tail != null) {
            return forwardAdd(x, tail);
        }
        if (pooledOutputs()) {
            return forwardPooled(x);
        }
        BatchNorm2d norm = fusedNorm();
        if (norm != null) {
            forwardFused(x, norm);
        } else {
            if (recompute) {
                forwardPathsAsSegment(x, false);
            } else {
                forwardPaths(x);
            }
            output = newOutput(branchOut.shape());
            addPaths();
        }
        input = x;
        saved = training;
        return output;
    }

    /**
     * Whether the forward runs the branch's last batch norm, the add and the ReLU as one kernel (see fusedNorm below;
     * results are bitwise those of the three one after the other).
     */
    public boolean fusesNorm() {
        return fusedNorm() != null;
    }

    /**
     * The batch norm that ends the branch when it runs fused with the add and the ReLU (BatchNorm2d.forwardAddRelu:
     * its own output, which no backward reads, is never stored), else null: the branch is a plain sequence ending in
     * a batch norm that may fuse its ReLU (BatchNorm2d.setFuseRelu, which probes turn off), the unit has a ReLU after
     * the add and is neither recomputed nor frozen (forwardPooled: a frozen network folds its batch norms).
     */
    private BatchNorm2d fusedNorm() {
        if (reluAfterAdd && !recompute && !pooledOutputs() && branch instanceof Sequential s && !s.recompute()
                && s.last() instanceof BatchNorm2d bn && bn.fusesRelu()) {
            return bn;
        }
        return null;
    }

    private void forwardFused(Tensor x, BatchNorm2d norm) {
        Tensor head = ((Sequential) branch).forwardHead(x);
        shortcutOut = shortcutOf(x, head);
        branchOut = null;
        output = newOutput(head.shape());
        norm.forwardAddRelu(head, shortcutOut, output);
    }

    /**
     * In a frozen network, whose outputs are pooled: x is held while the shortcut and the add still read it, the
     * branch's result while the shortcut runs, both terms while the output buffer is taken.
     */
    private Tensor forwardPooled(Tensor x) {
        hold(x);
        branchOut = null;
        shortcutOut = null;
        try {
            branchOut = hold(branch.forward(x));
            shortcutOut = hold(shortcutOf(x, branchOut));
            output = newOutput(branchOut.shape(), x);
            addPaths();
            return output;
        } finally {
            // also when a layer refuses its input: no hold outlives the call
            if (shortcutOut != null) {
                release(shortcutOut);
            }
            if (branchOut != null) {
                release(branchOut);
            }
            release(x);
        }
    }

    /**
     * In a frozen network (FusedConv2d exists only there), the branch's last convolution when it can run onto the
     * shortcut's result (FusedConv2d.forwardAdd): the branch is a plain sequence ending in a convolution without a
     * ReLU of its own.
     */
    private FusedConv2d addingTail() {
        if (branch instanceof Sequential s && !s.recompute() && s.last() instanceof FusedConv2d c && !c.relu()) {
            return c;
        }
        return null;
    }

    /**
     * Frozen, with the branch's last convolution run onto the shortcut's result (ConvOps.forwardAdd: the branch's
     * own output is never stored, and no separate pass adds the two). The shortcut runs first; with pooled outputs
     * its result is written over where only this unit holds it (a projection's output, or an x from the pool that
     * no other module reads later), else copied into an output buffer first (an x from the caller, which must stay
     * as it was; and every unpooled call, so that pooled or not a frozen network gives the same bits).
     */
    private Tensor forwardAdd(Tensor x, FusedConv2d tail) {
        hold(x);
        Tensor head = null;
        shortcutOut = null;
        branchOut = null;
        try {
            shortcutOut = hold(shortcut == null ? x : shortcut.forward(x));
            head = hold(((Sequential) branch).forwardHead(x));
            if (!tail.outputShape(head.shape()).equals(shortcutOut.shape())) {
                outputShape(x.shape());
            }
            int ours = shortcutOut.data() == x.data() ? 2 : 1;
            Tensor target = shortcutOut;
            if (!pooledAndHeld(shortcutOut, ours) || shortcutOut.data() == head.data()) {
                target = newOutput(shortcutOut.shape(), head);
                target.copyFrom(shortcutOut);
            }
            output = tail.forwardAdd(head, target, reluAfterAdd);
            return output;
        } finally {
            if (head != null) {
                release(head);
            }
            if (shortcutOut != null) {
                release(shortcutOut);
            }
            release(x);
        }
    }

    /** output = branchOut + shortcutOut, then ReLU when reluAfterAdd. */
    private void addPaths() {
        if (reluAfterAdd) {
            Kernels.ELEMENTWISE.addRelu(output.numel(), branchOut.data(), 0, shortcutOut.data(), 0, output.data(), 0);
        } else {
            Kernels.ELEMENTWISE.add(output.numel(), branchOut.data(), 0, shortcutOut.data(), 0, output.data(), 0);
        }
    }

    private void forwardPaths(Tensor x) {
        branchOut = branch.forward(x);
        shortcutOut = shortcutOf(x, branchOut);
    }

    /**
     * The shortcut's result for x (x itself without one), checked against the branch's result: where the shapes
     * differ, outputShape throws its message.
     */
    private Tensor shortcutOf(Tensor x, Tensor branchResult) {
        Tensor s = shortcut == null ? x : shortcut.forward(x);
        if (!branchResult.shape().equals(s.shape())) {
            outputShape(x.shape());
        }
        return s;
    }

    /** The paths as a recomputed segment: their activations go to scratch shared by every segment. */
    private void forwardPathsAsSegment(Tensor x, boolean replay) {
        beginSegment(replay);
        try {
            forwardPaths(x);
        } finally {
            endSegment();
        }
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        requireForward(saved ? output : null, gradOutput, output == null ? null : output.shape());
        if (recompute) {
            // The activations inside were not kept: run the paths again (this unit's own output is still intact).
            forwardPathsAsSegment(input, true);
        }
        Tensor g = gradOutput;
        if (reluAfterAdd) {
            g = newGradient(output.shape(), gradOutput);
            Kernels.ELEMENTWISE.reluBackward(output.numel(), output.data(), 0, gradOutput.data(), 0, g.data(), 0);
        }
        // The skip connection: the same gradient flows into both paths and their input gradients add. Each path's
        // backward draws on the gradient pool, so g and the branch's result are held until the add has read them.
        hold(g);
        Tensor viaBranch = hold(branch.backward(g));
        Tensor viaShortcut = shortcut == null ? g : shortcut.backward(g);
        Tensor gradInput = newGradient(viaBranch.shape(), viaShortcut);
        Kernels.ELEMENTWISE.add(viaBranch.numel(), viaBranch.data(), 0, viaShortcut.data(), 0, gradInput.data(), 0);
        release(viaBranch);
        release(g);
        return gradInput;
    }

    @Override
    public String toString() {
        return "Residual(shortcut=" + (shortcut == null ? "identity" : shortcut) + ", reluAfterAdd=" + reluAfterAdd + ")";
    }
}
