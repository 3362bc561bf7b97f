package io.resnet4j.cli.input;

import io.resnet4j.cli.UserError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NumPy {@code .npy} files (format versions 1-3) holding little-endian float32 arrays in C order. Every
 * size read from the file is checked against the file's length before anything is allocated.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER = 1 << 16;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** An array: its shape (row-major) and values. */
    public record Array(int[] shape, float[] data) {
        public String shapeString() {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < shape.length; i++) {
                b.append(i == 0 ? "" : ",").append(shape[i]);
            }
            return b.append(shape.length == 1 ? ",)" : ")").toString();
        }
    }

    private Npy() {
    }

    public static Array read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 10) {
                throw bad(file, "is too short to be a .npy file");
            }
            ByteBuffer pre = ByteBuffer.allocate((int) Math.min(12, size)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, pre, 0, file);
            pre.flip();
            byte[] magic = new byte[6];
            pre.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw bad(file, "is not a .npy file (no \\x93NUMPY magic); save arrays with numpy.save");
            }
            int major = pre.get() & 0xff;
            pre.get();
            long headerLen;
            int headerStart;
            if (major == 1) {
                headerLen = pre.getShort() & 0xffff;
                headerStart = 10;
            } else if (major == 2 || major == 3) {
                if (pre.remaining() < 4) {
                    throw bad(file, "is truncated in its header");
                }
                headerLen = pre.getInt() & 0xffffffffL;
                headerStart = 12;
            } else {
                throw bad(file, "has .npy format version " + major + ", which this reader does not know (1-3)");
            }
            if (headerLen > MAX_HEADER || headerStart + headerLen > size) {
                throw bad(file, "has a header length of " + headerLen + " bytes that does not fit the file");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, headerStart, file);
            String header = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

            String descr = find(DESCR, header, file, "descr");
            if (!descr.equals("<f4") && !descr.equals("=f4")) {
                throw bad(file, "holds " + dtypeName(descr) + ", not float32; convert it with "
                        + "numpy.save(path, array.astype(numpy.float32))");
            }
            if (find(FORTRAN, header, file, "fortran_order").equals("True")) {
                throw bad(file, "is in Fortran order; save it with numpy.save(path, numpy.ascontiguousarray(array))");
            }
            String[] dims = find(SHAPE, header, file, "shape").split(",");
            int rank = 0;
            int[] shape = new int[dims.length];
            long count = 1;
            for (String d : dims) {
                String t = d.strip();
                if (t.isEmpty()) {
                    continue;
                }
                long v;
                try {
                    v = Long.parseLong(t.endsWith("L") ? t.substring(0, t.length() - 1) : t);
                } catch (NumberFormatException e) {
                    throw bad(file, "has a malformed shape in its header: " + header.strip());
                }
                if (v < 0 || v > Integer.MAX_VALUE) {
                    throw bad(file, "has an impossible dimension " + v);
                }
                shape[rank++] = (int) v;
                count *= Math.max(v, 1);
                if (count > Integer.MAX_VALUE) {
                    throw bad(file, "holds more than 2^31 values; split it into smaller arrays");
                }
                if (v == 0) {
                    count = 0;
                }
            }
            shape = java.util.Arrays.copyOf(shape, rank);
            long dataStart = headerStart + headerLen;
            long expected = count * 4;
            if (size - dataStart != expected) {
                throw bad(file, "should hold " + expected + " bytes of float32 data for its shape "
                        + new Array(shape, new float[0]).shapeString() + " but holds " + (size - dataStart)
                        + "; the file is truncated or corrupt");
            }
            ByteBuffer data = ByteBuffer.allocate((int) expected).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, data, dataStart, file);
            data.flip();
            float[] values = new float[(int) count];
            data.asFloatBuffer().get(values);
            return new Array(shape, values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw bad(file, "is truncated");
            }
            pos += n;
        }
    }

    private static String find(Pattern p, String header, Path file, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw bad(file, "has no '" + key + "' in its header: " + header.strip());
        }
        return m.group(1);
    }

    private static String dtypeName(String descr) {
        return switch (descr.length() > 1 ? descr.substring(1) : descr) {
            case "f8" -> "float64";
            case "f2" -> "float16";
            case "u1" -> "uint8";
            case "i1" -> "int8";
            case "i4" -> "int32";
            case "i8" -> "int64";
            default -> "dtype '" + descr + "'";
        } + (descr.startsWith(">") ? " (big-endian)" : "");
    }

    private static UserError bad(Path file, String what) {
        return new UserError(file + " " + what);
    }

    /** True when the file starts with the .npy magic (used to tell arrays from images regardless of suffix). */
    public static boolean looksLikeNpy(Path file) {
        try (var in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(6);
            return java.util.Arrays.equals(b, MAGIC);
        } catch (IOException e) {
            return false;
        }
    }
}
