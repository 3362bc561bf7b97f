package io.resnet4j.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code resnet4j predict}: top-k classes of images or arrays. */
@Command(name = "predict",
        description = {
            "Classify images (PNG/JPEG: resized and centre-cropped per the checkpoint, ImageNet defaults otherwise) or "
                    + ".npy float32 arrays of shape (N,C,H,W) or (C,H,W), used as they are.",
            "Select the network with --checkpoint FILE, --model NAME --weights FILE.safetensors, or --model FILE.onnx."
        },
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j predict --checkpoint runs/fashion-mnist-resnet20/model.safetensors shoe.png",
            "  ./resnet4j predict --model resnet50 --weights resnet50.safetensors --top 3 cat.jpg dog.jpg",
            "  ./resnet4j predict --model resnet18.onnx --classes imagenet-classes.txt cat.jpg",
            "  ./resnet4j predict --checkpoint runs/fashion-mnist-resnet20/model.safetensors --json batch.npy"
        })
final class PredictCommand extends BaseCommand {
    @Mixin
    ModelOptions model;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--weights", paramLabel = "FILE", description = "Weights (.safetensors) for --model.")
    Path weights;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "A checkpoint written by train (holds model and classes).")
    Path checkpoint;

    @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "Classes to print per input (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--json",
            description = "One JSON object per input: input, index, top (class, label, probability, logit), logits.")
    boolean json;

    @Option(names = "--classes", paramLabel = "FILE",
            description = "Class names, one per line (default: the checkpoint's, else 'class N').")
    Path classes;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Images (.png, .jpg, .jpeg) or arrays (.npy).")
    List<Path> inputs;

    @Override
    public Integer call() {
        requireRange("--top", top, 1, 1_000_000);
        if (checkpoint == null && model.model == null) {
            throw badFlag("give --checkpoint FILE, or --model NAME with --weights FILE.safetensors");
        }
        if (checkpoint != null && (model.model != null || weights != null)) {
            throw badFlag("--checkpoint already names the model and weights; drop --model/--weights");
        }
        boolean onnx = model.isOnnx();
        if (onnx && weights != null) {
            throw badFlag("--model " + model.model + " is an ONNX file with its weights inside; drop --weights");
        }
        if ((checkpoint != null || onnx) && (model.inChannels != null || model.numClasses != null
                || model.inputSize != null)) {
            // The file fixes the network's input and classes, and images are prepared as it records.
            throw badFlag((checkpoint != null ? "--checkpoint" : "--model " + model.model) + " already fixes the "
                    + "input channels, input size and classes; drop --in-channels/--num-classes/--input-size");
        }
        if (checkpoint == null && weights == null && !onnx) {
            throw badFlag("--model " + model.model + " needs --weights FILE.safetensors (untrained weights predict "
                    + "nothing useful)");
        }
        threads.apply();
        Network net;
        if (checkpoint != null) {
            net = Networks.fromCheckpoint(checkpoint);
            if (classes != null) {
                net = new Network(net.module(), net.inChannels(), Networks.readClasses(classes, net.numClasses()),
                        net.mean(), net.std(), net.imageSize(), net.resize(), net.description());
            }
        } else if (onnx) {
            net = Networks.fromOnnx(Path.of(model.model), classes);
        } else {
            net = Networks.fromWeights(model.model, model.spec(), model.inputSize, weights, classes);
        }
        new Predictor(net, top, json, out()).run(inputs);
        return 0;
    }
}
