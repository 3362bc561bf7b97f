package io.resnet4j.train;

import io.resnet4j.nn.Module;
import io.resnet4j.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** A module's float state (parameters then buffers) as live tensors by state_dict name. */
final class TinyTrainingState {
    private TinyTrainingState() {
    }

    static Map<String, Tensor> tensors(Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        m.namedParameters().forEach((k, p) -> out.put(k, p.value()));
        out.putAll(m.namedBuffers());
        return out;
    }
}
