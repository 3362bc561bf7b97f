package io.resnet4j.onnx;

import io.resnet4j.onnx.proto.OnnxProto.AttributeProto;
import io.resnet4j.onnx.proto.OnnxProto.TensorProto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Evaluates operators on constants at import time: the shape arithmetic PyTorch emits around an option-A
 * shortcut ({@code F.pad} becomes ConstantOfShape, Concat, Reshape, Slice, Transpose, Cast...), Constant
 * nodes, and any of these on initializers. Tensors of any rank, row-major.
 *
 * <p>Every computed tensor is bounded ({@link #MAX_ELEMENTS} each, {@link #MAX_TOTAL} over the import), so a
 * model cannot make the importer allocate from a size it merely states (ConstantOfShape of [1e9, 1e9]).
 */
final class ConstFold {
    static final Set<String> OPS = Set.of("Constant", "Identity", "Cast", "Shape", "Gather", "Unsqueeze", "Squeeze",
            "Concat", "ConstantOfShape", "Slice", "Transpose", "Reshape", "Flatten", "Add", "Sum", "Sub", "Mul", "Div");
    static final long MAX_ELEMENTS = 1L << 24;
    static final long MAX_TOTAL = 1L << 26;

    private long total;

    Const eval(String op, OnnxImporter.Attrs a, List<Const> in, int opset) {
        return switch (op) {
            case "Constant" -> constant(a);
            case "Identity" -> need(in, 0, op);
            case "Cast" -> cast(need(in, 0, op), castTarget(a));
            case "Shape" -> shapeOf(need(in, 0, op).dims, a);
            case "Gather" -> gather(need(in, 0, op), need(in, 1, op), (int) a.i("axis", 0));
            case "Unsqueeze" -> unsqueeze(need(in, 0, op), opset < 13 ? a.ints("axes") : need(in, 1, op).asLongs("axes"));
            case "Squeeze" -> squeeze(need(in, 0, op), opset < 13 ? (a.has("axes") ? a.ints("axes") : null)
                    : (in.size() > 1 && in.get(1) != null ? in.get(1).asLongs("axes") : null));
            case "Concat" -> concat(in, (int) a.i("axis", opset < 4 ? 1 : 0)); // Concat-1: axis optional, default 1
            case "ConstantOfShape" -> constantOfShape(need(in, 0, op).asLongs("shape"), a);
            case "Slice" -> slice(need(in, 0, op), a, in, opset);
            case "Transpose" -> transpose(need(in, 0, op), a.has("perm") ? a.ints("perm") : null);
            case "Reshape" -> reshape(need(in, 0, op), ReshapeOp.resolve(need(in, 0, op).dims,
                    opset < 5 ? a.ints("shape") : need(in, 1, op).asLongs("shape"), "Reshape"));
            case "Flatten" -> reshape(need(in, 0, op), ReshapeOp.flattenDims(need(in, 0, op).dims, (int) a.i("axis", 1)));
            case "Add", "Sum", "Sub", "Mul", "Div" -> {
                Const acc = need(in, 0, op);
                for (int i = 1; i < in.size(); i++) {
                    acc = binary(op, acc, need(in, i, op));
                }
                yield acc;
            }
            default -> throw new OnnxException(op + " cannot be evaluated at import time");
        };
    }

    private static Const need(List<Const> in, int i, String op) {
        if (in.size() <= i || in.get(i) == null) {
            throw new OnnxException(op + " input " + i + " is missing");
        }
        return in.get(i);
    }

    private void budget(long n, String what) {
        if (n < 0 || n > MAX_ELEMENTS || total + n > MAX_TOTAL) {
            throw new OnnxException(what + " would hold " + (n < 0 ? "too many" : String.valueOf(n)) + " elements computed at import time"
                    + " (limits: " + MAX_ELEMENTS + " per tensor, " + MAX_TOTAL + " in all)");
        }
        total += n;
    }

    private Const make(int type, long[] dims, String what) {
        long n = Const.numel(dims);
        budget(n, what);
        return type == Const.FLOAT ? Const.floats(dims, new float[(int) n]) : Const.longs(type, dims, new long[(int) n]);
    }

    private static void set(Const c, int i, double v) {
        if (c.f != null) {
            c.f[i] = (float) v;
        } else {
            c.l[i] = (long) v;
        }
    }

    private static void copy(Const src, int i, Const dst, int j) {
        if (dst.f != null) {
            dst.f[j] = src.f != null ? src.f[i] : src.l[i];
        } else {
            dst.l[j] = src.l != null ? src.l[i] : (long) src.f[i];
        }
    }

    private static int storageType(int type) {
        return switch (type) {
            case Const.FLOAT, Const.DOUBLE, Const.FLOAT16 -> Const.FLOAT;
            default -> type;
        };
    }

    Const constant(OnnxImporter.Attrs a) {
        if (a.has("value")) {
            return Const.fromProto(a.get("value").getT(), "Constant value");
        }
        if (a.has("value_float")) {
            return Const.floats(new long[0], new float[] {a.get("value_float").getF()});
        }
        if (a.has("value_floats")) {
            AttributeProto p = a.get("value_floats");
            float[] f = new float[p.getFloatsCount()];
            for (int i = 0; i < f.length; i++) f[i] = p.getFloats(i);
            return Const.floats(new long[] {f.length}, f);
        }
        if (a.has("value_int")) {
            return Const.longs(Const.INT64, new long[0], new long[] {a.get("value_int").getI()});
        }
        if (a.has("value_ints")) {
            long[] v = a.ints("value_ints");
            return Const.longs(Const.INT64, new long[] {v.length}, v);
        }
        throw new OnnxException("Constant with a sparse or string value is not supported");
    }

    /**
     * Cast's target, a TensorProto.DataType number. Cast-6 on gives the number; Cast-1 (opsets 1 to 5) gives the
     * enum's name as a string ("FLOAT", "INT64"), mapped here to its number.
     */
    static int castTarget(OnnxImporter.Attrs a) {
        AttributeProto to = a.get("to");
        if (to.getType() != AttributeProto.AttributeType.STRING && !to.hasS()) {
            long v = to.getI();
            if (v < 0 || v > Integer.MAX_VALUE) {
                // an int cast would wrap a value such as 2^32 + 1 onto a valid type (FLOAT)
                throw new OnnxException("its 'to' attribute " + v + " is no ONNX data type (TensorProto.DataType)");
            }
            return (int) v;
        }
        String name = to.getS().toString(StandardCharsets.UTF_8);
        for (TensorProto.DataType d : TensorProto.DataType.values()) {
            if (d != TensorProto.DataType.UNDEFINED && d.name().equals(name.toUpperCase(Locale.ROOT))) {
                return d.getNumber();
            }
        }
        throw new OnnxException("its 'to' attribute '" + name + "' (a string, the form of opsets 1 to 5) names no ONNX"
                + " data type (FLOAT, INT64, ... as in TensorProto.DataType)");
    }

    Const cast(Const x, int to) {
        int st = storageType(to);
        if (to < 1 || to == 8 || to > Const.UINT64) {
            throw new OnnxException("Cast to " + Const.typeName(to) + " is not supported");
        }
        Const out = make(st, x.dims, "Cast");
        for (int i = 0; i < x.size(); i++) {
            double v = x.get(i);
            if (to == Const.BOOL) {
                v = v != 0 ? 1 : 0;
            } else if (st != Const.FLOAT) {
                v = v < 0 ? Math.ceil(v) : Math.floor(v);
            }
            set(out, i, v);
        }
        return st == Const.FLOAT ? out : Const.longs(to, out.dims, out.l);
    }

    Const shapeOf(long[] dims, OnnxImporter.Attrs a) {
        int r = dims.length;
        int start = (int) a.i("start", 0), end = (int) a.i("end", r);
        start = Math.max(0, Math.min(r, start < 0 ? start + r : start));
        end = Math.max(start, Math.min(r, end < 0 ? end + r : end));
        return Const.ints(Arrays.copyOfRange(dims, start, end));
    }

    private static int axis(int axis, int rank, String op) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new OnnxException(op + " axis " + axis + " outside rank " + rank);
        }
        return a;
    }

    private static long prod(long[] d, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) {
            p *= d[i];
        }
        return p;
    }

    Const gather(Const data, Const indices, int axisAttr) {
        int r = data.rank();
        if (r == 0) {
            throw new OnnxException("Gather on a scalar");
        }
        int axis = axis(axisAttr, r, "Gather");
        long[] idx = indices.asLongs("Gather indices");
        long[] outDims = new long[r - 1 + indices.rank()];
        System.arraycopy(data.dims, 0, outDims, 0, axis);
        System.arraycopy(indices.dims, 0, outDims, axis, indices.rank());
        System.arraycopy(data.dims, axis + 1, outDims, axis + indices.rank(), r - axis - 1);
        Const out = make(storageType(data.type), outDims, "Gather");
        long outer = prod(data.dims, 0, axis), inner = prod(data.dims, axis + 1, r), len = data.dims[axis];
        int o = 0;
        for (long a = 0; a < outer; a++) {
            for (long k : idx) {
                long j = k < 0 ? k + len : k;
                if (j < 0 || j >= len) {
                    throw new OnnxException("Gather index " + k + " outside a dimension of " + len);
                }
                for (long b = 0; b < inner; b++) {
                    copy(data, (int) ((a * len + j) * inner + b), out, o++);
                }
            }
        }
        return retype(out, data.type);
    }

    private static Const retype(Const c, int type) {
        return c.f != null ? c : Const.longs(type, c.dims, c.l);
    }

    Const unsqueeze(Const x, long[] axes) {
        int r = x.rank() + axes.length;
        boolean[] inserted = new boolean[r];
        for (long ax : axes) {
            int a = axis((int) ax, r, "Unsqueeze");
            if (inserted[a]) {
                throw new OnnxException("Unsqueeze repeats axis " + ax);
            }
            inserted[a] = true;
        }
        long[] dims = new long[r];
        for (int i = 0, j = 0; i < r; i++) {
            dims[i] = inserted[i] ? 1 : x.dims[j++];
        }
        return reshape(x, dims);
    }

    Const squeeze(Const x, long[] axes) {
        int r = x.rank();
        boolean[] drop = new boolean[r];
        for (int i = 0; i < r; i++) {
            drop[i] = axes == null && x.dims[i] == 1;
        }
        if (axes != null) {
            for (long ax : axes) {
                int a = axis((int) ax, r, "Squeeze");
                if (x.dims[a] != 1) {
                    throw new OnnxException("Squeeze of axis " + ax + " of size " + x.dims[a]);
                }
                drop[a] = true;
            }
        }
        long[] dims = new long[r];
        int k = 0;
        for (int i = 0; i < r; i++) {
            if (!drop[i]) {
                dims[k++] = x.dims[i];
            }
        }
        return reshape(x, Arrays.copyOf(dims, k));
    }

    static Const reshape(Const x, long[] dims) {
        if (Const.numel(dims) != x.size()) {
            throw new OnnxException("cannot reshape " + Arrays.toString(x.dims) + " to " + Arrays.toString(dims));
        }
        return x.f != null ? Const.floats(dims, x.f) : Const.longs(x.type, dims, x.l);
    }

    Const concat(List<Const> in, int axisAttr) {
        if (in.isEmpty() || in.get(0) == null) {
            throw new OnnxException("Concat without inputs");
        }
        Const first = in.get(0);
        int r = first.rank();
        int axis = axis(axisAttr, r, "Concat");
        long[] dims = first.dims.clone();
        dims[axis] = 0;
        boolean anyFloat = false;
        for (Const c : in) {
            if (c == null || c.rank() != r) {
                throw new OnnxException("Concat of tensors of different ranks");
            }
            for (int d = 0; d < r; d++) {
                if (d != axis && c.dims[d] != first.dims[d]) {
                    throw new OnnxException("Concat of " + Arrays.toString(first.dims) + " and " + Arrays.toString(c.dims));
                }
            }
            dims[axis] += c.dims[axis];
            anyFloat |= c.isFloat();
        }
        Const out = make(anyFloat ? Const.FLOAT : first.type, dims, "Concat");
        long outer = prod(dims, 0, axis), inner = prod(dims, axis + 1, r);
        int o = 0;
        for (long a = 0; a < outer; a++) {
            for (Const c : in) {
                long block = c.dims[axis] * inner;
                for (long b = 0; b < block; b++) {
                    copy(c, (int) (a * block + b), out, o++);
                }
            }
        }
        return out;
    }

    Const constantOfShape(long[] shape, OnnxImporter.Attrs a) {
        Const value = a.has("value") ? Const.fromProto(a.get("value").getT(), "ConstantOfShape value") : Const.floats(new long[] {1}, new float[] {0f});
        if (value.size() != 1) {
            throw new OnnxException("ConstantOfShape value must hold one element");
        }
        for (long d : shape) {
            if (d < 0) {
                throw new OnnxException("ConstantOfShape of negative dimensions " + Arrays.toString(shape));
            }
        }
        Const out = make(storageType(value.type), shape, "ConstantOfShape");
        for (int i = 0; i < out.size(); i++) {
            set(out, i, value.get(0));
        }
        return retype(out, value.type);
    }

    Const slice(Const x, OnnxImporter.Attrs a, List<Const> in, int opset) {
        long[] starts, ends, axes = null, steps = null;
        if (opset < 10) {
            starts = a.ints("starts");
            ends = a.ints("ends");
            axes = a.has("axes") ? a.ints("axes") : null;
        } else {
            starts = need(in, 1, "Slice").asLongs("starts");
            ends = need(in, 2, "Slice").asLongs("ends");
            if (in.size() > 3 && in.get(3) != null) axes = in.get(3).asLongs("axes");
            if (in.size() > 4 && in.get(4) != null) steps = in.get(4).asLongs("steps");
        }
        int r = x.rank();
        long[] st = new long[r], step = new long[r], cnt = x.dims.clone();
        Arrays.fill(step, 1);
        for (int k = 0; k < starts.length; k++) {
            int ax = axis(axes == null ? k : (int) axes[k], r, "Slice");
            long dim = x.dims[ax], s = starts[k], e = ends[k], p = steps == null ? 1 : steps[k];
            if (p == 0) {
                throw new OnnxException("Slice step 0");
            }
            if (s < 0) s += dim;
            if (e < 0) e += dim;
            long count;
            if (p > 0) {
                s = Math.max(0, Math.min(s, dim));
                e = Math.max(0, Math.min(e, dim));
                count = Math.max(0, (e - s + p - 1) / p);
            } else {
                s = Math.max(0, Math.min(s, dim - 1));
                e = Math.max(-1, Math.min(e, dim - 1));
                count = Math.max(0, (s - e - p - 1) / (-p));
            }
            st[ax] = s;
            step[ax] = p;
            cnt[ax] = count;
        }
        Const out = make(storageType(x.type), cnt, "Slice");
        long[] inStrides = strides(x.dims);
        long[] idx = new long[r];
        for (int o = 0; o < out.size(); o++) {
            long src = 0;
            for (int d = 0; d < r; d++) {
                src += (st[d] + idx[d] * step[d]) * inStrides[d];
            }
            copy(x, (int) src, out, o);
            increment(idx, cnt);
        }
        return retype(out, x.type);
    }

    Const transpose(Const x, long[] permAttr) {
        int r = x.rank();
        int[] perm = IndexMapOp.Transpose.permutation(permAttr, r);
        long[] dims = new long[r];
        for (int i = 0; i < r; i++) {
            dims[i] = x.dims[perm[i]];
        }
        Const out = make(storageType(x.type), dims, "Transpose");
        long[] inStrides = strides(x.dims), idx = new long[r];
        for (int o = 0; o < out.size(); o++) {
            long src = 0;
            for (int i = 0; i < r; i++) {
                src += idx[i] * inStrides[perm[i]];
            }
            copy(x, (int) src, out, o);
            increment(idx, dims);
        }
        return retype(out, x.type);
    }

    Const binary(String op, Const a, Const b) {
        int r = Math.max(a.rank(), b.rank());
        long[] dims = new long[r];
        for (int i = 0; i < r; i++) {
            long da = dimFromRight(a.dims, r - 1 - i), db = dimFromRight(b.dims, r - 1 - i);
            if (da != db && da != 1 && db != 1) {
                throw new OnnxException(op + " of " + Arrays.toString(a.dims) + " and " + Arrays.toString(b.dims) + ": shapes do not broadcast");
            }
            dims[i] = da == 1 ? db : da;
        }
        boolean isFloat = a.isFloat() || b.isFloat();
        Const out = make(isFloat ? Const.FLOAT : a.type, dims, op);
        long[] sa = broadcastStrides(a.dims, r), sb = broadcastStrides(b.dims, r), idx = new long[r];
        for (int o = 0; o < out.size(); o++) {
            long ia = 0, ib = 0;
            for (int d = 0; d < r; d++) {
                ia += idx[d] * sa[d];
                ib += idx[d] * sb[d];
            }
            if (isFloat) {
                double x = a.get((int) ia), y = b.get((int) ib);
                out.f[o] = (float) switch (op) {
                    case "Sub" -> x - y;
                    case "Mul" -> x * y;
                    case "Div" -> x / y;
                    default -> x + y;
                };
            } else {
                long x = a.l[(int) ia], y = b.l[(int) ib];
                if (op.equals("Div") && y == 0) {
                    throw new OnnxException("integer division by zero in a folded Div");
                }
                out.l[o] = switch (op) {
                    case "Sub" -> x - y;
                    case "Mul" -> x * y;
                    case "Div" -> x / y;
                    default -> x + y;
                };
            }
            increment(idx, dims);
        }
        return out;
    }

    private static long dimFromRight(long[] d, int k) {
        int i = d.length - 1 - k;
        return i >= 0 ? d[i] : 1;
    }

    private static long[] broadcastStrides(long[] d, int r) {
        long[] st = new long[r];
        long s = 1;
        for (int k = 0; k < r; k++) {
            long dim = dimFromRight(d, k);
            st[r - 1 - k] = dim == 1 ? 0 : s;
            s *= dim;
        }
        return st;
    }

    private static long[] strides(long[] dims) {
        long[] st = new long[dims.length];
        long s = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= dims[i];
        }
        return st;
    }

    private static void increment(long[] idx, long[] dims) {
        for (int k = dims.length - 1; k >= 0; k--) {
            if (++idx[k] < dims[k]) {
                return;
            }
            idx[k] = 0;
        }
    }
}
