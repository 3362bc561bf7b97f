package io.resnet4j.optim;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.OptimOps;
import io.resnet4j.nn.Parameter;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, Nesterov and weight decay, with torch.optim.SGD's update rule and
 * roundings (see {@link OptimOps#sgd}):
 * <pre>
 * d_p = g + wd * p
 * buf = momentum * buf + (1 - dampening) * d_p      (buf = d_p on the first step)
 * d_p = nesterov ? d_p + momentum * buf : buf
 * p  -= lr * d_p
 * </pre>
 * The learning rate (and, for one-cycle, the momentum) is given per step. {@link #step} allocates nothing.
 * The state ({@link #exportState}: momentum buffers and the step count) restores exactly with
 * {@link #importState}.
 */
public final class Sgd {
    private final SgdConfig config;
    private final OptimOps ops;
    private final String[] names;
    private final Parameter[] params;
    private final boolean[] decay;
    private final float[][] buffers;
    private long steps;

    /** An optimiser over {@code params} (their names key the exported state), with the selected kernels. */
    public Sgd(Map<String, Parameter> params, SgdConfig config) {
        this(params, config, Kernels.OPTIM);
    }

    /** An optimiser with explicit kernels (tests compare the scalar and vector ones). */
    public Sgd(Map<String, Parameter> params, SgdConfig config, OptimOps ops) {
        if (params.isEmpty()) {
            throw new IllegalArgumentException("SGD needs at least one parameter");
        }
        this.config = config;
        this.ops = ops;
        int n = params.size();
        this.names = new String[n];
        this.params = new Parameter[n];
        this.decay = new boolean[n];
        this.buffers = new float[n][];
        int i = 0;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            names[i] = e.getKey();
            this.params[i] = p;
            decay[i] = config.weightDecay() != 0 && !(config.noDecayForNormAndBias() && exemptFromDecay(p.kind()));
            buffers[i] = config.momentum() != 0 ? new float[p.value().numel()] : null;
            i++;
        }
    }

    /** Kinds that {@link SgdConfig#noDecayForNormAndBias()} leaves without weight decay. */
    public static boolean exemptFromDecay(Parameter.Kind kind) {
        return kind == Parameter.Kind.BIAS || kind == Parameter.Kind.NORM_SCALE || kind == Parameter.Kind.NORM_SHIFT;
    }

    public SgdConfig config() {
        return config;
    }

    /** Steps taken so far (PyTorch: whether the momentum buffers exist, i.e. steps > 0). */
    public long steps() {
        return steps;
    }

    /** Whether weight decay applies to the parameter called {@code name}. */
    public boolean decays(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return decay[i];
            }
        }
        throw new IllegalArgumentException("no parameter " + name + " in this optimiser");
    }

    /** One update of every parameter from its gradient, with the configured momentum. */
    public void step(double lr) {
        step(lr, config.momentum());
    }

    /**
     * One update with an explicit momentum factor for this step (one-cycle cycles it). The momentum must be 0
     * exactly when the configured one is 0, since the buffers exist only for momentum SGD.
     */
    public void step(double lr, double momentum) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr + " at step " + steps);
        }
        if ((momentum != 0) != (config.momentum() != 0) || !(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("step momentum " + momentum + " does not fit the configured momentum "
                    + config.momentum() + " (both zero or both in (0, 1))");
        }
        // PyTorch casts its Python floats to the tensor's float32 inside the kernels.
        float lrF = (float) lr, m = (float) momentum, damp = (float) (1.0 - config.dampening());
        float wd = (float) config.weightDecay();
        boolean first = steps == 0;
        for (int i = 0; i < params.length; i++) {
            float[] p = params[i].value().data();
            ops.sgd(p.length, p, 0, params[i].grad().data(), 0, buffers[i], 0,
                    lrF, m, damp, decay[i] ? wd : 0f, config.nesterov(), first);
        }
        steps++;
    }

    /** A copy of the state: the step count and each parameter's momentum buffer (empty without momentum). */
    public State exportState() {
        Map<String, float[]> bufs = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            if (buffers[i] != null) {
                bufs.put(names[i], buffers[i].clone());
            }
        }
        return new State(steps, bufs);
    }

    /**
     * Restores a state exported by an optimiser over the same parameters and configuration. Throws, changing
     * nothing, when a buffer is missing, extra or of another size.
     */
    public void importState(State state) {
        StringBuilder problems = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            float[] b = state.momentumBuffers().get(names[i]);
            if (buffers[i] == null) {
                continue;
            }
            if (b == null) {
                problems.append("\n  missing momentum buffer for ").append(names[i]);
            } else if (b.length != buffers[i].length) {
                problems.append("\n  ").append(names[i]).append(": ").append(b.length).append(" values, expected ")
                        .append(buffers[i].length);
            }
        }
        int expected = config.momentum() != 0 ? names.length : 0;
        if (state.momentumBuffers().size() != expected) {
            problems.append("\n  the state has ").append(state.momentumBuffers().size()).append(" momentum buffers, this optimiser ")
                    .append(expected).append(" (momentum ").append(config.momentum()).append(")");
        }
        if (problems.length() > 0) {
            throw new IllegalArgumentException("optimiser state does not fit these parameters:" + problems);
        }
        for (int i = 0; i < names.length; i++) {
            if (buffers[i] != null) {
                float[] b = state.momentumBuffers().get(names[i]);
                System.arraycopy(b, 0, buffers[i], 0, b.length);
            }
        }
        steps = state.steps();
    }

    /** Optimiser state: steps taken and momentum buffers by parameter name. */
    public record State(long steps, Map<String, float[]> momentumBuffers) {
        public State {
            if (steps < 0) {
                throw new IllegalArgumentException("negative step count " + steps);
            }
            momentumBuffers = Collections.unmodifiableMap(new LinkedHashMap<>(momentumBuffers));
        }
    }
}
