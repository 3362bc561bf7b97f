package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** Modules applied in order; children are named "0", "1", ... or by {@link #add(String, Module)}. */
public final class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

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

    @Override
    public Tensor forward(Tensor x) {
        // Indexed loops: no iterator per call on the training path.
        for (int i = 0; i < layers.size(); i++) {
            x = layers.get(i).forward(x);
        }
        return x;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        Tensor g = gradOutput;
        for (int i = layers.size() - 1; i >= 0; i--) {
            g = layers.get(i).backward(g);
        }
        return g;
    }

    @Override
    public String toString() {
        return "Sequential(" + layers.size() + " modules)";
    }
}
