package io.resnet4j.onnx;

import io.resnet4j.onnx.proto.OnnxProto.GraphProto;
import io.resnet4j.onnx.proto.OnnxProto.ModelProto;
import io.resnet4j.onnx.proto.OnnxProto.StringStringEntryProto;
import io.resnet4j.onnx.proto.OnnxProto.TensorShapeProto;
import io.resnet4j.onnx.proto.OnnxProto.TypeProto;
import io.resnet4j.onnx.proto.OnnxProto.ValueInfoProto;
import io.resnet4j.tensor.Shape;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An imported ONNX model: the runnable graph, the input shape it was imported for, and the file's metadata.
 *
 * <pre>{@code
 * OnnxModel m = OnnxModel.load(Path.of("resnet18.onnx"));          // batch 1 when the file's batch is symbolic
 * Tensor logits = m.module().forward(images);                       // any batch size unless shapes were folded
 * OnnxModel m4 = OnnxModel.load(Path.of("resnet18.onnx"), Shape.of(4, 3, 224, 224));
 * }</pre>
 *
 * @param module     the graph as an engine module, in eval mode ({@code module.train(true)} to fine-tune)
 * @param inputShape the shape of the single run-time input used for shape inference and folding
 * @param metadata   producer, versions, opset, graph name, input and output names, and the file's metadata_props
 */
public record OnnxModel(OnnxGraph module, Shape inputShape, Map<String, String> metadata) {

    /** Loads a model with one run-time input; symbolic batch dimensions become 1. */
    public static OnnxModel load(Path file) throws IOException {
        return load(file, null);
    }

    /** Loads a model with one run-time input of the given shape (null: the file's shape, batch 1 when symbolic). */
    public static OnnxModel load(Path file, Shape inputShape) throws IOException {
        ModelProto proto = OnnxReader.readModel(file);
        return fromProto(proto, inputShape, file.toString());
    }

    /**
     * Loads a model for an input shape that may differ from the dimensions the file declares for its run-time
     * input (another batch size, or another image size for a network with global pooling): the declared shape is
     * replaced by {@code inputShape} before import, and everything the graph computes from it is checked as for
     * {@link #load(Path, Shape)} (a Gemm after a Flatten without pooling, say, still refuses another image size).
     */
    public static OnnxModel loadReshaped(Path file, Shape inputShape) throws IOException {
        ModelProto proto = OnnxReader.readModel(file);
        String name = firstRuntimeInput(proto);
        GraphProto.Builder g = proto.getGraph().toBuilder();
        for (int i = 0; i < g.getInputCount(); i++) {
            ValueInfoProto vi = g.getInput(i);
            if (vi.getName().equals(name) && vi.getType().hasTensorType()) {
                int rank = vi.getType().getTensorType().getShape().getDimCount();
                if (vi.getType().getTensorType().hasShape() && rank != inputShape.rank()) {
                    throw new OnnxException(file + ": graph input '" + name + "' has rank " + rank + ", the shape given is "
                            + inputShape);
                }
                TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
                for (int d = 0; d < inputShape.rank(); d++) {
                    shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(inputShape.dim(d)));
                }
                TypeProto.Builder type = vi.getType().toBuilder();
                type.getTensorTypeBuilder().setShape(shape);
                g.setInput(i, vi.toBuilder().setType(type));
            }
        }
        return fromProto(proto.toBuilder().setGraph(g).build(), inputShape, file.toString());
    }

    static OnnxModel fromProto(ModelProto proto, Shape inputShape, String source) {
        OnnxGraph g;
        try {
            Map<String, Shape> shapes = new LinkedHashMap<>();
            if (inputShape != null) {
                String first = firstRuntimeInput(proto);
                shapes.put(first, inputShape);
            }
            g = OnnxImporter.importGraph(proto, shapes, Map.of());
        } catch (OnnxException e) {
            throw new OnnxException(source + ": " + e.getMessage(), e);
        }
        if (g.inputNames().size() != 1) {
            throw new OnnxException(source + " has " + g.inputNames().size() + " run-time inputs " + g.inputNames()
                    + "; OnnxModel handles one (use OnnxGraph.run for several)");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("producer_name", proto.getProducerName());
        meta.put("producer_version", proto.getProducerVersion());
        meta.put("ir_version", String.valueOf(proto.getIrVersion()));
        meta.put("opset", String.valueOf(OnnxImporter.defaultOpset(proto)));
        meta.put("domain", proto.getDomain());
        meta.put("model_version", String.valueOf(proto.getModelVersion()));
        meta.put("graph_name", proto.getGraph().getName());
        meta.put("input_name", g.inputNames().get(0));
        meta.put("output_names", String.join(",", g.outputNames()));
        if (!proto.getDocString().isEmpty()) {
            meta.put("doc_string", proto.getDocString());
        }
        for (StringStringEntryProto e : proto.getMetadataPropsList()) {
            meta.put(e.getKey(), e.getValue());
        }
        return new OnnxModel(g, g.importShapes()[0], java.util.Collections.unmodifiableMap(meta));
    }

    private static String firstRuntimeInput(ModelProto proto) {
        java.util.Set<String> inits = new java.util.HashSet<>();
        proto.getGraph().getInitializerList().forEach(t -> inits.add(t.getName()));
        return proto.getGraph().getInputList().stream().map(v -> v.getName()).filter(n -> !inits.contains(n)).findFirst()
                .orElseThrow(() -> new OnnxException("the graph has no run-time input"));
    }
}
