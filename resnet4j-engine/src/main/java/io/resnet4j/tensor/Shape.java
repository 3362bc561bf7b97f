package io.resnet4j.tensor;

import java.util.Arrays;

/** An immutable tensor shape of rank 1 to 4, e.g. (N, C, H, W) for images or (N, F) for features. */
public final class Shape {
    private final int[] dims;
    private final int numel;

    private Shape(int[] dims) {
        if (dims.length < 1 || dims.length > 4) {
            throw new IllegalArgumentException("shape rank must be 1 to 4, got " + dims.length);
        }
        long n = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException("shape dimensions must be >= 1: " + Arrays.toString(dims));
            }
            n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more elements than one array holds");
            }
        }
        this.dims = dims;
        this.numel = (int) n;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int axis) {
        return dims[axis];
    }

    public int[] dims() {
        return dims.clone();
    }

    public int numel() {
        return numel;
    }

    /** The batch size: the leading dimension. */
    public int n() {
        return dims[0];
    }

    /** Elements per sample: the product of all dimensions but the first. */
    public int perSample() {
        return numel / dims[0];
    }

    public int c() {
        return requireRank4().dims[1];
    }

    public int h() {
        return requireRank4().dims[2];
    }

    public int w() {
        return requireRank4().dims[3];
    }

    /** The same shape with another leading dimension. */
    public Shape withBatch(int n) {
        int[] d = dims.clone();
        d[0] = n;
        return new Shape(d);
    }

    private Shape requireRank4() {
        if (dims.length != 4) {
            throw new IllegalStateException("expected an (N, C, H, W) shape, got " + this);
        }
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** PyTorch's notation: (2, 3, 32, 32). */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            b.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        return b.append(')').toString();
    }
}
