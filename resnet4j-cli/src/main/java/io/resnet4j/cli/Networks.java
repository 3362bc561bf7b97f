package io.resnet4j.cli;

import io.resnet4j.cli.input.Preprocess;
import io.resnet4j.io.CheckpointException;
import io.resnet4j.io.Safetensors;
import io.resnet4j.models.ModelCheckpoint;
import io.resnet4j.models.ResNet;
import io.resnet4j.models.ResNetSpec;
import io.resnet4j.nn.Sequential;
import io.resnet4j.onnx.OnnxModel;
import io.resnet4j.tensor.Shape;
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
        ResNetSpec spec = loaded.card().spec();
        List<String> classes = loaded.card().classNames().isEmpty() ? numbered(spec.numClasses())
                : loaded.card().classNames();
        int size = positive(meta, IMAGE_SIZE, file, defaultSize(spec));
        int resize = positive(meta, RESIZE, file, defaultResize(spec, size));
        float[][] norm = normalization(loaded.card().normalization(), spec.inputChannels());
        return new Network(loaded.model(), spec.inputChannels(), classes, norm[0], norm[1], size, resize,
                loaded.card().name() + " from " + file);
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
     * An ONNX model (e.g. exported from PyTorch): its input shape fixes channels and image size; ImageNet
     * normalisation unless it has one channel; classes from {@code classesFile} or numbered.
     */
    static Network fromOnnx(Path file, Path classesFile) {
        if (!Files.isRegularFile(file)) {
            throw new UserError("file not found: " + file + " (check the path)");
        }
        OnnxModel m;
        try {
            m = OnnxModel.load(file);
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
        Shape in = m.inputShape();
        if (in.rank() != 4) {
            throw new UserError(file + " takes an input of shape " + in + "; predict needs an image input (N, C, H, W)");
        }
        Shape out = m.module().outputShape(in);
        if (out.rank() != 2) {
            throw new UserError(file + " gives an output of shape " + out + "; predict needs class scores (N, K)");
        }
        int k = out.dim(1);
        List<String> classes = classesFile != null ? readClasses(classesFile, k) : numbered(k);
        float[][] norm = normalization(null, in.dim(1));
        int size = in.dim(2);
        int resize = size == 224 ? 256 : size;
        return new Network(m.module(), in.dim(1), classes, norm[0], norm[1], size, resize,
                file.getFileName() + " (ONNX, " + m.metadata().getOrDefault("producer_name", "?") + ")");
    }

    static int defaultSize(ResNetSpec spec) {
        return spec.stem() == ResNetSpec.Stem.IMAGENET ? 224 : 32;
    }

    /** torchvision's ImageNet evaluation resizes 256 for a 224 crop; small-image nets take the image as it is. */
    static int defaultResize(ResNetSpec spec, int size) {
        return spec.stem() == ResNetSpec.Stem.IMAGENET ? size * 256 / 224 : size;
    }

    private static Map<String, String> metadata(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserError("file not found: " + file + " (check the path)");
        }
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
    private static float[][] normalization(ModelCheckpoint.Normalization n, int channels) {
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
            if (!Files.isRegularFile(file)) {
                throw new UserError("file not found: " + file + " (--classes takes a text file, one class name per line)");
            }
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
