package io.resnet4j.cli;

import io.resnet4j.models.ResNet;
import io.resnet4j.nn.Sequential;
import picocli.CommandLine.Option;

/** {@code --recompute none|block|stage}: gradient checkpointing in training, see docs/models.md "Memory". */
final class RecomputeOption {
    enum Mode {
        none(ResNet.Recompute.NONE, "no recomputation"),
        block(ResNet.Recompute.BLOCK, "recompute per residual unit"),
        stage(ResNet.Recompute.STAGE, "recompute per stage");

        final ResNet.Recompute value;
        final String words;

        Mode(ResNet.Recompute value, String words) {
            this.value = value;
            this.words = words;
        }
    }

    @Option(names = "--recompute", paramLabel = "MODE", defaultValue = "none",
            description = "Save training memory by recomputing activations in backward (gradient checkpointing): none, "
                    + "block (each residual unit keeps only its output; about one more forward per step), stage (per "
                    + "stage). Metrics are bitwise the same in every mode (default: ${DEFAULT-VALUE}).")
    Mode mode;

    /** Applies the mode to a network built by {@link ResNet#build}; returns it. */
    Sequential apply(Sequential net) {
        return ResNet.setRecompute(net, mode.value);
    }
}
