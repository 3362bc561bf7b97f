package io.resnet4j.optim;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Flatten;
import io.resnet4j.nn.GlobalAvgPool;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.Parameter;
import io.resnet4j.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The optimiser step allocates nothing in steady state: after warm-up (so that the JIT has compiled the
 * vector kernels; interpreted Vector API code allocates boxes), some window of 1,000 steps must allocate zero
 * bytes on this thread. An allocating step (an iterator, a boxed value, a copied array) never gets there.
 */
class SgdAllocationTest {
    @Test
    void stepAndEmaUpdateAllocateNothingInSteadyState() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Sequential net = new Sequential()
                .add("conv", new Conv2d(3, 16, 3, 1, 1, false))
                .add("bn", new BatchNorm2d(16))
                .add("pool", new GlobalAvgPool())
                .add("flatten", new Flatten())
                .add("fc", new Linear(16, 10));
        net.initialize(1);
        Map<String, Parameter> params = net.namedParameters();
        Sgd sgd = new Sgd(params, new SgdConfig(0.9, 0, true, 5e-4, true));
        Ema ema = new Ema(net, 0.99);
        Parameter[] ps = params.values().toArray(new Parameter[0]);
        long best = Long.MAX_VALUE;
        int windows = 0;
        for (int window = 0; window < 80 && best > 0; window++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int s = 0; s < 1000; s++) {
                sgd.step(1e-6);
                ema.update();
                for (Parameter p : ps) {
                    if (!Kernels.OPTIM.allFinite(p.grad().numel(), p.grad().data(), 0)) {
                        throw new AssertionError("gradients are zero here");
                    }
                }
            }
            long after = mx.getCurrentThreadAllocatedBytes();
            best = Math.min(best, after - before);
            windows = window + 1;
        }
        assertThat(best).as("bytes allocated by 1,000 SGD steps in the best window (%d windows, %s)", windows, Kernels.describe()).isZero();
        System.out.println("allocation-free after " + windows + " windows of 1,000 steps");
    }
}
