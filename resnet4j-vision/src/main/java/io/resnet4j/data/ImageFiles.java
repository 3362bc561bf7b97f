package io.resnet4j.data;

import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.metadata.IIOMetadata;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.util.Locale;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Reading an image file as torchvision's PIL loader sees it, where {@code ImageReader.read} differs: four-channel
 * (CMYK and YCCK) JPEGs. ImageIO converts them through a CMYK colour profile (one test pixel: RGB 0, 0, 229
 * where PIL gives 0, 0, 200; YCCK pixels differed by up to 100 levels); PIL, and so torchvision, takes the
 * samples as Adobe's inverted CMYK and converts them with its naive formula. This does the same.
 */
public final class ImageFiles {
    private static final String JPEG_METADATA = "javax_imageio_jpeg_image_1.0";

    private ImageFiles() {
    }

    /** Image 0 of {@code reader} (its input already set): ImageIO's image, or PIL's RGB for a CMYK/YCCK JPEG. */
    public static BufferedImage read(ImageReader reader) throws IOException {
        if (!reader.getFormatName().toLowerCase(Locale.ROOT).equals("jpeg")) {
            return reader.read(0);
        }
        // ImageIO has a raw type for grey and colour JPEGs, none for four-channel ones
        ImageTypeSpecifier raw = reader.getRawImageType(0);
        if (raw != null && raw.getColorModel().getNumComponents() != 4) {
            return reader.read(0);
        }
        IIOMetadata metadata = reader.getImageMetadata(0);
        if (metadata == null || !JPEG_METADATA.equals(metadata.getNativeMetadataFormatName())) {
            return reader.read(0);
        }
        Element tree = (Element) metadata.getAsTree(JPEG_METADATA);
        if (tree.getElementsByTagName("componentSpec").getLength() != 4) {
            return reader.read(0);
        }
        return cmykToRgb(reader.readRaster(0, null), adobeTransform(tree) == 2);
    }

    /** The transform of the Adobe APP14 marker (0 CMYK, 1 YCbCr, 2 YCCK), -1 without one. */
    private static int adobeTransform(Element tree) {
        NodeList adobe = tree.getElementsByTagName("app14Adobe");
        if (adobe.getLength() == 0) {
            return -1;
        }
        Node transform = adobe.item(0).getAttributes().getNamedItem("transform");
        return transform == null ? -1 : Integer.parseInt(transform.getNodeValue());
    }

    /**
     * RGB of the stored samples (4 bands, uint8) of a four-channel JPEG, as PIL: libjpeg turns YCCK into CMYK
     * (YCbCr to RGB in its integer tables, then 255 minus that), PIL inverts the CMYK (Adobe's convention, which
     * it assumes for every CMYK JPEG), and converts with {@code R = (255 - K) - (255 - K) * C / 255} rounded as
     * its {@code MULDIV255}. Inverting twice cancels: below, {@code cyan} etc. are the inverted (PIL) values.
     */
    static BufferedImage cmykToRgb(Raster raster, boolean ycck) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[4 * w];
        int[] rgb = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int s0 = row[4 * x], s1 = row[4 * x + 1], s2 = row[4 * x + 2];
                int notBlack = row[4 * x + 3];    // 255 - K after PIL's inversion
                int cyan, magenta, yellow;
                if (ycck) {
                    // libjpeg jdcolor.c: Cr_r_tab, Cb_b_tab, Cb_g_tab + Cr_g_tab with SCALEBITS 16, ONE_HALF 1 << 15
                    int cb = s1 - 128, cr = s2 - 128;
                    cyan = clamp(s0 + ((91881 * cr + 32768) >> 16));
                    magenta = clamp(s0 + ((-22554 * cb - 46802 * cr + 32768) >> 16));
                    yellow = clamp(s0 + ((116130 * cb + 32768) >> 16));
                } else {
                    cyan = 255 - s0;
                    magenta = 255 - s1;
                    yellow = 255 - s2;
                }
                int r = clamp(notBlack - mulDiv255(cyan, notBlack));
                int g = clamp(notBlack - mulDiv255(magenta, notBlack));
                int b = clamp(notBlack - mulDiv255(yellow, notBlack));
                rgb[x] = r << 16 | g << 8 | b;
            }
            out.setRGB(0, y, w, 1, rgb, 0, w);
        }
        return out;
    }

    /**
     * Row y of a colour image as packed 8-bit RGB into argb from off (as {@code getRGB}), except that 16-bit
     * samples keep their high byte, as PIL reads a 16-bit RGB PNG: {@code getRGB} rounds them instead, one level
     * off on about a quarter of the samples.
     */
    public static void rgbRow(BufferedImage img, int y, int[] argb, int off) {
        int w = img.getWidth();
        ColorModel cm = img.getColorModel();
        if (cm.getColorSpace().isCS_sRGB() && cm.getNumColorComponents() == 3 && cm.getComponentSize(0) == 16) {
            Raster raster = img.getRaster();
            int bands = raster.getNumBands();
            int[] samples = raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, (int[]) null);
            for (int x = 0; x < w; x++) {
                int at = x * bands;
                argb[off + x] = 0xff000000 | (samples[at] >>> 8) << 16 | (samples[at + 1] >>> 8) << 8
                        | samples[at + 2] >>> 8;
            }
            return;
        }
        img.getRGB(0, y, w, 1, argb, off, w);
    }

    /** a * b / 255, rounded, as PIL's {@code MULDIV255} macro. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static int clamp(int v) {
        return Math.min(255, Math.max(0, v));
    }
}
