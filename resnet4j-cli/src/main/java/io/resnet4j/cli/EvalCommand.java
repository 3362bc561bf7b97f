package io.resnet4j.cli;

import io.resnet4j.cli.report.ConfusionMatrix;
import io.resnet4j.cli.report.ConfusionPlot;
import io.resnet4j.data.Augmentation;
import io.resnet4j.data.DataConfig;
import io.resnet4j.data.DataLoader;
import io.resnet4j.data.LoaderConfig;
import io.resnet4j.io.Safetensors;
import io.resnet4j.nn.Module;
import io.resnet4j.onnx.OnnxException;
import io.resnet4j.onnx.OnnxGraph;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.train.Batch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code resnet4j eval}: a checkpoint's (or an ONNX model's) loss, top-1, top-5 and per-class accuracy on a
 * dataset.
 */
@Command(name = "eval",
        description = {
            "Evaluate a model on a dataset's test split: loss, top-1, top-5 and per-class accuracy.",
            "The model: --checkpoint FILE written by train, or --model FILE.onnx (normalisation and class names from "
                    + "the file's metadata when it has them, as 'export' writes them, else the dataset's)."
        },
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j eval --checkpoint runs/fashion-mnist-resnet20/model.safetensors",
            "  ./resnet4j eval --checkpoint model.safetensors --dataset bundled --limit 500",
            "  ./resnet4j eval --model resnet20.onnx --dataset cifar-10 --batch 64",
            "  ./resnet4j eval --checkpoint c10/model.safetensors --dataset cifar-10 --batch 256 --out c10"
        })
final class EvalCommand extends BaseCommand {
    @Mixin
    ThreadsOption threads;

    @Mixin
    DataOptions data;

    @Option(names = "--checkpoint", paramLabel = "FILE",
            description = "A model checkpoint written by train (model.safetensors in the run directory).")
    Path checkpoint;

    @Option(names = "--model", paramLabel = "FILE.onnx",
            description = "An ONNX model instead of a checkpoint, e.g. one written by export.")
    Path onnx;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "256", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N test images.")
    Integer limit;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write confusion.json and confusion.png into DIR "
            + "(created if missing, and removed again when the eval fails or Ctrl-C or SIGTERM stops it before they "
            + "are written).")
    Path out;

    @Option(names = "--quiet", description = "Print only the results (no model, data and progress lines).")
    boolean quiet;

    /** What is evaluated: the network, the classes its outputs mean, how images are prepared, what to tell. */
    private record Subject(Module module, int channels, List<String> classNames, Augmentation augmentation,
                           DataChoice data, List<String> header) {
    }

    @Override
    public Integer call() {
        requireRange("--batch", batch, 1, 65536);
        if (limit != null) {
            requireRange("--limit", limit, 1, Integer.MAX_VALUE);
        }
        if ((checkpoint == null) == (onnx == null)) {
            throw badFlag(checkpoint == null ? "give --checkpoint FILE (written by train) or --model FILE.onnx"
                    : "give either --checkpoint or --model, not both");
        }
        if (onnx != null && !onnx.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            throw badFlag("--model takes an ONNX file (FILE.onnx), got '" + onnx + "'; a registry model is evaluated "
                    + "from the checkpoint train wrote (--checkpoint)");
        }
        List<Path> created = List.of();
        if (out != null) {
            // Checked (and created) now, not after an evaluation that may take an hour.
            created = UserFiles.requireWritableDirectory("--out", out);
            UserFiles.requireNotDirectory(out.resolve(ConfusionMatrix.FILE_NAME));
            UserFiles.requireNotDirectory(out.resolve(ConfusionPlot.PNG));
        }
        // Ctrl-C or SIGTERM before the results are written leaves no --out behind either
        try (Interrupts.Cleanup interrupted = out != null ? Interrupts.Cleanup.install(err()) : null) {
            if (interrupted != null) {
                interrupted.watch(out, created, "nothing written into " + out);
            }
            return evaluate(interrupted);
        } catch (Throwable t) {
            UserFiles.removeIfEmpty(created);   // a failed eval leaves no empty --out behind
            throw t;
        }
    }

    /** interrupted: null without --out. */
    private int evaluate(Interrupts.Cleanup interrupted) {
        threads.apply();
        DataConfig config = data.config(err());
        Subject subject = onnx != null ? onnxSubject(config) : checkpointSubject(config);
        DataChoice choice = subject.data();
        int total = limit == null ? choice.test().size() : Math.min(limit, choice.test().size());
        if (!quiet) {
            for (String line : subject.header()) {
                out().println(line);
            }
            out().println(String.format(Locale.ROOT, "evaluating %,d images…", total));
            out().flush();
        }

        Evaluation eval = new Evaluation(subject.classNames());
        long t0 = System.nanoTime();
        // the network runs frozen: batch norms folded into the convolutions, weights packed once
        Module module = Predictor.frozen(subject.module());
        Shape fixedBatch = module instanceof OnnxGraph g && !g.acceptsAnyBatch() ? g.importShapes()[0] : null;
        try (DataLoader loader = new DataLoader(choice.test(), subject.augmentation(),
                LoaderConfig.eval(fixedBatch != null ? fixedBatch.dim(0) : batch))) {
            for (Iterator<Batch> it = loader.epoch(0); it.hasNext() && eval.count() < total; ) {
                Batch b = it.next();
                int n = (int) Math.min(b.size(), total - eval.count());
                Tensor x = b.images();
                if (fixedBatch != null && x.shape().dim(0) != fixedBatch.dim(0)) {
                    // A graph folded for one batch size: the last, short batch is padded with zero images.
                    Tensor padded = new Tensor(fixedBatch);
                    System.arraycopy(x.data(), 0, padded.data(), 0, x.data().length);
                    x = padded;
                }
                Tensor logits = module.forward(x);
                eval.add(logits.data(), 0, b.labels(), n);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        out().println(String.format(Locale.ROOT, "loss %.4f  top-1 %.2f%%  top-5 %.2f%%  (%,d images, %.1f s, %.1f img/s)",
                eval.loss(), 100 * eval.top1(), 100 * eval.top5(), eval.count(), seconds, eval.count() / seconds));
        ConfusionMatrix cm = eval.confusion();
        int width = 5;
        for (String c : cm.classes()) {
            width = Math.max(width, c.length());
        }
        out().println("per-class accuracy:");
        for (int c = 0; c < cm.size(); c++) {
            long n = 0;
            for (long v : cm.counts()[c]) {
                n += v;
            }
            out().println(String.format(Locale.ROOT, "  %-" + width + "s  %7s  (%,d)", cm.classes().get(c),
                    Double.isNaN(cm.classAccuracy(c)) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * cm.classAccuracy(c)), n));
        }
        if (out != null) {
            List<Path> written = new ArrayList<>();
            interrupted.writing(() -> {
                cm.write(out.resolve(ConfusionMatrix.FILE_NAME));
                written.add(out.resolve(ConfusionMatrix.FILE_NAME));
                if (cm.size() <= ConfusionMatrix.MAX_DRAWN_CLASSES) {
                    written.add(ConfusionPlot.write(cm, out.resolve(ConfusionPlot.PNG)));
                }
            }, "the results are written in " + out);
            for (Path f : written) {
                out().println("wrote " + f);
            }
        }
        out().flush();
        return 0;
    }

    private Subject checkpointSubject(DataConfig config) {
        Network net = Networks.fromCheckpoint(checkpoint);
        String dataset = data.dataset;
        if (dataset == null) {
            try (Safetensors.Reader r = Safetensors.open(checkpoint)) {
                dataset = r.metadata().get(Networks.DATASET);
            }
        }
        DataChoice choice = DataChoice.resolve(dataset, data.dataDir, config, false, net.imageSize());
        checkFits(net.inChannels(), net.numClasses(), choice);
        Augmentation.Normalization norm = new Augmentation.Normalization(toDouble(net.mean()), toDouble(net.std()));
        Augmentation aug = choice.test().height() < 0
                ? Augmentation.imagenetEval(net.resize(), net.imageSize(), norm)
                : Augmentation.normalizeOnly(choice.test().height(), choice.test().width(), norm);
        return new Subject(net.module(), net.inChannels(), choice.classNames(), aug, choice,
                List.of("model: " + net.description(), "data:  " + choice.description()));
    }

    /**
     * An ONNX model: input normalisation and class names from its metadata when it has them, else the dataset's;
     * the data must have the file's image size (image folders are resized to it).
     */
    private Subject onnxSubject(DataConfig config) {
        Networks.OnnxNetwork o = Networks.loadOnnx(onnx, null, true);
        String dataset = data.dataset != null ? data.dataset : o.dataset();
        DataChoice choice = DataChoice.resolve(dataset, data.dataDir, config, false, o.height());
        checkFits(o.channels(), o.classes(), choice);
        int h = choice.test().height(), w = choice.test().width();
        if (h < 0 ? o.height() != o.width() : h != o.height() || w != o.width()) {
            throw new UserError(onnx.getFileName() + " takes " + o.height() + "x" + o.width() + " images but "
                    + choice.id() + (h < 0 ? " is resized to squares" : " has " + h + "x" + w + " images")
                    + "; export the model for the data's image size (export --input-size) or give the --dataset it was "
                    + "made for");
        }
        List<String> header = new ArrayList<>();
        header.add("model: " + o.description() + ", input (N, " + o.channels() + ", " + o.height() + ", " + o.width()
                + "), " + o.classes() + " classes");
        header.add("data:  " + choice.description());
        Augmentation.Normalization norm;
        if (o.normalization() != null) {
            float[][] f = Networks.normalization(o.normalization(), o.channels());
            norm = new Augmentation.Normalization(toDouble(f[0]), toDouble(f[1]));
            header.add("input: normalisation " + describe(norm) + " from the ONNX metadata");
        } else {
            norm = choice.normalization();
            header.add("input: normalisation " + describe(norm) + ", the dataset's defaults (the ONNX file records none)");
        }
        List<String> classes;
        if (o.classNames() != null) {
            classes = o.classNames();
            header.add("classes: from the ONNX metadata" + (classes.equals(choice.classNames()) ? ""
                    : " (note: they differ from the dataset's names; labels are matched by index)"));
        } else {
            classes = choice.classNames();
            header.add("classes: the dataset's (the ONNX file records none)");
        }
        int resize = o.resize() != null ? o.resize() : o.height() == 224 ? 256 : o.height();
        Augmentation aug = h < 0 ? Augmentation.imagenetEval(resize, o.height(), norm)
                : Augmentation.normalizeOnly(h, w, norm);
        OnnxGraph graph = o.model().module();
        if (!graph.acceptsAnyBatch()) {
            // Shapes were folded for one batch size: import again for this run's batch (short batches are padded).
            int b = Math.max(1, Math.min(batch, limit == null ? choice.test().size() : Math.min(limit, choice.test().size())));
            try {
                graph = Networks.loadReshaped(onnx, Shape.of(b, o.channels(), o.height(), o.width())).module();
                header.add("note:  the graph's shapes were folded for one batch size; imported again for batch " + b);
            } catch (OnnxException | IllegalArgumentException e) {
                header.add("note:  the graph runs on batches of " + graph.importShapes()[0].dim(0) + " only ("
                        + ErrorPolicy.oneLine(e.getMessage()) + ")");
            }
        }
        return new Subject(graph, o.channels(), classes, aug, choice, header);
    }

    private static void checkFits(int channels, int classes, DataChoice choice) {
        if (choice.channels() != channels) {
            throw new UserError("the model takes " + channels + " input channel(s) but " + choice.id() + " has "
                    + choice.channels() + "; give the --dataset the model was trained on");
        }
        if (choice.classNames().size() != classes) {
            throw new UserError("the model has " + classes + " classes but " + choice.id() + " has "
                    + choice.classNames().size() + "; give the --dataset the model was trained on");
        }
    }

    /** "mean [0.2860] std [0.3530]". */
    private static String describe(Augmentation.Normalization n) {
        StringBuilder mean = new StringBuilder(), std = new StringBuilder();
        for (int c = 0; c < n.channels(); c++) {
            mean.append(c == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", n.mean()[c]));
            std.append(c == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", n.std()[c]));
        }
        return "mean [" + mean + "] std [" + std + "]";
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
