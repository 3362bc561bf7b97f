package io.resnet4j.io;

import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Flatten;
import io.resnet4j.nn.GlobalAvgPool;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.ReLU;
import io.resnet4j.nn.Sequential;
import io.resnet4j.testing.Fixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModuleStateTest {
    @TempDir
    Path dir;

    /** The module of tools/reference/safetensors_interop.py's state_dict. */
    private static Sequential tiny(int classes) {
        return new Sequential()
                .add("conv1", new Conv2d(3, 4, 3, 1, 1, false))
                .add("bn1", new BatchNorm2d(4))
                .add("relu", new ReLU())
                .add("avgpool", new GlobalAvgPool())
                .add("flatten", new Flatten())
                .add("fc", new Linear(4, classes));
    }

    @Test
    void savesAndLoadsEveryParameterBufferAndCounter() {
        Sequential a = tiny(2);
        a.initialize(3);
        ((BatchNorm2d) a.children().get("bn1")).runningMean().fill(0.25f);
        ((BatchNorm2d) a.children().get("bn1")).setNumBatchesTracked(9);
        Path f = dir.resolve("s.safetensors");
        ModuleState.save(a, f, Map.of("model", "tiny"));
        Sequential b = tiny(2);
        ModuleState.load(b, f);
        for (var e : a.namedParameters().entrySet()) {
            assertThat(b.namedParameters().get(e.getKey()).value().data()).as(e.getKey()).containsExactly(e.getValue().value().data());
        }
        assertThat(b.namedBuffers().get("bn1.running_mean").data()).containsOnly(0.25f);
        assertThat(((BatchNorm2d) b.children().get("bn1")).numBatchesTracked()).isEqualTo(9);
    }

    @Test
    void loadsATorchStateDictConvertedWithTheTool() {
        Fixture expected = Fixture.load("resnet4j-engine", "io/safetensors_expected.bin");
        Sequential m = tiny(2);
        ModuleState.load(m, Fixture.repoRoot().resolve("resnet4j-engine/src/test/resources/fixtures/io/small_state.safetensors"));
        for (String k : List.of("conv1.weight", "bn1.weight", "bn1.bias", "fc.weight", "fc.bias")) {
            assertThat(m.namedParameters().get(k).value().data()).as(k).containsExactly(expected.floats(k));
        }
        assertThat(m.namedBuffers().get("bn1.running_var").data()).containsExactly(expected.floats("bn1.running_var"));
        assertThat(((BatchNorm2d) m.children().get("bn1")).numBatchesTracked()).isEqualTo(17);
    }

    @Test
    void listsEveryMissingUnexpectedAndMisShapedTensorAndChangesNothing() {
        Path f = dir.resolve("s.safetensors");
        Sequential a = tiny(2);
        a.initialize(1);
        ModuleState.save(a, f, Map.of());
        Module wrongClasses = tiny(5);
        wrongClasses.initialize(2);
        float[] before = wrongClasses.namedParameters().get("conv1.weight").value().data().clone();
        assertThatThrownBy(() -> ModuleState.load(wrongClasses, f))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("fc.weight: file [2, 4], model [5, 4]")
                .hasMessageContaining("fc.bias");
        assertThat(wrongClasses.namedParameters().get("conv1.weight").value().data()).containsExactly(before);

        Sequential extra = tiny(2).add("fc2", new Linear(2, 2));
        assertThatThrownBy(() -> ModuleState.load(extra, f)).hasMessageContaining("missing (2): fc2.weight, fc2.bias");
        Sequential fewer = new Sequential().add("conv1", new Conv2d(3, 4, 3, 1, 1, false));
        assertThatThrownBy(() -> ModuleState.load(fewer, f)).hasMessageContaining("unexpected (").hasMessageContaining("bn1.running_mean");
        try (Safetensors.Reader r = Safetensors.open(f)) {
            assertThat(ModuleState.load(fewer, r, false)).contains("fc.weight", "bn1.num_batches_tracked");
        }
    }

    @Test
    void aLongMismatchListIsCutAfterTwelveEntries() {
        Path f = dir.resolve("wide.safetensors");
        Sequential narrow = new Sequential();
        Sequential wide = new Sequential();
        for (int i = 0; i < 20; i++) {
            narrow.add("conv" + i, new Conv2d(3, 3, 1, 1, 0, false));
            wide.add("conv" + i, new Conv2d(3, 4, 1, 1, 0, false));
        }
        ModuleState.save(narrow, f, Map.of());
        assertThatThrownBy(() -> ModuleState.load(wide, f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("shape/type mismatch (20): conv0.weight: file [3, 3, 1, 1], model [4, 3, 1, 1]; ")
                .hasMessageContaining("conv11.weight: file [3, 3, 1, 1], model [4, 3, 1, 1]; ... (8 more)")
                .hasMessageNotContaining("conv12.weight");
    }
}
