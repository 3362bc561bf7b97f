package io.resnet4j.nn;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.Parallel;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Checks;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The same inputs give bitwise the same outputs, input gradient, parameter gradients and running statistics
 * on 1 and on 2 threads: kernels split work by the problem's shape, never by the thread count.
 */
class ThreadDeterminismTest {
    /** Training steps per run (two: the second reuses every buffer and accumulates the gradients). */
    static final int STEPS = 2;

    /** A small ResNet: 3x3 stem, an identity block, an option-A block (stride 2, width doubling), a max pool, the head. */
    static Sequential smallResNet() {
        return new Sequential()
                .add("conv1", new Conv2d(3, 16, 3, 1, 1, false))
                .add("bn1", new BatchNorm2d(16))
                .add("relu", new ReLU())
                .add("layer1", new Sequential(ResidualBlockTest.basicBlock(16, 16, 1)))
                .add("layer2", new Sequential(ResidualBlockTest.basicBlock(16, 32, 2)))
                .add("maxpool", new MaxPool2d(3, 2, 1))
                .add("avgpool", new GlobalAvgPool())
                .add("flatten", new Flatten())
                .add("fc", new Linear(32, 10));
    }

    /** Everything one training step computes, copied out of the reused buffers. */
    private static List<float[]> step() {
        Sequential net = smallResNet();
        net.initialize(7);
        // Batch 4, 15x15: odd sizes, so that vector tails and uneven task splits are exercised.
        Tensor x = Checks.randn(8, 4, 3, 15, 15);
        int[] labels = {1, 7, 3, 3};
        List<float[]> out = new ArrayList<>();
        CrossEntropyLoss loss = new CrossEntropyLoss(0.1f);
        for (int iteration = 0; iteration < STEPS; iteration++) {
            Tensor logits = net.forward(x);
            out.add(logits.data().clone());
            out.add(new float[] {(float) loss.forward(logits, labels)});
            out.add(net.backward(loss.backward()).data().clone());
        }
        for (Parameter p : net.namedParameters().values()) {
            out.add(p.grad().data().clone());
        }
        for (Tensor b : net.namedBuffers().values()) {
            out.add(b.data().clone());
        }
        return out;
    }

    @Test
    void oneAndTwoThreadsGiveTheSameBits() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            List<float[]> one = step();
            Parallel.setThreads(2);
            List<float[]> two = step();
            List<float[]> twoAgain = step();
            List<String> names = names();
            for (int i = 0; i < one.size(); i++) {
                Checks.assertBitwiseEqual(one.get(i), two.get(i), names.get(i) + ", 1 vs 2 threads (" + Kernels.describe() + ")");
                Checks.assertBitwiseEqual(two.get(i), twoAgain.get(i), names.get(i) + ", two runs on 2 threads");
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static List<String> names() {
        List<String> names = new ArrayList<>();
        for (int iteration = 0; iteration < STEPS; iteration++) {
            names.add("logits, step " + iteration);
            names.add("loss, step " + iteration);
            names.add("input gradient, step " + iteration);
        }
        Sequential net = smallResNet();
        for (Map.Entry<String, Parameter> p : net.namedParameters().entrySet()) {
            names.add("grad " + p.getKey());
        }
        for (String b : net.namedBuffers().keySet()) {
            names.add(b);
        }
        return names;
    }
}
