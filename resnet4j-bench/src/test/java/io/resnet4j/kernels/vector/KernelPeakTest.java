package io.resnet4j.kernels.vector;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** KernelPeak refuses bad options with its usage instead of a bare NumberFormatException or a silent default. */
class KernelPeakTest {
    @Test
    void refusesBadOptionsWithItsUsage() {
        assertThatThrownBy(() -> KernelPeak.main(new String[]{"--threads"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("usage: KernelPeak");
        assertThatThrownBy(() -> KernelPeak.main(new String[]{"--kc", "many"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--kc needs an integer, got many");
        assertThatThrownBy(() -> KernelPeak.main(new String[]{"--tiles", "4"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown option --tiles");
        assertThatThrownBy(() -> KernelPeak.main(new String[]{"--rounds", "2"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rounds >= 3");
    }
}
