package io.resnet4j.cli;

import io.resnet4j.models.ModelSummary;
import io.resnet4j.models.ResNet;
import io.resnet4j.models.ResNetSpec;
import io.resnet4j.nn.Sequential;
import io.resnet4j.tensor.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code resnet4j summary}: the layer table of a model with output shapes, parameters and multiply-adds. */
@Command(name = "summary",
        description = "Print a model's layer table: output shape, parameters and multiply-adds per layer, then the "
                + "totals. Nothing is run: shapes are propagated through the network.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j summary --model resnet50",
            "  ./resnet4j summary --model resnet20 --in-channels 1 --input-size 28",
            "  ./resnet4j summary --model resnet18 --num-classes 10 --input-size 64"
        })
final class SummaryCommand extends BaseCommand {
    @Mixin
    ModelOptions model;

    @Override
    public Integer call() {
        ResNetSpec spec = model.spec();
        Sequential net = ResNet.build(spec);
        Shape in = model.inputShape(spec, net, 1);
        out().println(model.model + " (" + spec.encode() + ")");
        out().print(ModelSummary.of(net, in).render());
        out().flush();
        return 0;
    }
}
