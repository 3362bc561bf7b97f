package io.resnet4j.models;

import io.resnet4j.io.CheckpointException;
import io.resnet4j.io.ModuleState;
import io.resnet4j.io.Safetensors;
import io.resnet4j.models.ModelCheckpoint.ModelCard;
import io.resnet4j.models.ModelCheckpoint.Normalization;
import io.resnet4j.models.ResNetSpec.Shortcut;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
import io.resnet4j.nn.Sequential;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Fixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Model checkpoints: torchvision state_dicts converted to safetensors, and resnet4j's own with a model card. */
class ModelCheckpointTest {
    private static final Path CONVERTED = Fixture.repoRoot()
            .resolve("resnet4j-vision/src/test/resources/fixtures/models/cifar_resnet14.safetensors");

    @TempDir
    Path dir;

    @Test
    void aConvertedTorchvisionStateDictLoadsAndGivesTorchsOutput() {
        // tools/reference/state_dict_conversion.py: torchvision BasicBlocks with option-B downsample, converted
        // with tools/torch_to_safetensors.py; the same keys as ResNet-14 here.
        Fixture f = Fixture.load("resnet4j-vision", "models/cifar_resnet14_expected.bin");
        Sequential net = ModelRegistry.build("resnet14", 1);
        assertThatThrownBy(() -> ModelCheckpoint.loadWeights(net, CONVERTED))
                .as("option A (the CIFAR default) has no downsample tensors")
                .isInstanceOf(CheckpointException.class).hasMessageContaining("unexpected (12)")
                .hasMessageContaining("layer2.0.downsample.0.weight");

        Sequential b = ResNet.build(ModelRegistry.spec("resnet14").withShortcut(Shortcut.B), 1);
        ModelCheckpoint.loadWeights(b, CONVERTED);
        b.train(false);
        Tensor logits = b.forward(f.tensor("input"));
        double[] expected = f.entry("eval.logits").values();
        double max = Arrays.stream(expected).map(Math::abs).max().orElseThrow();
        for (int i = 0; i < expected.length; i++) {
            assertThat(Math.abs(logits.data()[i] - expected[i])).as("logit " + i).isLessThanOrEqualTo(1e-5 * max);
        }
        for (Module m : b.modules()) {
            if (m instanceof BatchNorm2d bn) {
                assertThat(bn.numBatchesTracked()).isEqualTo((long) f.scalar("num_batches_tracked"));
            }
        }
    }

    @Test
    void aCheckpointRebuildsItsNetworkWithCardAndState() {
        ModelCard card = new ModelCard("resnet8", ModelRegistry.spec("resnet8").withNumClasses(3),
                List.of("cat", "dog", "ship"), new Normalization(List.of(0.4914, 0.4822, 0.4465), List.of(0.247, 0.243, 0.261)));
        Sequential net = ResNet.build(card.spec(), 5);
        Tensor x = new Tensor(io.resnet4j.tensor.Shape.of(2, 3, 16, 16));
        for (int i = 0; i < x.numel(); i++) {
            x.data()[i] = (float) Math.sin(0.1 * i);
        }
        net.forward(x); // one training-mode pass moves the running statistics and the BN counters
        Path file = dir.resolve("model.safetensors");
        ModelCheckpoint.save(file, net, card, Map.of("epoch", "7"));

        ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(file);
        assertThat(loaded.card()).isEqualTo(card);
        assertThat(loaded.metadata()).containsEntry("epoch", "7").containsEntry("format", "pt")
                .containsEntry(ModelCheckpoint.SPEC, card.spec().encode());
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            assertThat(loaded.model().namedParameters().get(e.getKey()).value().data()).as(e.getKey())
                    .containsExactly(e.getValue().value().data());
        }
        for (Map.Entry<String, Tensor> e : net.namedBuffers().entrySet()) {
            assertThat(loaded.model().namedBuffers().get(e.getKey()).data()).containsExactly(e.getValue().data());
        }
        assertThat(((BatchNorm2d) loaded.model().namedModules().get("layer3.0.bn2")).numBatchesTracked()).isEqualTo(1);
        net.train(false);
        loaded.model().train(false);
        assertThat(loaded.model().forward(x).data()).containsExactly(net.forward(x).data());
        assertThat(ModelCheckpoint.readCard(file)).isEqualTo(card);
    }

    @Test
    void aPlainStateDictIsNotACheckpointAndSaysWhatToDo() {
        assertThatThrownBy(() -> ModelCheckpoint.load(CONVERTED)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("no resnet4j.spec").hasMessageContaining("loadWeights");
    }

    @Test
    void badMetadataAndTruncatedFilesAreClearErrors() throws IOException {
        Sequential net = ModelRegistry.build("resnet8", 2);
        Path ok = dir.resolve("ok.safetensors");
        ModelCheckpoint.save(ok, net, ModelCard.of("resnet8"), Map.of());

        byte[] bytes = Files.readAllBytes(ok);
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 100));
        assertThatThrownBy(() -> ModelCheckpoint.load(truncated)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("truncated.safetensors");
        Path header = dir.resolve("header-only.safetensors");
        Files.write(header, Arrays.copyOf(bytes, 40));
        assertThatThrownBy(() -> ModelCheckpoint.load(header)).isInstanceOf(CheckpointException.class);

        List<Safetensors.Entry> entries = ModuleState.entries(net);
        String spec = ResNetSpec.cifarResNet(8).encode();
        assertLoadFails(Map.of(ModelCheckpoint.SPEC, "block=basic stages=1"), entries, "bad model metadata");
        assertLoadFails(Map.of(ModelCheckpoint.SPEC, spec.replace("stages=1,1,1", "stages=1,1,2000000")), entries,
                "1 to 100000 units");
        assertLoadFails(Map.of(ModelCheckpoint.SPEC, spec.replace("widths=16,32,64", "widths=16,32,99999999")), entries,
                "stage widths");
        assertLoadFails(Map.of(ModelCheckpoint.SPEC, spec.replace("stages=1,1,1", "stages=100000,100000,100000")
                .replace("widths=16,32,64", "widths=16,32,4096")), entries, "more than 1000000000 parameters");
        // Within the limit but larger than the file: refused before building (resnet1202 would be 19.4 M).
        assertLoadFails(Map.of(ModelCheckpoint.SPEC, spec.replace("stages=1,1,1", "stages=200,200,200")), entries,
                "the file holds");
        assertLoadFails(Map.of(ModelCheckpoint.SPEC, spec, ModelCheckpoint.CLASSES, "[\"a\",\"b\"]"), entries,
                "2 class names for a model with 10 classes");
        assertLoadFails(Map.of(ModelCheckpoint.SPEC, spec, ModelCheckpoint.CLASSES, "{\"a\": 1}"), entries, "array of strings");
        assertLoadFails(Map.of(ModelCheckpoint.SPEC, spec, ModelCheckpoint.NORMALIZATION, "{\"mean\":[0,0,0],\"std\":[1,0,1]}"),
                entries, "std must be positive");
        assertLoadFails(Map.of(ModelCheckpoint.SPEC, spec.replace("classes=10", "classes=11")), entries, "fc.weight");
    }

    @Test
    void saveRefusesAModelThatIsNotTheCardsNetwork() {
        Sequential net = ModelRegistry.build("resnet8", 2);
        assertThatThrownBy(() -> ModelCheckpoint.save(dir.resolve("x.safetensors"), net, ModelCard.of("resnet14"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not match");
        assertThatThrownBy(() -> ModelCheckpoint.save(dir.resolve("x.safetensors"), net, ModelCard.of("resnet8"),
                Map.of(ModelCheckpoint.SPEC, "x"))).hasMessageContaining("reserved");
        assertThat(Files.exists(dir.resolve("x.safetensors"))).isFalse();
    }

    private void assertLoadFails(Map<String, String> metadata, List<Safetensors.Entry> entries, String message) {
        Path file = dir.resolve("bad.safetensors");
        Safetensors.write(file, metadata, entries);
        assertThatThrownBy(() -> ModelCheckpoint.load(file)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(message);
    }
}
