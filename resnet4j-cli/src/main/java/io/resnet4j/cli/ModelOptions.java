package io.resnet4j.cli;

import io.resnet4j.models.ModelRegistry;
import io.resnet4j.models.ResNetSpec;
import io.resnet4j.nn.Module;
import io.resnet4j.tensor.Shape;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The model options shared by summary, bench and predict: which network and the shape of its input and output. */
final class ModelOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--model", paramLabel = "NAME",
            description = "A model name from 'resnet4j models', e.g. resnet50 or resnet20 (summary, predict, eval and "
                    + "bench: or an ONNX file, FILE.onnx).")
    String model;

    Integer inChannels;
    Integer numClasses;
    Integer inputSize;

    @Option(names = "--in-channels", paramLabel = "C",
            description = "Input channels (default: the model's, 3 for RGB; 1 for grey images).")
    void setInChannels(int c) {
        inChannels = check("--in-channels", c, 1, 4096);
    }

    @Option(names = "--num-classes", paramLabel = "K", description = "Output classes (default: the model's).")
    void setNumClasses(int k) {
        numClasses = check("--num-classes", k, 1, 1_000_000);
    }

    @Option(names = "--input-size", paramLabel = "H",
            description = "Height and width of the input images (default: the model's, 224 or 32).")
    void setInputSize(int h) {
        inputSize = check("--input-size", h, 1, 8192);
    }

    private int check(String flag, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ParameterException(mixee.commandLine(),
                    flag + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** The spec of {@code --model} with {@code --in-channels} and {@code --num-classes} applied. */
    ResNetSpec spec() {
        String name = requireModel();
        if (isOnnx()) {
            throw new ParameterException(mixee.commandLine(), "--model " + name + ": this command takes a registry "
                    + "model name ('resnet4j models'); ONNX files go to summary, predict, eval and bench");
        }
        ResNetSpec spec;
        try {
            spec = ModelRegistry.spec(name);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), "--model: " + e.getMessage());
        }
        try {
            if (inChannels != null) {
                spec = spec.withInputChannels(inChannels);
            }
            if (numClasses != null) {
                spec = spec.withNumClasses(numClasses);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), name + ": " + e.getMessage());
        }
        return spec;
    }

    /** {@code --input-size}, or the size the model's stem is made for: 224 (ImageNet) or 32 (CIFAR). */
    int inputSize(ResNetSpec spec) {
        if (inputSize != null) {
            return inputSize;
        }
        return spec.stem() == ResNetSpec.Stem.IMAGENET ? 224 : 32;
    }

    /** The input shape (1, C, H, H), checked against the network: a too small image is a flag error. */
    Shape inputShape(ResNetSpec spec, Module model, int batch) {
        int h = inputSize(spec);
        Shape in = Shape.of(batch, spec.inputChannels(), h, h);
        try {
            model.outputShape(in);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), "--input-size " + h + " does not fit " + model()
                    + ": " + e.getMessage());
        }
        return in;
    }

    private String model() {
        return model;
    }

    /** True when {@code --model} names an ONNX file (FILE.onnx) rather than a registry model. */
    boolean isOnnx() {
        return model != null && model.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx");
    }

    /** The model name, or a one-line error naming the flag when it was not given. */
    String requireModel() {
        if (model == null || model.isBlank()) {
            throw new ParameterException(mixee.commandLine(),
                    "--model is required; 'resnet4j models' lists the names (e.g. --model resnet50)");
        }
        return model;
    }
}
