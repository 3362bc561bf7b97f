package io.resnet4j.models;

import io.resnet4j.io.CheckpointException;
import io.resnet4j.io.Json;
import io.resnet4j.io.ModuleState;
import io.resnet4j.io.Safetensors;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Sequential;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model checkpoint: the network's state under torchvision's keys in a safetensors file (see
 * {@link ModuleState}), plus {@code __metadata__} that says how to rebuild and use it:
 *
 * <pre>
 * format                  "pt" (the safetensors convention for torch state_dicts)
 * resnet4j.model          the registry name it was built from, e.g. "resnet20"
 * resnet4j.spec           {@link ResNetSpec#encode()}: rebuilds the exact network
 * resnet4j.classes        JSON array of class names (optional; as many as the spec's classes)
 * resnet4j.normalization  JSON {"mean": [...], "std": [...]}, one value per input channel (optional)
 * </pre>
 *
 * Other metadata (epoch, optimiser and RNG state, written by the trainer) is passed through untouched. A plain
 * torchvision state_dict has none of this: load it into a network built by name with
 * {@link #loadWeights(Module, Path)}.
 */
public final class ModelCheckpoint {
    public static final String MODEL = "resnet4j.model";
    public static final String SPEC = "resnet4j.spec";
    public static final String CLASSES = "resnet4j.classes";
    public static final String NORMALIZATION = "resnet4j.normalization";

    /** Per-channel input normalisation, x' = (x - mean) / std, applied by the data pipeline before the network. */
    public record Normalization(List<Double> mean, List<Double> std) {
        public Normalization {
            mean = List.copyOf(mean);
            std = List.copyOf(std);
            if (mean.isEmpty() || mean.size() != std.size()) {
                throw new IllegalArgumentException("normalisation needs one mean and one std per channel, got "
                        + mean.size() + " and " + std.size());
            }
            for (double s : std) {
                if (!(s > 0) || Double.isInfinite(s)) {
                    throw new IllegalArgumentException("normalisation std must be positive and finite, got " + std);
                }
            }
            for (double m : mean) {
                if (!Double.isFinite(m)) {
                    throw new IllegalArgumentException("normalisation mean must be finite, got " + mean);
                }
            }
        }
    }

    /**
     * What a checkpoint records besides the weights. {@code classNames} may be empty (unnamed classes) and
     * {@code normalization} null (none recorded).
     */
    public record ModelCard(String name, ResNetSpec spec, List<String> classNames, Normalization normalization) {
        public ModelCard {
            if (name == null || name.isBlank() || spec == null) {
                throw new IllegalArgumentException("a model card needs a name and a spec");
            }
            classNames = classNames == null ? List.of() : List.copyOf(classNames);
            if (!classNames.isEmpty() && classNames.size() != spec.numClasses()) {
                throw new IllegalArgumentException(classNames.size() + " class names for a model with "
                        + spec.numClasses() + " classes");
            }
            if (normalization != null && normalization.mean().size() != spec.inputChannels()) {
                throw new IllegalArgumentException("normalisation has " + normalization.mean().size()
                        + " channels, the model takes " + spec.inputChannels());
            }
        }

        /** A card for a registry name, without class names or normalisation. */
        public static ModelCard of(String name) {
            return new ModelCard(name, ModelRegistry.spec(name), List.of(), null);
        }
    }

    /** A loaded checkpoint: its card, the rebuilt network with the stored state, and all metadata. */
    public record Loaded(ModelCard card, Sequential model, Map<String, String> metadata) {
    }

    private ModelCheckpoint() {
    }

    /**
     * Writes the model's state and card (and {@code extra} metadata, e.g. training state) to {@code file},
     * atomically. The model must have been built from {@code card.spec()}.
     */
    public static void save(Path file, Module model, ModelCard card, Map<String, String> extra) {
        Sequential expected = ResNet.build(card.spec());
        if (!expected.namedParameters().keySet().equals(model.namedParameters().keySet())
                || expected.parameterCount() != model.parameterCount()) {
            throw new IllegalArgumentException("the model does not match the card's spec " + card.spec().encode());
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(MODEL, card.name());
        meta.put(SPEC, card.spec().encode());
        if (!card.classNames().isEmpty()) {
            meta.put(CLASSES, Json.write(card.classNames()));
        }
        if (card.normalization() != null) {
            meta.put(NORMALIZATION, toJson(card.normalization()));
        }
        if (extra != null) {
            for (Map.Entry<String, String> e : extra.entrySet()) {
                if (meta.containsKey(e.getKey())) {
                    throw new IllegalArgumentException("metadata key " + e.getKey() + " is reserved for the model card");
                }
                meta.put(e.getKey(), e.getValue());
            }
        }
        ModuleState.save(model, file, meta);
    }

    /** Rebuilds the network a checkpoint describes and loads its state (strictly: every tensor must fit). */
    public static Loaded load(Path file) {
        try (Safetensors.Reader r = Safetensors.open(file)) {
            Map<String, String> meta = r.metadata();
            ModelCard card = card(file, meta);
            // The spec comes from the file: build nothing larger than the tensors the file actually holds.
            long stored = 0;
            for (Safetensors.Info info : r.tensors().values()) {
                stored += info.dtype().isFloat() ? info.numel() : 0;
            }
            if (card.spec().parameterCount() > stored) {
                throw new CheckpointException(file + ": the metadata describes a network of "
                        + card.spec().parameterCount() + " parameters, but the file holds " + stored + " values");
            }
            Sequential model = ResNet.build(card.spec());
            ModuleState.load(model, r, true);
            return new Loaded(card, model, meta);
        }
    }

    /** Reads only the card of a checkpoint (header and metadata; no tensor data). */
    public static ModelCard readCard(Path file) {
        try (Safetensors.Reader r = Safetensors.open(file)) {
            return card(file, r.metadata());
        }
    }

    /**
     * Loads a weights file without a card, e.g. a torchvision state_dict converted to safetensors, into a
     * network built by name: {@code loadWeights(ModelRegistry.build("resnet50", 0), path)}. Strict: missing,
     * unexpected and mis-shaped tensors are listed in one CheckpointException and nothing is changed.
     */
    public static void loadWeights(Module model, Path file) {
        ModuleState.load(model, file);
    }

    private static ModelCard card(Path file, Map<String, String> meta) {
        String spec = meta.get(SPEC);
        if (spec == null) {
            throw new CheckpointException(file + " has no " + SPEC + " metadata, so it does not say which network it "
                    + "holds (a plain state_dict?): build the network by name and use ModelCheckpoint.loadWeights");
        }
        try {
            ResNetSpec s = ResNetSpec.parse(spec);
            String name = meta.getOrDefault(MODEL, "resnet");
            List<String> classes = meta.containsKey(CLASSES) ? parseClassNames(meta.get(CLASSES)) : List.of();
            Normalization norm = meta.containsKey(NORMALIZATION) ? parseNormalization(meta.get(NORMALIZATION)) : null;
            return new ModelCard(name, s, classes, norm);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": bad model metadata: " + e.getMessage(), e);
        }
    }

    /** The value of {@value #NORMALIZATION}: {"mean": [...], "std": [...]}. */
    public static String toJson(Normalization n) {
        Map<String, Object> norm = new LinkedHashMap<>();
        norm.put("mean", n.mean());
        norm.put("std", n.std());
        return Json.write(norm);
    }

    /** Parses a {@value #NORMALIZATION} value (also found in ONNX exports' metadata); IllegalArgumentException if bad. */
    public static Normalization parseNormalization(String json) {
        Map<String, Object> n = Json.parseObject(json);
        return new Normalization(doubles(n.get("mean"), "mean"), doubles(n.get("std"), "std"));
    }

    /** Parses a {@value #CLASSES} value, a JSON array of strings; IllegalArgumentException if bad. */
    public static List<String> parseClassNames(String json) {
        return strings(Json.parse(json), CLASSES);
    }

    private static List<String> strings(Object json, String what) {
        if (!(json instanceof List<?> list)) {
            throw new IllegalArgumentException(what + " must be a JSON array of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) {
                throw new IllegalArgumentException(what + " must be a JSON array of strings, found " + o);
            }
            out.add(s);
        }
        return out;
    }

    private static List<Double> doubles(Object json, String what) {
        if (!(json instanceof List<?> list)) {
            throw new IllegalArgumentException("normalisation " + what + " must be a JSON array of numbers");
        }
        List<Double> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Number n)) {
                throw new IllegalArgumentException("normalisation " + what + " must be a JSON array of numbers, found " + o);
            }
            out.add(n.doubleValue());
        }
        return out;
    }
}
