package io.resnet4j.optim;

import io.resnet4j.io.Json;
import io.resnet4j.testing.Fixture;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Schedules against PyTorch's schedulers stepped per iteration (tools/reference/schedules.py). */
class LrScheduleTest {
    private static final Fixture F = Fixture.load("resnet4j-engine", "optim/schedules.bin");
    private static final Timeline T = new Timeline((int) F.scalar("steps_per_epoch"), (long) F.scalar("total_steps"));

    @Test
    void constant() {
        check("constant", new LrSchedule.Constant(0.05));
    }

    @Test
    void multiStepInIterationsAndEpochs() {
        check("multistep_iter", LrSchedule.MultiStep.iterations(0.1, 20, 45));
        check("multistep_epoch", LrSchedule.MultiStep.epochs(0.1, 3, 6));
        // the product is built milestone by milestone, as PyTorch does: bitwise equal
        double[] want = F.entry("multistep_iter").values();
        for (int s = 0; s < want.length; s++) {
            assertThat(LrSchedule.MultiStep.iterations(0.1, 20, 45).lr(s, T)).isEqualTo(want[s]);
        }
    }

    @Test
    void cosine() {
        check("cosine", new LrSchedule.Cosine(0.1, 0.001));
    }

    @Test
    void warmupsComposeWithOtherSchedules() {
        check("warmup_cosine", LrSchedule.Warmup.linear(10, 0.1, new LrSchedule.Cosine(0.2, 0)));
        check("constwarmup_multistep", new LrSchedule.Warmup(5, LrSchedule.Unit.ITERATIONS, 0.1,
                LrSchedule.Warmup.Kind.CONSTANT, LrSchedule.MultiStep.iterations(0.1, 30, 50)));
    }

    @Test
    void oneCycleRateAndMomentum() {
        LrSchedule.OneCycle oc = LrSchedule.OneCycle.of(0.4);
        check("onecycle_lr", oc);
        double[] m = F.entry("onecycle_momentum").values();
        for (int s = 0; s < m.length; s++) {
            assertThat(oc.momentum(s, T, 0.9)).as("momentum at step %d", s).isCloseTo(m[s], within(1e-12));
        }
        LrSchedule.OneCycle noMomentum = new LrSchedule.OneCycle(0.1, 0.25, 10, 100, false, 0.85, 0.95);
        check("onecycle2_lr", noMomentum);
        assertThat(noMomentum.momentum(3, T, 0.9)).isEqualTo(0.9);
    }

    @Test
    void warmupPassesOneCycleMomentumThrough() {
        LrSchedule w = LrSchedule.Warmup.linear(3, 0.5, LrSchedule.OneCycle.of(0.4));
        assertThat(w.momentum(0, T, 0.9)).isEqualTo(0.95);
    }

    @Test
    void invalidSchedulesAreRejectedWithTheReason() {
        assertThatThrownBy(() -> new LrSchedule.MultiStep(0.1, 0.1, LrSchedule.Unit.EPOCHS, List.of(5L, 3L)))
                .hasMessageContaining("strictly increasing");
        assertThatThrownBy(() -> new LrSchedule.Cosine(0.1, 0.2)).hasMessageContaining("exceeds");
        assertThatThrownBy(() -> new LrSchedule.Constant(Double.NaN)).hasMessageContaining("finite");
        assertThatThrownBy(() -> LrSchedule.OneCycle.of(0.1).lr(0, new Timeline(1, 2)))
                .hasMessageContaining("needs more steps");
    }

    @Test
    void describeNamesTheScheduleAndItsParameters() {
        assertThat(LrSchedule.Warmup.linear(10, 0.1, LrSchedule.MultiStep.epochs(0.1, 82, 123)).describe().toString())
                .isEqualTo("{type=warmup, length=10, unit=iterations, start_factor=0.1, kind=linear, "
                        + "after={type=multistep, base=0.1, gamma=0.1, unit=epochs, milestones=[82, 123]}}");
    }

    @Test
    void descriptionsReadBackThroughJson() {
        List<LrSchedule> all = List.of(new LrSchedule.Constant(0.05), LrSchedule.MultiStep.epochs(0.1, 82, 123),
                new LrSchedule.Cosine(0.2, 1e-4), LrSchedule.OneCycle.of(0.4),
                new LrSchedule.OneCycle(0.1, 0.25, 10, 100, false, 0.85, 0.95),
                new LrSchedule.Warmup(400, LrSchedule.Unit.ITERATIONS, 0.1, LrSchedule.Warmup.Kind.CONSTANT,
                        LrSchedule.MultiStep.iterations(0.1, 32000, 48000)),
                new LrSchedule.Warmup(2, LrSchedule.Unit.EPOCHS, 0.01, LrSchedule.Warmup.Kind.LINEAR, new LrSchedule.Cosine(0.1, 0)));
        for (LrSchedule s : all) {
            assertThat(LrSchedule.fromDescription(Json.parseObject(Json.write(s.describe())))).isEqualTo(s);
        }
        assertThatThrownBy(() -> LrSchedule.fromDescription(Json.parseObject("{\"type\":\"step\"}")))
                .hasMessageContaining("unknown schedule type \"step\"");
        assertThatThrownBy(() -> LrSchedule.fromDescription(Json.parseObject("{\"type\":\"cosine\",\"base\":0.1}")))
                .hasMessageContaining("\"min\" must be a number");
    }

    /**
     * Closed forms against PyTorch's recursive updates: the rates agree to 1e-12 relative, and as float32
     * (what SGD uses) they are equal or one ulp apart.
     */
    private static void check(String key, LrSchedule s) {
        double[] want = F.entry(key).values();
        assertThat(want).hasSize((int) T.totalSteps());
        for (int i = 0; i < want.length; i++) {
            double got = s.lr(i, T);
            assertThat(got).as("%s at step %d", key, i).isCloseTo(want[i], within(1e-12 * Math.max(want[i], 1e-3)));
            float gf = (float) got, wf = (float) want[i];
            assertThat(Math.abs(gf - wf)).as("%s at step %d as float", key, i).isLessThanOrEqualTo(Math.ulp(wf));
        }
    }
}
