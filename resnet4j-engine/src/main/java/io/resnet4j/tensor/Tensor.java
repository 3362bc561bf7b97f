package io.resnet4j.tensor;

import java.util.Arrays;

/**
 * A dense float32 tensor in row-major order (NCHW for images, OIHW for convolution weights), owning its
 * array. Modules hand tensors to kernels as {@code float[]} plus offsets; models never touch the array.
 */
public final class Tensor {
    private final Shape shape;
    private final float[] data;

    /** A zero tensor. */
    public Tensor(Shape shape) {
        this.shape = shape;
        this.data = new float[shape.numel()];
    }

    private Tensor(Shape shape, float[] data) {
        this.shape = shape;
        this.data = data;
    }

    public static Tensor zeros(int... dims) {
        return new Tensor(Shape.of(dims));
    }

    /** Wraps {@code data} (not copied), which must hold exactly {@code shape.numel()} values. */
    public static Tensor wrap(Shape shape, float[] data) {
        if (data.length != shape.numel()) {
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.numel() + " values, got " + data.length);
        }
        return new Tensor(shape, data);
    }

    public Shape shape() {
        return shape;
    }

    public int numel() {
        return data.length;
    }

    /** The backing array, for kernels and I/O. */
    public float[] data() {
        return data;
    }

    public float get(int... index) {
        return data[flatIndex(index)];
    }

    public void set(float value, int... index) {
        data[flatIndex(index)] = value;
    }

    public void fill(float value) {
        Arrays.fill(data, value);
    }

    public void copyFrom(Tensor other) {
        requireSameShape(other);
        System.arraycopy(other.data, 0, data, 0, data.length);
    }

    public Tensor copy() {
        return new Tensor(shape, data.clone());
    }

    /** A tensor with the same data and another shape of the same size (the array is shared). */
    public Tensor view(Shape newShape) {
        if (newShape.numel() != data.length) {
            throw new IllegalArgumentException("cannot view " + shape + " as " + newShape);
        }
        return new Tensor(newShape, data);
    }

    public void requireSameShape(Tensor other) {
        if (!shape.equals(other.shape)) {
            throw new IllegalArgumentException("shape mismatch: " + shape + " vs " + other.shape);
        }
    }

    private int flatIndex(int[] index) {
        if (index.length != shape.rank()) {
            throw new IllegalArgumentException("index of rank " + index.length + " for shape " + shape);
        }
        int flat = 0;
        for (int i = 0; i < index.length; i++) {
            int d = shape.dim(i);
            if (index[i] < 0 || index[i] >= d) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside " + shape);
            }
            flat = flat * d + index[i];
        }
        return flat;
    }

    @Override
    public String toString() {
        return "Tensor" + shape;
    }
}
