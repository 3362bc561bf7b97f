package io.resnet4j.nn;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.NormOps;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Batch normalisation over (N, H, W) per channel, torch.nn.BatchNorm2d's semantics: training mode
 * normalises with the batch mean and biased variance and updates
 * {@code running = (1 - momentum) * running + momentum * batch} with the unbiased variance; eval mode uses
 * the running statistics. Initialisation: weight (gamma) 1 (0 when constructed with {@code zeroInitScale}, for the
 * last BN of a residual branch), bias (beta) 0, running mean 0, running var 1.
 */
public final class BatchNorm2d extends Module {
    private final int channels;
    private final float eps, momentum;
    private final boolean zeroInitScale;
    private final Parameter weight, bias;
    private final Tensor runningMean, runningVar;
    private final float[] saveMean, saveVar;
    /** The fused forward's per-channel constants for its backward (NormOps.RELU_CONSTS; kernel scratch). */
    private final float[] reluConsts;
    private long numBatchesTracked;
    private boolean forwardUsedBatchStats;
    /** The last forward was forwardRelu: output holds max(y, 0). */
    private boolean reluApplied;
    /** The last forward was forwardAddRelu: this batch norm's own output was never written. */
    private boolean addFused;
    /** Whether a Sequential may run the ReLU after this batch norm fused into it (see {@link #setFuseRelu}). */
    private boolean fuseRelu = true;
    private Tensor input, output;

    public BatchNorm2d(int channels) {
        this(channels, 1e-5f, 0.1f);
    }

    public BatchNorm2d(int channels, float eps, float momentum) {
        this(channels, eps, momentum, false);
    }

    /**
     * With {@code zeroInitScale} the scale gamma starts (and restarts on {@link #initialize}) at 0 instead of 1:
     * the last BN of a residual branch, so that the unit starts as its shortcut (Goyal et al. 2017,
     * arXiv:1706.02677 §5.1; torchvision's zero_init_residual).
     */
    public BatchNorm2d(int channels, float eps, float momentum, boolean zeroInitScale) {
        if (channels < 1 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm2d(" + channels + ", eps=" + eps + ", momentum=" + momentum
                    + "): channels >= 1, eps > 0 and momentum in [0, 1] required");
        }
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        this.zeroInitScale = zeroInitScale;
        this.weight = register("weight", new Parameter(Shape.of(channels), Parameter.Kind.NORM_SCALE));
        this.bias = register("bias", new Parameter(Shape.of(channels), Parameter.Kind.NORM_SHIFT));
        this.runningMean = registerBuffer("running_mean", new Tensor(Shape.of(channels)));
        this.runningVar = registerBuffer("running_var", new Tensor(Shape.of(channels)));
        this.saveMean = new float[channels];
        this.reluConsts = new float[NormOps.RELU_CONSTS * channels];
        this.saveVar = new float[channels];
        resetParameters(null);
    }

    public int channels() {
        return channels;
    }

    public float eps() {
        return eps;
    }

    public float momentum() {
        return momentum;
    }

    /** True when gamma is initialised to 0 rather than 1. */
    public boolean zeroInitScale() {
        return zeroInitScale;
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public Tensor runningMean() {
        return runningMean;
    }

    public Tensor runningVar() {
        return runningVar;
    }

    /** PyTorch's num_batches_tracked: training-mode forward passes so far. */
    public long numBatchesTracked() {
        return numBatchesTracked;
    }

    public void setNumBatchesTracked(long n) {
        numBatchesTracked = n;
    }

    /**
     * The output of the last {@link #forward} (null before the first), for read-only probes such as the per-layer
     * response statistics of He et al. 2015 Fig. 7: the normalised values before any nonlinearity or residual add.
     * It is the module's own buffer, valid until its next forward; callers must not write into it. Inside a recomputed
     * segment (gradient checkpointing) the output is shared scratch, valid only until the segment's next layer runs:
     * probe a network built without recomputation. A batch norm that ran with the following ReLU fused into it
     * holds rectified values: probes turn fusion off first ({@link #setFuseRelu}), and this method refuses otherwise.
     */
    public Tensor lastOutput() {
        if (addFused) {
            throw new IllegalStateException("BatchNorm2d.lastOutput: the last forward ran fused with its residual unit's "
                    + "add and ReLU (its own output was never stored); call setFuseRelu(false) before probing");
        }
        if (reluApplied) {
            throw new IllegalStateException("BatchNorm2d.lastOutput: the last forward ran with the following ReLU fused "
                    + "in (its output is rectified); call setFuseRelu(false) before probing");
        }
        return output;
    }

    /**
     * Whether a {@link Sequential} may run the {@link ReLU} that follows this batch norm in one fused kernel, and a
     * {@link Residual} whose branch it ends the add and the ReLU after it (default true; the results are bitwise the
     * same). Off, the batch norm stores its own output, the values before the ReLU or the add, for
     * {@link #lastOutput} probes.
     */
    public void setFuseRelu(boolean fuse) {
        fuseRelu = fuse;
    }

    public boolean fusesRelu() {
        return fuseRelu;
    }

    @Override
    protected void resetParameters(SplittableRandom rng) {
        weight.value().fill(zeroInitScale ? 0f : 1f);
        bias.value().fill(0f);
        runningMean.fill(0f);
        runningVar.fill(1f);
        numBatchesTracked = 0;
    }

    @Override
    public Shape outputShape(Shape s) {
        requireRank4(s, "BatchNorm2d");
        if (s.c() != channels) {
            throw new IllegalArgumentException("BatchNorm2d expects " + channels + " channels, got " + s);
        }
        return s;
    }

    @Override
    public long ownMacs(Shape s) {
        return s.numel();
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, false);
    }

    /** max(forward(x), 0) in one pass (NormOps.forwardTrainRelu / forwardEvalRelu); backward with {@link #backwardRelu}. */
    Tensor forwardRelu(Tensor x) {
        return forward(x, true);
    }

    /**
     * out = max(forward(x) + residual, 0) in one pass (NormOps.forwardTrainAddRelu / forwardEvalAddRelu), the end of
     * a residual unit whose branch this batch norm ends (see Residual): its own output is never stored. out has x's
     * shape and overlaps neither x nor residual. Backward with {@link #backward}, given the gradient already masked
     * by the unit's ReLU.
     */
    void forwardAddRelu(Tensor x, Tensor residual, Tensor out) {
        Shape s = outputShape(x.shape());
        if (!residual.shape().equals(s) || !out.shape().equals(s)) {
            throw new IllegalArgumentException("BatchNorm2d.forwardAddRelu: input " + s + ", residual " + residual.shape()
                    + " and output " + out.shape() + " must have one shape");
        }
        normalise(x, s, true, residual, out);
    }

    private Tensor forward(Tensor x, boolean relu) {
        Shape s = outputShape(x.shape());
        output = newOutput(s, x);
        normalise(x, s, relu, null, output);
        return output;
    }

    /**
     * out = BN(x) of shape s, by the batch statistics (training) or the running ones, then with relu max(., 0),
     * where residual (not null: relu too) is added before the ReLU; records what backward and lastOutput need.
     */
    private void normalise(Tensor x, Shape s, boolean relu, Tensor residual, Tensor out) {
        int n = s.n(), hw = s.h() * s.w();
        float[] g = weight.value().data(), b = bias.value().data();
        if (training) {
            long count = (long) n * hw;
            if (count < 2) {
                throw new IllegalArgumentException("BatchNorm2d in training mode needs more than one value per channel, got input " + s);
            }
            if (residual != null) {
                Kernels.NORM.forwardTrainAddRelu(n, channels, hw, x.data(), 0, residual.data(), 0, out.data(), 0, g, b,
                        eps, saveMean, saveVar);
            } else if (relu) {
                Kernels.NORM.forwardTrainRelu(n, channels, hw, x.data(), 0, out.data(), 0, g, b, eps, saveMean, saveVar,
                        reluConsts);
            } else {
                Kernels.NORM.forwardTrain(n, channels, hw, x.data(), 0, out.data(), 0, g, b, eps, saveMean, saveVar);
            }
            forwardUsedBatchStats = true;
            // A recomputed segment's replay runs on the same input, so it finds the same batch statistics (the
            // kernels are deterministic); the running statistics were updated by the first pass.
            if (!replaying()) {
                updateRunningStatistics(count);
            }
        } else {
            float[] rm = runningMean.data(), rv = runningVar.data();
            if (residual != null) {
                Kernels.NORM.forwardEvalAddRelu(n, channels, hw, x.data(), 0, residual.data(), 0, out.data(), 0, g, b,
                        rm, rv, eps);
            } else if (relu) {
                Kernels.NORM.forwardEvalRelu(n, channels, hw, x.data(), 0, out.data(), 0, g, b, rm, rv, eps, reluConsts);
            } else {
                Kernels.NORM.forwardEval(n, channels, hw, x.data(), 0, out.data(), 0, g, b, rm, rv, eps);
            }
            forwardUsedBatchStats = false;
        }
        input = x;
        output = out;
        reluApplied = relu && residual == null;
        addFused = residual != null;
    }

    /** running = (1 - momentum) * running + momentum * batch statistic (unbiased variance), one more batch tracked. */
    private void updateRunningStatistics(long count) {
        float[] rm = runningMean.data(), rv = runningVar.data();
        double unbias = (double) count / (count - 1);
        for (int j = 0; j < channels; j++) {
            // Double arithmetic, as PyTorch's CPU kernel (acc_type<float> is double there).
            rm[j] = (float) ((1.0 - momentum) * rm[j] + (double) momentum * saveMean[j]);
            rv[j] = (float) ((1.0 - momentum) * rv[j] + (double) momentum * saveVar[j] * unbias);
        }
        numBatchesTracked++;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        if (reluApplied) {
            throw new IllegalStateException("BatchNorm2d.backward after forwardRelu: use backwardRelu");
        }
        requireForward(input, gradOutput, output == null ? null : output.shape());
        Shape s = input.shape();
        Tensor gradInput = newGradient(s, gradOutput);
        float[] mean = forwardUsedBatchStats ? saveMean : runningMean.data();
        float[] var = forwardUsedBatchStats ? saveVar : runningVar.data();
        Kernels.NORM.backward(s.n(), channels, s.h() * s.w(), input.data(), 0, gradOutput.data(), 0,
                weight.value().data(), mean, var, eps, forwardUsedBatchStats,
                gradInput.data(), 0, weight.grad().data(), bias.grad().data());
        return gradInput;
    }

    /** Backward of {@link #forwardRelu}: the gradient masked where the (rectified) output is not positive. */
    Tensor backwardRelu(Tensor gradOutput) {
        if (!reluApplied) {
            throw new IllegalStateException("BatchNorm2d.backwardRelu needs forwardRelu before it");
        }
        requireForward(input, gradOutput, output == null ? null : output.shape());
        Shape s = input.shape();
        Tensor gradInput = newGradient(s, gradOutput);
        float[] mean = forwardUsedBatchStats ? saveMean : runningMean.data();
        float[] var = forwardUsedBatchStats ? saveVar : runningVar.data();
        Kernels.NORM.backwardRelu(s.n(), channels, s.h() * s.w(), input.data(), 0, output.data(), 0, reluConsts,
                gradOutput.data(), 0, weight.value().data(), mean, var, eps, forwardUsedBatchStats,
                gradInput.data(), 0, weight.grad().data(), bias.grad().data());
        return gradInput;
    }

    @Override
    public String toString() {
        return "BatchNorm2d(" + channels + ", eps=" + eps + ", momentum=" + momentum + ")";
    }
}
