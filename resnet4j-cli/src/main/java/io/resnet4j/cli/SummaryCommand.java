package io.resnet4j.cli;

import io.resnet4j.models.ModelSummary;
import io.resnet4j.models.ResNet;
import io.resnet4j.models.ResNetSpec;
import io.resnet4j.nn.Sequential;
import io.resnet4j.onnx.OnnxGraph;
import io.resnet4j.tensor.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code resnet4j summary}: the layer table of a model with output shapes, parameters and multiply-adds. */
@Command(name = "summary",
        description = {
            "Print a model's layer table: output shape, parameters and multiply-adds per layer, then the totals. "
                    + "Nothing is run: shapes are propagated through the network.",
            "--model takes a registry name or an ONNX file (FILE.onnx: one row per step of the imported graph, named "
                    + "by its module path, with the ONNX operator)."
        },
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j summary --model resnet50",
            "  ./resnet4j summary --model resnet20 --in-channels 1 --input-size 28",
            "  ./resnet4j summary --model resnet18.onnx --input-size 112",
            "  ./resnet4j summary --model resnet18 --num-classes 10 --input-size 64"
        })
final class SummaryCommand extends BaseCommand {
    /** ONNX operators whose work is the table's multiply-adds (the registry's Conv2d and Linear). */
    private static final Set<String> MAC_OPS = Set.of("Conv", "Gemm", "MatMul");

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() {
        if (model.isOnnx()) {
            return onnx(Path.of(model.model));
        }
        ResNetSpec spec = model.spec();
        Sequential net = ResNet.build(spec);
        Shape in = model.inputShape(spec, net, 1);
        out().println(model.model + " (" + spec.encode() + ")");
        out().print(ModelSummary.of(net, in).render());
        out().flush();
        return 0;
    }

    private int onnx(Path file) {
        if (model.inChannels != null || model.numClasses != null) {
            throw badFlag("--in-channels and --num-classes do not apply to an ONNX file: its graph fixes them");
        }
        Networks.OnnxNetwork o = Networks.loadOnnx(file, model.inputSize, false);
        OnnxGraph g = o.model().module();
        Shape in = o.model().inputShape();
        List<ModelSummary.Row> rows = new ArrayList<>();
        for (OnnxGraph.Layer l : g.layers(in)) {
            boolean macs = MAC_OPS.contains(l.op());
            rows.add(new ModelSummary.Row(l.name(), l.op(), l.output(), l.params(), macs ? l.macs() : 0,
                    macs ? 0 : l.macs()));
        }
        out().println(o.description() + String.format(Locale.ROOT, ", %d steps", g.stepCount()));
        out().print(ModelSummary.ofRows(in, rows).render());
        out().flush();
        return 0;
    }
}
