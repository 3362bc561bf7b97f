package io.resnet4j.cli;

import io.resnet4j.cli.input.Preprocess;
import io.resnet4j.io.CheckpointException;
import io.resnet4j.io.Safetensors;
import io.resnet4j.models.ModelCheckpoint;
import io.resnet4j.models.ResNet;
import io.resnet4j.models.ResNetSpec;
import io.resnet4j.kernels.Kernels;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Sequential;
import io.resnet4j.onnx.OnnxException;
import io.resnet4j.onnx.OnnxModel;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link Network}s from what the user names: a model checkpoint written by {@code train} (weights plus a
 * model card and the image preprocessing), or a registry name with a weights file (e.g. a converted torchvision
 * state_dict).
 */
final class Networks {
    /** Metadata the CLI adds to model checkpoints: the image side the network was trained on. */
    static final String IMAGE_SIZE = "resnet4j.image_size";
    /** Shorter side images are resized to before the centre crop. */
    static final String RESIZE = "resnet4j.resize";
    /** The dataset id the model was trained on (eval's default dataset). */
    static final String DATASET = "resnet4j.dataset";
    /** The file name of the model checkpoint in a run directory. */
    static final String MODEL_FILE = "model.safetensors";

    private Networks() {
    }

    /** The network of a model checkpoint (one with a model card, as {@code train} writes). */
    static Network fromCheckpoint(Path file) {
        Map<String, String> meta = metadata(file);
        if (!meta.containsKey(ModelCheckpoint.SPEC)) {
            Path model = file.toAbsolutePath().resolveSibling(MODEL_FILE);
            throw new UserError(file + " does not say which network it holds (no model card: a training state or a "
                    + "plain state_dict); " + (Files.isRegularFile(model) && !model.equals(file.toAbsolutePath())
                    ? "use --checkpoint " + model : "use --model NAME --weights " + file));
        }
        ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(file);
        requireFinite(loaded.model(), file);
        ResNetSpec spec = loaded.card().spec();
        List<String> classes = loaded.card().classNames().isEmpty() ? numbered(spec.numClasses())
                : loaded.card().classNames();
        int size = positive(meta, IMAGE_SIZE, file, defaultSize(spec));
        int resize = positive(meta, RESIZE, file, defaultResize(spec, size));
        float[][] norm = normalization(loaded.card().normalization(), spec.inputChannels());
        return new Network(loaded.model(), spec.inputChannels(), classes, norm[0], norm[1], size, resize,
                loaded.card().name() + " from " + file);
    }

    /**
     * A NaN or infinite weight or statistic (the state of a diverged run) would make every score NaN: evaluated,
     * predicted or exported, the model is refused by name.
     */
    static void requireFinite(Module net, Path file) {
        Map<String, Tensor> state = new java.util.LinkedHashMap<>();
        net.namedParameters().forEach((name, p) -> state.put(name, p.value()));
        state.putAll(net.namedBuffers());
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            Tensor t = e.getValue();
            if (!Kernels.OPTIM.allFinite(t.numel(), t.data(), 0)) {
                throw new UserError(file + ": " + e.getKey() + " holds NaN or infinite values (the state of a "
                        + "diverged run?); use a checkpoint from before the divergence");
            }
        }
    }

    /** A registry network with the weights of {@code weights} (strict: every tensor must fit). */
    static Network fromWeights(String name, ResNetSpec spec, Integer inputSize, Path weights, Path classesFile) {
        Map<String, String> meta = metadata(weights);
        Sequential net = ResNet.build(spec);
        try {
            ModelCheckpoint.loadWeights(net, weights);
        } catch (CheckpointException e) {
            throw new UserError(weights + " does not fit " + name + " (" + e.getMessage() + "); check --model, "
                    + "--in-channels and --num-classes");
        }
        requireFinite(net, weights);
        List<String> classes = numbered(spec.numClasses());
        ModelCheckpoint.Normalization n = null;
        if (meta.containsKey(ModelCheckpoint.SPEC)) {
            ModelCheckpoint.ModelCard card = ModelCheckpoint.readCard(weights);
            if (!card.classNames().isEmpty() && card.classNames().size() == spec.numClasses()) {
                classes = card.classNames();
            }
            n = card.normalization();
        }
        if (classesFile != null) {
            classes = readClasses(classesFile, spec.numClasses());
        }
        int size = inputSize != null ? inputSize : positive(meta, IMAGE_SIZE, weights, defaultSize(spec));
        int resize = inputSize != null ? defaultResize(spec, size) : positive(meta, RESIZE, weights, defaultResize(spec, size));
        float[][] norm = normalization(n, spec.inputChannels());
        return new Network(net, spec.inputChannels(), classes, norm[0], norm[1], size, resize,
                name + " with weights " + weights);
    }

    /**
     * An imported ONNX model and what its metadata_props say (resnet4j's exporter writes the model card's keys;
     * files from elsewhere usually have none of them: then the fields are null).
     *
     * @param height        input height of the file (or of {@code --input-size})
     * @param width         input width
     * @param classes       output classes, or -1 when the output is not (N, K)
     * @param classNames    {@value ModelCheckpoint#CLASSES} from the metadata, or null
     * @param normalization {@value ModelCheckpoint#NORMALIZATION} from the metadata, or null
     * @param resize        {@value #RESIZE} from the metadata, or null
     * @param dataset       {@value #DATASET} from the metadata, or null
     */
    record OnnxNetwork(Path file, OnnxModel model, int channels, int height, int width, int classes,
                       List<String> classNames, ModelCheckpoint.Normalization normalization, Integer resize,
                       String dataset) {
        /** "resnet20.onnx (ONNX from resnet4j dev, opset 13)". */
        String description() {
            Map<String, String> m = model.metadata();
            String producer = (m.getOrDefault("producer_name", "") + " " + m.getOrDefault("producer_version", "")).strip();
            return file.getFileName() + " (ONNX" + (producer.isEmpty() ? "" : " from " + producer) + ", opset "
                    + m.getOrDefault("opset", "?") + ")";
        }
    }

    /**
     * Imports an ONNX file for its own input shape (batch 1), or with height and width {@code size} when given.
     * With {@code classifier}, the file must take images (N, C, H, W) and give class scores (N, K).
     */
    static OnnxNetwork loadOnnx(Path file, Integer size, boolean classifier) {
        UserFiles.requireFile(file, "check the path");
        OnnxModel m = load(file, null);
        Shape in = m.inputShape();
        if (in.rank() != 4) {
            if (classifier || size != null) {
                throw new UserError(file + " takes an input of shape " + in + "; an image input (N, C, H, W) is needed");
            }
        } else if (size != null && (size != in.dim(2) || size != in.dim(3))) {
            try {
                m = loadReshaped(file, Shape.of(1, in.dim(1), size, size));
            } catch (OnnxException | IllegalArgumentException e) {
                throw new UserError("--input-size " + size + " does not fit " + file.getFileName() + " (made for "
                        + in.dim(2) + "x" + in.dim(3) + " inputs): " + e.getMessage());
            }
            in = m.inputShape();
        }
        Shape out = m.module().outputShape(in);
        if (classifier && out.rank() != 2) {
            throw new UserError(file + " gives an output of shape " + out + "; class scores (N, K) are needed");
        }
        int k = out.rank() == 2 ? out.dim(1) : -1;
        int channels = in.rank() == 4 ? in.dim(1) : -1;
        Map<String, String> meta = m.metadata();
        List<String> names = null;
        ModelCheckpoint.Normalization norm = null;
        try {
            if (meta.containsKey(ModelCheckpoint.CLASSES)) {
                names = ModelCheckpoint.parseClassNames(meta.get(ModelCheckpoint.CLASSES));
                if (names.size() != k) {
                    throw new IllegalArgumentException(names.size() + " names for a model with " + k + " classes");
                }
            }
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": bad " + ModelCheckpoint.CLASSES + " metadata (" + e.getMessage() + ")");
        }
        try {
            if (meta.containsKey(ModelCheckpoint.NORMALIZATION)) {
                norm = ModelCheckpoint.parseNormalization(meta.get(ModelCheckpoint.NORMALIZATION));
                if (norm.mean().size() != channels) {
                    throw new IllegalArgumentException(norm.mean().size() + " channels for a model with " + channels);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": bad " + ModelCheckpoint.NORMALIZATION + " metadata (" + e.getMessage() + ")");
        }
        Integer resize = meta.containsKey(RESIZE) ? positive(meta, RESIZE, file, 0) : null;
        return new OnnxNetwork(file, m, channels, in.rank() == 4 ? in.dim(2) : -1, in.rank() == 4 ? in.dim(3) : -1, k,
                names, norm, resize, meta.get(DATASET));
    }

    /** Imports {@code file} for {@code shape} (null: its own); read errors are the user's (one line, exit 2). */
    static OnnxModel load(Path file, Shape shape) {
        try {
            return OnnxModel.load(file, shape);
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Imports {@code file} for {@code shape} in place of the input shape it declares (see OnnxModel.loadReshaped). */
    static OnnxModel loadReshaped(Path file, Shape shape) {
        try {
            return OnnxModel.loadReshaped(file, shape);
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * An ONNX model (e.g. exported from PyTorch) for predict: its input shape fixes channels and image size;
     * normalisation and class names from its metadata (as resnet4j's export writes them), else ImageNet
     * normalisation (grey for one channel) and numbered classes; {@code classesFile} overrides the names.
     */
    static Network fromOnnx(Path file, Path classesFile) {
        OnnxNetwork o = loadOnnx(file, null, true);
        List<String> classes = classesFile != null ? readClasses(classesFile, o.classes())
                : o.classNames() != null ? o.classNames() : numbered(o.classes());
        float[][] norm = normalization(o.normalization(), o.channels());
        int size = o.height();
        int resize = o.resize() != null ? o.resize() : size == 224 ? 256 : size;
        return new Network(o.model().module(), o.channels(), classes, norm[0], norm[1], size, resize, o.description());
    }

    /**
     * The metadata_props of an ONNX export of a network with the model card {@code card} (null: none) exported
     * for images of side {@code size}: the card's class names and normalisation (when they fit the network), the
     * model name, the dataset, and the resize before the centre crop, so that predict and eval on the ONNX file
     * prepare images as for the checkpoint.
     */
    static Map<String, String> exportMetadata(ModelCheckpoint.ModelCard card, Map<String, String> fileMeta, Network net,
                                              int size) {
        Map<String, String> meta = new java.util.LinkedHashMap<>();
        if (card == null) {
            return meta;
        }
        meta.put(ModelCheckpoint.MODEL, card.name());
        if (card.classNames().size() == net.numClasses()) {
            meta.put(ModelCheckpoint.CLASSES, io.resnet4j.io.Json.write(card.classNames()));
        }
        if (card.normalization() != null && card.normalization().mean().size() == net.inChannels()) {
            meta.put(ModelCheckpoint.NORMALIZATION, ModelCheckpoint.toJson(card.normalization()));
        }
        if (fileMeta.containsKey(DATASET)) {
            meta.put(DATASET, fileMeta.get(DATASET));
        }
        if (size == net.imageSize()) {
            meta.put(RESIZE, Integer.toString(net.resize()));
        }
        return meta;
    }

    static int defaultSize(ResNetSpec spec) {
        return spec.stem() == ResNetSpec.Stem.IMAGENET ? 224 : 32;
    }

    /** torchvision's ImageNet evaluation resizes 256 for a 224 crop; small-image nets take the image as it is. */
    static int defaultResize(ResNetSpec spec, int size) {
        return spec.stem() == ResNetSpec.Stem.IMAGENET ? size * 256 / 224 : size;
    }

    /** The safetensors metadata of {@code file} (a checkpoint or weights file). */
    static Map<String, String> metadata(Path file) {
        UserFiles.requireFile(file, "check the path");
        try (Safetensors.Reader r = Safetensors.open(file)) {
            return r.metadata();
        }
    }

    private static int positive(Map<String, String> meta, String key, Path file, int fallback) {
        String v = meta.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1 && n <= 8192) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UserError(file + ": bad " + key + " metadata '" + v + "' (expected an image side in pixels)");
    }

    /** Mean and std as floats: the card's, else ImageNet's for 3 channels, else mean 0.5 / std 0.25 ... */
    static float[][] normalization(ModelCheckpoint.Normalization n, int channels) {
        float[] mean = new float[channels];
        float[] std = new float[channels];
        for (int c = 0; c < channels; c++) {
            if (n != null) {
                mean[c] = n.mean().get(c).floatValue();
                std[c] = n.std().get(c).floatValue();
            } else if (channels == 3) {
                mean[c] = Preprocess.IMAGENET_MEAN[c];
                std[c] = Preprocess.IMAGENET_STD[c];
            } else {
                // No recorded statistics: the grey value of ImageNet's mean and std.
                mean[c] = 0.449f;
                std[c] = 0.226f;
            }
        }
        return new float[][] {mean, std};
    }

    static List<String> numbered(int k) {
        List<String> names = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            names.add("class " + i);
        }
        return names;
    }

    static List<String> readClasses(Path file, int expected) {
        try {
            UserFiles.requireFile(file, "--classes takes a text file, one class name per line");
            if (Files.size(file) > (16L << 20)) {
                throw new UserError(file + " is too large for a list of class names");
            }
            List<String> names = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    names.add(line.strip());
                }
            }
            if (names.size() != expected) {
                throw new UserError(file + " has " + names.size() + " class names but the model has " + expected
                        + " classes (one name per line)");
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
