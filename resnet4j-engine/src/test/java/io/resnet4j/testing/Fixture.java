package io.resnet4j.testing;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A reference fixture written by a generator in {@code tools/reference/} (format: {@code tools/reference/fixtures.py}).
 * Loading fails, naming the command that regenerates it, when the file is missing or older than its generator.
 */
public final class Fixture {
    /** The interpreter that has Debian's python3-torch (it may not be the first python3 on PATH). */
    public static final String PYTHON = "/usr/bin/python3.11";

    private final String name;
    private final Map<String, Entry> entries;

    /** One stored array: float32/float64 values are kept as double[], int32/int64 as long[]. */
    public record Entry(String name, int dtype, int[] dims, double[] values, long[] ints) {
        public Shape shape() {
            return dims.length == 0 ? Shape.of(1) : Shape.of(dims);
        }
    }

    private Fixture(String name, Map<String, Entry> entries) {
        this.name = name;
        this.entries = entries;
    }

    /** The repository root: the nearest ancestor of the working directory holding {@code tools/reference}. */
    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("tools/reference"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new AssertionError("cannot find tools/reference above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /**
     * Loads {@code fixtures/<relative>} from the test resources of {@code module} (e.g. "resnet4j-engine"),
     * checking that it is present and as new as its generator.
     */
    public static Fixture load(String module, String relative) {
        return load(module, relative, null);
    }

    /**
     * As {@link #load(String, String)}, naming {@code script} (e.g. "tools/reference/pil_images.py") in the command
     * that writes the fixture when it is missing.
     */
    public static Fixture load(String module, String relative, String script) {
        Path root = repoRoot();
        Path file = root.resolve(module).resolve("src/test/resources/fixtures").resolve(relative);
        if (!Files.exists(file)) {
            String how = script == null
                    ? "generate it with the reference script in tools/reference (see tools/reference/README.md), e.g. "
                            + PYTHON + " tools/reference/<generator>.py"
                    : "generate it with " + PYTHON + " " + script;
            throw new AssertionError("missing fixture " + root.relativize(file) + ": " + how);
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[8];
            b.get(magic);
            if (!"R4JFIX01".equals(new String(magic, StandardCharsets.US_ASCII))) {
                throw new AssertionError(file + " is not a resnet4j fixture (bad magic)");
            }
            String generator = string(b);
            String digest = string(b);
            Path gen = root.resolve(generator);
            if (!Files.exists(gen)) {
                throw new AssertionError("fixture " + relative + " names generator " + generator + ", which does not exist");
            }
            String now = sha256(Files.readAllBytes(gen));
            if (!now.equals(digest)) {
                throw new AssertionError("stale fixture " + root.relativize(file) + ": " + generator
                        + " changed since it was written; regenerate with: " + PYTHON + " " + generator);
            }
            int count = b.getInt();
            Map<String, Entry> entries = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String name = string(b);
                int dtype = b.getInt();
                int rank = b.getInt();
                int[] dims = new int[rank];
                long n = 1;
                for (int d = 0; d < rank; d++) {
                    dims[d] = b.getInt();
                    n *= dims[d];
                }
                double[] values = null;
                long[] ints = null;
                switch (dtype) {
                    case 0 -> {
                        values = new double[(int) n];
                        for (int e = 0; e < n; e++) values[e] = b.getFloat();
                    }
                    case 2 -> {
                        values = new double[(int) n];
                        for (int e = 0; e < n; e++) values[e] = b.getDouble();
                    }
                    case 1 -> {
                        ints = new long[(int) n];
                        for (int e = 0; e < n; e++) ints[e] = b.getInt();
                    }
                    case 3 -> {
                        ints = new long[(int) n];
                        for (int e = 0; e < n; e++) ints[e] = b.getLong();
                    }
                    default -> throw new AssertionError(file + ": unknown dtype " + dtype + " for " + name);
                }
                entries.put(name, new Entry(name, dtype, dims, values, ints));
            }
            return new Fixture(relative, entries);
        } catch (IOException e) {
            throw new AssertionError("cannot read fixture " + file + ": " + e, e);
        }
    }

    public Set<String> names() {
        return entries.keySet();
    }

    public boolean has(String key) {
        return entries.containsKey(key);
    }

    public Entry entry(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            throw new AssertionError("fixture " + name + " has no entry " + key + "; it has " + entries.keySet());
        }
        return e;
    }

    /** A float entry as a tensor (float32 values). */
    public Tensor tensor(String key) {
        Entry e = entry(key);
        if (e.values == null) {
            throw new AssertionError(key + " in " + name + " is an integer entry");
        }
        float[] f = new float[e.values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) e.values[i];
        }
        return Tensor.wrap(e.shape(), f);
    }

    public float[] floats(String key) {
        return tensor(key).data();
    }

    public int[] ints(String key) {
        Entry e = entry(key);
        if (e.ints == null) {
            throw new AssertionError(key + " in " + name + " is a float entry");
        }
        int[] out = new int[e.ints.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact(e.ints[i]);
        }
        return out;
    }

    /** A scalar (rank-0 or one-element) entry. */
    public double scalar(String key) {
        Entry e = entry(key);
        return e.values != null ? e.values[0] : e.ints[0];
    }

    private static String string(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw new AssertionError("corrupt fixture: string length " + n);
        }
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
