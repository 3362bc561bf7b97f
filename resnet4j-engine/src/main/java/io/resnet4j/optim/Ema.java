package io.resnet4j.optim;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.OptimOps;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
import io.resnet4j.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exponential moving average of a module's parameters and float buffers (batch-norm running statistics),
 * updated after every optimiser step as {@code ema = decay * ema + (1 - decay) * value}
 * (timm's ModelEmaV2 without warm-up). It starts as a copy of the module. {@link #swapIn} puts the averaged
 * values into the module for evaluation and {@link #swapOut} restores the trained ones; neither allocates.
 */
public final class Ema {
    private final double decay;
    private final OptimOps ops;
    private final String[] names;
    private final Tensor[] live;
    private final Tensor[] average;
    private final float[][] saved;
    private boolean swapped;

    public Ema(Module module, double decay) {
        if (!(decay > 0 && decay < 1)) {
            throw new IllegalArgumentException("EMA decay must be in (0, 1), got " + decay);
        }
        this.decay = decay;
        this.ops = Kernels.OPTIM;
        Map<String, Tensor> tracked = tracked(module);
        int n = tracked.size();
        names = new String[n];
        live = new Tensor[n];
        average = new Tensor[n];
        saved = new float[n][];
        int i = 0;
        for (Map.Entry<String, Tensor> e : tracked.entrySet()) {
            names[i] = e.getKey();
            live[i] = e.getValue();
            average[i] = e.getValue().copy();
            saved[i] = new float[e.getValue().numel()];
            i++;
        }
    }

    /** Parameters then buffers under their state_dict names: what the average covers. */
    static Map<String, Tensor> tracked(Module module) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) {
            out.put(e.getKey(), e.getValue().value());
        }
        out.putAll(module.namedBuffers());
        return out;
    }

    public double decay() {
        return decay;
    }

    /** Folds the module's current values into the average. */
    public void update() {
        if (swapped) {
            throw new IllegalStateException("EMA update while the averaged weights are swapped in");
        }
        float d = (float) decay, oneMinus = (float) (1.0 - decay);
        for (int i = 0; i < live.length; i++) {
            ops.ema(live[i].numel(), average[i].data(), 0, live[i].data(), 0, d, oneMinus);
        }
    }

    /** Puts the averaged values into the module (keeping the trained ones aside). */
    public void swapIn() {
        if (swapped) {
            throw new IllegalStateException("EMA weights are already swapped in");
        }
        for (int i = 0; i < live.length; i++) {
            float[] v = live[i].data();
            System.arraycopy(v, 0, saved[i], 0, v.length);
            System.arraycopy(average[i].data(), 0, v, 0, v.length);
        }
        swapped = true;
    }

    /** Restores the trained values after {@link #swapIn}. */
    public void swapOut() {
        if (!swapped) {
            throw new IllegalStateException("EMA swapOut without swapIn");
        }
        for (int i = 0; i < live.length; i++) {
            System.arraycopy(saved[i], 0, live[i].data(), 0, saved[i].length);
        }
        swapped = false;
    }

    /** The averaged tensors by state_dict name (live views: checkpoint writers read them, resume writes them). */
    public Map<String, Tensor> averages() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            out.put(names[i], average[i]);
        }
        return Collections.unmodifiableMap(out);
    }
}
