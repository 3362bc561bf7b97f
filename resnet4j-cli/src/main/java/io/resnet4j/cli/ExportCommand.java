package io.resnet4j.cli;

import io.resnet4j.io.AtomicFiles;
import io.resnet4j.models.ModelCheckpoint;
import io.resnet4j.models.ResNet;
import io.resnet4j.models.ResNetSpec;
import io.resnet4j.nn.Sequential;
import io.resnet4j.onnx.OnnxExport;
import io.resnet4j.tensor.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet4j export}: a model as ONNX for other runtimes. */
@Command(name = "export",
        description = "Export a model to ONNX (opset 13, symbolic batch; parameter names are torchvision's "
                + "state_dict keys): a checkpoint written by train, or a registry model with --weights (or "
                + "untrained, seed 0, to test a runtime). The checkpoint's class names, input normalisation and "
                + "dataset go into the file's metadata_props, so predict and eval --model FILE.onnx use them.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j export --checkpoint runs/fashion-mnist-resnet20/model.safetensors --out resnet20.onnx",
            "  ./resnet4j export --model resnet50 --weights resnet50.safetensors --out resnet50.onnx",
            "  ./resnet4j export --format onnx --model resnet18 --input-size 112 --out resnet18-random.onnx"
        })
final class ExportCommand extends BaseCommand {
    enum Format { onnx }

    @Mixin
    ModelOptions model;

    @Option(names = "--format", paramLabel = "F", defaultValue = "onnx", description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "A model checkpoint written by train.")
    Path checkpoint;

    @Option(names = "--weights", paramLabel = "FILE", description = "Weights (.safetensors) for --model.")
    Path weights;

    @Option(names = "--out", paramLabel = "FILE", required = true,
            description = "The ONNX file to write, e.g. model.onnx: a name ending in .onnx, in an existing directory, "
                    + "not an input file.")
    Path out;

    @Override
    public Integer call() {
        if (checkpoint == null && model.model == null) {
            throw badFlag("give --checkpoint FILE, or --model NAME (with --weights FILE.safetensors)");
        }
        if (checkpoint != null && (model.model != null || weights != null)) {
            throw badFlag("--checkpoint already names the model and weights; drop --model/--weights");
        }
        if (checkpoint != null && (model.inChannels != null || model.numClasses != null)) {
            throw badFlag("--checkpoint already fixes the input channels and classes; "
                    + "drop --in-channels/--num-classes");
        }
        checkOut();
        Sequential net;
        int channels;
        int size;
        String what;
        // The model card (class names, normalisation) and preprocessing go into the ONNX metadata_props.
        Map<String, String> meta = Map.of();
        if (checkpoint != null) {
            Network n = Networks.fromCheckpoint(checkpoint);
            net = (Sequential) n.module();
            channels = n.inChannels();
            size = model.inputSize != null ? model.inputSize : n.imageSize();
            what = n.description();
            meta = Networks.exportMetadata(ModelCheckpoint.readCard(checkpoint), Networks.metadata(checkpoint), n, size);
        } else {
            ResNetSpec spec = model.spec();
            if (weights != null) {
                Network n = Networks.fromWeights(model.model, spec, model.inputSize, weights, null);
                net = (Sequential) n.module();
                what = model.model + " with weights " + weights;
                Map<String, String> fileMeta = Networks.metadata(weights);
                if (fileMeta.containsKey(ModelCheckpoint.SPEC)) {
                    meta = Networks.exportMetadata(ModelCheckpoint.readCard(weights), fileMeta, n, model.inputSize(spec));
                }
            } else {
                net = ResNet.build(spec, 0);
                what = model.model + " (untrained, seed 0)";
            }
            channels = spec.inputChannels();
            size = model.inputSize(spec);
        }
        net.train(false);
        Shape in = Shape.of(1, channels, size, size);
        try {
            net.outputShape(in);
        } catch (IllegalArgumentException e) {
            throw badFlag("--input-size " + size + " does not fit the model: " + e.getMessage());
        }
        try {
            OnnxExport.export(net, in, out, meta);
        } catch (IOException e) {
            // The exporter writes a temporary file first: the message names the user's file before that one.
            throw new UserError(AtomicFiles.failure(out, e).getMessage(), e);
        }
        out().println("wrote " + out + ": " + what + ", input (N, " + channels + ", " + size + ", " + size + "), "
                + format + " opset " + OnnxExport.OPSET + (meta.containsKey(ModelCheckpoint.NORMALIZATION)
                || meta.containsKey(ModelCheckpoint.CLASSES) ? "; metadata: " + String.join(", ", meta.keySet()) : ""));
        return 0;
    }

    /** --out before any work: an ONNX file name, none of the inputs, not a directory, in a writable directory. */
    private void checkOut() {
        UserFiles.requireDistinct("--out", out, "--checkpoint", checkpoint);
        UserFiles.requireDistinct("--out", out, "--weights", weights);
        Path name = out.getFileName();
        if (name == null || !name.toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            throw badFlag("--out takes the name of the ONNX file to write, ending in .onnx (e.g. --out model.onnx), "
                    + "got '" + out + "'");
        }
        UserFiles.requireWritableFile(out);
    }
}
