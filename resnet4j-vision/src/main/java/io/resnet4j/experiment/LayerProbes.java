package io.resnet4j.experiment;

import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.CrossEntropyLoss;
import io.resnet4j.nn.Module;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.train.Batch;
import io.resnet4j.train.BatchSource;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Read-only measurements of a network's layers, taken between training epochs without changing the training
 * run: after a probe the weights, batch-norm running statistics and {@code num_batches_tracked} are what they
 * were, the gradients are zero and the module is back in its previous mode.
 *
 * <ul>
 *   <li>{@link #gradientNorms}: the L2 norm of each convolution weight's gradient of the mean cross-entropy over a
 *       fixed set of images, in training mode (batch statistics, as during training), in depth order: "does the
 *       gradient reach every layer?".</li>
 *   <li>{@link #responseStd}: the standard deviation of each 3x3 convolution's response (the output of the batch
 *       norm that follows it, before the ReLU or the residual add) over an evaluation set in eval mode: He et al.
 *       2015 Fig. 7.</li>
 * </ul>
 */
public final class LayerProbes {
    private LayerProbes() {
    }

    /** Named measurements of layers in depth order. */
    public record LayerValues(List<String> layers, double[] values) {
        public LayerValues {
            layers = List.copyOf(layers);
            values = values.clone();
            if (layers.size() != values.length) {
                throw new IllegalArgumentException(layers.size() + " layer names for " + values.length + " values");
            }
        }

        @Override
        public double[] values() {
            return values.clone();
        }
    }

    /** A 3x3 convolution and the batch norm right after it. */
    public record ConvBn(String convName, Conv2d conv, String bnName, BatchNorm2d bn) {
    }

    /** Every convolution of the module under its dotted name, in forward (registration) order. */
    public static List<Map.Entry<String, Conv2d>> convolutions(Module net) {
        List<Map.Entry<String, Conv2d>> out = new ArrayList<>();
        for (Map.Entry<String, Module> e : net.namedModules().entrySet()) {
            if (e.getValue() instanceof Conv2d c) {
                out.add(Map.entry(e.getKey(), c));
            }
        }
        return out;
    }

    /**
     * The 3x3 convolutions directly followed by a batch norm among a parent's children (the stem's conv1/bn1 and
     * each unit's convK/bnK), in forward order; 1x1 projections are left out, as in the paper's Fig. 7.
     */
    public static List<ConvBn> convBnPairs(Module net) {
        Map<Module, String> names = new IdentityHashMap<>();
        for (Map.Entry<String, Module> e : net.namedModules().entrySet()) {
            names.putIfAbsent(e.getValue(), e.getKey());
        }
        List<ConvBn> out = new ArrayList<>();
        collectPairs(net, names, out);
        return out;
    }

    private static void collectPairs(Module m, Map<Module, String> names, List<ConvBn> out) {
        List<Module> kids = new ArrayList<>(m.children().values());
        for (int i = 0; i < kids.size(); i++) {
            Module k = kids.get(i);
            if (k instanceof Conv2d c && c.kernel() == 3 && i + 1 < kids.size() && kids.get(i + 1) instanceof BatchNorm2d bn) {
                out.add(new ConvBn(names.get(c), c, names.get(bn), bn));
            }
            collectPairs(k, names, out);
        }
    }

    /**
     * The L2 norm of each convolution weight's gradient of the mean loss over every image of {@code probe} (one
     * epoch of it, in its batches), in training mode. Each batch's gradient is weighted by its share of the
     * images, so the result is the gradient of the mean loss whatever the batching (with batch statistics per
     * batch, as in training). Weight decay is not included: this is the loss's gradient alone.
     */
    public static LayerValues gradientNorms(Module net, BatchSource probe) {
        List<Map.Entry<String, Conv2d>> convs = convolutions(net);
        List<BatchNorm2d> bns = batchNorms(net);
        BnState saved = BnState.save(bns);
        boolean wasTraining = net.isTraining();
        CrossEntropyLoss loss = new CrossEntropyLoss();
        double[] sq = new double[convs.size()];
        try {
            net.train(true);
            net.zeroGrad();
            int total = probe.size();
            Iterator<Batch> it = probe.epoch(0);
            int seen = 0;
            while (it.hasNext()) {
                Batch b = it.next();
                Tensor logits = net.forward(b.images());
                loss.forward(logits, b.labels());
                Tensor g = loss.backward();
                float share = (float) b.size() / total;
                float[] gd = g.data();
                for (int i = 0; i < g.numel(); i++) {
                    gd[i] *= share;
                }
                net.backward(g);
                seen += b.size();
            }
            if (seen != total) {
                throw new IllegalStateException("the probe source yielded " + seen + " images, not its " + total);
            }
            for (int i = 0; i < convs.size(); i++) {
                float[] gw = convs.get(i).getValue().weight().grad().data();
                double s = 0;
                for (float v : gw) {
                    s += (double) v * v;
                }
                sq[i] = Math.sqrt(s);
            }
        } finally {
            net.zeroGrad();
            saved.restore(bns);
            net.train(wasTraining);
        }
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, Conv2d> e : convs) {
            names.add(e.getKey() + ".weight");
        }
        return new LayerValues(names, sq);
    }

    /**
     * The standard deviation of each 3x3 convolution's response over every image of {@code eval} (one epoch of it)
     * in eval mode: the output of the batch norm after the convolution, before the ReLU or the add, pooled over
     * images, channels and positions (population standard deviation, accumulated in double).
     */
    public static LayerValues responseStd(Module net, BatchSource eval) {
        List<ConvBn> pairs = convBnPairs(net);
        double[] sum = new double[pairs.size()];
        double[] sumSq = new double[pairs.size()];
        long[] count = new long[pairs.size()];
        boolean wasTraining = net.isTraining();
        boolean[] fused = new boolean[pairs.size()];
        try {
            net.train(false);
            // The response is the batch norm's output before the ReLU: no fused BN+ReLU kernel while probing.
            for (int j = 0; j < pairs.size(); j++) {
                fused[j] = pairs.get(j).bn().fusesRelu();
                pairs.get(j).bn().setFuseRelu(false);
            }
            Iterator<Batch> it = eval.epoch(0);
            while (it.hasNext()) {
                Batch b = it.next();
                net.forward(b.images());
                for (int j = 0; j < pairs.size(); j++) {
                    Tensor y = pairs.get(j).bn().lastOutput();
                    int n = y.numel();
                    float[] d = y.data();
                    double s = 0, ss = 0;
                    for (int i = 0; i < n; i++) {
                        double v = d[i];
                        s += v;
                        ss += v * v;
                    }
                    sum[j] += s;
                    sumSq[j] += ss;
                    count[j] += n;
                }
            }
        } finally {
            for (int j = 0; j < pairs.size(); j++) {
                pairs.get(j).bn().setFuseRelu(fused[j]);
            }
            net.train(wasTraining);
        }
        double[] std = new double[pairs.size()];
        List<String> names = new ArrayList<>();
        for (int j = 0; j < pairs.size(); j++) {
            double mean = sum[j] / count[j];
            std[j] = Math.sqrt(Math.max(0, sumSq[j] / count[j] - mean * mean));
            names.add(pairs.get(j).bnName());
        }
        return new LayerValues(names, std);
    }

    private static List<BatchNorm2d> batchNorms(Module net) {
        List<BatchNorm2d> out = new ArrayList<>();
        for (Module m : net.modules()) {
            if (m instanceof BatchNorm2d bn) {
                out.add(bn);
            }
        }
        return out;
    }

    /** Copies of every batch norm's running statistics and batch count. */
    private record BnState(List<float[]> means, List<float[]> vars, long[] tracked) {
        static BnState save(List<BatchNorm2d> bns) {
            List<float[]> m = new ArrayList<>();
            List<float[]> v = new ArrayList<>();
            long[] t = new long[bns.size()];
            for (int i = 0; i < bns.size(); i++) {
                m.add(bns.get(i).runningMean().data().clone());
                v.add(bns.get(i).runningVar().data().clone());
                t[i] = bns.get(i).numBatchesTracked();
            }
            return new BnState(m, v, t);
        }

        void restore(List<BatchNorm2d> bns) {
            for (int i = 0; i < bns.size(); i++) {
                System.arraycopy(means.get(i), 0, bns.get(i).runningMean().data(), 0, means.get(i).length);
                System.arraycopy(vars.get(i), 0, bns.get(i).runningVar().data(), 0, vars.get(i).length);
                bns.get(i).setNumBatchesTracked(tracked[i]);
            }
        }
    }
}
