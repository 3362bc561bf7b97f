package io.resnet4j.optim;

/**
 * Hyper-parameters of {@link Sgd} other than the learning rate (which a {@link LrSchedule} gives per step),
 * torch.optim.SGD's meaning.
 *
 * @param momentum                momentum factor in [0, 1); 0 disables the momentum buffer
 * @param dampening               dampening for momentum in [0, 1] (PyTorch's default 0)
 * @param nesterov                Nesterov momentum; needs momentum > 0 and dampening 0, as in PyTorch
 * @param weightDecay             L2 penalty added to the gradient, >= 0 (the paper: 1e-4)
 * @param noDecayForNormAndBias   when true, batch-norm scales/shifts and biases get no weight decay
 */
public record SgdConfig(double momentum, double dampening, boolean nesterov, double weightDecay,
                        boolean noDecayForNormAndBias) {
    public SgdConfig {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("SGD momentum must be in [0, 1), got " + momentum);
        }
        if (!(dampening >= 0 && dampening <= 1)) {
            throw new IllegalArgumentException("SGD dampening must be in [0, 1], got " + dampening);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("SGD weight decay must be finite and >= 0, got " + weightDecay);
        }
        if (nesterov && (momentum == 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires momentum > 0 and dampening 0, got momentum "
                    + momentum + ", dampening " + dampening);
        }
    }

    /** The paper's CIFAR recipe: momentum 0.9, weight decay 1e-4 on every parameter, no Nesterov. */
    public static SgdConfig paper() {
        return new SgdConfig(0.9, 0, false, 1e-4, false);
    }

    /** Plain gradient descent: no momentum, no weight decay. */
    public static SgdConfig plain() {
        return new SgdConfig(0, 0, false, 0, false);
    }
}
