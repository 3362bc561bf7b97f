package io.resnet4j.models;

import io.resnet4j.models.ResNetSpec.Block;
import io.resnet4j.nn.Sequential;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Model names, as the command line takes them, to specs. The options (input channels, classes, zero-init,
 * shortcut, stride placement) are applied to the returned spec with its {@code with...} methods.
 *
 * <pre>
 * resnet18 resnet34 resnet50 resnet101 resnet152   torchvision's ImageNet nets (option B, v1.5)
 * resnetD, cifar-resnetD                           CIFAR ResNet, D = 6n+2 (20, 32, 44, 56, 110, 1202, ...);
 *                                                  resnetD means the ImageNet net for D in {18, 34, 50, 101, 152}
 * preact-resnetD                                   pre-activation CIFAR ResNet: basic units (6n+2) below 164
 *                                                  layers, bottlenecks (9n+2) from 164 on, as in He et al. 2016
 *                                                  (ResNet-110 basic; ResNet-164 and ResNet-1001 bottleneck)
 * wrn-D-K                                          Wide ResNet, D = 6n+4, widening factor K from 1 to 1024
 *                                                  (wrn-16-4, wrn-28-10)
 * plain-NAME                                       the plain twin of NAME (plain-wrn-28-10, plain-preact-resnet110)
 * plainD                                           short for plain-resnetD (plain20 ... plain1202, plain18, plain34)
 * </pre>
 */
public final class ModelRegistry {
    // Depths and K of any length match: a too-large number gets its family's rule, not "unknown model".
    private static final Pattern RESNET = Pattern.compile("(cifar-)?resnet(\\d+)");
    private static final Pattern PREACT = Pattern.compile("preact-resnet(\\d+)");
    private static final Pattern WRN = Pattern.compile("wrn-(\\d+)-(\\d+)");
    private static final Pattern PLAIN_SHORT = Pattern.compile("plain(\\d+)");

    /** Depth from which {@code preact-resnetD} uses bottleneck units (He et al. 2016: ResNet-164, -1001). */
    public static final int PREACT_BOTTLENECK_FROM = 164;

    private ModelRegistry() {
    }

    /** The names listed in help texts; any depth of each family is accepted as well (see the class comment). */
    public static List<String> names() {
        return List.of("resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
                "resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "resnet1202",
                "preact-resnet110", "preact-resnet164", "preact-resnet1001", "wrn-16-4", "wrn-28-10",
                "plain18", "plain34", "plain50", "plain101", "plain152",
                "plain20", "plain32", "plain44", "plain56", "plain110", "plain1202");
    }

    /** The spec a name stands for; an unknown or malformed name is an IllegalArgumentException saying why. */
    public static ResNetSpec spec(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("no model name given; known names: " + String.join(", ", names()));
        }
        ResNetSpec spec;
        try {
            spec = parse(name.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model " + name + ": " + e.getMessage(), e);
        }
        if (spec == null) {
            throw new IllegalArgumentException("unknown model " + name + "; known names: " + String.join(", ", names())
                    + " (and any depth: resnetD, cifar-resnetD, preact-resnetD, wrn-D-K, plainD, plain-NAME)");
        }
        return spec;
    }

    /**
     * The spec of a trimmed name, null if no family matches; a matching name with impossible numbers throws
     * its family's rule, which {@link #spec} prefixes with the whole name (plain-NAME included).
     */
    private static ResNetSpec parse(String n) {
        if (n.startsWith("plain-")) {
            ResNetSpec inner = parse(n.substring("plain-".length()));
            return inner == null ? null : inner.plain();
        }
        Matcher m = PLAIN_SHORT.matcher(n);
        if (m.matches()) {
            return resnet(false, m.group(1)).plain();
        }
        m = RESNET.matcher(n);
        if (m.matches()) {
            return resnet(m.group(1) != null, m.group(2));
        }
        m = PREACT.matcher(n);
        if (m.matches()) {
            String depth = m.group(1);
            return ResNetSpec.preActResNet(depth,
                    ResNetSpec.number(depth) >= PREACT_BOTTLENECK_FROM ? Block.BOTTLENECK : Block.BASIC);
        }
        m = WRN.matcher(n);
        if (m.matches()) {
            return ResNetSpec.wideResNet(m.group(1), m.group(2));
        }
        return null;
    }

    /** Builds the named network, initialised from {@code seed}. */
    public static Sequential build(String name, long seed) {
        return ResNet.build(spec(name), seed);
    }

    private static ResNetSpec resnet(boolean cifar, String depth) {
        if (!cifar) {
            long d = ResNetSpec.number(depth);
            switch (d > 152 ? 0 : (int) d) { // deeper than any ImageNet net: no case, and no int overflow
                case 18: return ResNetSpec.resnet18();
                case 34: return ResNetSpec.resnet34();
                case 50: return ResNetSpec.resnet50();
                case 101: return ResNetSpec.resnet101();
                case 152: return ResNetSpec.resnet152();
                default: break;
            }
        }
        return ResNetSpec.cifarResNet(depth);
    }
}
