package io.resnet4j.cli;

import io.resnet4j.cli.input.Preprocess;
import io.resnet4j.nn.Module;
import java.util.List;

/**
 * A network ready for inference: the module (in eval mode), the input channels and image size it expects,
 * its class names, and how images are prepared for it.
 *
 * @param description one line naming the model and where its weights came from
 */
record Network(Module module, int inChannels, int inputSize, List<String> classNames, Preprocess preprocess,
               String description) {
    Network {
        classNames = List.copyOf(classNames);
        module.train(false);
    }

    int numClasses() {
        return classNames.size();
    }
}
