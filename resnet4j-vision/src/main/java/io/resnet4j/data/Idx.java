package io.resnet4j.data;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian header
 * {@code 0x00 0x00 type ndims} then {@code ndims} int32 dimensions, then the row-major payload. Only unsigned
 * bytes (type 0x08) are supported: images are 3-dimensional (N, rows, cols), labels 1-dimensional (N).
 * Files may be gzip-compressed (detected by the gzip magic {@code 1f 8b}, not by the name).
 *
 * <p>Every size read from a file is bounded before anything is allocated: by the file length for raw files,
 * and by deflate's maximum expansion (1032:1) for gzip files, so a corrupt header cannot cause an
 * out-of-memory error.
 */
public final class Idx {
    /** Largest file or payload accepted (a Java byte array's practical limit). */
    static final long MAX_BYTES = Integer.MAX_VALUE - 16;
    /** Deflate cannot expand data by more than this factor (RFC 1951 stored/fixed-Huffman bounds). */
    private static final long MAX_DEFLATE_RATIO = 1032;
    private static final int TYPE_UBYTE = 0x08;

    private Idx() {
    }

    /** A decoded IDX array: its dimensions and its uint8 payload. */
    public record Array(int[] dims, byte[] data) {
    }

    /** Reads an images file and a labels file into a dataset with C = 1. */
    public static ArrayDataset read(String name, Path images, Path labels, List<String> classNames) {
        Array img = read(images, 3, "an images file with 3 dimensions (N, rows, cols)");
        Array lab = read(labels, 1, "a labels file with 1 dimension (N)");
        return toDataset(name, img, images.toString(), lab, labels.toString(), classNames);
    }

    /** Reads an images file and a labels file from their bytes (e.g. class-path resources). */
    public static ArrayDataset decode(String name, byte[] images, String imagesName, byte[] labels, String labelsName, List<String> classNames) {
        Array img = decode(images, imagesName, 3, "an images file with 3 dimensions (N, rows, cols)");
        Array lab = decode(labels, labelsName, 1, "a labels file with 1 dimension (N)");
        return toDataset(name, img, imagesName, lab, labelsName, classNames);
    }

    private static ArrayDataset toDataset(String name, Array img, String imagesName, Array lab, String labelsName, List<String> classNames) {
        int n = img.dims[0];
        if (lab.dims[0] != n) {
            throw new DatasetException(imagesName + " holds " + n + " images but " + labelsName + " holds " + lab.dims[0]
                    + " labels: the two files do not belong together (mixed train/test files?)");
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = lab.data[i] & 0xff;
            if (labels[i] >= classNames.size()) {
                throw new DatasetException(labelsName + ": label " + labels[i] + " of example " + i + " is outside 0.."
                        + (classNames.size() - 1) + " (" + classNames.size() + " classes): the file is corrupt or belongs to another dataset");
            }
        }
        return new ArrayDataset(name, img.data, labels, 1, img.dims[1], img.dims[2], classNames);
    }

    /** Reads one IDX file, checking that it has {@code expectedDims} dimensions. */
    public static Array read(Path file, int expectedDims, String expectedWhat) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new DatasetException(file + " is " + size + " bytes, larger than any IDX file this reader accepts (2 GiB): not an IDX file?");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DatasetException(file + " does not exist");
        } catch (IOException e) {
            throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return decode(bytes, file.toString(), expectedDims, expectedWhat);
    }

    /** Decodes one IDX file (raw or gzip) from its bytes; {@code fileName} names it in messages. */
    public static Array decode(byte[] file, String fileName, int expectedDims, String expectedWhat) {
        boolean gzip = file.length >= 2 && (file[0] & 0xff) == 0x1f && (file[1] & 0xff) == 0x8b;
        long bound = gzip ? Math.min(MAX_BYTES, file.length * MAX_DEFLATE_RATIO + 1024) : file.length;
        try (InputStream in = gzip ? new GZIPInputStream(new ByteArrayInputStream(file), 1 << 16) : new ByteArrayInputStream(file)) {
            byte[] head = readFully(in, 4, fileName, "header");
            if (head[0] != 0 || head[1] != 0) {
                throw new DatasetException(fileName + " is not an IDX file (magic " + hex(head) + ", expected 00 00 08 0"
                        + expectedDims + "): wrong file, or a download that saved an error page?");
            }
            int type = head[2] & 0xff;
            int ndims = head[3] & 0xff;
            if (type != TYPE_UBYTE) {
                throw new DatasetException(fileName + ": IDX element type 0x" + Integer.toHexString(type)
                        + " is not supported (only unsigned bytes, 0x08, as in MNIST and Fashion-MNIST)");
            }
            if (ndims != expectedDims) {
                throw new DatasetException(fileName + " is an IDX file with " + ndims + " dimension(s); expected " + expectedWhat
                        + ": are the images and labels files swapped?");
            }
            byte[] dimBytes = readFully(in, 4 * ndims, fileName, "dimensions");
            int[] dims = new int[ndims];
            long payload = 1;
            for (int d = 0; d < ndims; d++) {
                int off = 4 * d;
                long v = ((dimBytes[off] & 0xffL) << 24) | ((dimBytes[off + 1] & 0xffL) << 16) | ((dimBytes[off + 2] & 0xffL) << 8) | (dimBytes[off + 3] & 0xffL);
                if (v == 0 || v > Integer.MAX_VALUE) {
                    throw new DatasetException(fileName + ": dimension " + d + " is " + v + ": the header is corrupt");
                }
                dims[d] = (int) v;
                payload *= v;
                if (payload > bound) {
                    throw new DatasetException(fileName + ": header claims " + describeDims(dimBytes, ndims) + " elements, more than the "
                            + (gzip ? "compressed " : "") + "file (" + file.length + " bytes) can hold: the header is corrupt");
                }
            }
            if (!gzip && 4 + 4L * ndims + payload != file.length) {
                throw new DatasetException(fileName + ": header claims " + payload + " data bytes but the file has "
                        + (file.length - 4 - 4L * ndims) + (file.length - 4 - 4L * ndims < payload
                        ? ": the file is truncated, download it again" : ": trailing bytes, not a well-formed IDX file"));
            }
            byte[] data = readFully(in, (int) payload, fileName, "data");
            if (gzip && in.read() != -1) {
                throw new DatasetException(fileName + ": data continues after the " + payload + " bytes the header announces: not a well-formed IDX file");
            }
            return new Array(dims, data);
        } catch (ZipException e) {
            throw new DatasetException(fileName + ": corrupt gzip data (" + e.getMessage() + "): delete the file and download it again", e);
        } catch (IOException e) {
            throw new DatasetException("cannot read " + fileName + ": " + e.getMessage(), e);
        }
    }

    private static byte[] readFully(InputStream in, int n, String fileName, String part) throws IOException {
        byte[] b = new byte[n];
        int got;
        try {
            got = in.readNBytes(b, 0, n);
        } catch (EOFException e) {
            got = -1;
        }
        if (got != n) {
            throw new DatasetException(fileName + " is truncated: it ends inside the " + part
                    + (got >= 0 ? " (" + got + " of " + n + " bytes)" : "") + "; delete it and download it again");
        }
        return b;
    }

    private static String describeDims(byte[] dimBytes, int ndims) {
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < ndims; d++) {
            int off = 4 * d;
            long v = ((dimBytes[off] & 0xffL) << 24) | ((dimBytes[off + 1] & 0xffL) << 16) | ((dimBytes[off + 2] & 0xffL) << 8) | (dimBytes[off + 3] & 0xffL);
            sb.append(d == 0 ? "" : "x").append(v);
        }
        return sb.toString();
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(sb.length() == 0 ? "" : " ").append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }
}
