package io.resnet4j.io;

import io.resnet4j.testing.Fixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void writesAndReadsBackExactly() {
        Path f = dir.resolve("a.safetensors");
        float[] w = {1.5f, -2f, Float.MIN_VALUE, Float.MAX_VALUE, -0f, 3.25f};
        Safetensors.write(f, Map.of("model", "resnet20", "json", "{\"a\": 1}"), List.of(
                Safetensors.Entry.f32("w", new int[] {2, 3}, w),
                Safetensors.Entry.i64Scalar("n", 42),
                new Safetensors.Entry("d", Safetensors.DType.F64, new int[] {1}, new float[] {0.1f}, null)));
        try (Safetensors.Reader r = Safetensors.open(f)) {
            assertThat(r.metadata()).containsEntry("model", "resnet20").containsEntry("json", "{\"a\": 1}");
            assertThat(r.tensors().keySet()).containsExactly("w", "n", "d");
            assertThat(r.info("w").shape()).containsExactly(2, 3);
            assertThat(r.readFloats("w")).containsExactly(w);
            assertThat(r.info("n").shape()).isEmpty();
            assertThat(r.readLongs("n")).containsExactly(42L);
            assertThat(r.readFloats("d")).containsExactly(0.1f);
        }
    }

    @Test
    void headerIsAlignedAndFileLayoutFollowsTheSpec() throws IOException {
        Path f = dir.resolve("b.safetensors");
        Safetensors.write(f, Map.of(), List.of(Safetensors.Entry.f32("x", new int[] {3}, new float[] {1, 2, 3})));
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        assertThat(n % 8).isZero();
        assertThat(Files.size(f)).isEqualTo(8 + n + 12);
        String header = new String(Files.readAllBytes(f), 8, (int) n, StandardCharsets.UTF_8).strip();
        // the only metadata is the writer's checksum of the 12 data bytes
        Map<String, Object> parsed = Json.parseObject(header);
        assertThat(parsed).containsKey("x");
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(Files.readAllBytes(f), (int) (8 + n), 12);
        assertThat(parsed.get("__metadata__"))
                .isEqualTo(Map.of(Safetensors.CHECKSUM_KEY, Safetensors.hex(crc.getValue())));
        b.position((int) (8 + n));
        assertThat(b.getFloat()).isEqualTo(1f);
    }

    @Test
    void readsFilesWrittenByTheTorchConverterInEveryFloatType() {
        Fixture expected = Fixture.load("resnet4j-engine", "io/safetensors_expected.bin");
        Path root = Fixture.repoRoot().resolve("resnet4j-engine/src/test/resources/fixtures/io");
        try (Safetensors.Reader r = Safetensors.open(root.resolve("mixed_dtypes.safetensors"))) {
            for (String k : List.of("f64", "f16", "bf16")) {
                assertThat(r.readFloats(k)).as(k).containsExactly(expected.floats(k));
            }
            assertThat(r.readLongs("i32")).containsExactly(Arrays.stream(expected.ints("i32")).asLongStream().toArray());
            assertThat(r.readLongs("u8")).containsExactly(Arrays.stream(expected.ints("u8")).asLongStream().toArray());
        }
        try (Safetensors.Reader r = Safetensors.open(root.resolve("small_state.safetensors"))) {
            assertThat(r.checksummed()).as("the torch converter writes no checksum").isFalse();
            assertThat(r.metadata()).containsEntry("model", "tiny");
            assertThat(r.readFloats("conv1.weight")).containsExactly(expected.floats("conv1.weight"));
            assertThat(r.readLongs("bn1.num_batches_tracked")).containsExactly(17L);
        }
    }

    /**
     * Any flipped bit in the tensor data fails the open, naming the checksum; the intact file opens, reports its
     * checksum and keeps it out of the metadata. The key is reserved for the writer.
     */
    @Test
    void aFlippedBitInTheDataFailsTheChecksum() throws IOException {
        Path good = dir.resolve("sum.safetensors");
        float[] w = new float[1000];
        for (int i = 0; i < w.length; i++) {
            w[i] = i * 0.37f - 50f;
        }
        Safetensors.write(good, Map.of("model", "m"), List.of(Safetensors.Entry.f32("w", new int[] {10, 100}, w),
                Safetensors.Entry.i64Scalar("steps", 7)));
        try (Safetensors.Reader r = Safetensors.open(good)) {
            assertThat(r.checksummed()).isTrue();
            assertThat(r.metadata()).containsExactly(Map.entry("model", "m"));
            assertThat(r.readFloats("w")).containsExactly(w);
        }
        byte[] bytes = Files.readAllBytes(good);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        for (long at : new long[] {8 + n, 8 + n + 2001, bytes.length - 1}) {
            byte[] flipped = bytes.clone();
            flipped[(int) at] ^= 0x10;
            Path bad = dir.resolve("flipped" + at + ".safetensors");
            Files.write(bad, flipped);
            assertThatThrownBy(() -> Safetensors.open(bad)).as("bit flipped at byte %d", at)
                    .isInstanceOf(CheckpointException.class).hasMessageContaining("checksum")
                    .hasMessageContaining("corrupt").hasMessageContaining(bad.toString())
                    .hasMessageContaining("then drop " + Safetensors.CHECKSUM_KEY + " from its __metadata__");
        }
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        int keyEnd = header.indexOf(Safetensors.CHECKSUM_KEY) + Safetensors.CHECKSUM_KEY.length();
        int at = 8 + header.indexOf('"', keyEnd + 1) + 1;
        byte[] notHex = bytes.clone();
        notHex[at] = 'z';
        Path badHeader = dir.resolve("nothex.safetensors");
        Files.write(badHeader, notHex);
        assertThatThrownBy(() -> Safetensors.open(badHeader)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not 8 hex digits");
        assertThatThrownBy(() -> Safetensors.write(dir.resolve("x.safetensors"), Map.of(Safetensors.CHECKSUM_KEY, "0"),
                List.of())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
    }

    @Test
    void rejectsTruncatedAndHostileFilesWithClearMessages() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Safetensors.write(good, Map.of(), List.of(Safetensors.Entry.f32("x", new int[] {4, 4}, new float[16])));
        byte[] bytes = Files.readAllBytes(good);

        assertOpenFails(Arrays.copyOf(bytes, 5), "truncated");
        assertOpenFails(Arrays.copyOf(bytes, bytes.length - 4), "outside");
        assertOpenFails(withHeaderLength(bytes, Long.MAX_VALUE), "impossible");
        assertOpenFails(withHeaderLength(bytes, 1L << 40), "impossible");
        assertOpenFails(fileWithHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,16]}}", 16), "larger than the file");
        assertOpenFails(fileWithHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,12]}}", 16), "needs 16");
        assertOpenFails(fileWithHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 16), "outside");
        assertOpenFails(fileWithHeader("{\"x\":{\"dtype\":\"Q8\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16), "unsupported dtype");
        assertOpenFails(fileWithHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", 16), "bad value");
        assertOpenFails(fileWithHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 16), "overlaps");
        assertOpenFails(fileWithHeader("{not json", 16), "not valid JSON");
        assertOpenFails(fileWithHeader("{\"__metadata__\":{\"a\":1}}", 0), "not a string");
        assertThatThrownBy(() -> Safetensors.open(dir.resolve("absent.safetensors")))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("no such file");
    }

    @Test
    void failedWriteLeavesTheOldFileIntact() throws IOException {
        Path f = dir.resolve("keep.safetensors");
        Safetensors.write(f, Map.of("v", "1"), List.of(Safetensors.Entry.f32("x", new int[] {1}, new float[] {1})));
        byte[] before = Files.readAllBytes(f);
        Path notADir = dir.resolve("file");
        Files.writeString(notADir, "x");
        assertThatThrownBy(() -> Safetensors.write(notADir.resolve("y.safetensors"), Map.of(), List.of()))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("cannot write");
        assertThat(Files.readAllBytes(f)).isEqualTo(before);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    private void assertOpenFails(byte[] content, String message) throws IOException {
        Path f = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(f, content);
        assertThatThrownBy(() -> {
            try (Safetensors.Reader r = Safetensors.open(f)) {
                for (String k : r.tensors().keySet()) {
                    r.readFloats(k);
                }
            }
        }).isInstanceOf(CheckpointException.class).hasMessageContaining(message).hasMessageContaining(f.toString());
    }

    private static byte[] withHeaderLength(byte[] file, long n) {
        byte[] copy = file.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
        return copy;
    }

    private static byte[] fileWithHeader(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }
}
