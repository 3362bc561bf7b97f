package io.resnet4j.testing;

import javax.imageio.ImageIO;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Image files the decoders' tests of the vision and cli modules share. */
public final class TestImages {
    private TestImages() {
    }

    /**
     * A 2x1 16-bit RGB PNG: samples (511, 767, 65535) and (33023, 0, 256). PIL keeps each sample's high byte,
     * (1, 2, 255) and (128, 0, 1), and its luma of those is 31 and 38; ImageIO's getRGB rounds instead, (2, 3, 255)
     * for the first.
     */
    public static Path sixteenBitRgbPng(Path file) throws IOException {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
                new int[]{16, 16, 16}, false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(2, 1);
        r.setPixel(0, 0, new int[]{511, 767, 65535});
        r.setPixel(1, 0, new int[]{33023, 0, 256});
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!ImageIO.write(new BufferedImage(cm, r, false, null), "png", file.toFile())) {
            throw new IOException("no PNG writer for 16-bit RGB");
        }
        return file;
    }
}
