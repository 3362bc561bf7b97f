package io.resnet4j.experiment;

import io.resnet4j.models.ResNetSpec;

/** The two arms of the degradation experiment: the plain net and its residual twin (same layers, same init). */
public enum NetKind {
    /** Stacked conv-BN-ReLU layers without shortcuts ({@link ResNetSpec#plain()}). */
    PLAIN("plain", "plain"),
    /** The CIFAR ResNet of He et al. 2015 §4.2 with option-A (zero-padded identity) shortcuts. */
    RESIDUAL("resnet", "ResNet");

    private final String id;
    private final String title;

    NetKind(String id, String title) {
        this.id = id;
        this.title = title;
    }

    /** The id in files and run names: {@code plain}, {@code resnet}. */
    public String id() {
        return id;
    }

    /** The name in plots and tables: {@code plain}, {@code ResNet}. */
    public String title() {
        return title;
    }

    /** The network of this kind and depth (6n+2) for images of {@code channels} channels and {@code classes} classes. */
    public ResNetSpec spec(int depth, int channels, int classes) {
        ResNetSpec spec = ResNetSpec.cifarResNet(depth).withInputChannels(channels).withNumClasses(classes);
        return this == PLAIN ? spec.plain() : spec;
    }

    public static NetKind byId(String id) {
        for (NetKind k : values()) {
            if (k.id.equals(id)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown net kind \"" + id + "\" (plain or resnet)");
    }
}
