package io.resnet4j.onnx;

import io.resnet4j.nn.Module;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.util.Arrays;

/**
 * Data movement with a fixed pattern per input shape: Slice, Pad (constant), Transpose. For an input shape
 * the op computes {@code map[o]}, the input element that output element o copies, or -1 for the fill value;
 * forward gathers, backward scatters the gradient back (every input element is read at most once).
 * In a ResNet these carry the option-A shortcut ({@code F.pad(x[:, :, ::2, ::2], ...)}).
 */
abstract class IndexMapOp extends Module {
    private final float fill;
    private Shape inputShape;
    private int[] map;
    private Tensor output, gradInput;

    IndexMapOp(float fill) {
        this.fill = fill;
    }

    /** map[o] for every output element (row-major over outputShape(in)). */
    abstract int[] buildMap(Shape in);

    @Override
    public Tensor forward(Tensor x) {
        if (map == null || !x.shape().equals(inputShape)) {
            Shape out = outputShape(x.shape());
            map = buildMap(x.shape());
            inputShape = x.shape();
            output = new Tensor(out);
        }
        float[] xs = x.data(), y = output.data();
        for (int o = 0; o < map.length; o++) {
            int i = map[o];
            y[o] = i < 0 ? fill : xs[i];
        }
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        requireForward(map, gradOutput, output == null ? null : output.shape());
        gradInput = reuse(gradInput, inputShape);
        float[] dx = gradInput.data(), dy = gradOutput.data();
        Arrays.fill(dx, 0f);
        for (int o = 0; o < map.length; o++) {
            if (map[o] >= 0) {
                dx[map[o]] += dy[o];
            }
        }
        return gradInput;
    }

    /** Row-major strides of dims. */
    static int[] strides(int[] dims) {
        int[] st = new int[dims.length];
        int s = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= dims[i];
        }
        return st;
    }

    /** Calls visit(o, index) for every output element o in row-major order of dims. */
    static void forEachIndex(int[] dims, java.util.function.ObjIntConsumer<int[]> visit) {
        int total = 1;
        for (int d : dims) {
            total *= d;
        }
        int[] idx = new int[dims.length];
        for (int o = 0; o < total; o++) {
            visit.accept(idx, o);
            for (int k = dims.length - 1; k >= 0; k--) {
                if (++idx[k] < dims[k]) {
                    break;
                }
                idx[k] = 0;
            }
        }
    }

    /** ONNX Slice: per-axis start, end and step, clamped to each input dimension as the operator defines. */
    static final class Slice extends IndexMapOp {
        private final long[] starts, ends, steps;
        private final int[] axes;

        Slice(long[] starts, long[] ends, int[] axes, long[] steps) {
            super(0f);
            this.starts = starts.clone();
            this.ends = ends.clone();
            this.axes = axes.clone();
            this.steps = steps.clone();
        }

        /** {start, step, count} per dimension of the input. */
        private long[][] plan(Shape s) {
            int rank = s.rank();
            long[][] p = new long[rank][];
            for (int d = 0; d < rank; d++) {
                p[d] = new long[] {0, 1, s.dim(d)};
            }
            for (int k = 0; k < axes.length; k++) {
                int a = axes[k] < 0 ? axes[k] + rank : axes[k];
                if (a < 0 || a >= rank) {
                    throw new IllegalArgumentException("Slice axis " + axes[k] + " outside an input of rank " + rank);
                }
                long dim = s.dim(a), step = steps[k], start = starts[k], end = ends[k];
                if (start < 0) start += dim;
                if (end < 0) end += dim;
                long count;
                if (step > 0) {
                    start = Math.max(0, Math.min(start, dim));
                    end = Math.max(0, Math.min(end, dim));
                    count = Math.max(0, (end - start + step - 1) / step);
                } else {
                    start = Math.max(0, Math.min(start, dim - 1));
                    end = Math.max(-1, Math.min(end, dim - 1));
                    count = Math.max(0, (start - end + (-step) - 1) / (-step));
                }
                p[a] = new long[] {start, step, count};
            }
            return p;
        }

        @Override
        public Shape outputShape(Shape s) {
            long[][] p = plan(s);
            long[] out = new long[p.length];
            for (int d = 0; d < p.length; d++) {
                out[d] = p[d][2];
            }
            return Const.shape(out, "Slice output");
        }

        @Override
        int[] buildMap(Shape in) {
            long[][] p = plan(in);
            int[] outDims = outputShape(in).dims(), st = strides(in.dims());
            int[] map = new int[outputShape(in).numel()];
            forEachIndex(outDims, (idx, o) -> {
                long src = 0;
                for (int d = 0; d < idx.length; d++) {
                    src += (p[d][0] + idx[d] * p[d][1]) * st[d];
                }
                map[o] = (int) src;
            });
            return map;
        }

        @Override
        public String toString() {
            return "Slice(starts=" + Arrays.toString(starts) + ", ends=" + Arrays.toString(ends) + ", axes="
                    + Arrays.toString(axes) + ", steps=" + Arrays.toString(steps) + ")";
        }
    }

    /** ONNX Pad in constant mode with non-negative pads [begin_0.., end_0..]. */
    static final class Pad extends IndexMapOp {
        private final long[] pads;
        private final float value;

        Pad(long[] pads, float value) {
            super(value);
            this.pads = pads.clone();
            this.value = value;
        }

        @Override
        public Shape outputShape(Shape s) {
            if (pads.length != 2 * s.rank()) {
                throw new IllegalArgumentException("Pad has " + pads.length + " pads for an input of rank " + s.rank());
            }
            long[] out = new long[s.rank()];
            for (int d = 0; d < out.length; d++) {
                out[d] = s.dim(d) + pads[d] + pads[d + s.rank()];
            }
            return Const.shape(out, "Pad output");
        }

        @Override
        int[] buildMap(Shape in) {
            int rank = in.rank();
            int[] inDims = in.dims(), st = strides(inDims), outDims = outputShape(in).dims();
            int[] map = new int[outputShape(in).numel()];
            forEachIndex(outDims, (idx, o) -> {
                int src = 0;
                for (int d = 0; d < rank; d++) {
                    long i = idx[d] - pads[d];
                    if (i < 0 || i >= inDims[d]) {
                        map[o] = -1;
                        return;
                    }
                    src += (int) i * st[d];
                }
                map[o] = src;
            });
            return map;
        }

        @Override
        public String toString() {
            return "Pad(pads=" + Arrays.toString(pads) + ", value=" + value + ")";
        }
    }

    /** ONNX Transpose: output dimension i is input dimension perm[i]. */
    static final class Transpose extends IndexMapOp {
        private final int[] perm;

        Transpose(int[] perm) {
            super(0f);
            this.perm = perm.clone();
        }

        /** The perm attribute (null: reversed axes) checked to be a permutation of a rank-{@code rank} input's axes. */
        static int[] permutation(long[] attr, int rank) {
            int[] perm = new int[rank];
            boolean[] seen = new boolean[rank];
            boolean ok = attr == null || attr.length == rank;
            for (int i = 0; i < rank && ok; i++) {
                long p = attr == null ? rank - 1 - i : attr[i];
                ok = p >= 0 && p < rank && !seen[(int) p];
                if (ok) {
                    seen[(int) p] = true;
                    perm[i] = (int) p;
                }
            }
            if (!ok) {
                throw new OnnxException("perm " + Arrays.toString(attr) + " is not a permutation of the axes of a rank-"
                        + rank + " input");
            }
            return perm;
        }

        @Override
        public Shape outputShape(Shape s) {
            if (perm.length != s.rank()) {
                throw new IllegalArgumentException("Transpose perm " + Arrays.toString(perm) + " for an input of rank " + s.rank());
            }
            int[] out = new int[perm.length];
            for (int i = 0; i < perm.length; i++) {
                out[i] = s.dim(perm[i]);
            }
            return Shape.of(out);
        }

        @Override
        int[] buildMap(Shape in) {
            int[] st = strides(in.dims()), outDims = outputShape(in).dims();
            int[] map = new int[in.numel()];
            forEachIndex(outDims, (idx, o) -> {
                int src = 0;
                for (int i = 0; i < perm.length; i++) {
                    src += idx[i] * st[perm[i]];
                }
                map[o] = src;
            });
            return map;
        }

        @Override
        public String toString() {
            return "Transpose(perm=" + Arrays.toString(perm) + ")";
        }
    }
}
