package io.resnet4j.onnx.tools;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.onnx.OnnxModel;
import io.resnet4j.onnx.OnnxReader;
import io.resnet4j.onnx.proto.OnnxProto.TensorProto;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The large-model check, run outside the unit tests (the models are ~45 and ~100 MB): imports the torchvision
 * ResNets that {@code tools/reference/onnx_models.py --large DIR} exported and compares resnet4j's outputs with
 * PyTorch's. Exits non-zero when a model misses 1e-4 relative (max |diff| / max |reference|).
 *
 * Run it with {@code tools/reference/onnx_large_check.sh [DIR]}, which exports the models first and builds the
 * classpath.
 */
public final class OnnxParityTool {
    private OnnxParityTool() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/resnet4j-onnx-large");
        System.out.println("kernels: " + Kernels.describe());
        boolean ok = true;
        for (String name : new String[] {"resnet18", "resnet50"}) {
            Path model = dir.resolve(name + ".onnx");
            if (!Files.exists(model)) {
                System.err.println("missing " + model + ": run /usr/bin/python3.11 tools/reference/onnx_models.py --large " + dir);
                System.exit(2);
            }
            Tensor x = tensor(dir.resolve(name + "_input.pb"));
            Tensor want = tensor(dir.resolve(name + "_output.pb"));
            long t0 = System.nanoTime();
            OnnxModel m = OnnxModel.load(model, x.shape());
            long t1 = System.nanoTime();
            Tensor y = m.module().forward(x);
            long t2 = System.nanoTime();
            double diff = 0, scale = 0;
            for (int i = 0; i < want.numel(); i++) {
                diff = Math.max(diff, Math.abs(y.data()[i] - want.data()[i]));
                scale = Math.max(scale, Math.abs(want.data()[i]));
            }
            double rel = diff / scale;
            ok &= rel < 1e-4 && y.shape().equals(want.shape());
            System.out.printf("%s: %d parameters, %d steps, input %s -> %s, max|diff| %.3g, max|ref| %.3g, relative %.3g (%s); import %.1f s, forward %.1f s%n",
                    name, m.module().parameterCount(), m.module().stepCount(), x.shape(), y.shape(), diff, scale, rel,
                    rel < 1e-4 ? "within 1e-4" : "FAIL", (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        }
        System.exit(ok ? 0 : 1);
    }

    private static Tensor tensor(Path pb) throws Exception {
        TensorProto t = OnnxReader.readTensor(pb);
        int[] dims = t.getDimsList().stream().mapToInt(Long::intValue).toArray();
        float[] f = new float[t.getRawData().size() / 4];
        t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return Tensor.wrap(Shape.of(dims), f);
    }
}
