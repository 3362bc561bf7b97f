package io.resnet4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of JSON
 * ({@code {"__metadata__": {string: string}, name: {"dtype", "shape", "data_offsets": [begin, end]}}}), then the
 * raw little-endian tensor bytes, offsets relative to the end of the header.
 *
 * <p>The reader bounds every size before allocating: the header length by 100 MiB and the file size, each
 * tensor's byte range by the data region, its element count by its byte length; overlapping ranges are
 * rejected. The writer writes a temporary file in the target directory, forces it to disk and renames it
 * over the target, so a crash leaves either the old file or the new one.
 *
 * <p>The format has no checksum, so a flipped bit in the tensor data would load as a wrong weight. The writer
 * puts the CRC-32C of the data region (every byte after the header) into the metadata under {@link #CHECKSUM_KEY}
 * (8 hex digits), and the reader checks it on open when present. Files from other writers (PyTorch's
 * safetensors, older resnet4j) have none and load as before; {@link Reader#checksummed()} tells which.
 */
public final class Safetensors {
    /** The safetensors format's own limit on the header. */
    static final long MAX_HEADER = 100L << 20;
    private static final int MAX_RANK = 8;
    /** Metadata key of the data region's CRC-32C (8 lowercase hex digits); reserved, not in Reader.metadata(). */
    public static final String CHECKSUM_KEY = "resnet4j.crc32c";
    /** What the writer puts in the checksum's place before the data is written, then overwrites. */
    private static final String CHECKSUM_PLACEHOLDER = "00000000";

    private Safetensors() {
    }

    /** Element types of the format. */
    public enum DType {
        F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }

        public boolean isFloat() {
            return this == F64 || this == F32 || this == F16 || this == BF16;
        }
    }

    /** One tensor's header entry: byte range [begin, end) within the data region. */
    public record Info(String name, DType dtype, int[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        public String shapeString() {
            return Arrays.toString(shape);
        }
    }

    /** A tensor to write: float data for float dtypes (F32 or F64), long data for integer dtypes. */
    public record Entry(String name, DType dtype, int[] shape, float[] floats, long[] longs) {
        public Entry {
            long n = 1;
            for (int d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException(name + ": negative dimension");
                }
                n *= d;
            }
            int have = dtype.isFloat() ? (floats == null ? -1 : floats.length) : (longs == null ? -1 : longs.length);
            if (have != n) {
                throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " needs " + n + " values of " + dtype + ", got " + have);
            }
            if (dtype != DType.F32 && dtype != DType.F64 && dtype != DType.I64 && dtype != DType.I32) {
                throw new IllegalArgumentException(name + ": writing " + dtype + " is not supported");
            }
        }

        public static Entry f32(String name, int[] shape, float[] data) {
            return new Entry(name, DType.F32, shape, data, null);
        }

        /** A rank-0 int64, as PyTorch stores num_batches_tracked. */
        public static Entry i64Scalar(String name, long value) {
            return new Entry(name, DType.I64, new int[0], null, new long[] {value});
        }

        long byteSize() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n * dtype.bytes;
        }
    }

    /** Writes {@code entries} (and string metadata, may be empty) to {@code file} atomically. */
    public static void write(Path file, Map<String, String> metadata, List<Entry> entries) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && metadata.containsKey(CHECKSUM_KEY)) {
            throw new IllegalArgumentException("metadata key " + CHECKSUM_KEY
                    + " is reserved for the writer's checksum");
        }
        // the checksum's entry first, so that its placeholder is the first occurrence in the header's bytes
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(CHECKSUM_KEY, CHECKSUM_PLACEHOLDER);
        if (metadata != null) {
            meta.putAll(metadata);
        }
        header.put("__metadata__", meta);
        long offset = 0;
        for (Entry e : entries) {
            if (e.name().equals("__metadata__") || header.containsKey(e.name())) {
                throw new IllegalArgumentException("duplicate or reserved tensor name: " + e.name());
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", e.dtype().name());
            info.put("shape", e.shape());
            info.put("data_offsets", new long[] {offset, offset + e.byteSize()});
            header.put(e.name(), info);
            offset += e.byteSize();
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;  // the data region starts 8-byte aligned; pad with spaces
        byte[] head = Arrays.copyOf(json, padded);
        Arrays.fill(head, json.length, padded, (byte) ' ');
        int checksumAt = 8 + placeholderIndex(json);

        try {
            AtomicFiles.writeWith(file, ch -> {
                AtomicFiles.writeFully(ch, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip());
                AtomicFiles.writeFully(ch, ByteBuffer.wrap(head));
                ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                CRC32C crc = new CRC32C();
                for (Entry e : entries) {
                    writeData(ch, buf, e, crc);
                }
                ByteBuffer sum = ByteBuffer.wrap(hex(crc.getValue()).getBytes(StandardCharsets.US_ASCII));
                while (sum.hasRemaining()) {
                    ch.write(sum, checksumAt + sum.position());
                }
            });
        } catch (IOException e) {
            throw new CheckpointException(AtomicFiles.failure(file, e).getMessage() + AtomicFiles.WRITE_HINT, e);
        }
    }

    /** Where the checksum's placeholder value starts in the header's JSON bytes (see write). */
    private static int placeholderIndex(byte[] json) {
        String text = new String(json, StandardCharsets.UTF_8);
        int key = text.indexOf('"' + CHECKSUM_KEY + '"');
        int at = key < 0 ? -1 : text.indexOf('"' + CHECKSUM_PLACEHOLDER + '"', key);
        if (at < 0 || !text.substring(0, at).chars().allMatch(c -> c < 0x80)) {
            throw new IllegalStateException("no checksum placeholder at the start of the header: " + text);
        }
        return at + 1;
    }

    static String hex(long crc) {
        return String.format(java.util.Locale.ROOT, "%08x", crc);
    }

    /** Writes e's bytes through buf, adding them to crc. */
    private static void writeData(FileChannel ch, ByteBuffer buf, Entry e, CRC32C crc) throws IOException {
        int n = e.dtype().isFloat() ? e.floats().length : e.longs().length;
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < 8) {
                buf.flip();
                crc.update(buf.duplicate());
                AtomicFiles.writeFully(ch, buf);
                buf.clear();
            }
            switch (e.dtype()) {
                case F32 -> buf.putFloat(e.floats()[i]);
                case F64 -> buf.putDouble(e.floats()[i]);
                case I64 -> buf.putLong(e.longs()[i]);
                case I32 -> buf.putInt(Math.toIntExact(e.longs()[i]));
                default -> throw new IllegalStateException(e.dtype().name());
            }
        }
        buf.flip();
        crc.update(buf.duplicate());
        AtomicFiles.writeFully(ch, buf);
        buf.clear();
    }

    /** Opens and validates a safetensors file; tensors are read on demand. */
    public static Reader open(Path file) {
        return new Reader(file);
    }

    /** An open, validated safetensors file. */
    public static final class Reader implements AutoCloseable {
        private final Path file;
        private final FileChannel ch;
        private final long dataStart;
        private final Map<String, String> metadata;
        private final Map<String, Info> tensors;
        private final boolean checksummed;

        private Reader(Path file) {
            this.file = file;
            if (!Files.isRegularFile(file)) {
                throw new CheckpointException(file + ": no such file");
            }
            FileChannel channel = null;
            try {
                channel = FileChannel.open(file, StandardOpenOption.READ);
                long size = channel.size();
                if (size < 8) {
                    throw bad("file is " + size + " bytes, shorter than the 8-byte header length; it is truncated or not a safetensors file");
                }
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                readFully(channel, len, 0);
                long n = len.flip().getLong();
                if (n < 2 || n > MAX_HEADER || n > size - 8) {
                    throw bad("header length " + n + " is impossible for a file of " + size + " bytes (limit "
                            + MAX_HEADER + "); the file is truncated or not a safetensors file");
                }
                ByteBuffer head = ByteBuffer.allocate((int) n);
                readFully(channel, head, 8);
                String json = new String(head.array(), StandardCharsets.UTF_8);
                Map<String, Object> header;
                try {
                    header = Json.parseObject(json.strip());
                } catch (IllegalArgumentException e) {
                    throw bad("header is not valid JSON (" + e.getMessage() + ")");
                }
                this.dataStart = 8 + n;
                Map<String, String> meta = parseMetadata(header.remove("__metadata__"));
                this.tensors = parseTensors(header, size - dataStart);
                String expected = meta.get(CHECKSUM_KEY);
                this.checksummed = expected != null;
                if (checksummed) {
                    verify(channel, dataStart, size, expected);
                    meta = new LinkedHashMap<>(meta);
                    meta.remove(CHECKSUM_KEY);
                }
                this.metadata = Collections.unmodifiableMap(meta);
                this.ch = channel;
                channel = null;
            } catch (IOException e) {
                throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
            } finally {
                if (channel != null) {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // already failing
                    }
                }
            }
        }

        /** Checks the CRC-32C of bytes [dataStart, size) against the header's (see the class comment). */
        private void verify(FileChannel channel, long dataStart, long size, String expected) throws IOException {
            if (!expected.matches("[0-9a-f]{8}")) {
                throw bad("metadata " + CHECKSUM_KEY + " is \"" + expected
                        + "\", not 8 hex digits; the header is corrupt");
            }
            CRC32C crc = new CRC32C();
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            for (long pos = dataStart; pos < size; pos += buf.limit()) {
                buf.clear();
                buf.limit((int) Math.min(buf.capacity(), size - pos));
                readFully(channel, buf, pos);
                buf.flip();
                crc.update(buf);
            }
            String actual = hex(crc.getValue());
            if (!actual.equals(expected)) {
                // a tool that rewrites the tensors but copies the metadata (safetensors' save_file(..., metadata=
                // the old file's)) keeps a checksum that no longer fits: say how to accept such a file
                throw bad("the tensor data's checksum is " + actual + " but the header says " + expected
                        + " (" + CHECKSUM_KEY + "); the file is corrupt (changed on disk or in transfer), or another"
                        + " tool rewrote its tensors and kept resnet4j's metadata: then drop " + CHECKSUM_KEY
                        + " from its __metadata__");
            }
        }

        /** Whether the file carried a checksum, which open verified (see the class comment). */
        public boolean checksummed() {
            return checksummed;
        }

        private CheckpointException bad(String what) {
            return new CheckpointException(file + ": " + what);
        }

        private Map<String, String> parseMetadata(Object m) {
            if (m == null) {
                return Map.of();
            }
            if (!(m instanceof Map<?, ?> map)) {
                throw bad("__metadata__ must be an object of strings");
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getValue() instanceof String v)) {
                    throw bad("__metadata__ value of \"" + e.getKey() + "\" is not a string");
                }
                out.put((String) e.getKey(), v);
            }
            return Collections.unmodifiableMap(out);
        }

        private Map<String, Info> parseTensors(Map<String, Object> header, long dataSize) {
            List<Info> infos = new ArrayList<>();
            for (Map.Entry<String, Object> e : header.entrySet()) {
                String name = e.getKey();
                if (!(e.getValue() instanceof Map<?, ?> t)) {
                    throw bad("entry \"" + name + "\" is not an object");
                }
                DType dtype;
                try {
                    dtype = DType.valueOf(String.valueOf(t.get("dtype")));
                } catch (IllegalArgumentException ex) {
                    throw bad("tensor \"" + name + "\" has unsupported dtype " + t.get("dtype"));
                }
                int[] shape = ints(name, "shape", t.get("shape"), MAX_RANK);
                long[] offsets = longs(name, t.get("data_offsets"));
                long numel = 1;
                for (int d : shape) {
                    if (d < 0) {
                        throw bad("tensor \"" + name + "\" has a negative dimension");
                    }
                    numel = Math.multiplyExact(numel, d);
                    if (numel > dataSize) {
                        throw bad("tensor \"" + name + "\" shape " + Arrays.toString(shape) + " is larger than the file");
                    }
                }
                long begin = offsets[0], end = offsets[1];
                if (begin < 0 || end < begin || end > dataSize) {
                    throw bad("tensor \"" + name + "\" byte range [" + begin + ", " + end + ") lies outside the "
                            + dataSize + "-byte data region; the file is truncated or corrupt");
                }
                if (end - begin != numel * dtype.bytes) {
                    throw bad("tensor \"" + name + "\" has " + (end - begin) + " bytes but shape " + Arrays.toString(shape)
                            + " of " + dtype + " needs " + numel * dtype.bytes);
                }
                infos.add(new Info(name, dtype, shape, begin, end));
            }
            infos.sort(Comparator.comparingLong(Info::begin).thenComparingLong(Info::end));
            Map<String, Info> out = new LinkedHashMap<>();
            long last = 0;
            for (Info i : infos) {
                if (i.begin() < last) {
                    throw bad("tensor \"" + i.name() + "\" overlaps the previous tensor's bytes");
                }
                last = Math.max(last, i.end());
                out.put(i.name(), i);
            }
            return Collections.unmodifiableMap(out);
        }

        private int[] ints(String name, String field, Object v, int maxLen) {
            if (!(v instanceof List<?> l) || l.size() > maxLen) {
                throw bad("tensor \"" + name + "\" field " + field + " must be a list of at most " + maxLen + " integers");
            }
            int[] out = new int[l.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(l.get(i) instanceof Long x) || x < 0 || x > Integer.MAX_VALUE) {
                    throw bad("tensor \"" + name + "\" field " + field + " has a bad value " + l.get(i));
                }
                out[i] = (int) (long) x;
            }
            return out;
        }

        private long[] longs(String name, Object v) {
            if (!(v instanceof List<?> l) || l.size() != 2 || !(l.get(0) instanceof Long a) || !(l.get(1) instanceof Long b)) {
                throw bad("tensor \"" + name + "\" data_offsets must be [begin, end]");
            }
            return new long[] {a, b};
        }

        public Path file() {
            return file;
        }

        public Map<String, String> metadata() {
            return metadata;
        }

        /** Every tensor's header entry, in file order. */
        public Map<String, Info> tensors() {
            return tensors;
        }

        public Info info(String name) {
            Info i = tensors.get(name);
            if (i == null) {
                throw bad("no tensor named \"" + name + "\"");
            }
            return i;
        }

        /** A float tensor's values as float32 (F64, F16 and BF16 are converted). */
        public float[] readFloats(String name) {
            Info i = info(name);
            if (!i.dtype().isFloat()) {
                throw bad("tensor \"" + name + "\" is " + i.dtype() + ", expected a float type");
            }
            float[] out = new float[checkedCount(i)];
            read(i, (buf, k) -> {
                switch (i.dtype()) {
                    case F32 -> out[k] = buf.getFloat();
                    case F64 -> out[k] = (float) buf.getDouble();
                    case F16 -> out[k] = halfToFloat(buf.getShort());
                    default -> out[k] = Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
                }
            });
            return out;
        }

        /** An integer or bool tensor's values. */
        public long[] readLongs(String name) {
            Info i = info(name);
            if (i.dtype().isFloat()) {
                throw bad("tensor \"" + name + "\" is " + i.dtype() + ", expected an integer type");
            }
            long[] out = new long[checkedCount(i)];
            read(i, (buf, k) -> {
                switch (i.dtype()) {
                    case I64 -> out[k] = buf.getLong();
                    case I32 -> out[k] = buf.getInt();
                    case I16 -> out[k] = buf.getShort();
                    case I8 -> out[k] = buf.get();
                    default -> out[k] = buf.get() & 0xff;
                }
            });
            return out;
        }

        private int checkedCount(Info i) {
            if (i.numel() > Integer.MAX_VALUE - 8) {
                throw bad("tensor \"" + i.name() + "\" has " + i.numel() + " elements, more than one Java array holds");
            }
            return (int) i.numel();
        }

        private interface Sink {
            void take(ByteBuffer buf, int index);
        }

        private void read(Info info, Sink sink) {
            int unit = info.dtype().bytes;
            ByteBuffer buf = ByteBuffer.allocate((1 << 20) / 8 * 8).order(ByteOrder.LITTLE_ENDIAN);
            long pos = dataStart + info.begin();
            long end = dataStart + info.end();
            int k = 0;
            try {
                while (pos < end) {
                    buf.clear();
                    buf.limit((int) Math.min(buf.capacity(), end - pos));
                    readFully(ch, buf, pos);
                    pos += buf.limit();
                    buf.flip();
                    while (buf.remaining() >= unit) {
                        sink.take(buf, k++);
                    }
                }
            } catch (IOException e) {
                throw new CheckpointException(file + ": cannot read tensor \"" + info.name() + "\": " + e.getMessage(), e);
            }
        }

        private void readFully(FileChannel c, ByteBuffer b, long position) throws IOException {
            long p = position;
            while (b.hasRemaining()) {
                int r = c.read(b, p);
                if (r < 0) {
                    throw new CheckpointException(file + ": unexpected end of file at byte " + p + "; the file is truncated");
                }
                p += r;
            }
        }

        @Override
        public void close() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only channel: nothing to lose
            }
        }
    }

    private static void readFully(FileChannel c, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            int r = c.read(b, p);
            if (r < 0) {
                throw new IOException("unexpected end of file at byte " + p);
            }
            p += r;
        }
    }

    /** IEEE 754 half precision to float. */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            return Float.intBitsToFloat(sign) + (sign != 0 ? -1 : 1) * mant * 0x1p-24f;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
