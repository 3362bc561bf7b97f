package io.resnet4j.cli;

import io.resnet4j.cli.input.Preprocess;
import io.resnet4j.nn.Module;
import java.util.List;

/**
 * A network ready for inference: the module (switched to eval mode), the input channels, its class names, and
 * how images are prepared for it (normalisation, image size, resize before the centre crop).
 *
 * @param description one line naming the model and where its weights came from
 */
record Network(Module module, int inChannels, List<String> classNames, float[] mean, float[] std, int imageSize,
               int resize, String description) {
    Network {
        classNames = List.copyOf(classNames);
        module.train(false);
    }

    int numClasses() {
        return classNames.size();
    }

    /** How an image becomes this network's input; images need a 1- or 3-channel network. */
    Preprocess preprocess() {
        try {
            return new Preprocess(inChannels, resize, imageSize, mean, std);
        } catch (IllegalArgumentException e) {
            throw new UserError("cannot prepare images for this network: " + e.getMessage());
        }
    }
}
