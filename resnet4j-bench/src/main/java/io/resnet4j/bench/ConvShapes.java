package io.resnet4j.bench;

import io.resnet4j.kernels.ConvGeometry;

import java.util.List;

/** The convolution shapes of the benchmark table (issue 2): CIFAR stages at batch 128, ResNet-50 at batch 16. */
public final class ConvShapes {
    /** One benchmarked convolution; {@code name} is the key the PyTorch and OpenBLAS scripts use too. */
    public record Case(String name, ConvGeometry g) {
        /** Floating-point operations of one pass (2 per multiply-add; the three passes cost the same). */
        public double flops() {
            return 2.0 * g.macs();
        }

        /** M x N x K of the GEMM each pass amounts to in im2col form. */
        public String gemm(Pass pass) {
            long crs = (long) g.c() * g.r() * g.s(), npq = (long) g.n() * g.p() * g.q();
            return switch (pass) {
                case FORWARD -> g.k() + "x" + npq + "x" + crs;
                case BACKWARD_DATA -> crs + "x" + npq + "x" + g.k();
                case BACKWARD_WEIGHT -> g.k() + "x" + crs + "x" + npq;
            };
        }
    }

    public enum Pass {
        FORWARD("fwd"), BACKWARD_DATA("bwd-data"), BACKWARD_WEIGHT("bwd-weight");

        public final String label;

        Pass(String label) {
            this.label = label;
        }
    }

    public static final List<Case> CASES = List.of(
            new Case("cifar-3x3-16@32-b128", ConvGeometry.of(128, 16, 32, 32, 16, 3, 1, 1)),
            new Case("cifar-3x3-32@16-b128", ConvGeometry.of(128, 32, 16, 16, 32, 3, 1, 1)),
            new Case("cifar-3x3-64@8-b128", ConvGeometry.of(128, 64, 8, 8, 64, 3, 1, 1)),
            new Case("r50-3x3-64@56-b16", ConvGeometry.of(16, 64, 56, 56, 64, 3, 1, 1)),
            new Case("r50-1x1-64to256@56-b16", ConvGeometry.of(16, 64, 56, 56, 256, 1, 1, 0)),
            new Case("r50-3x3-512@7-b16", ConvGeometry.of(16, 512, 7, 7, 512, 3, 1, 1)));

    private ConvShapes() {
    }

    public static Case byName(String name) {
        return CASES.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown shape " + name + "; known: "
                        + CASES.stream().map(Case::name).toList()));
    }
}
