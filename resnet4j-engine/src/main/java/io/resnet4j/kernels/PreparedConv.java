package io.resnet4j.kernels;

/**
 * A convolution's weights prepared once for many forward passes (inference): packed into the GEMM's
 * micro-panels or Winograd-transformed, in the form that the {@link ConvOps} that made them reads. Made by
 * {@link ConvOps#prepare}; valid for inputs of the geometry it was made for, at any batch size. It is a
 * snapshot: changing the weights it was made from afterwards does not change it.
 */
public final class PreparedConv {
    private final ConvOps owner;
    private final ConvGeometry geometry;
    private final int form;
    private final float[] data;

    /**
     * For implementations of {@link ConvOps#prepare}: geometry at batch 1, form a tag of the implementation's
     * own (which path reads data).
     */
    public PreparedConv(ConvOps owner, ConvGeometry geometry, int form, float[] data) {
        if (owner == null || geometry == null || data == null) {
            throw new IllegalArgumentException("PreparedConv needs an owner, a geometry and data");
        }
        this.owner = owner;
        this.geometry = geometry.withBatch(1);
        this.form = form;
        this.data = data;
    }

    public ConvOps owner() {
        return owner;
    }

    /** The geometry it was prepared for, at batch 1. */
    public ConvGeometry geometry() {
        return geometry;
    }

    public int form() {
        return form;
    }

    /** The prepared weights, for the owner's kernels only. */
    public float[] data() {
        return data;
    }

    /** Bytes held. */
    public long bytes() {
        return 4L * data.length;
    }

    /** Whether g is the prepared geometry at some batch size (compared field by field: called on every forward). */
    public boolean matches(ConvGeometry g) {
        ConvGeometry p = geometry;
        return g.c() == p.c() && g.h() == p.h() && g.w() == p.w() && g.k() == p.k() && g.r() == p.r() && g.s() == p.s()
                && g.strideH() == p.strideH() && g.strideW() == p.strideW() && g.padTop() == p.padTop()
                && g.padLeft() == p.padLeft() && g.padBottom() == p.padBottom() && g.padRight() == p.padRight();
    }

    /** Throws unless ops made this and g is its geometry at some batch size. */
    public void check(ConvOps ops, ConvGeometry g) {
        if (owner != ops) {
            throw new IllegalArgumentException("weights prepared by " + owner + " cannot run on " + ops);
        }
        if (!matches(g)) {
            throw new IllegalArgumentException("weights prepared for " + geometry + " cannot run " + g);
        }
    }

    @Override
    public String toString() {
        return "PreparedConv(" + owner + ", form " + form + ", " + geometry + ")";
    }
}
