package io.resnet4j.cli;

import io.resnet4j.models.ModelRegistry;
import io.resnet4j.models.ResNetSpec;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code resnet4j models}: the registry, one line per model with its parameter count. */
@Command(name = "models",
        description = "List the models of the registry, one line each with its parameter count (3 input channels; "
                + "1000 classes for the ImageNet nets, 10 for the CIFAR nets).",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j models",
            "  ./resnet4j models | grep wrn"
        })
final class ModelsCommand extends BaseCommand {
    @Override
    public Integer call() {
        out().println(String.format(Locale.ROOT, "%-18s %12s  %5s  %s", "name", "parameters", "depth", "structure"));
        for (String name : ModelRegistry.names()) {
            ResNetSpec s = ModelRegistry.spec(name);
            out().println(String.format(Locale.ROOT, "%-18s %,12d  %5d  %s", name, s.parameterCount(),
                    namedDepth(name, s), describe(s)));
        }
        out().println();
        out().println("Any depth of each family works too: resnetD and cifar-resnetD (D = 6n+2), preact-resnetD, "
                + "wrn-D-K (D = 6n+4), plainD, plain-NAME.");
        out().flush();
        return 0;
    }

    /**
     * The depth the name states: He et al.'s count (stem conv, the units' convs, fc), and for Wide ResNets
     * Zagoruyko and Komodakis's D = 6n+4, two more (wrn-16-4 has 14 by He et al.'s count).
     */
    static int namedDepth(String name, ResNetSpec s) {
        return name.startsWith("wrn-") || name.startsWith("plain-wrn-") ? s.depth() + 2 : s.depth();
    }

    static String describe(ResNetSpec s) {
        StringBuilder b = new StringBuilder();
        b.append(s.stem() == ResNetSpec.Stem.IMAGENET ? "ImageNet" : "CIFAR").append(", ");
        if (s.preActivation()) {
            b.append("pre-act ");
        }
        b.append(s.block() == ResNetSpec.Block.BASIC ? "basic " : "bottleneck ").append(s.stageSizes());
        if (s.widthMultiplier() > 1) {
            b.append(", k=").append(s.widthMultiplier());
        }
        b.append(s.residual() ? ", shortcut " + s.shortcut() : ", no skips (plain)");
        b.append(", ").append(s.numClasses()).append(" classes");
        return b.toString();
    }
}
