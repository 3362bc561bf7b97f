package io.resnet4j.experiment;

import io.resnet4j.experiment.LayerProbes.ConvBn;
import io.resnet4j.experiment.LayerProbes.LayerValues;
import io.resnet4j.models.ResNet;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Flatten;
import io.resnet4j.nn.GlobalAvgPool;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
import io.resnet4j.nn.ReLU;
import io.resnet4j.nn.Residual;
import io.resnet4j.nn.Sequential;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.train.TensorBatchSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LayerProbesTest {

    /** Images of 1 channel, h x w, image i filled with values[i]. */
    private static Tensor constantImages(double[] values, int h, int w) {
        Tensor t = new Tensor(Shape.of(values.length, 1, h, w));
        for (int i = 0; i < values.length; i++) {
            for (int k = 0; k < h * w; k++) {
                t.data()[i * h * w + k] = (float) values[i];
            }
        }
        return t;
    }

    @Test
    void gradientNormIsTheNormOfTheMeanLossGradientOverUnevenBatches() {
        // logits_ij = w_j * a_i (1x1 conv of a constant image, then the average pool), so
        // dL/dw_j = (1/N) sum_i (softmax(z_i)_j - [y_i = j]) a_i, with L the mean cross-entropy over all N images.
        Conv2d conv = new Conv2d(1, 3, 1, 1, 0, false);
        float[] w = {0.5f, -1.25f, 2f};
        System.arraycopy(w, 0, conv.weight().value().data(), 0, 3);
        Sequential net = new Sequential(conv, new GlobalAvgPool(), new Flatten());
        double[] a = {1, -2, 0.5, 3, -0.75};
        int[] y = {0, 2, 1, 1, 0};
        // Batches of 2, 2 and 1: the per-batch gradients must be weighted by their share of the images.
        LayerValues g = LayerProbes.gradientNorms(net, new TensorBatchSource(constantImages(a, 2, 3), y, 2, false, 0, false));

        double[] grad = new double[3];
        for (int i = 0; i < a.length; i++) {
            double[] z = new double[3];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < 3; j++) {
                z[j] = w[j] * a[i];
                max = Math.max(max, z[j]);
            }
            for (int j = 0; j < 3; j++) {
                sum += Math.exp(z[j] - max);
            }
            for (int j = 0; j < 3; j++) {
                double p = Math.exp(z[j] - max) / sum;
                grad[j] += (p - (y[i] == j ? 1 : 0)) * a[i] / a.length;
            }
        }
        double expected = Math.sqrt(grad[0] * grad[0] + grad[1] * grad[1] + grad[2] * grad[2]);
        assertThat(g.layers()).containsExactly("0.weight");
        assertThat(g.values()[0]).isCloseTo(expected, within(1e-6 * expected));
    }

    @Test
    void probesLeaveWeightsStatisticsGradientsAndModeAsTheyWere() {
        Sequential net = ResNet.build(NetKind.RESIDUAL.spec(8, 1, 10), 7);
        Tensor images = new Tensor(Shape.of(6, 1, 8, 8));
        for (int i = 0; i < images.numel(); i++) {
            images.data()[i] = (float) Math.sin(0.37 * i);
        }
        int[] labels = {0, 1, 2, 3, 4, 5};
        // Non-default statistics, as after some training.
        net.train(true);
        net.forward(images);
        for (boolean mode : new boolean[] {true, false}) {
            net.train(mode);
            Map<String, float[]> before = snapshot(net);
            long tracked = ((BatchNorm2d) net.namedModules().get("bn1")).numBatchesTracked();
            LayerValues g = LayerProbes.gradientNorms(net, new TensorBatchSource(images, labels, 4, false, 0, false));
            LayerValues s = LayerProbes.responseStd(net, new TensorBatchSource(images, labels, 4, false, 0, false));
            assertThat(net.isTraining()).isEqualTo(mode);
            assertThat(((BatchNorm2d) net.namedModules().get("bn1")).numBatchesTracked()).isEqualTo(tracked);
            Map<String, float[]> after = snapshot(net);
            for (String k : before.keySet()) {
                assertThat(after.get(k)).as(k).containsExactly(before.get(k));
            }
            for (Parameter p : net.parameters()) {
                assertThat(p.grad().data()).containsOnly(0f);
            }
            assertThat(java.util.Arrays.stream(g.values()).boxed().toList()).hasSize(7)
                    .allSatisfy(v -> assertThat(v).isPositive().isFinite());
            assertThat(java.util.Arrays.stream(s.values()).boxed().toList()).hasSize(7)
                    .allSatisfy(v -> assertThat(v).isPositive().isFinite());
        }
    }

    private static Map<String, float[]> snapshot(Module net) {
        Map<String, float[]> m = new java.util.LinkedHashMap<>();
        net.namedParameters().forEach((k, p) -> m.put(k, p.value().data().clone()));
        net.namedBuffers().forEach((k, t) -> m.put(k, t.data().clone()));
        return m;
    }

    @Test
    void layersAreEveryConvolutionAndEvery3x3ConvBatchNormPairInDepthOrder() {
        for (NetKind kind : NetKind.values()) {
            Sequential net = ResNet.build(kind.spec(14, 1, 10));
            List<String> convs = new ArrayList<>();
            LayerProbes.convolutions(net).forEach(e -> convs.add(e.getKey()));
            List<String> bns = new ArrayList<>();
            for (ConvBn p : LayerProbes.convBnPairs(net)) {
                bns.add(p.bnName());
                assertThat(p.convName().replace("conv", "bn")).isEqualTo(p.bnName());
            }
            // 14 = 6n+2 with n = 2: the stem conv, then 3 stages of 2 units of 2 convs; option A adds none.
            List<String> expected = new ArrayList<>(List.of("conv1"));
            for (int stage = 1; stage <= 3; stage++) {
                for (int unit = 0; unit < 2; unit++) {
                    expected.add("layer" + stage + "." + unit + ".conv1");
                    expected.add("layer" + stage + "." + unit + ".conv2");
                }
            }
            assertThat(convs).as(kind.id()).isEqualTo(expected);
            assertThat(bns).as(kind.id()).isEqualTo(expected.stream().map(n -> n.replace("conv", "bn")).toList());
        }
    }

    @Test
    void responseStdIsThePopulationStdOfTheBatchNormOutputBeforeReluAndAddOverTheWholeSet() {
        Sequential net = new Sequential();
        Conv2d stem = identity3x3();
        BatchNorm2d bn1 = new BatchNorm2d(1);
        net.add("conv1", stem).add("bn1", bn1).add("relu", new ReLU());
        Conv2d inner = identity3x3();
        BatchNorm2d innerBn = new BatchNorm2d(1);
        net.add("layer", new Residual(new Sequential().add("conv1", inner).add("bn1", innerBn), null, true));
        net.add("proj", new Conv2d(1, 1, 1, 1, 0, false)).add("projbn", new BatchNorm2d(1));
        net.add("pool", new GlobalAvgPool()).add("flat", new Flatten());
        // bn1: y = 2 (x - 0.5) / sqrt(3 + eps) - 1, negative for x = 1 (so a ReLU would change it).
        bn1.runningMean().fill(0.5f);
        bn1.runningVar().fill(3f);
        bn1.weight().value().fill(2f);
        bn1.bias().value().fill(-1f);
        innerBn.weight().value().fill(1f);
        double[] x = {1, 3, 1, 3, 2};
        LayerValues s = LayerProbes.responseStd(net, new TensorBatchSource(constantImages(x, 4, 4), new int[5], 3, false, 0, false));

        assertThat(s.layers()).containsExactly("bn1", "layer.bn1");
        // Population std of x over every pixel of every image: mean 2, mean square 4.8, variance 0.8.
        double stdBn1 = 2 / Math.sqrt(3 + 1e-5) * Math.sqrt(0.8);
        assertThat(s.values()[0]).isCloseTo(stdBn1, within(1e-6));
        // The residual branch's BN (running mean 0, var 1) sees relu(bn1 output); the identity conv passes it on.
        double[] inner2 = new double[x.length];
        double m = 0, sq = 0;
        for (int i = 0; i < x.length; i++) {
            double y1 = Math.max(0, 2 * (x[i] - 0.5) / Math.sqrt(3 + 1e-5) - 1);
            inner2[i] = y1 / Math.sqrt(1 + 1e-5);
            m += inner2[i] / x.length;
            sq += inner2[i] * inner2[i] / x.length;
        }
        assertThat(s.values()[1]).isCloseTo(Math.sqrt(sq - m * m), within(1e-6));
    }

    /** A 3x3 convolution (padding 1) that copies its single channel: only the centre tap is 1. */
    private static Conv2d identity3x3() {
        Conv2d c = new Conv2d(1, 1, 3, 1, 1, false);
        c.weight().value().fill(0f);
        c.weight().value().data()[4] = 1f;
        return c;
    }
}
