package io.resnet4j.experiment;

import io.resnet4j.experiment.LayerProbes.LayerValues;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One line of {@code results.jsonl}: a network's state after {@code epoch} epochs (0 = at initialisation, where
 * only the gradient norms are measured).
 *
 * @param key          which network
 * @param epoch        epochs completed, 0..epochs
 * @param trainError   1 - accuracy over the epoch's training batches, in training mode, as the net was while it
 *                     trained (the paper's Fig. 6 training curves); NaN at epoch 0
 * @param testError    1 - accuracy on the test set in eval mode after the epoch; NaN at epoch 0
 * @param trainLoss    mean cross-entropy of the epoch's training batches; NaN at epoch 0
 * @param testLoss     mean cross-entropy on the test set; NaN at epoch 0
 * @param lr           learning rate of the epoch's last step; NaN at epoch 0
 * @param trainSeconds seconds of training in this epoch
 * @param evalSeconds  seconds of evaluation in this epoch
 * @param probeSeconds seconds spent in the layer probes
 * @param gradNorms    per-layer gradient norms, or null when not measured at this epoch
 * @param responseStd  per-layer response standard deviations, or null when not measured at this epoch
 */
public record EpochRecord(RunKey key, int epoch, double trainError, double testError, double trainLoss, double testLoss,
                          double lr, double trainSeconds, double evalSeconds, double probeSeconds,
                          LayerValues gradNorms, LayerValues responseStd) {
    public EpochRecord {
        Objects.requireNonNull(key, "key");
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", key.kind().id());
        m.put("depth", key.depth());
        m.put("seed", key.seed());
        m.put("epoch", epoch);
        m.put("train_error", trainError);
        m.put("test_error", testError);
        m.put("train_loss", trainLoss);
        m.put("test_loss", testLoss);
        m.put("lr", lr);
        m.put("train_time_s", trainSeconds);
        m.put("eval_time_s", evalSeconds);
        m.put("probe_time_s", probeSeconds);
        if (gradNorms != null) {
            m.put("grad_norm_layers", new ArrayList<>(gradNorms.layers()));
            m.put("grad_norms", gradNorms.values());
        }
        if (responseStd != null) {
            m.put("response_std_layers", new ArrayList<>(responseStd.layers()));
            m.put("response_std", responseStd.values());
        }
        return m;
    }

    /** The record a {@link #toJson()} line describes; a missing or mistyped field is an IllegalArgumentException. */
    public static EpochRecord fromJson(Map<?, ?> m) {
        RunKey key = new RunKey(NetKind.byId(string(m, "kind")), (int) integer(m, "depth"), integer(m, "seed"));
        return new EpochRecord(key, (int) integer(m, "epoch"), number(m, "train_error"), number(m, "test_error"),
                number(m, "train_loss"), number(m, "test_loss"), number(m, "lr"), number(m, "train_time_s"),
                number(m, "eval_time_s"), number(m, "probe_time_s"),
                layers(m, "grad_norm_layers", "grad_norms"), layers(m, "response_std_layers", "response_std"));
    }

    private static String string(Map<?, ?> m, String k) {
        if (m.get(k) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("field \"" + k + "\" must be a string");
    }

    private static long integer(Map<?, ?> m, String k) {
        if (m.get(k) instanceof Long l) {
            return l;
        }
        throw new IllegalArgumentException("field \"" + k + "\" must be an integer");
    }

    /** A number, or NaN for null (JSON has no NaN). */
    private static double number(Map<?, ?> m, String k) {
        if (!m.containsKey(k)) {
            throw new IllegalArgumentException("field \"" + k + "\" is missing");
        }
        Object v = m.get(k);
        if (v == null) {
            return Double.NaN;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("field \"" + k + "\" must be a number or null");
    }

    private static LayerValues layers(Map<?, ?> m, String namesKey, String valuesKey) {
        if (!m.containsKey(valuesKey)) {
            return null;
        }
        if (!(m.get(namesKey) instanceof List<?> names) || !(m.get(valuesKey) instanceof List<?> values)) {
            throw new IllegalArgumentException("fields \"" + namesKey + "\" and \"" + valuesKey + "\" must be lists");
        }
        List<String> n = new ArrayList<>();
        for (Object o : names) {
            n.add(String.valueOf(o));
        }
        double[] v = new double[values.size()];
        for (int i = 0; i < v.length; i++) {
            Object o = values.get(i);
            v[i] = o instanceof Number x ? x.doubleValue() : Double.NaN;
        }
        return new LayerValues(n, v);
    }
}
