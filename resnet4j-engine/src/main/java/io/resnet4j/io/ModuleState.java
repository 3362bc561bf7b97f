package io.resnet4j.io;

import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
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
 * A module's state under torchvision's state_dict keys: every parameter ({@code layer1.0.conv1.weight}),
 * every buffer ({@code bn1.running_mean}, {@code bn1.running_var}) and, for each batch norm, the int64
 * {@code bn1.num_batches_tracked}. A torchvision {@code state_dict} saved with safetensors loads as it is.
 */
public final class ModuleState {
    private static final String NUM_BATCHES = "num_batches_tracked";

    private ModuleState() {
    }

    /** The module's tensors as safetensors entries, parameters then buffers, in registration order. */
    public static List<Safetensors.Entry> entries(Module module) {
        List<Safetensors.Entry> out = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) {
            out.add(f32(e.getKey(), e.getValue().value()));
        }
        for (Map.Entry<String, Tensor> e : module.namedBuffers().entrySet()) {
            out.add(f32(e.getKey(), e.getValue()));
        }
        for (Map.Entry<String, BatchNorm2d> e : batchNorms(module).entrySet()) {
            out.add(Safetensors.Entry.i64Scalar(join(e.getKey(), NUM_BATCHES), e.getValue().numBatchesTracked()));
        }
        return out;
    }

    private static Safetensors.Entry f32(String name, Tensor t) {
        return Safetensors.Entry.f32(name, t.shape().dims(), t.data());
    }

    /** Writes the module's state (and string metadata) to {@code file}, atomically. */
    public static void save(Module module, Path file, Map<String, String> metadata) {
        Safetensors.write(file, metadata, entries(module));
    }

    /** Loads {@code file} into the module, strictly: see {@link #load(Module, Safetensors.Reader, boolean)}. */
    public static void load(Module module, Path file) {
        try (Safetensors.Reader r = Safetensors.open(file)) {
            load(module, r, true);
        }
    }

    /**
     * Copies the file's tensors into the module. Every mis-shaped tensor is an error; in strict mode so is every
     * missing or unexpected one (all are listed in one message). {@code num_batches_tracked} may be absent
     * (older PyTorch checkpoints lack it; it then stays as it is). Float tensors of F64/F16/BF16 are converted.
     * Nothing is changed unless the whole file fits.
     *
     * @return the keys of the file that the module does not have (empty in strict mode)
     */
    public static Set<String> load(Module module, Safetensors.Reader file, boolean strict) {
        Map<String, Tensor> targets = new LinkedHashMap<>();
        module.namedParameters().forEach((k, p) -> targets.put(k, p.value()));
        targets.putAll(module.namedBuffers());
        Map<String, BatchNorm2d> norms = new LinkedHashMap<>();
        batchNorms(module).forEach((k, bn) -> norms.put(join(k, NUM_BATCHES), bn));

        Map<String, Safetensors.Info> present = file.tensors();
        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        Set<String> unexpected = new LinkedHashSet<>(present.keySet());
        for (Map.Entry<String, Tensor> e : targets.entrySet()) {
            Safetensors.Info info = present.get(e.getKey());
            unexpected.remove(e.getKey());
            if (info == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(info.shape(), e.getValue().shape().dims())) {
                misShaped.add(e.getKey() + ": file " + info.shapeString() + ", model " + Arrays.toString(e.getValue().shape().dims()));
            } else if (!info.dtype().isFloat()) {
                misShaped.add(e.getKey() + ": file has " + info.dtype() + ", expected a float type");
            }
        }
        for (String k : norms.keySet()) {
            Safetensors.Info info = present.get(k);
            unexpected.remove(k);
            if (info != null && (info.numel() != 1 || info.dtype().isFloat())) {
                misShaped.add(k + ": expected one integer, file has " + info.dtype() + " " + info.shapeString());
            }
        }
        StringBuilder problems = new StringBuilder();
        if (!misShaped.isEmpty()) {
            problems.append("\n  shape/type mismatch (").append(misShaped.size()).append("): ")
                    .append(abbreviate(misShaped, "; "));
        }
        if (strict && !missing.isEmpty()) {
            problems.append("\n  missing (").append(missing.size()).append("): ").append(abbreviate(missing, ", "));
        }
        if (strict && !unexpected.isEmpty()) {
            problems.append("\n  unexpected (").append(unexpected.size()).append("): ")
                    .append(abbreviate(new ArrayList<>(unexpected), ", "));
        }
        if (problems.length() > 0) {
            throw new CheckpointException(file.file() + " does not fit this model:" + problems
                    + "\n  (is it a checkpoint of another architecture, or with another number of classes or input channels?)");
        }
        Map<String, float[]> values = new LinkedHashMap<>();
        for (String k : targets.keySet()) {
            if (present.containsKey(k)) {
                values.put(k, file.readFloats(k));
            }
        }
        values.forEach((k, v) -> System.arraycopy(v, 0, targets.get(k).data(), 0, v.length));
        for (Map.Entry<String, BatchNorm2d> e : norms.entrySet()) {
            if (present.containsKey(e.getKey())) {
                e.getValue().setNumBatchesTracked(file.readLongs(e.getKey())[0]);
            }
        }
        return strict ? Set.of() : unexpected;
    }

    /** The first 12 entries, so that a model of another architecture gives a readable one-screen error. */
    private static String abbreviate(List<String> keys, String separator) {
        if (keys.size() <= 12) {
            return String.join(separator, keys);
        }
        return String.join(separator, keys.subList(0, 12)) + separator + "... (" + (keys.size() - 12) + " more)";
    }

    private static Map<String, BatchNorm2d> batchNorms(Module module) {
        Map<String, BatchNorm2d> out = new LinkedHashMap<>();
        module.namedModules().forEach((k, m) -> {
            if (m instanceof BatchNorm2d bn) {
                out.put(k, bn);
            }
        });
        return out;
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }
}
