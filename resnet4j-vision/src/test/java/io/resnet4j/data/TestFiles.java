package io.resnet4j.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Writers of small dataset files for tests. */
final class TestFiles {
    private TestFiles() {
    }

    /** An IDX file: magic 00 00 08 ndims, dims, payload. */
    static byte[] idx(int[] dims, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length);
        b.put((byte) 0).put((byte) 0).put((byte) 8).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(payload);
        return b.array();
    }

    static byte[] gzip(byte[] raw) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
                gz.write(raw);
            }
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** n images of rows x cols where pixel (i, y, x) = (i*7 + y*cols + x) mod 256, labels i mod classes. */
    static byte[][] idxPair(int n, int rows, int cols, int classes) {
        byte[] px = new byte[n * rows * cols];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < rows * cols; k++) {
                px[i * rows * cols + k] = (byte) (i * 7 + k);
            }
        }
        byte[] lab = new byte[n];
        for (int i = 0; i < n; i++) {
            lab[i] = (byte) (i % classes);
        }
        return new byte[][]{idx(new int[]{n, rows, cols}, px), idx(new int[]{n}, lab)};
    }

    /** Writes train and t10k IDX files (gzip) of n examples into dir. */
    static void writeIdxDataset(Path dir, int n, int classes) {
        byte[][] pair = idxPair(n, 4, 3, classes);
        write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(pair[0]));
        write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(pair[1]));
        write(dir.resolve("t10k-images-idx3-ubyte.gz"), gzip(pair[0]));
        write(dir.resolve("t10k-labels-idx1-ubyte.gz"), gzip(pair[1]));
    }

    /** CIFAR records: labelBytes label bytes then 3072 pixels with pixel k = (r + k) mod 256. */
    static byte[] cifarRecords(int records, int[][] labelsPerRecord) {
        int labelBytes = labelsPerRecord[0].length;
        byte[] out = new byte[records * (labelBytes + 3072)];
        for (int r = 0; r < records; r++) {
            int base = r * (labelBytes + 3072);
            for (int l = 0; l < labelBytes; l++) {
                out[base + l] = (byte) labelsPerRecord[r][l];
            }
            for (int k = 0; k < 3072; k++) {
                out[base + labelBytes + k] = (byte) (r + k);
            }
        }
        return out;
    }

    /** A ustar archive of the given files (name -> content), gzip-compressed. */
    static byte[] tarGz(Map<String, byte[]> files) {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            byte[] h = new byte[512];
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            System.arraycopy(name, 0, h, 0, name.length);
            putOctal(h, 100, 8, 0644);
            putOctal(h, 108, 8, 0);
            putOctal(h, 116, 8, 0);
            putOctal(h, 124, 12, e.getValue().length);
            putOctal(h, 136, 12, 0);
            h[156] = '0';
            System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
            h[263] = '0';
            h[264] = '0';
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            int sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            putOctal(h, 148, 7, sum);
            tar.writeBytes(h);
            tar.writeBytes(e.getValue());
            tar.writeBytes(new byte[(512 - e.getValue().length % 512) % 512]);
        }
        tar.writeBytes(new byte[1024]);
        return gzip(tar.toByteArray());
    }

    private static void putOctal(byte[] h, int off, int len, long v) {
        String s = String.format("%0" + (len - 1) + "o", v);
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
        h[off + len - 1] = 0;
    }

    static void write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
