package io.resnet4j.optim;

import io.resnet4j.kernels.OptimOps;
import io.resnet4j.kernels.scalar.ScalarOptim;
import io.resnet4j.kernels.vector.VectorOptim;
import io.resnet4j.nn.Parameter;
import io.resnet4j.tensor.Shape;
import io.resnet4j.testing.Fixture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SGD against torch.optim.SGD trajectories written by tools/reference/sgd.py. */
class SgdTest {
    private static final Fixture F = Fixture.load("resnet4j-engine", "optim/sgd.bin");

    static Stream<Arguments> configs() {
        Stream.Builder<Arguments> b = Stream.builder();
        Object[][] cases = {
                {"plain", SgdConfig.plain()},
                {"decay", new SgdConfig(0, 0, false, 1e-2, false)},
                {"momentum", new SgdConfig(0.9, 0, false, 5e-4, false)},
                {"nesterov", new SgdConfig(0.9, 0, true, 5e-4, false)},
                {"dampening", new SgdConfig(0.8, 0.3, false, 1e-4, false)},
                {"nodecay_bias", new SgdConfig(0.9, 0, true, 5e-2, true)},
        };
        for (Object[] c : cases) {
            b.add(Arguments.of(c[0], c[1], "scalar", ScalarOptim.INSTANCE));
            b.add(Arguments.of(c[0], c[1], "vector", VectorOptim.INSTANCE));
        }
        return b.build();
    }

    /**
     * Bitwise equality: PyTorch's CPU add(x, alpha) is a fused multiply-add (vectorised and, compiled with FMA
     * contraction, in the tail), and the kernels reproduce its roundings one by one.
     */
    @ParameterizedTest(name = "{0} ({2})")
    @MethodSource("configs")
    void matchesTorchBitwise(String name, SgdConfig config, String impl, OptimOps ops) {
        Parameter w = new Parameter(Shape.of(3, 37), Parameter.Kind.WEIGHT);
        Parameter b = new Parameter(Shape.of(37), Parameter.Kind.BIAS);
        w.value().copyFrom(F.tensor("w0"));
        b.value().copyFrom(F.tensor("b0"));
        Map<String, Parameter> params = new LinkedHashMap<>();
        params.put("fc.weight", w);
        params.put("fc.bias", b);
        Sgd sgd = new Sgd(params, config, ops);
        float[] gw = F.floats("gw"), gb = F.floats("gb");
        float[] ws = F.floats(name + ".w"), bs = F.floats(name + ".b");
        double[] lrs = F.entry("lrs").values();
        for (int s = 0; s < lrs.length; s++) {
            System.arraycopy(gw, s * 111, w.grad().data(), 0, 111);
            System.arraycopy(gb, s * 37, b.grad().data(), 0, 37);
            sgd.step(lrs[s]);
            for (int i = 0; i < 111; i++) {
                assertThat(w.value().data()[i]).as("%s step %d weight[%d]", name, s, i).isEqualTo(ws[s * 111 + i]);
            }
            for (int i = 0; i < 37; i++) {
                assertThat(b.value().data()[i]).as("%s step %d bias[%d]", name, s, i).isEqualTo(bs[s * 37 + i]);
            }
        }
        assertThat(sgd.steps()).isEqualTo(lrs.length);
        if (config.momentum() != 0) {
            Sgd.State st = sgd.exportState();
            assertThat(st.momentumBuffers().get("fc.weight")).containsExactly(F.floats(name + ".buf_w"));
            assertThat(st.momentumBuffers().get("fc.bias")).containsExactly(F.floats(name + ".buf_b"));
        }
    }

    @Test
    void noDecayOptionExemptsNormAndBiasKinds() {
        Map<String, Parameter> params = new LinkedHashMap<>();
        params.put("conv.weight", new Parameter(Shape.of(2, 2, 1, 1), Parameter.Kind.WEIGHT));
        params.put("fc.bias", new Parameter(Shape.of(2), Parameter.Kind.BIAS));
        params.put("bn.weight", new Parameter(Shape.of(2), Parameter.Kind.NORM_SCALE));
        params.put("bn.bias", new Parameter(Shape.of(2), Parameter.Kind.NORM_SHIFT));
        Sgd exempt = new Sgd(params, new SgdConfig(0.9, 0, false, 1e-4, true));
        assertThat(exempt.decays("conv.weight")).isTrue();
        assertThat(exempt.decays("fc.bias")).isFalse();
        assertThat(exempt.decays("bn.weight")).isFalse();
        assertThat(exempt.decays("bn.bias")).isFalse();
        Sgd all = new Sgd(params, new SgdConfig(0.9, 0, false, 1e-4, false));
        assertThat(all.decays("bn.weight")).isTrue();
    }

    @Test
    void stateRoundTripResumesExactly() {
        Map<String, Parameter> a = twoParams(), b = twoParams();
        SgdConfig cfg = new SgdConfig(0.9, 0, true, 5e-4, true);
        Sgd sa = new Sgd(a, cfg), sb = new Sgd(b, cfg);
        for (int s = 0; s < 3; s++) {
            fillGrads(a, s);
            sa.step(0.1);
        }
        // b takes a's weights and optimiser state, then both continue
        copyValues(a, b);
        sb.importState(sa.exportState());
        assertThat(sb.steps()).isEqualTo(3);
        for (int s = 3; s < 6; s++) {
            fillGrads(a, s);
            fillGrads(b, s);
            sa.step(0.05);
            sb.step(0.05);
        }
        for (String k : a.keySet()) {
            assertThat(b.get(k).value().data()).containsExactly(a.get(k).value().data());
        }
    }

    @Test
    void importRejectsMismatchedState() {
        Map<String, Parameter> a = twoParams();
        Sgd sgd = new Sgd(a, SgdConfig.paper());
        Map<String, float[]> bufs = new LinkedHashMap<>();
        bufs.put("w", new float[5]);
        assertThatThrownBy(() -> sgd.importState(new Sgd.State(4, bufs)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("w: 5 values, expected 6")
                .hasMessageContaining("missing momentum buffer for b");
    }

    @Test
    void configValidation() {
        assertThatThrownBy(() -> new SgdConfig(0, 0, true, 0, false)).hasMessageContaining("Nesterov");
        assertThatThrownBy(() -> new SgdConfig(1.0, 0, false, 0, false)).hasMessageContaining("momentum");
        assertThatThrownBy(() -> new SgdConfig(0.9, 0, false, -1, false)).hasMessageContaining("weight decay");
        Sgd sgd = new Sgd(twoParams(), SgdConfig.paper());
        assertThatThrownBy(() -> sgd.step(Double.NaN)).hasMessageContaining("learning rate");
    }

    static Map<String, Parameter> twoParams() {
        Map<String, Parameter> m = new LinkedHashMap<>();
        Parameter w = new Parameter(Shape.of(2, 3), Parameter.Kind.WEIGHT);
        Parameter b = new Parameter(Shape.of(3), Parameter.Kind.BIAS);
        for (int i = 0; i < 6; i++) {
            w.value().data()[i] = (float) Math.sin(i + 1);
        }
        for (int i = 0; i < 3; i++) {
            b.value().data()[i] = (float) Math.cos(i);
        }
        m.put("w", w);
        m.put("b", b);
        return m;
    }

    static void fillGrads(Map<String, Parameter> m, int step) {
        int k = 0;
        for (Parameter p : m.values()) {
            float[] g = p.grad().data();
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) Math.sin(0.7 * step + 1.3 * k++);
            }
        }
    }

    static void copyValues(Map<String, Parameter> from, Map<String, Parameter> to) {
        for (String k : from.keySet()) {
            to.get(k).value().copyFrom(from.get(k).value());
        }
    }
}
