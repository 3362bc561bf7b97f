package io.resnet4j.nn;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.Parallel;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Checks;
import org.junit.jupiter.api.Test;

/**
 * A whole training step (forward, loss, backward) of a small ResNet allocates nothing on any thread once warm:
 * convolutions, batch norm, ReLU, the residual add, max and average pooling, the linear layer and the loss, in
 * training mode. ConvAllocationTest covers the convolutions' paths one by one; this covers the kernels around them
 * (VectorNorm, VectorPool, ...), also in the engine's trap-budget execution (see Simd.VECTOR_CLASS).
 */
class StepAllocationTest {
    @Test
    void warmTrainingStepsAllocateNothing() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(2);
            Sequential net = ThreadDeterminismTest.smallResNet();
            net.initialize(7);
            // batch 4, 15x15: odd sizes, so that vector tails and uneven task splits run too
            Tensor x = Checks.randn(8, 4, 3, 15, 15);
            int[] labels = {1, 7, 3, 3};
            CrossEntropyLoss loss = new CrossEntropyLoss(0.1f);
            Runnable step = () -> {
                net.zeroGrad();
                loss.forward(net.forward(x), labels);
                net.backward(loss.backward());
            };
            Checks.assertWarmAllocatesNothing(step, "a training step (" + Kernels.describe() + ")");
        } finally {
            Parallel.setThreads(before);
        }
    }
}
