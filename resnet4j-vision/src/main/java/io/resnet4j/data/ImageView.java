package io.resnet4j.data;

/**
 * Where one example's pixels are: {@code channels x height x width} unsigned bytes (CHW order) in
 * {@code data} from {@code offset}. A view is scratch owned by one loader thread and re-pointed for every
 * example: in-memory datasets point it into their array (no copy), decoding datasets decode into
 * {@link #buffer(int)}, which grows only when a larger image arrives.
 */
public final class ImageView {
    private byte[] data;
    private int offset;
    private int channels;
    private int height;
    private int width;
    private byte[] owned = new byte[0];
    int[] argb = new int[0];

    /** A view of {@code chw} (not copied), which must hold {@code channels * height * width} bytes. */
    public static ImageView of(byte[] chw, int channels, int height, int width) {
        ImageView view = new ImageView();
        if ((long) channels * height * width != chw.length) {
            throw new IllegalArgumentException(chw.length + " bytes for an image of " + channels + "x" + height + "x" + width);
        }
        view.set(chw, 0, channels, height, width);
        return view;
    }

    /** Points the view at an image already in memory. */
    public void set(byte[] data, int offset, int channels, int height, int width) {
        if (channels <= 0 || height <= 0 || width <= 0 || offset < 0
                || offset + (long) channels * height * width > data.length) {
            throw new IllegalArgumentException("image " + channels + "x" + height + "x" + width + " at " + offset
                    + " does not fit in " + data.length + " bytes");
        }
        this.data = data;
        this.offset = offset;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /** A byte array of at least {@code bytes} owned by this view, for decoders; reused between examples. */
    public byte[] buffer(int bytes) {
        if (owned.length < bytes) {
            owned = new byte[bytes];
        }
        return owned;
    }

    public byte[] data() {
        return data;
    }

    public int offset() {
        return offset;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Pixel value 0..255 of channel c, row y, column x. */
    public int get(int c, int y, int x) {
        return data[offset + (c * height + y) * width + x] & 0xff;
    }
}
