package io.resnet4j.data;

import io.resnet4j.io.AtomicFiles;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Downloads with SHA-256 verification and unpacks {@code .tar.gz} archives, both atomically: data goes to a
 * temporary name in the target directory, is verified and fsynced, then renamed into place, so an interrupted
 * run never leaves a file that looks complete.
 */
final class Downloader {
    private Downloader() {
    }

    /**
     * Downloads {@code file} into {@code dir/file.name()}; returns that path. A failure is a DatasetException
     * saying what failed, the network (retry) or the disk (which file, what to check), and how to fetch by hand.
     */
    static Path download(DatasetSpec.RemoteFile file, Path dir, DataConfig config) {
        Path target = dir.resolve(file.name());
        try {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw cannotWrite(file, dir, e);
            }
            config.log().accept("downloading " + file.url() + " (" + sizeText(file.size()) + ") into " + dir);
            HttpClient client = HttpClient.newBuilder()
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .connectTimeout(config.timeout())
                    .build();
            HttpRequest request = HttpRequest.newBuilder(file.url()).timeout(config.timeout()).GET().build();
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try {
                // kept only when complete and verified: a failed or interrupted run never leaves a file that
                // looks complete
                AtomicFiles.writeWith(target, ch -> receive(response, ch, file, dir));
            } catch (IOException e) {
                throw cannotWrite(file, dir, e);   // receive reports the connection's failures itself
            }
            config.log().accept("verified SHA-256 of " + target);
            return target;
        } catch (HttpTimeoutException e) {
            throw new DatasetException("download of " + file.url() + " timed out after " + config.timeout().toSeconds()
                    + " s" + howToFetch(file, dir), e);
        } catch (ConnectException | UnknownHostException e) {
            throw new DatasetException("cannot connect to " + file.url().getHost() + " (offline?) to download "
                    + file.name() + howToFetch(file, dir), e);
        } catch (IOException e) {
            throw networkFailure(file, dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatasetException("download of " + file.url() + " was interrupted", e);
        }
    }

    /**
     * Copies the response's body to ch, checking its status, size and SHA-256. A failure of the connection is a
     * DatasetException; the IOExceptions that pass are ch's, the disk's.
     */
    private static void receive(HttpResponse<InputStream> response, FileChannel ch, DatasetSpec.RemoteFile file,
                                Path dir) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        long got = 0;
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw new DatasetException("download of " + file.url() + " failed: HTTP " + response.statusCode()
                        + howToFetch(file, dir));
            }
            byte[] buf = new byte[1 << 16];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    throw networkFailure(file, dir, e);
                }
                if (n <= 0) {
                    break;
                }
                got += n;
                if (got > file.size()) {
                    throw new DatasetException("download of " + file.url() + " is larger than the expected "
                            + file.size() + " bytes: the server sent something else" + howToFetch(file, dir));
                }
                sha.update(buf, 0, n);
                AtomicFiles.writeFully(ch, ByteBuffer.wrap(buf, 0, n));
            }
        }
        if (got != file.size()) {
            throw new DatasetException("download of " + file.url() + " ended after " + got + " of " + file.size()
                    + " bytes (connection dropped?); run again to retry" + howToFetch(file, dir));
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(file.sha256())) {
            throw new DatasetException("download of " + file.url() + " has SHA-256 " + actual + ", expected "
                    + file.sha256() + ": corrupted in transit or changed upstream; nothing was kept"
                    + howToFetch(file, dir));
        }
    }

    /** "download of URL failed: connection error (why); run again to retry": the message, not the class name. */
    private static DatasetException networkFailure(DatasetSpec.RemoteFile file, Path dir, IOException e) {
        String why = e.getMessage() != null && !e.getMessage().isBlank() ? " (" + e.getMessage() + ")" : "";
        return new DatasetException("download of " + file.url() + " failed: connection error" + why
                + "; run again to retry" + howToFetch(file, dir), e);
    }

    /** "cannot write DIR/NAME: why (check ...)": the file asked for, never the temporary one, and no class name. */
    private static DatasetException cannotWrite(DatasetSpec.RemoteFile file, Path dir, IOException e) {
        return new DatasetException(AtomicFiles.failure(dir.resolve(file.name()), e).getMessage() + " (check that "
                + dir + " is a writable directory with room for " + sizeText(file.size()) + ")"
                + howToFetch(file, dir), e);
    }

    private static String howToFetch(DatasetSpec.RemoteFile file, Path dir) {
        return "; or fetch it by hand: curl -L -o " + dir.resolve(file.name()) + " " + file.url();
    }

    /**
     * Unpacks the regular files under {@code subdir/} of a {@code .tar.gz} into {@code dir/subdir}: first into a
     * temporary directory beside it, then renamed into place. Entries outside {@code subdir/}, links and entries
     * with {@code ..} in their path are ignored.
     */
    static Path extractTarGz(Path archive, Path dir, String subdir) {
        Path target = dir.resolve(subdir);
        Path tmp = null;
        try {
            long bound = Files.size(archive) * 1032;   // deflate's maximum expansion
            tmp = Files.createTempDirectory(dir, ".extract-");
            long total = 0;
            int files = 0;
            try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(archive), 1 << 16), 1 << 16)) {
                byte[] header = new byte[512];
                String longName = null;
                while (true) {
                    int n = in.readNBytes(header, 0, 512);
                    if (n == 0 || (n == 512 && allZero(header))) {
                        break;
                    }
                    if (n < 512) {
                        throw new DatasetException(archive + " is truncated (inside a tar header); delete it and download it again");
                    }
                    checkHeader(header, archive);
                    long size = octal(header, 124, 12, archive);
                    char type = (char) header[156];
                    String name = longName != null ? longName : tarName(header);
                    longName = null;
                    long padded = (size + 511) / 512 * 512;
                    if (type == 'L') {   // GNU long name: the data is the next entry's name
                        if (size > 4096) {
                            throw new DatasetException(archive + ": implausible long name entry of " + size + " bytes");
                        }
                        byte[] b = readExactly(in, (int) padded, archive);
                        longName = new String(b, 0, (int) size, StandardCharsets.UTF_8).replace("\0", "");
                        continue;
                    }
                    boolean wanted = (type == '0' || type == '\0') && name.startsWith(subdir + "/")
                            && !name.contains("..") && !name.contains("\\") && name.length() > subdir.length() + 1;
                    if (!wanted) {
                        skip(in, padded, archive);
                        continue;
                    }
                    total += size;
                    if (total > bound) {
                        throw new DatasetException(archive + " unpacks to more than " + bound + " bytes: not the expected archive");
                    }
                    Path out = tmp.resolve(name).normalize();
                    if (!out.startsWith(tmp)) {
                        skip(in, padded, archive);
                        continue;
                    }
                    Files.createDirectories(out.getParent());
                    try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        OutputStream os = java.nio.channels.Channels.newOutputStream(ch);
                        copy(in, os, size, archive);
                        os.flush();
                        ch.force(true);
                    }
                    skip(in, padded - size, archive);
                    files++;
                }
            }
            Path unpacked = tmp.resolve(subdir);
            if (files == 0 || !Files.isDirectory(unpacked)) {
                throw new DatasetException(archive + " holds no files under " + subdir + "/: not the expected archive");
            }
            if (Files.exists(target)) {
                deleteTree(target);   // an incomplete earlier copy in our own cache
            }
            Files.move(unpacked, target, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.syncDirectory(dir);
            return target;
        } catch (IOException e) {
            throw new DatasetException("cannot unpack " + archive + " into " + dir + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    deleteTree(tmp);
                } catch (IOException ignored) {
                    // a leftover .extract- directory is never taken for data
                }
            }
        }
    }

    private static void checkHeader(byte[] h, Path archive) {
        long stored = octal(h, 148, 8, archive);
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        if (sum != stored) {
            throw new DatasetException(archive + ": tar header checksum mismatch: the archive is corrupt; delete it and download it again");
        }
    }

    private static String tarName(byte[] h) {
        String name = cString(h, 0, 100);
        String prefix = cString(h, 345, 155);
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len, Path archive) {
        long v = 0;
        int i = off;
        while (i < off + len && (b[i] == ' ' || b[i] == 0)) {
            i++;
        }
        for (; i < off + len && b[i] >= '0' && b[i] <= '7'; i++) {
            v = v * 8 + (b[i] - '0');
            if (v > (1L << 40)) {
                throw new DatasetException(archive + ": implausible size in a tar header: the archive is corrupt");
            }
        }
        return v;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] readExactly(InputStream in, int n, Path archive) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new DatasetException(archive + " is truncated; delete it and download it again");
        }
        return b;
    }

    private static void skip(InputStream in, long n, Path archive) throws IOException {
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new DatasetException(archive + " is truncated; delete it and download it again");
                }
                s = 1;
            }
            left -= s;
        }
    }

    private static void copy(InputStream in, OutputStream out, long n, Path archive) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new DatasetException(archive + " is truncated; delete it and download it again");
            }
            out.write(buf, 0, r);
            left -= r;
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (DirectoryNotEmptyException e) {
                    throw new IOException("cannot delete " + p, e);
                }
            }
        }
    }

    /** A file's size for messages: MB to one decimal from 0.1 MB, bytes below (a tiny file is not "0.0 MB"). */
    static String sizeText(long bytes) {
        return bytes >= 100_000 ? String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6) : bytes + " bytes";
    }
}
