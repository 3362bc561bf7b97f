package io.resnet4j.train;

import io.resnet4j.io.CheckpointException;
import io.resnet4j.io.ModuleState;
import io.resnet4j.io.Safetensors;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
import io.resnet4j.optim.Ema;
import io.resnet4j.optim.Sgd;
import io.resnet4j.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A training checkpoint as one safetensors file: the module's state under torchvision's keys (parameters,
 * running statistics, int64 {@code num_batches_tracked}), each momentum buffer as
 * {@code optimizer.momentum_buffer.<param>}, each EMA average as {@code ema.<param or buffer>}, and in
 * {@code __metadata__} the format tag, epoch, step, seed, best accuracy, wall time and the configuration as
 * JSON. Together with the data sources' contract (an epoch's batches depend only on their seed and the epoch)
 * that is everything an uninterrupted run would carry into the next epoch.
 */
final class TrainingState {
    static final String FORMAT = "resnet4j-training-state-1";
    static final String MOMENTUM = "optimizer.momentum_buffer.";
    static final String EMA = "ema.";

    private TrainingState() {
    }

    /** Writes the full state atomically. */
    static void write(Path file, Module module, Sgd sgd, Ema ema, Map<String, String> metadata) {
        List<Safetensors.Entry> entries = new ArrayList<>(ModuleState.entries(module));
        Map<String, Parameter> params = module.namedParameters();
        for (Map.Entry<String, float[]> e : sgd.exportState().momentumBuffers().entrySet()) {
            int[] dims = params.get(e.getKey()).shape().dims();
            entries.add(Safetensors.Entry.f32(MOMENTUM + e.getKey(), dims, e.getValue()));
        }
        if (ema != null) {
            for (Map.Entry<String, Tensor> e : ema.averages().entrySet()) {
                entries.add(Safetensors.Entry.f32(EMA + e.getKey(), e.getValue().shape().dims(), e.getValue().data()));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.putAll(metadata);
        Safetensors.write(file, meta, entries);
    }

    /**
     * Loads a full state into module, optimiser and EMA, after checking that every tensor is present with the
     * right shape and nothing else is there; nothing changes unless the whole file fits. Returns the metadata.
     */
    static Map<String, String> load(Path file, Module module, Sgd sgd, Ema ema) {
        try (Safetensors.Reader r = Safetensors.open(file)) {
            Map<String, String> meta = r.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                throw new CheckpointException(file + " is not a resnet4j training checkpoint (metadata format is "
                        + meta.get("format") + ", expected " + FORMAT + "); to start from plain weights, load them "
                        + "into the module and train with initialize=false");
            }
            Map<String, int[]> extra = new LinkedHashMap<>();
            Sgd.State now = sgd.exportState();
            Map<String, Parameter> params = module.namedParameters();
            for (String k : now.momentumBuffers().keySet()) {
                extra.put(MOMENTUM + k, params.get(k).shape().dims());
            }
            if (ema != null) {
                ema.averages().forEach((k, t) -> extra.put(EMA + k, t.shape().dims()));
            }
            Set<String> expected = new LinkedHashSet<>();
            ModuleState.entries(module).forEach(e -> expected.add(e.name()));
            expected.addAll(extra.keySet());
            List<String> missing = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            for (String k : expected) {
                if (!r.tensors().containsKey(k)) {
                    missing.add(k);
                }
            }
            Set<String> unexpected = new LinkedHashSet<>(r.tensors().keySet());
            unexpected.removeAll(expected);
            for (Map.Entry<String, int[]> e : extra.entrySet()) {
                Safetensors.Info info = r.tensors().get(e.getKey());
                if (info != null && (!Arrays.equals(info.shape(), e.getValue()) || !info.dtype().isFloat())) {
                    problems.add(e.getKey() + ": file " + info.dtype() + " " + info.shapeString() + ", expected float "
                            + Arrays.toString(e.getValue()));
                }
            }
            if (!missing.isEmpty() || !unexpected.isEmpty() || !problems.isEmpty()) {
                throw new CheckpointException(file + " does not fit this model and training configuration:"
                        + (missing.isEmpty() ? "" : "\n  missing (" + missing.size() + "): " + abbreviate(missing))
                        + (unexpected.isEmpty() ? "" : "\n  unexpected (" + unexpected.size() + "): " + abbreviate(new ArrayList<>(unexpected)))
                        + (problems.isEmpty() ? "" : "\n  mis-shaped: " + String.join("; ", problems))
                        + "\n  (momentum and EMA entries must match the configured momentum and EMA decay)");
            }
            long step = parseLong(meta, "step", file);
            Map<String, float[]> bufs = new LinkedHashMap<>();
            for (String k : now.momentumBuffers().keySet()) {
                bufs.put(k, r.readFloats(MOMENTUM + k));
            }
            Map<String, float[]> averages = new LinkedHashMap<>();
            if (ema != null) {
                for (String k : ema.averages().keySet()) {
                    averages.put(k, r.readFloats(EMA + k));
                }
            }
            ModuleState.load(module, r, false);
            sgd.importState(new Sgd.State(step, bufs));
            averages.forEach((k, v) -> System.arraycopy(v, 0, ema.averages().get(k).data(), 0, v.length));
            return meta;
        }
    }

    static long parseLong(Map<String, String> meta, String key, Path file) {
        String v = meta.get(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException | NullPointerException e) {
            throw new CheckpointException(file + ": metadata \"" + key + "\" is " + (v == null ? "missing" : "\"" + v + "\"")
                    + ", expected an integer");
        }
    }

    static double parseDouble(Map<String, String> meta, String key, Path file) {
        String v = meta.get(key);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException | NullPointerException e) {
            throw new CheckpointException(file + ": metadata \"" + key + "\" is " + (v == null ? "missing" : "\"" + v + "\"")
                    + ", expected a number");
        }
    }

    private static String abbreviate(List<String> keys) {
        return keys.size() <= 8 ? String.join(", ", keys)
                : String.join(", ", keys.subList(0, 8)) + ", ... (" + (keys.size() - 8) + " more)";
    }
}
