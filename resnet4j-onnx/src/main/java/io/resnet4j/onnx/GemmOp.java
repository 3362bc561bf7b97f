package io.resnet4j.onnx;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.nn.Module;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/**
 * ONNX Gemm / MatMul with a constant right operand: Y (m, n) = alpha * op(A) . op(B) + beta * C, A at run
 * time (m, k) or (k, m) when transA, B (k, n) or (n, k) when transB, C broadcast to (m, n) or absent.
 * Forward only: the importer maps the fully-connected case (alpha = beta = 1, no transA, bias of n) to the
 * engine's Linear, which trains.
 */
final class GemmOp extends Module {
    private final float alpha, beta;
    private final boolean transA, transB;
    private final Tensor b, c;
    private final int k, n;
    private Tensor output;

    GemmOp(float alpha, float beta, boolean transA, boolean transB, Tensor b, Tensor c) {
        if (b.shape().rank() != 2) {
            throw new OnnxException("Gemm/MatMul needs a 2-D constant B, got " + b.shape());
        }
        this.alpha = alpha;
        this.beta = beta;
        this.transA = transA;
        this.transB = transB;
        this.b = b;
        this.c = c;
        this.k = transB ? b.shape().dim(1) : b.shape().dim(0);
        this.n = transB ? b.shape().dim(0) : b.shape().dim(1);
    }

    @Override
    public Shape outputShape(Shape s) {
        if (s.rank() != 2 || (transA ? s.dim(0) : s.dim(1)) != k) {
            throw new IllegalArgumentException("Gemm expects a 2-D A with " + k + (transA ? " rows" : " columns") + ", got " + s);
        }
        Shape out = Shape.of(transA ? s.dim(1) : s.dim(0), n);
        if (c != null && !Broadcast.shape(out, c.shape(), "Gemm").equals(out)) {
            throw new IllegalArgumentException("Gemm bias " + c.shape() + " does not broadcast to " + out);
        }
        return out;
    }

    @Override
    public long ownMacs(Shape s) {
        return (long) outputShape(s).numel() * k;
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape out = outputShape(x.shape());
        int m = out.dim(0);
        output = reuse(output, out);
        float[] y = output.data();
        Kernels.GEMM.sgemm(transA, transB, m, n, k, x.data(), 0, transA ? m : k, b.data(), 0, transB ? k : n, y, 0, n, false);
        if (alpha != 1f) {
            for (int i = 0; i < y.length; i++) {
                y[i] *= alpha;
            }
        }
        if (c != null && beta != 0f) {
            float[] cb = new float[y.length];
            Broadcast.copy(c, cb, out);
            for (int i = 0; i < y.length; i++) {
                y[i] += beta * cb[i];
            }
        }
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        throw new UnsupportedOperationException("a general Gemm (alpha, beta, transA or a non-vector bias) is imported for inference only");
    }

    @Override
    public String toString() {
        return "Gemm(k=" + k + ", n=" + n + ", alpha=" + alpha + ", beta=" + beta + ", transA=" + transA + ", transB=" + transB + ")";
    }
}
