package io.resnet4j.models;

import io.resnet4j.models.ResNetSpec.Block;
import io.resnet4j.models.ResNetSpec.Shortcut;
import io.resnet4j.models.ResNetSpec.Stem;
import io.resnet4j.models.ResNetSpec.StridePlacement;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Flatten;
import io.resnet4j.nn.GlobalAvgPool;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.MaxPool2d;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.ReLU;
import io.resnet4j.nn.Residual;
import io.resnet4j.nn.Sequential;
import io.resnet4j.nn.ShortcutA;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds every network of the family from a {@link ResNetSpec} with one stage loop. Module names are
 * torchvision's state_dict keys: {@code conv1}, {@code bn1}, {@code layer1.0.conv1.weight},
 * {@code layer2.0.downsample.0.weight}, {@code fc.weight}. ReLUs have no parameters; the one after
 * {@code bnK} is named {@code reluK}. Pre-activation nets end with {@code bn_final} and {@code relu_final}
 * before pooling. Building allocates parameters only, no activations.
 */
public final class ResNet {
    private ResNet() {
    }

    /** A freshly built network, initialised from {@code seed} (torchvision's rules, see {@link Conv2d}). */
    public static Sequential build(ResNetSpec spec, long seed) {
        Sequential net = build(spec);
        net.initialize(seed);
        return net;
    }

    /**
     * What a network recomputes in backward instead of keeping from forward (gradient checkpointing): nothing,
     * every residual unit, or every stage. A recomputed segment keeps its input and its output; its layers' outputs
     * live in scratch buffers shared by all segments and are computed again just before the segment's backward,
     * about one more forward pass per step. Gradients, outputs and running statistics are bitwise those of NONE.
     * BLOCK keeps one output per unit instead of six (CIFAR ResNet-1202 at batch 128: 2.8 GiB of activations
     * instead of 16.4). STAGE saves nothing on the nets of this family: scratch is pooled per shape and every
     * stage has its own shape, so the scratch holds every stage's activations, as NONE does (BENCHMARKS.md,
     * Memory); it is there for nets whose stages share a shape. An execution choice, not part of the network's
     * structure: it is not in the {@link ResNetSpec} and not in checkpoints.
     */
    public enum Recompute { NONE, BLOCK, STAGE }

    /** {@link #build(ResNetSpec, long)} with a recomputation choice (see {@link #setRecompute}). */
    public static Sequential build(ResNetSpec spec, long seed, Recompute recompute) {
        return setRecompute(build(spec, seed), recompute);
    }

    /**
     * Sets what {@code net}, built by {@link #build}, recomputes in backward; takes effect from the next forward.
     * Stages are the children named {@code layer1}, {@code layer2}, ...; units are their children.
     */
    public static Sequential setRecompute(Sequential net, Recompute recompute) {
        boolean found = false;
        for (Map.Entry<String, Module> child : net.children().entrySet()) {
            if (child.getKey().startsWith("layer") && child.getValue() instanceof Sequential stage) {
                found = true;
                stage.setRecompute(recompute == Recompute.STAGE);
                for (Module unit : stage.layers()) {
                    if (unit instanceof Residual r) {
                        r.setRecompute(recompute == Recompute.BLOCK);
                    } else if (unit instanceof Sequential s) {
                        s.setRecompute(recompute == Recompute.BLOCK);
                    } else {
                        throw new IllegalArgumentException("stage " + child.getKey() + " holds " + unit
                                + ", not a unit built by ResNet.build");
                    }
                }
            }
        }
        if (!found) {
            throw new IllegalArgumentException("no stages (children layer1, layer2, ...) in " + net + ": not a network built by ResNet.build");
        }
        return net;
    }

    /** The network with its parameters at their deterministic defaults (convolution and fc weights zero). */
    public static Sequential build(ResNetSpec spec) {
        Sequential net = new Sequential();
        int stem = spec.stemWidth();
        if (spec.stem() == Stem.IMAGENET) {
            net.add("conv1", new Conv2d(spec.inputChannels(), stem, 7, 2, 3, false));
            net.add("bn1", new BatchNorm2d(stem)).add("relu", new ReLU());
            net.add("maxpool", new MaxPool2d(3, 2, 1));
        } else {
            net.add("conv1", new Conv2d(spec.inputChannels(), stem, 3, 1, 1, false));
            if (!spec.preActivation()) {
                net.add("bn1", new BatchNorm2d(stem)).add("relu", new ReLU());
            }
        }
        int in = stem;
        for (int i = 0; i < spec.stageSizes().size(); i++) {
            Sequential layer = new Sequential();
            int planes = spec.widths().get(i) * spec.widthMultiplier();
            for (int j = 0; j < spec.stageSizes().get(i); j++) {
                int stride = i > 0 && j == 0 ? 2 : 1;
                // The ImageNet stem already ends in BN-ReLU (+ max-pool): the first unit skips its pre-activation
                // (fb.resnet.torch preresnet.lua, 'no_preact').
                boolean preactivate = !(spec.stem() == Stem.IMAGENET && i == 0 && j == 0);
                layer.add(String.valueOf(j), spec.preActivation()
                        ? preActivationUnit(spec, in, planes, stride, preactivate)
                        : unit(spec, in, planes, stride));
                in = planes * spec.block().expansion();
            }
            net.add("layer" + (i + 1), layer);
        }
        if (spec.preActivation()) {
            net.add("bn_final", new BatchNorm2d(in)).add("relu_final", new ReLU());
        }
        net.add("avgpool", new GlobalAvgPool()).add("flatten", new Flatten());
        net.add("fc", new Linear(in, spec.numClasses()));
        return net;
    }

    /**
     * The original unit (He et al. 2015 Fig. 5; torchvision's BasicBlock and Bottleneck):
     * {@code y = relu(F(x) + shortcut(x))} with F = conv-BN-ReLU-...-conv-BN. The plain twin is F followed by
     * the ReLU, without the add.
     */
    static Module unit(ResNetSpec spec, int in, int planes, int stride) {
        List<Conv2d> convs = convs(spec, in, planes, stride);
        Sequential branch = new Sequential();
        for (int k = 1; k <= convs.size(); k++) {
            Conv2d conv = convs.get(k - 1);
            boolean last = k == convs.size();
            branch.add("conv" + k, conv);
            branch.add("bn" + k, new BatchNorm2d(conv.outChannels(), 1e-5f, 0.1f, last && spec.zeroInitLastBn()));
            if (!last) {
                branch.add("relu" + k, new ReLU());
            }
        }
        int out = planes * spec.block().expansion();
        if (!spec.residual()) {
            return branch.add("relu" + convs.size(), new ReLU());
        }
        return new Residual(branch, shortcut(spec, in, out, stride, true), true);
    }

    /**
     * The full pre-activation unit (He et al. 2016, arXiv:1603.05027, Fig. 4e):
     * {@code y = F(x) + shortcut(x)} with F = BN-ReLU-conv-...-BN-ReLU-conv, no ReLU after the add. Where the
     * shortcut is not the identity it takes the pre-activated input, as in the reference code
     * (fb.resnet.torch preresnet.lua 'both_preact', KaimingHe/resnet-1k-layers, szagoruyko/wide-residual-networks):
     * then bn1 and relu1 come before the split.
     */
    static Module preActivationUnit(ResNetSpec spec, int in, int planes, int stride, boolean preactivate) {
        List<Conv2d> convs = convs(spec, in, planes, stride);
        Map<String, Module> pre = new LinkedHashMap<>();   // bn1, relu1 (none right after the ImageNet stem)
        Map<String, Module> rest = new LinkedHashMap<>();  // conv1, bn2, relu2, conv2, ...
        for (int k = 1; k <= convs.size(); k++) {
            Conv2d conv = convs.get(k - 1);
            if (k > 1 || preactivate) {
                Map<String, Module> into = k == 1 ? pre : rest;
                into.put("bn" + k, new BatchNorm2d(conv.inChannels()));
                into.put("relu" + k, new ReLU());
            }
            rest.put("conv" + k, conv);
        }
        if (!spec.residual()) {
            return sequential(pre, rest);
        }
        Module shortcut = shortcut(spec, in, planes * spec.block().expansion(), stride, false);
        if (shortcut == null || !preactivate) {
            return new Residual(sequential(pre, rest), shortcut, false);
        }
        return sequential(pre, Map.of("", new Residual(sequential(rest), shortcut, false)));
    }

    @SafeVarargs
    private static Sequential sequential(Map<String, Module>... parts) {
        Sequential s = new Sequential();
        for (Map<String, Module> part : parts) {
            part.forEach(s::add);
        }
        return s;
    }

    /** The unit's convolutions: two 3x3 (basic) or 1x1-3x3-1x1 (bottleneck, stride per {@link StridePlacement}). */
    private static List<Conv2d> convs(ResNetSpec spec, int in, int planes, int stride) {
        List<Conv2d> convs = new ArrayList<>();
        if (spec.block() == Block.BASIC) {
            convs.add(new Conv2d(in, planes, 3, stride, 1, false));
            convs.add(new Conv2d(planes, planes, 3, 1, 1, false));
        } else {
            boolean v1 = spec.stridePlacement() == StridePlacement.V1;
            convs.add(new Conv2d(in, planes, 1, v1 ? stride : 1, 0, false));
            convs.add(new Conv2d(planes, planes, 3, v1 ? 1 : stride, 1, false));
            convs.add(new Conv2d(planes, planes * Block.BOTTLENECK.expansion(), 1, 1, 0, false));
        }
        return convs;
    }

    /**
     * The shortcut for a unit from {@code in} to {@code out} channels, or null for the identity. Options of
     * He et al. 2015 §3.3: A zero-padded strided identity where the shape changes, B a projection there,
     * C a projection everywhere. A projection is a strided 1x1 conv, followed by BN in the original unit
     * (torchvision's downsample) and alone in a pre-activation unit (the reference code).
     */
    private static Module shortcut(ResNetSpec spec, int in, int out, int stride, boolean withBn) {
        boolean reshapes = in != out || stride != 1;
        if (spec.shortcut() == Shortcut.A || (spec.shortcut() == Shortcut.B && !reshapes)) {
            return reshapes ? new ShortcutA(in, out, stride) : null;
        }
        Sequential projection = new Sequential(new Conv2d(in, out, 1, stride, 0, false));
        return withBn ? projection.add("1", new BatchNorm2d(out)) : projection;
    }
}
