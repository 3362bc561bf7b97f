package io.resnet4j.onnx;

import io.resnet4j.onnx.proto.OnnxProto.TensorProto;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor whose value is known at import time: an initializer, a Constant, or a folded shape computation.
 * Any rank (0 for scalars) and zero-sized dimensions are allowed. Floating types are held as float[],
 * integer and boolean types as long[]; {@link #type} keeps the ONNX element type.
 */
final class Const {
    /** ONNX TensorProto.DataType values this importer reads. */
    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7, BOOL = 9,
            FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13;
    static final int MAX_RANK = 8;

    final int type;
    final long[] dims;
    final float[] f;
    final long[] l;

    private Const(int type, long[] dims, float[] f, long[] l) {
        this.type = type;
        this.dims = dims;
        this.f = f;
        this.l = l;
    }

    static Const floats(long[] dims, float[] f) {
        check(dims, f.length);
        return new Const(FLOAT, dims.clone(), f, null);
    }

    static Const longs(int type, long[] dims, long[] l) {
        check(dims, l.length);
        return new Const(type, dims.clone(), null, l);
    }

    static Const ints(long... values) {
        return longs(INT64, new long[] {values.length}, values);
    }

    static Const of(Tensor t) {
        int[] d = t.shape().dims();
        return floats(Arrays.stream(d).asLongStream().toArray(), t.data().clone());
    }

    private static void check(long[] dims, int length) {
        if (dims.length > MAX_RANK) {
            throw new OnnxException("tensor of rank " + dims.length + " (at most " + MAX_RANK + " supported)");
        }
        if (numel(dims) != length) {
            throw new IllegalStateException("dims " + Arrays.toString(dims) + " do not hold " + length + " values");
        }
    }

    /** The element count of dims, or -1 when a dimension is negative or the count exceeds one Java array. */
    static long numel(long[] dims) {
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                return -1;
            }
            n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                return -1;
            }
        }
        return n;
    }

    boolean isFloat() {
        return f != null;
    }

    int size() {
        return f != null ? f.length : l.length;
    }

    int rank() {
        return dims.length;
    }

    double get(int i) {
        return f != null ? f[i] : l[i];
    }

    /** The values as longs (integer tensors; float values must be whole numbers). */
    long[] asLongs(String what) {
        if (l != null) {
            return l;
        }
        long[] out = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            if (f[i] != Math.rint(f[i])) {
                throw new OnnxException(what + " must hold integers, got " + f[i]);
            }
            out[i] = (long) f[i];
        }
        return out;
    }

    float[] asFloats() {
        if (f != null) {
            return f;
        }
        float[] out = new float[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = l[i];
        }
        return out;
    }

    /** The value as an engine tensor (float, rank 1 to 4, no empty dimension), for parameters and run-time inputs. */
    Tensor toTensor(String what) {
        return Tensor.wrap(shape(dims, what), asFloats().clone());
    }

    /** An engine shape for dims: rank 1 to 4 (a scalar becomes (1)), every dimension >= 1. */
    static Shape shape(long[] dims, String what) {
        if (dims.length > 4) {
            throw new OnnxException(what + " has rank " + dims.length + "; the engine holds tensors of rank 1 to 4");
        }
        if (dims.length == 0) {
            return Shape.of(1);
        }
        int[] d = new int[dims.length];
        for (int i = 0; i < d.length; i++) {
            if (dims[i] < 1 || dims[i] > Integer.MAX_VALUE) {
                throw new OnnxException(what + " has dimensions " + Arrays.toString(dims)
                        + "; empty or oversized dimensions are not supported");
            }
            d[i] = (int) dims[i];
        }
        return Shape.of(d);
    }

    static long[] dimsOf(Shape s) {
        return Arrays.stream(s.dims()).asLongStream().toArray();
    }

    /**
     * Decodes a TensorProto. Every count is checked against the bytes actually present before anything is
     * allocated, so a tensor never occupies more memory than its data in the file (external data excluded:
     * see {@link OnnxReader}).
     */
    static Const fromProto(TensorProto t, String what) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new OnnxException(what + " keeps its data in an external file, which this importer does not read;"
                    + " re-export the model with the weights inside the .onnx file (size < 2 GB)");
        }
        if (t.hasSegment()) {
            throw new OnnxException(what + " is a segmented tensor, which is not supported");
        }
        int rank = t.getDimsCount();
        if (rank > MAX_RANK) {
            throw new OnnxException(what + " has rank " + rank + " (at most " + MAX_RANK + ")");
        }
        long[] dims = new long[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = t.getDims(i);
        }
        long n = numel(dims);
        if (n < 0) {
            throw new OnnxException(what + " has invalid or oversized dimensions " + Arrays.toString(dims));
        }
        int type = t.getDataType();
        int width = switch (type) {
            case FLOAT, INT32, UINT32 -> 4;
            case INT64, UINT64, DOUBLE -> 8;
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16, FLOAT16 -> 2;
            default -> throw new OnnxException(what + " has element type " + typeName(type)
                    + ", which is not supported (float, double, float16 and integer types are)");
        };
        if (t.hasRawData()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            if (b.remaining() != n * width) {
                throw new OnnxException(what + ": " + b.remaining() + " bytes of raw data for dimensions "
                        + Arrays.toString(dims) + " of " + typeName(type) + " (" + n * width + " expected)");
            }
            int count = (int) n;
            switch (type) {
                case FLOAT -> {
                    float[] f = new float[count];
                    b.asFloatBuffer().get(f);
                    return floats(dims, f);
                }
                case DOUBLE -> {
                    float[] f = new float[count];
                    for (int i = 0; i < count; i++) f[i] = (float) b.getDouble();
                    return floats(dims, f);
                }
                case FLOAT16 -> {
                    float[] f = new float[count];
                    for (int i = 0; i < count; i++) f[i] = halfToFloat(b.getShort());
                    return floats(dims, f);
                }
                default -> {
                    long[] l = new long[count];
                    for (int i = 0; i < count; i++) {
                        l[i] = switch (type) {
                            case INT64, UINT64 -> b.getLong();
                            case INT32 -> b.getInt();
                            case UINT32 -> b.getInt() & 0xffffffffL;
                            case INT16 -> b.getShort();
                            case UINT16 -> b.getShort() & 0xffff;
                            case INT8 -> b.get();
                            default -> b.get() & 0xff;
                        };
                    }
                    return longs(type, dims, l);
                }
            }
        }
        // Typed fields: each has exactly as many entries as were parsed from the file.
        int present = switch (type) {
            case FLOAT -> t.getFloatDataCount();
            case DOUBLE -> t.getDoubleDataCount();
            case INT64 -> t.getInt64DataCount();
            case UINT32, UINT64 -> t.getUint64DataCount();
            default -> t.getInt32DataCount();
        };
        if (present != n) {
            throw new OnnxException(what + ": " + present + " values for dimensions " + Arrays.toString(dims) + " (" + n + " expected)");
        }
        int count = (int) n;
        switch (type) {
            case FLOAT -> {
                float[] f = new float[count];
                for (int i = 0; i < count; i++) f[i] = t.getFloatData(i);
                return floats(dims, f);
            }
            case DOUBLE -> {
                float[] f = new float[count];
                for (int i = 0; i < count; i++) f[i] = (float) t.getDoubleData(i);
                return floats(dims, f);
            }
            case FLOAT16 -> {
                float[] f = new float[count];
                for (int i = 0; i < count; i++) f[i] = halfToFloat((short) t.getInt32Data(i));
                return floats(dims, f);
            }
            default -> {
                long[] l = new long[count];
                for (int i = 0; i < count; i++) {
                    l[i] = switch (type) {
                        case INT64 -> t.getInt64Data(i);
                        case UINT32, UINT64 -> t.getUint64Data(i);
                        default -> t.getInt32Data(i);
                    };
                }
                return longs(type, dims, l);
            }
        }
    }

    /** A float TensorProto with raw little-endian data (the layout the exporter writes). */
    static TensorProto floatProto(String name, int[] dims, float[] data) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT)
                .setRawData(com.google.protobuf.ByteString.copyFrom(b.array()));
        for (int d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    static TensorProto longProto(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(INT64).addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }

    static String typeName(int type) {
        TensorProto.DataType d = TensorProto.DataType.forNumber(type);
        return d == null ? "type " + type : d.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat arrived after JDK 17). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff, sign = (bits & 0x8000) << 16, exp = (bits >> 10) & 0x1f, mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    @Override
    public String toString() {
        return typeName(type) + Arrays.toString(dims);
    }
}
