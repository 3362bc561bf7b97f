package io.resnet4j.data;

import java.util.SplittableRandom;

/**
 * Applies an {@link Augmentation} to one image at a time. One instance per loader thread: it owns scratch
 * tables and allocates nothing per image. Random draws happen in a fixed order (crop, flip, erasing) from the
 * generator given, which {@link #random(long, int, int)} derives from (seed, epoch, example index).
 */
public final class Augmenter {
    private final Augmentation aug;
    private final int channels;
    private final int outH;
    private final int outW;
    private final float[][] lut;   // [c][v]: (v/255 - mean[c]) / std[c]
    private final float[] scale;   // [c]: 1 / (255 std[c])
    private final float[] bias;    // [c]: -mean[c] / std[c]
    // Bilinear tables, one entry per output row / column: source indices and the weight of the second one.
    private final int[] row0;
    private final int[] row1;
    private final float[] rowW;
    private final int[] col0;
    private final int[] col1;
    private final float[] colW;
    private final int[] region = new int[4];

    public Augmenter(Augmentation aug, int channels) {
        if (aug.normalization().channels() != channels) {
            throw new IllegalArgumentException("normalisation has " + aug.normalization().channels() + " channel(s) but the images have " + channels);
        }
        if (aug.crop() instanceof Augmentation.Crop.ResizeCenter rc && rc.resize() < Math.min(aug.height(), aug.width())) {
            throw new IllegalArgumentException("resize " + rc.resize() + " is smaller than the output " + aug.height() + "x" + aug.width()
                    + "; resize the shorter side to at least the crop size");
        }
        this.aug = aug;
        this.channels = channels;
        this.outH = aug.height();
        this.outW = aug.width();
        double[] mean = aug.normalization().mean();
        double[] std = aug.normalization().std();
        lut = new float[channels][256];
        scale = new float[channels];
        bias = new float[channels];
        for (int c = 0; c < channels; c++) {
            for (int v = 0; v < 256; v++) {
                lut[c][v] = (float) ((v / 255.0 - mean[c]) / std[c]);
            }
            scale[c] = (float) (1.0 / (255.0 * std[c]));
            bias[c] = (float) (-mean[c] / std[c]);
        }
        row0 = new int[outH];
        row1 = new int[outH];
        rowW = new float[outH];
        col0 = new int[outW];
        col1 = new int[outW];
        colW = new float[outW];
    }

    /** The generator for example {@code index} in epoch {@code epoch} of a loader seeded with {@code seed}. */
    public static SplittableRandom random(long seed, int epoch, int index) {
        return new SplittableRandom(Seeds.example(seed, epoch, index));
    }

    /** Values per output example, {@code C * height * width}. */
    public int outputSize() {
        return channels * outH * outW;
    }

    /**
     * Writes the augmented example (C, height, width) into {@code out[offset...]}.
     *
     * @throws DatasetException if the image does not fit the crop (e.g. a differently sized image with Crop.None)
     */
    public void apply(ImageView src, SplittableRandom rng, float[] out, int offset) {
        if (src.channels() != channels) {
            throw new DatasetException("image has " + src.channels() + " channel(s), the loader expects " + channels);
        }
        int h = src.height();
        int w = src.width();
        Augmentation.Crop crop = aug.crop();
        if (crop instanceof Augmentation.Crop.None) {
            if (h != outH || w != outW) {
                throw new DatasetException("image is " + h + "x" + w + " but the output is " + outH + "x" + outW
                        + " and no crop or resize is configured; add a crop (e.g. ResizeCenter)");
            }
            shift(src, 0, 0, flip(rng), out, offset);
        } else if (crop instanceof Augmentation.Crop.PadRandom pr) {
            int rangeY = h + 2 * pr.pad() - outH;
            int rangeX = w + 2 * pr.pad() - outW;
            if (rangeY < 0 || rangeX < 0) {
                throw new DatasetException("image " + h + "x" + w + " padded by " + pr.pad() + " is smaller than the output "
                        + outH + "x" + outW + "; use a resizing crop");
            }
            int oy = rng.nextInt(rangeY + 1) - pr.pad();
            int ox = rng.nextInt(rangeX + 1) - pr.pad();
            shift(src, oy, ox, flip(rng), out, offset);
        } else if (crop instanceof Augmentation.Crop.RandomResized rr) {
            randomResizedRegion(rr, h, w, rng, region);
            resample(src, region[0], region[1], region[2], region[3], flip(rng), out, offset);
        } else if (crop instanceof Augmentation.Crop.ResizeCenter rc) {
            // Resized image: shorter side rc.resize(), longer side truncated as torchvision does.
            int rh = h <= w ? rc.resize() : (int) ((long) rc.resize() * h / w);
            int rw = h <= w ? (int) ((long) rc.resize() * w / h) : rc.resize();
            double top = Math.round((rh - outH) / 2.0);
            double left = Math.round((rw - outW) / 2.0);
            double sy = (double) h / rh;
            double sx = (double) w / rw;
            resample(src, top * sy, left * sx, outH * sy, outW * sx, flip(rng), out, offset);
        } else {
            throw new IllegalStateException("unknown crop " + crop);
        }
        erase(rng, out, offset);
    }

    private boolean flip(SplittableRandom rng) {
        return aug.horizontalFlip() && rng.nextBoolean();
    }

    /**
     * out(c, y, x) = normalised src(c, y + oy, x' + ox), x' = flip ? outW-1-x : x, and the normalised value of a
     * zero pixel where the window leaves the image (zero padding).
     */
    void shift(ImageView src, int oy, int ox, boolean flip, float[] out, int offset) {
        int h = src.height();
        int w = src.width();
        byte[] data = src.data();
        for (int c = 0; c < channels; c++) {
            float[] t = lut[c];
            int srcPlane = src.offset() + c * h * w;
            int dstPlane = offset + c * outH * outW;
            for (int y = 0; y < outH; y++) {
                int sy = y + oy;
                int dst = dstPlane + y * outW;
                if (sy < 0 || sy >= h) {
                    java.util.Arrays.fill(out, dst, dst + outW, t[0]);
                    continue;
                }
                int srcRow = srcPlane + sy * w;
                for (int x = 0; x < outW; x++) {
                    int sx = (flip ? outW - 1 - x : x) + ox;
                    out[dst + x] = sx >= 0 && sx < w ? t[data[srcRow + sx] & 0xff] : t[0];
                }
            }
        }
    }

    /**
     * Bilinear resampling (half-pixel centres, edge clamped) of the source window with top-left corner
     * (y0, x0) and extent (rh, rw), in source pixels, to the output size.
     */
    void resample(ImageView src, double y0, double x0, double rh, double rw, boolean flip, float[] out, int offset) {
        int h = src.height();
        int w = src.width();
        table(y0, rh, outH, h, row0, row1, rowW);
        table(x0, rw, outW, w, col0, col1, colW);
        byte[] data = src.data();
        for (int c = 0; c < channels; c++) {
            int srcPlane = src.offset() + c * h * w;
            int dstPlane = offset + c * outH * outW;
            float s = scale[c];
            float b = bias[c];
            for (int y = 0; y < outH; y++) {
                int r0 = srcPlane + row0[y] * w;
                int r1 = srcPlane + row1[y] * w;
                float fy = rowW[y];
                int dst = dstPlane + y * outW;
                for (int x = 0; x < outW; x++) {
                    int k = flip ? outW - 1 - x : x;
                    int c0 = col0[k];
                    int c1 = col1[k];
                    float fx = colW[k];
                    float top = (data[r0 + c0] & 0xff) + fx * ((data[r0 + c1] & 0xff) - (data[r0 + c0] & 0xff));
                    float bot = (data[r1 + c0] & 0xff) + fx * ((data[r1 + c1] & 0xff) - (data[r1 + c0] & 0xff));
                    out[dst + x] = (top + fy * (bot - top)) * s + b;
                }
            }
        }
    }

    private static void table(double start, double extent, int n, int limit, int[] i0, int[] i1, float[] frac) {
        double step = extent / n;
        for (int k = 0; k < n; k++) {
            double p = start + (k + 0.5) * step - 0.5;
            p = Math.max(0, Math.min(limit - 1, p));
            int lo = (int) Math.floor(p);
            i0[k] = lo;
            i1[k] = Math.min(lo + 1, limit - 1);
            frac[k] = (float) (p - lo);
        }
    }

    /** torchvision's RandomResizedCrop.get_params: region = {top, left, height, width}. */
    static void randomResizedRegion(Augmentation.Crop.RandomResized rr, int h, int w, SplittableRandom rng, int[] region) {
        double area = (double) h * w;
        double logLo = Math.log(rr.minRatio());
        double logHi = Math.log(rr.maxRatio());
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * uniform(rng, rr.minScale(), rr.maxScale());
            double ratio = Math.exp(uniform(rng, logLo, logHi));
            int cw = (int) Math.round(Math.sqrt(target * ratio));
            int ch = (int) Math.round(Math.sqrt(target / ratio));
            if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
                region[0] = rng.nextInt(h - ch + 1);
                region[1] = rng.nextInt(w - cw + 1);
                region[2] = ch;
                region[3] = cw;
                return;
            }
        }
        double inRatio = (double) w / h;
        int cw;
        int ch;
        if (inRatio < rr.minRatio()) {
            cw = w;
            ch = Math.max(1, Math.min(h, (int) Math.round(w / rr.minRatio())));
        } else if (inRatio > rr.maxRatio()) {
            ch = h;
            cw = Math.max(1, Math.min(w, (int) Math.round(h * rr.maxRatio())));
        } else {
            cw = w;
            ch = h;
        }
        region[0] = (h - ch) / 2;
        region[1] = (w - cw) / 2;
        region[2] = ch;
        region[3] = cw;
    }

    private void erase(SplittableRandom rng, float[] out, int offset) {
        Augmentation.Erasing e = aug.erasing();
        if (e instanceof Augmentation.Erasing.Cutout co) {
            if (rng.nextDouble() >= co.probability()) {
                return;
            }
            int cy = rng.nextInt(outH);
            int cx = rng.nextInt(outW);
            int y0 = Math.max(0, cy - co.size() / 2);
            int y1 = Math.min(outH, cy - co.size() / 2 + co.size());
            int x0 = Math.max(0, cx - co.size() / 2);
            int x1 = Math.min(outW, cx - co.size() / 2 + co.size());
            fill(out, offset, y0, y1, x0, x1, 0f);
        } else if (e instanceof Augmentation.Erasing.RandomErasing re) {
            if (rng.nextDouble() >= re.probability()) {
                return;
            }
            double area = (double) outH * outW;
            double logLo = Math.log(re.minRatio());
            double logHi = Math.log(re.maxRatio());
            for (int attempt = 0; attempt < 10; attempt++) {
                double target = area * uniform(rng, re.minScale(), re.maxScale());
                double ratio = Math.exp(uniform(rng, logLo, logHi));
                int eh = (int) Math.round(Math.sqrt(target * ratio));
                int ew = (int) Math.round(Math.sqrt(target / ratio));
                if (eh < outH && ew < outW && eh > 0 && ew > 0) {
                    int y0 = rng.nextInt(outH - eh + 1);
                    int x0 = rng.nextInt(outW - ew + 1);
                    fill(out, offset, y0, y0 + eh, x0, x0 + ew, re.value());
                    return;
                }
            }
        }
    }

    private void fill(float[] out, int offset, int y0, int y1, int x0, int x1, float value) {
        for (int c = 0; c < channels; c++) {
            for (int y = y0; y < y1; y++) {
                int row = offset + (c * outH + y) * outW;
                java.util.Arrays.fill(out, row + x0, row + x1, value);
            }
        }
    }

    private static double uniform(SplittableRandom rng, double lo, double hi) {
        return lo < hi ? rng.nextDouble(lo, hi) : lo;
    }
}
