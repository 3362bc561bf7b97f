package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Frozen inference models (PyTorch's {@code torch.jit.freeze} / {@code optimize_for_inference}): {@link #freeze}
 * copies a network into an eval-only one where every convolution followed by a batch norm (and a ReLU) becomes
 * one {@link FusedConv2d}: the batch norm's running statistics folded into the weights and a bias, the ReLU
 * applied as each output tile is finished, the weights packed or transformed once instead of on every call;
 * each {@link Linear} becomes a {@link FusedLinear} (its weights packed once).
 * <pre>
 * BN(conv(x, w)) = conv(x, w * s) + (beta - mean * s),   s = gamma / sqrt(var + eps)  per output channel
 * </pre>
 * Its module outputs come from a pool of a few buffers per shape, each reused once the modules after have read
 * it (no backward pass needs them), so they are still in cache when written again; the output of
 * {@code forward} is valid until the next call, as a network's output always is.
 * <p>The copy shares nothing with the original: training or loading new weights into the original afterwards does
 * not change it (freeze again for that). Outputs equal the original's eval outputs up to float rounding (the
 * folded weights round differently); they are not bitwise equal.
 */
public final class Inference {
    private Inference() {
    }

    /**
     * An inference-only copy of m in eval mode (train(true) on it throws). Supports the modules of this package
     * that ResNets are built from; anything else is refused with an IllegalArgumentException naming it.
     */
    public static Module freeze(Module m) {
        Module frozen = copy(m, m.getClass().getSimpleName());
        frozen.train(false);
        frozen.poolOutputs();
        return frozen;
    }

    /** For the modules of a frozen model: train(true) throws. */
    static void refuseTraining(boolean on) {
        if (on) {
            throw new IllegalStateException("a frozen model is inference-only: train the original model and freeze it again");
        }
    }

    private static Module copy(Module m, String path) {
        if (m instanceof Sequential s) {
            return sequential(s, path);
        }
        if (m instanceof Residual r) {
            return new Residual(copy(r.branch(), path), r.shortcut() == null ? null : copy(r.shortcut(), path + ".downsample"),
                    r.reluAfterAdd());
        }
        if (m instanceof Conv2d c) {
            return fuse(c, null, false);
        }
        if (m instanceof BatchNorm2d b) {
            BatchNorm2d copy = new BatchNorm2d(b.channels(), b.eps(), b.momentum(), b.zeroInitScale());
            copy.weight().value().copyFrom(b.weight().value());
            copy.bias().value().copyFrom(b.bias().value());
            copy.runningMean().copyFrom(b.runningMean());
            copy.runningVar().copyFrom(b.runningVar());
            copy.setNumBatchesTracked(b.numBatchesTracked());
            return copy;
        }
        if (m instanceof Linear l) {
            return new FusedLinear(l.inFeatures(), l.outFeatures(), l.weight().value(), l.bias().value());
        }
        if (m instanceof ReLU) {
            return new ReLU();
        }
        if (m instanceof MaxPool2d p) {
            return MaxPool2d.inferenceOnly(p);
        }
        if (m instanceof GlobalAvgPool) {
            return new GlobalAvgPool();
        }
        if (m instanceof Flatten) {
            return new Flatten();
        }
        if (m instanceof Identity) {
            return new Identity();
        }
        if (m instanceof ShortcutA a) {
            return new ShortcutA(a.inChannels(), a.outChannels(), a.stride());
        }
        throw new IllegalArgumentException("cannot freeze " + path + ": " + m.getClass().getName()
                + " is not one of the modules Inference.freeze knows");
    }

    /** Children in order, under their names; conv [+ BN of its channels] [+ ReLU] becomes one FusedConv2d. */
    private static Sequential sequential(Sequential s, String path) {
        List<Map.Entry<String, Module>> children = new ArrayList<>(s.children().entrySet());
        Sequential out = new Sequential();
        for (int i = 0; i < children.size(); i++) {
            String name = children.get(i).getKey();
            Module m = children.get(i).getValue();
            if (m instanceof Conv2d c) {
                BatchNorm2d bn = null;
                if (i + 1 < children.size() && children.get(i + 1).getValue() instanceof BatchNorm2d b
                        && b.channels() == c.outChannels()) {
                    bn = b;
                    i++;
                }
                boolean relu = i + 1 < children.size() && children.get(i + 1).getValue() instanceof ReLU;
                if (relu) {
                    i++;
                }
                out.add(name, fuse(c, bn, relu));
                continue;
            }
            out.add(name, copy(m, path + "." + name));
        }
        return out;
    }

    /** conv, with bn's running statistics folded in (bn null: none), then ReLU when relu. */
    public static FusedConv2d fuse(Conv2d c, BatchNorm2d bn, boolean relu) {
        int out = c.outChannels(), per = c.inChannels() * c.kernel() * c.kernel();
        float[] w = c.weight().value().data();
        float[] b0 = c.bias() == null ? null : c.bias().value().data();
        Tensor weight = new Tensor(c.weight().shape());
        Tensor bias = b0 == null && bn == null ? null : new Tensor(Shape.of(out));
        float[] fw = weight.data();
        for (int o = 0; o < out; o++) {
            double scale = 1, shift = b0 == null ? 0 : b0[o];
            if (bn != null) {
                // eval batch norm: y = gamma * (v - mean) / sqrt(var + eps) + beta, in double as NormOps does
                scale = bn.weight().value().data()[o] / Math.sqrt(bn.runningVar().data()[o] + (double) bn.eps());
                shift = (shift - bn.runningMean().data()[o]) * scale + bn.bias().value().data()[o];
            }
            for (int e = o * per; e < (o + 1) * per; e++) {
                fw[e] = (float) (w[e] * scale);
            }
            if (bias != null) {
                bias.data()[o] = (float) shift;
            }
        }
        return new FusedConv2d(c.inChannels(), out, c.kernel(), c.stride(), c.padding(), weight, bias, relu);
    }
}
