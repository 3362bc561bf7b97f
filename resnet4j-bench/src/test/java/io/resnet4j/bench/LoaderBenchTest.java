package io.resnet4j.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * LoaderBench --folder drains a loader over an image folder with one and two workers, after checking its first
 * batch against the augmentation applied directly (a mismatch throws); bad arguments are refused with the usage.
 */
class LoaderBenchTest {
    @TempDir
    Path root;

    @Test
    void aFolderIsDrainedWithOneAndTwoWorkers() throws IOException {
        for (int c = 0; c < 2; c++) {
            Path dir = Files.createDirectories(root.resolve("class" + c));
            for (int i = 0; i < 12; i++) {
                BufferedImage img = new BufferedImage(40 + i, 30, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 30; y++) {
                    for (int x = 0; x < 40 + i; x++) {
                        img.setRGB(x, y, (x * 7 + c * 50) << 16 | (y * 5) << 8 | (i * 20 + x));
                    }
                }
                String format = i % 2 == 0 ? "png" : "jpg";
                ImageIO.write(img, format, dir.resolve(i + "." + format).toFile());
            }
        }
        PrintStream out = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            LoaderBench.main(new String[]{"1", "--folder", root.toString()});
        } finally {
            System.setOut(out);
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("24 images in 2 classes").contains("workers 1:").contains("workers 2:")
                .contains("us/img");
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> LoaderBench.main(new String[]{"--folders", "x"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("usage: LoaderBench");
    }
}
