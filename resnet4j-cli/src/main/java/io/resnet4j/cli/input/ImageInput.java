package io.resnet4j.cli.input;

import io.resnet4j.cli.UserError;
import io.resnet4j.cli.UserFiles;
import io.resnet4j.data.ImageFiles;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes a PNG or JPEG and turns it into one network input (C, crop, crop) the way torchvision does with PIL:
 * grey/RGB conversion with PIL's integer luma weights, antialiased bilinear resize of the shorter side (PIL's
 * triangle filter whose support widens when shrinking), centre crop with Python's rounding, then [0, 1] scaling
 * and per-channel normalisation.
 */
public final class ImageInput {
    /** Larger images are refused before decoding (about 400 MB of pixels as floats). */
    static final long MAX_PIXELS = 100_000_000L;

    private ImageInput() {
    }

    /** The preprocessed image, (C, crop, crop) row-major. */
    public static float[] load(Path file, Preprocess p) {
        Planes planes = decode(file, p.channels());
        return transform(planes.values(), planes.width(), planes.height(), p);
    }

    /** A decoded image: {@code values[c][y * width + x]} in 0..255. */
    record Planes(int width, int height, float[][] values) {
    }

    /** The 8-bit planes of the image as {@code channels} channels (grey replicated, or RGB reduced to luma). */
    static Planes decode(Path file, int channels) {
        BufferedImage img = read(file);
        int w = img.getWidth();
        int h = img.getHeight();
        float[][] planes = new float[channels][w * h];
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        boolean grey = cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY
                && cm.getNumColorComponents() == 1;
        if (grey) {
            // Read the stored samples: getRGB would apply a gamma conversion to grey images.
            int bits = cm.getComponentSize(0);
            int shift = Math.max(0, bits - 8);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int v = raster.getSample(x, y, 0) >>> shift;
                    for (int c = 0; c < channels; c++) {
                        planes[c][y * w + x] = v;
                    }
                }
            }
            return new Planes(w, h, planes);
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            ImageFiles.rgbRow(img, y, row, 0);
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                int r = (argb >> 16) & 0xff;
                int g = (argb >> 8) & 0xff;
                int b = argb & 0xff;
                if (channels == 1) {
                    // PIL's convert("L"): ITU-R 601-2 luma in 16-bit fixed point.
                    planes[0][y * w + x] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
                } else {
                    planes[0][y * w + x] = r;
                    planes[1][y * w + x] = g;
                    planes[2][y * w + x] = b;
                }
            }
        }
        return new Planes(w, h, planes);
    }

    private static BufferedImage read(Path file) {
        UserFiles.requireFile(file, "check the path");
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new UserError("cannot decode " + file + ": not a PNG or JPEG image; convert it, or give a "
                        + ".npy float32 array");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new UserError(file + " has " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + " pixels, more than " + MAX_PIXELS + "; scale it down first");
                }
                BufferedImage img = ImageFiles.read(reader);
                if (img == null || img.getWidth() < 1 || img.getHeight() < 1) {
                    throw new UserError("cannot decode " + file + ": the image is empty");
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserError u) {
                throw u;
            }
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new UserError("cannot decode " + file + ": " + why + " (a corrupt or unsupported image; PNG and "
                    + "baseline/progressive RGB, grey, CMYK or YCCK JPEG are supported)");
        }
    }

    /** Resize, centre crop, scale and normalise {@code planes} (0..255, w x h). */
    static float[] transform(float[][] planes, int w, int h, Preprocess p) {
        int outW;
        int outH;
        // torchvision Resize(int): the shorter side becomes `resize`, the longer keeps the aspect (truncated).
        if (w <= h) {
            outW = p.resize();
            outH = (int) ((long) p.resize() * h / w);
        } else {
            outH = p.resize();
            outW = (int) ((long) p.resize() * w / h);
        }
        int crop = p.crop();
        // CenterCrop: Python's round(), which rounds halves to even.
        int top = (int) Math.rint((outH - crop) / 2.0);
        int left = (int) Math.rint((outW - crop) / 2.0);
        float[] out = new float[p.channels() * crop * crop];
        for (int c = 0; c < p.channels(); c++) {
            float[] resized = resize(planes[c], w, h, outW, outH);
            float scale = 1f / (255f * p.std()[c]);
            float shift = p.mean()[c] / p.std()[c];
            for (int y = 0; y < crop; y++) {
                for (int x = 0; x < crop; x++) {
                    out[(c * crop + y) * crop + x] = resized[(top + y) * outW + left + x] * scale - shift;
                }
            }
        }
        return out;
    }

    /** PIL's bilinear resample (separable triangle filter, antialiased when shrinking) of one plane. */
    static float[] resize(float[] src, int w, int h, int outW, int outH) {
        float[] tmp = new float[outW * h];
        Coefficients cx = Coefficients.of(w, outW);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < outW; x++) {
                double s = 0;
                int base = cx.min[x];
                for (int k = 0; k < cx.count[x]; k++) {
                    s += cx.weights[x][k] * src[y * w + base + k];
                }
                tmp[y * outW + x] = (float) s;
            }
        }
        float[] out = new float[outW * outH];
        Coefficients cy = Coefficients.of(h, outH);
        for (int y = 0; y < outH; y++) {
            int base = cy.min[y];
            for (int x = 0; x < outW; x++) {
                double s = 0;
                for (int k = 0; k < cy.count[y]; k++) {
                    s += cy.weights[y][k] * tmp[(base + k) * outW + x];
                }
                out[y * outW + x] = (float) s;
            }
        }
        return out;
    }

    /** Per output pixel: the first input pixel, how many contribute, and their normalised weights. */
    private record Coefficients(int[] min, int[] count, double[][] weights) {
        static Coefficients of(int in, int out) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale; // the triangle filter's support is 1 input pixel, widened when shrinking
            int[] min = new int[out];
            int[] count = new int[out];
            double[][] weights = new double[out][];
            for (int i = 0; i < out; i++) {
                double centre = (i + 0.5) * scale;
                int lo = Math.max((int) (centre - support + 0.5), 0);
                int hi = Math.min((int) (centre + support + 0.5), in);
                double[] ws = new double[Math.max(hi - lo, 0)];
                double sum = 0;
                for (int j = lo; j < hi; j++) {
                    double t = Math.abs((j - centre + 0.5) / filterScale);
                    double v = t < 1 ? 1 - t : 0;
                    ws[j - lo] = v;
                    sum += v;
                }
                if (sum != 0) {
                    for (int k = 0; k < ws.length; k++) {
                        ws[k] /= sum;
                    }
                }
                min[i] = lo;
                count[i] = ws.length;
                weights[i] = ws;
            }
            return new Coefficients(min, count, weights);
        }
    }
}
