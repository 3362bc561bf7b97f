package io.resnet4j.cli;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.models.ResNet;
import io.resnet4j.models.ResNetSpec;
import io.resnet4j.nn.CrossEntropyLoss;
import io.resnet4j.nn.Inference;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Sequential;
import io.resnet4j.onnx.OnnxException;
import io.resnet4j.onnx.OnnxGraph;
import io.resnet4j.optim.Sgd;
import io.resnet4j.optim.SgdConfig;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet4j bench}: training or inference speed of a model, as the median img/s of timed blocks. */
@Command(name = "bench",
        description = "Measure a model's speed on random data: warm-up steps, then several timed blocks; prints the "
                + "median as 'img/s: N'.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j bench --model resnet20 --batch 128 --mode train",
            "  ./resnet4j bench --model resnet50 --batch 8 --mode infer --threads 1",
            "  ./resnet4j bench --model resnet50 --batch 1 --mode frozen",
            "  ./resnet4j bench --model resnet110 --batch 128 --mode train --recompute block",
            "  ./resnet4j bench --model resnet18 --batch 32 --mode infer --input-size 112",
            "  ./resnet4j bench --model resnet50.onnx --batch 1 --mode frozen"
        })
final class BenchCommand extends BaseCommand {
    enum Mode { train, infer, frozen }

    @Mixin
    ModelOptions model;

    @Mixin
    ThreadsOption threads;

    @Mixin
    RecomputeOption recompute;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "32", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "infer",
            description = "train (forward + backward + SGD step), infer (forward only, eval mode) or frozen (forward of "
                    + "the frozen copy as eval and predict run it: batch norms folded, weights packed once); default: ${DEFAULT-VALUE}.")
    Mode mode;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3", description = "Untimed warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "5",
            description = "Keep warming up until at least S seconds have passed, so the JIT has compiled the kernels "
                    + "(default: ${DEFAULT-VALUE}; 0: the --warmup steps only).")
    double warmupSeconds;

    @Option(names = "--blocks", paramLabel = "N", defaultValue = "5", description = "Timed blocks; the median is reported (default: ${DEFAULT-VALUE}).")
    int blocks;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "3", description = "Steps per timed block (default: ${DEFAULT-VALUE}).")
    int steps;

    @Override
    public Integer call() {
        model.requireModel();
        requireRange("--batch", batch, 1, 65536);
        requireRange("--warmup", warmup, 0, 10_000);
        if (!(warmupSeconds >= 0 && warmupSeconds <= 3600)) {
            throw badFlag("--warmup-seconds must be between 0 and 3600, got " + warmupSeconds);
        }
        requireRange("--blocks", blocks, 1, 10_000);
        requireRange("--steps", steps, 1, 10_000);
        if (mode != Mode.train && recompute.mode != RecomputeOption.Mode.none) {
            throw badFlag("--recompute applies to --mode train (inference keeps no activations for a backward)");
        }
        if (model.isOnnx()) {
            return onnx(Path.of(model.model));
        }
        ResNetSpec spec = model.spec();
        int t = threads.apply();
        Sequential net = recompute.apply(ResNet.build(spec, 0));
        Shape in = model.inputShape(spec, net, batch);
        SplittableRandom rng = new SplittableRandom(0);
        Tensor x = randomInput(in, rng);
        Runnable step;
        if (mode == Mode.infer) {
            net.train(false);
            step = () -> net.forward(x);
        } else if (mode == Mode.frozen) {
            Module frozen = Inference.freeze(net);
            step = () -> frozen.forward(x);
        } else {
            // One training step as the trainer takes it: forward, cross-entropy, backward, SGD (paper recipe).
            net.train(true);
            net.setInputGradient(false);
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = rng.nextInt(spec.numClasses());
            }
            CrossEntropyLoss loss = new CrossEntropyLoss();
            Sgd sgd = new Sgd(net.namedParameters(), SgdConfig.paper());
            step = () -> {
                net.zeroGrad();
                loss.forward(net.forward(x), labels);
                net.backward(loss.backward());
                sgd.step(0.01);
            };
        }
        String extra = recompute.mode == RecomputeOption.Mode.none ? "" : ", " + recompute.mode.words;
        return measure(model.model, in, extra, t, step);
    }

    /**
     * An ONNX file (FILE.onnx): its imported graph in eval mode (infer) or frozen as predict and eval run it
     * (OnnxGraph.freeze), on random inputs of its own shape with --batch images (--input-size: another height and
     * width).
     */
    private int onnx(Path file) {
        if (mode == Mode.train) {
            throw badFlag("--mode train takes a registry model; an ONNX file is measured in infer or frozen mode");
        }
        if (model.inChannels != null || model.numClasses != null) {
            throw badFlag("--in-channels and --num-classes apply to registry models; an ONNX file has its own");
        }
        int t = threads.apply();
        Networks.OnnxNetwork o = Networks.loadOnnx(file, model.inputSize, false);
        OnnxGraph graph = o.model().module();
        if (graph.inputNames().size() != 1) {
            throw new UserError(file + " takes " + graph.inputNames().size() + " inputs " + graph.inputNames()
                    + "; bench feeds one");
        }
        Shape declared = o.model().inputShape(), in = declared.withBatch(batch);
        if (!in.equals(declared)) {
            try {
                graph = Networks.loadReshaped(file, in).module();
            } catch (OnnxException | IllegalArgumentException e) {
                throw new UserError("--batch " + batch + " does not fit " + file.getFileName() + " (made for input "
                        + declared + "): " + ErrorPolicy.oneLine(e.getMessage()));
            }
        }
        graph.train(false);
        Module run = mode == Mode.frozen ? graph.freeze() : graph;
        Tensor x = randomInput(in, new SplittableRandom(0));
        return measure(o.description(), in, "", t, () -> run.forward(x));
    }

    /** Uniform in [-1, 1). */
    private static Tensor randomInput(Shape in, SplittableRandom rng) {
        Tensor x = new Tensor(in);
        float[] d = x.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return x;
    }

    /** Prints the set-up, times the steps (Timing.imagesPerSecond) and prints the blocks and their median. */
    private int measure(String name, Shape in, String extra, int t, Runnable step) {
        out().println(String.format(Locale.ROOT, "%s, input %s, %s mode%s, %d thread%s; kernels: %s", name,
                LayerShapes.text(in), mode, extra, t, t == 1 ? "" : "s", Kernels.describe()));
        out().println(String.format(Locale.ROOT, "warm-up %d step%s%s, then %d blocks of %d step%s", warmup,
                warmup == 1 ? "" : "s", warmupSeconds > 0 ? String.format(Locale.ROOT, " and at least %.3g s", warmupSeconds) : "",
                blocks, steps, steps == 1 ? "" : "s"));
        out().flush();
        Timing.Result r = Timing.imagesPerSecond(step, batch, warmup, warmupSeconds, blocks, steps);
        StringBuilder b = new StringBuilder("blocks (img/s):");
        for (double v : r.blocks()) {
            b.append(String.format(Locale.ROOT, " %.1f", v));
        }
        out().println(b);
        out().println(String.format(Locale.ROOT, "img/s: %.1f", r.median()));
        out().flush();
        return 0;
    }
}
