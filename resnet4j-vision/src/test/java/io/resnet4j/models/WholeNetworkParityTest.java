package io.resnet4j.models;

import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.CrossEntropyLoss;
import io.resnet4j.nn.FusedConv2d;
import io.resnet4j.nn.Inference;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
import io.resnet4j.nn.Sequential;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Fixture;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole networks against PyTorch (fixtures from {@code tools/reference/models.py}, which documents them):
 * CIFAR resnet20 (option A, 2x3x32x32) and torchvision resnet18 (2x3x48x48, 1000 classes), random weights and
 * random BN running statistics. Eval-mode logits (of the network and of its frozen copy, Inference.freeze:
 * batch norms folded into the convolutions), then one train-mode step: logits, loss, every parameter
 * gradient, the input gradient and the running statistics after the step. Two small pre-activation nets
 * (preact-resnet11 with bottlenecks, wrn-10-2) check the pre-activation units and their projection shortcuts.
 *
 * <p>The reference is computed in float64 from the same float32 values, so the differences below are this
 * implementation's float32 error. Tolerances, relative to the largest magnitude of each reference tensor:
 * logits and loss 5e-5; every gradient 2e-4 (elementwise, or for resnet18's large tensors on the sampled
 * elements, the maximum and a whole-tensor checksum); running statistics 5e-5. Achieved with the scalar
 * reference kernels (float64 accumulation): logits 4e-7, gradients 3e-6, running statistics 2e-7; the margin
 * leaves room for kernels that accumulate in float32.
 */
class WholeNetworkParityTest {
    private static final double LOGIT_TOL = 5e-5;
    private static final double GRAD_TOL = 2e-4;
    private static final double STAT_TOL = 5e-5;

    @Test
    void cifarResNet20MatchesPyTorch() {
        check("resnet20", ResNetSpec.cifarResNet(20));
    }

    @Test
    void torchvisionResNet18MatchesPyTorch() {
        check("resnet18", ResNetSpec.resnet18());
    }

    @Test
    void preActivationBottleneckNetMatchesPyTorch() {
        // preact-resnet11: one bottleneck unit per stage; every first unit has a projection on its pre-activation.
        check("preact-resnet11", ResNetSpec.preActResNet(11, ResNetSpec.Block.BOTTLENECK));
    }

    @Test
    void wideResNetMatchesPyTorch() {
        check("wrn-10-2", ResNetSpec.wideResNet(10, 2));
    }

    private static void check(String name, ResNetSpec spec) {
        Fixture f = Fixture.load("resnet4j-vision", "models/" + name + ".bin");
        Sequential net = ResNet.build(spec);
        load(f, net);
        Tensor x = f.tensor("input");
        int[] labels = f.ints("labels");

        net.train(false);
        Tensor evalLogits = net.forward(x);
        assertClose(name + " eval logits", evalLogits.data(), f.entry("eval.logits").values(), LOGIT_TOL);
        Module frozen = Inference.freeze(net);
        assertThat(frozen.modules().stream().filter(m -> m instanceof FusedConv2d).count()).as(name + " fused convolutions")
                .isEqualTo(net.modules().stream().filter(m -> m instanceof io.resnet4j.nn.Conv2d).count());
        assertClose(name + " frozen eval logits", frozen.forward(x).data(), f.entry("eval.logits").values(), LOGIT_TOL);

        net.train(true);
        net.zeroGrad();
        Tensor logits = net.forward(x);
        assertClose(name + " train logits", logits.data(), f.entry("train.logits").values(), LOGIT_TOL);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        double l = loss.forward(logits, labels);
        assertThat(Math.abs(l - f.scalar("train.loss"))).as(name + " loss").isLessThanOrEqualTo(LOGIT_TOL * Math.abs(f.scalar("train.loss")));
        Tensor dx = net.backward(loss.backward());

        int full = 0, sampled = 0;
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            String p = e.getKey();
            float[] g = e.getValue().grad().data();
            if (f.has("grad." + p)) {
                assertClose(name + " grad " + p, g, f.entry("grad." + p).values(), GRAD_TOL);
                full++;
            } else {
                assertSampled(name + " grad " + p, g, f.entry("gradsample." + p).values(), f.entry("gradstats." + p).values());
                sampled++;
            }
        }
        assertThat(full + sampled).isEqualTo(net.namedParameters().size());
        assertClose(name + " input grad", dx.data(), f.entry("grad.input").values(), GRAD_TOL);

        int stats = 0;
        for (Map.Entry<String, Tensor> e : net.namedBuffers().entrySet()) {
            assertClose(name + " running stat " + e.getKey(), e.getValue().data(), f.entry("after." + e.getKey()).values(), STAT_TOL);
            stats++;
        }
        assertThat(stats).isEqualTo(2 * net.modules().stream().filter(m -> m instanceof BatchNorm2d).count());
        for (Module m : net.modules()) {
            if (m instanceof BatchNorm2d bn) {
                assertThat(bn.numBatchesTracked()).isEqualTo(1);
            }
        }
    }

    /** Sets every parameter and running statistic from the fixture: stored values or the closed-form pattern. */
    static void load(Fixture f, Module net) {
        TreeSet<String> unused = new TreeSet<>();
        for (String key : f.names()) {
            if (key.startsWith("weight.") || key.startsWith("pattern.") || key.startsWith("buffer.")) {
                unused.add(key);
            }
        }
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            Tensor value = e.getValue().value();
            String stored = "weight." + e.getKey(), patterned = "pattern." + e.getKey();
            if (f.has(stored)) {
                value.copyFrom(f.tensor(stored).view(value.shape()));
                unused.remove(stored);
            } else {
                double[] offsetScale = f.entry(patterned).values();
                fillPattern(value.data(), (long) offsetScale[0], offsetScale[1]);
                unused.remove(patterned);
            }
        }
        for (Map.Entry<String, Tensor> e : net.namedBuffers().entrySet()) {
            e.getValue().copyFrom(f.tensor("buffer." + e.getKey()).view(e.getValue().shape()));
            unused.remove("buffer." + e.getKey());
        }
        assertThat(unused).as("fixture tensors that match no parameter or buffer").isEmpty();
    }

    /**
     * The generator's closed-form weights: w[i] = float32(((offset + i) * 2654435761 mod 2^32 / 2^32 - 0.5) * scale),
     * in float64 (exact up to the one rounding of the product, as in numpy).
     */
    static void fillPattern(float[] w, long offset, double scale) {
        for (int i = 0; i < w.length; i++) {
            long u = ((offset + i) * 2654435761L) & 0xFFFFFFFFL;
            w[i] = (float) (((double) u / 4294967296.0 - 0.5) * scale);
        }
    }

    /** |actual - expected| <= tol * max|expected| elementwise. */
    private static void assertClose(String what, float[] actual, double[] expected, double tol) {
        assertThat(actual.length).as(what + " size").isEqualTo(expected.length);
        double maxAbs = 0, worst = 0;
        int at = -1;
        for (double e : expected) {
            maxAbs = Math.max(maxAbs, Math.abs(e));
        }
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs(actual[i] - expected[i]);
            if (d > worst) {
                worst = d;
                at = i;
            }
        }
        assertThat(maxAbs).as(what + ": the reference is all zero, the check would be empty").isGreaterThan(0);
        assertThat(worst / maxAbs).as(what + ": worst relative difference at " + at
                + " (" + (at < 0 ? "" : actual[at] + " vs " + expected[at]) + ")").isLessThanOrEqualTo(tol);
        report(what, worst / maxAbs);
    }

    /** Sampled elements g[(j * n) / S] and the whole-tensor checksums of the generator. */
    private static void assertSampled(String what, float[] g, double[] samples, double[] stats) {
        double maxAbs = stats[0], dot = stats[1], absDot = stats[2];
        double worst = 0;
        for (int j = 0; j < samples.length; j++) {
            int i = (int) ((long) j * g.length / samples.length);
            worst = Math.max(worst, Math.abs(g[i] - samples[j]));
        }
        assertThat(maxAbs).as(what + " reference max").isGreaterThan(0);
        assertThat(worst / maxAbs).as(what + ": worst sampled relative difference").isLessThanOrEqualTo(GRAD_TOL);
        float[] v = new float[g.length];
        fillPattern(v, 0, 1.0);
        double ourDot = 0, ourMax = 0;
        for (int i = 0; i < g.length; i++) {
            ourDot += (double) g[i] * v[i];
            ourMax = Math.max(ourMax, Math.abs(g[i]));
        }
        assertThat(Math.abs(ourMax - maxAbs) / maxAbs).as(what + ": max |g|").isLessThanOrEqualTo(GRAD_TOL);
        assertThat(Math.abs(ourDot - dot) / absDot).as(what + ": checksum sum g*v relative to sum |g*v|")
                .isLessThanOrEqualTo(GRAD_TOL);
        report(what, Math.max(worst / maxAbs, Math.abs(ourDot - dot) / absDot));
    }

    /** The achieved difference, in the test output (target/surefire-reports), for the record. */
    private static void report(String what, double relative) {
        System.out.println(String.format(java.util.Locale.ROOT, "%-50s %.2e", what, relative));
    }
}
