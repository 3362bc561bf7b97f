package io.resnet4j.cli;

import io.resnet4j.cli.report.ConfusionMatrix;
import io.resnet4j.cli.report.ConfusionPlot;
import io.resnet4j.data.Augmentation;
import io.resnet4j.data.DataConfig;
import io.resnet4j.data.DataLoader;
import io.resnet4j.data.LoaderConfig;
import io.resnet4j.io.Safetensors;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.train.Batch;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet4j eval}: a checkpoint's loss, top-1, top-5 and per-class accuracy on a dataset. */
@Command(name = "eval",
        description = "Evaluate a model checkpoint on a dataset's test split: loss, top-1, top-5 and per-class accuracy.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j eval --checkpoint runs/fashion-mnist-resnet20/model.safetensors",
            "  ./resnet4j eval --checkpoint model.safetensors --dataset bundled --limit 500",
            "  ./resnet4j eval --checkpoint c10/model.safetensors --dataset cifar-10 --batch 256 --out c10"
        })
final class EvalCommand extends BaseCommand {
    @Mixin
    ThreadsOption threads;

    @Mixin
    DataOptions data;

    @Option(names = "--checkpoint", paramLabel = "FILE", required = true,
            description = "A model checkpoint written by train (model.safetensors in the run directory).")
    Path checkpoint;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "256", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N test images.")
    Integer limit;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write confusion.json and confusion.png into DIR.")
    Path out;

    @Option(names = "--quiet", description = "Print only the results (no model, data and progress lines).")
    boolean quiet;

    @Override
    public Integer call() {
        requireRange("--batch", batch, 1, 65536);
        if (limit != null) {
            requireRange("--limit", limit, 1, Integer.MAX_VALUE);
        }
        threads.apply();
        Network net = Networks.fromCheckpoint(checkpoint);
        String dataset = data.dataset;
        if (dataset == null) {
            try (Safetensors.Reader r = Safetensors.open(checkpoint)) {
                dataset = r.metadata().get(Networks.DATASET);
            }
        }
        DataConfig config = data.config(err());
        DataChoice choice = DataChoice.resolve(dataset, data.dataDir, config, false, net.imageSize());
        if (choice.channels() != net.inChannels()) {
            throw new UserError("the model takes " + net.inChannels() + " input channel(s) but " + choice.id() + " has "
                    + choice.channels() + "; give the --dataset the model was trained on");
        }
        if (choice.classNames().size() != net.numClasses()) {
            throw new UserError("the model has " + net.numClasses() + " classes but " + choice.id() + " has "
                    + choice.classNames().size() + "; give the --dataset the model was trained on");
        }
        Augmentation.Normalization norm = new Augmentation.Normalization(toDouble(net.mean()), toDouble(net.std()));
        Augmentation aug = choice.test().height() < 0
                ? Augmentation.imagenetEval(net.resize(), net.imageSize(), norm)
                : Augmentation.normalizeOnly(choice.test().height(), choice.test().width(), norm);
        int total = limit == null ? choice.test().size() : Math.min(limit, choice.test().size());
        if (!quiet) {
            out().println("model: " + net.description());
            out().println("data:  " + choice.description());
            out().println(String.format(Locale.ROOT, "evaluating %,d images…", total));
            out().flush();
        }

        Evaluation eval = new Evaluation(choice.classNames());
        long t0 = System.nanoTime();
        try (DataLoader loader = new DataLoader(choice.test(), aug, LoaderConfig.eval(batch))) {
            for (Iterator<Batch> it = loader.epoch(0); it.hasNext() && eval.count() < total; ) {
                Batch b = it.next();
                int n = (int) Math.min(b.size(), total - eval.count());
                Tensor logits = net.module().forward(b.images());
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
            cm.write(out.resolve(ConfusionMatrix.FILE_NAME));
            out().println("wrote " + out.resolve(ConfusionMatrix.FILE_NAME));
            if (cm.size() <= ConfusionMatrix.MAX_DRAWN_CLASSES) {
                out().println("wrote " + ConfusionPlot.write(cm, out.resolve(ConfusionPlot.PNG)));
            }
        }
        out().flush();
        return 0;
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
