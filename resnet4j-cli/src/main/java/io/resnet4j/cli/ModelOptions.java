package io.resnet4j.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The model options shared by summary, bench and predict: which network and the shape of its input and output. */
final class ModelOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--model", paramLabel = "NAME",
            description = "A model name from 'resnet4j models', e.g. resnet50 or resnet20.")
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

    /** The model name, or a one-line error naming the flag when it was not given. */
    String requireModel() {
        if (model == null || model.isBlank()) {
            throw new ParameterException(mixee.commandLine(),
                    "--model is required; 'resnet4j models' lists the names (e.g. --model resnet50)");
        }
        return model;
    }
}
