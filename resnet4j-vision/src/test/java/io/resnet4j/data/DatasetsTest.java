package io.resnet4j.data;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Discovery order and downloads, against a local HTTP server on 127.0.0.1 (never the network). */
class DatasetsTest {
    @TempDir
    Path tmp;

    HttpServer server;
    /** path -> body; a body under "/truncated/" is announced one third longer than it is. */
    final Map<String, byte[]> served = new ConcurrentHashMap<>();
    final List<String> requests = new ArrayList<>();
    final List<String> log = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            synchronized (requests) {
                requests.add(path);
            }
            byte[] body = served.get(path);
            if (body == null) {
                byte[] msg = "not found".getBytes();
                ex.sendResponseHeaders(404, msg.length);
                ex.getResponseBody().write(msg);
                ex.close();
                return;
            }
            if (path.startsWith("/truncated/")) {
                ex.sendResponseHeaders(200, body.length + body.length / 3);
                OutputStream os = ex.getResponseBody();
                os.write(body);
                os.flush();
                ex.getHttpContext().getServer();
                try {
                    ex.close();   // fewer bytes than announced: the server drops the connection
                } catch (RuntimeException ignored) {
                    // the JDK server complains about the short body; the client must notice too
                }
                return;
            }
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    DataConfig config(boolean download) {
        return new DataConfig(tmp.resolve("cache"), download, Duration.ofSeconds(10), log::add);
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static final String[] IDX_FILES = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

    /** An IDX spec with a system directory under tmp and files served from urlPrefix (with the right sizes and checksums unless broken). */
    DatasetSpec idxSpec(String urlPrefix, Map<String, byte[]> bodies, boolean wrongChecksum) throws Exception {
        List<DatasetSpec.RemoteFile> remote = new ArrayList<>();
        for (String f : IDX_FILES) {
            byte[] body = bodies.get(f);
            String sha = wrongChecksum ? sha256(new byte[]{1}) : sha256(body);
            remote.add(new DatasetSpec.RemoteFile(f, url(urlPrefix + f), sha, body.length, false));
        }
        return new DatasetSpec("toy", "Toy", DatasetSpec.Format.IDX, DatasetSpec.MNIST.classNames(),
                List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte"), List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
                "", List.of(tmp.resolve("system")), "sudo apt-get install toy-dataset", remote);
    }

    /** Gzip IDX files of n examples, by file name. */
    static Map<String, byte[]> idxBodies(int n) {
        byte[][] pair = TestFiles.idxPair(n, 4, 3, 10);
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put(IDX_FILES[0], TestFiles.gzip(pair[0]));
        m.put(IDX_FILES[1], TestFiles.gzip(pair[1]));
        m.put(IDX_FILES[2], TestFiles.gzip(pair[0]));
        m.put(IDX_FILES[3], TestFiles.gzip(pair[1]));
        return m;
    }

    @Test
    void discoveryOrderIsExplicitThenCacheThenSystemThenDownload() throws Exception {
        Map<String, byte[]> bodies = idxBodies(7);
        bodies.forEach((f, b) -> served.put("/files/" + f, b));
        DatasetSpec spec = idxSpec("/files/", bodies, false);
        Path explicit = tmp.resolve("mine");
        TestFiles.writeIdxDataset(explicit, 5, 10);
        TestFiles.writeIdxDataset(tmp.resolve("cache/toy"), 4, 10);
        TestFiles.writeIdxDataset(tmp.resolve("system"), 3, 10);
        DataConfig cfg = config(true);

        assertThat(Datasets.locate(spec, Split.TRAIN, explicit, cfg).source()).isEqualTo(Datasets.Source.EXPLICIT);
        assertThat(Datasets.open(spec, Split.TRAIN, explicit, cfg).size()).isEqualTo(5);
        assertThat(Datasets.open(spec, Split.TEST, explicit.resolve("t10k-labels-idx1-ubyte.gz"), cfg).size()).isEqualTo(5);   // a file names its directory
        assertThat(Datasets.locate(spec, Split.TRAIN, null, cfg).source()).isEqualTo(Datasets.Source.CACHE);
        assertThat(Datasets.open(spec, Split.TRAIN, null, cfg).size()).isEqualTo(4);

        Downloader.deleteTree(tmp.resolve("cache/toy"));
        Datasets.Location sys = Datasets.locate(spec, Split.TEST, null, cfg);
        assertThat(sys.source()).isEqualTo(Datasets.Source.SYSTEM);
        assertThat(sys.dir()).isEqualTo(tmp.resolve("system"));
        assertThat(Datasets.open(spec, Split.TEST, null, cfg).size()).isEqualTo(3);
        assertThat(requests).isEmpty();

        Downloader.deleteTree(tmp.resolve("system"));
        Datasets.Location dl = Datasets.locate(spec, Split.TRAIN, null, cfg);
        assertThat(dl.source()).isEqualTo(Datasets.Source.DOWNLOAD);
        assertThat(dl.dir()).isEqualTo(tmp.resolve("cache/toy"));
        assertThat(requests).hasSize(4);
        for (String f : IDX_FILES) {
            assertThat(Files.readAllBytes(tmp.resolve("cache/toy").resolve(f))).isEqualTo(bodies.get(f));
        }
        assertThat(leftovers(tmp.resolve("cache/toy"))).isEmpty();
        assertThat(log).anyMatch(l -> l.startsWith("downloading http://127.0.0.1"));
        // Now it is found in the cache, without another request.
        assertThat(Datasets.locate(spec, Split.TRAIN, null, cfg).source()).isEqualTo(Datasets.Source.CACHE);
        assertThat(Datasets.open(spec, Split.TRAIN, null, cfg).size()).isEqualTo(7);
        assertThat(requests).hasSize(4);
    }

    @Test
    void anExplicitPathWithoutTheFilesIsAnErrorNotAFallThrough() throws Exception {
        DatasetSpec spec = idxSpec("/files/", idxBodies(2), false);
        TestFiles.writeIdxDataset(tmp.resolve("system"), 3, 10);
        Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> Datasets.locate(spec, Split.TRAIN, tmp.resolve("empty"), config(true)))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("empty").hasMessageContaining("train-images-idx3-ubyte[.gz]");
        assertThatThrownBy(() -> Datasets.locate(spec, Split.TRAIN, tmp.resolve("typo"), config(true)))
                .isInstanceOf(DatasetException.class).hasMessageContaining("typo does not exist");
        assertThat(requests).isEmpty();
    }

    @Test
    void withDownloadsOffAMissingDatasetNamesEveryWayToGetIt() throws Exception {
        DatasetSpec spec = idxSpec("/files/", idxBodies(2), false);
        assertThatThrownBy(() -> Datasets.locate(spec, Split.TRAIN, null, config(false)))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("Toy not found")
                .hasMessageContaining("sudo apt-get install toy-dataset")
                .hasMessageContaining(tmp.resolve("cache/toy").toString())
                .hasMessageContaining("downloads are switched off");
        assertThat(requests).isEmpty();
    }

    @Test
    void aWrongChecksumKeepsNothing() throws Exception {
        Map<String, byte[]> bodies = idxBodies(3);
        bodies.forEach((f, b) -> served.put("/files/" + f, b));
        DatasetSpec spec = idxSpec("/files/", bodies, true);
        assertThatThrownBy(() -> Datasets.locate(spec, Split.TRAIN, null, config(true)))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("SHA-256").hasMessageContaining("train-images-idx3-ubyte.gz").hasMessageContaining("curl");
        assertThat(leftovers(tmp.resolve("cache/toy"))).isEmpty();
        assertThat(Files.exists(tmp.resolve("cache/toy/train-images-idx3-ubyte.gz"))).isFalse();
    }

    @Test
    void aTruncatedBodyKeepsNothing() throws Exception {
        Map<String, byte[]> bodies = idxBodies(40);
        bodies.forEach((f, b) -> served.put("/truncated/" + f, b));
        DatasetSpec spec = idxSpec("/truncated/", bodies, false);
        // The spec expects the real size; the server announces more and stops after the real bytes.
        assertThatThrownBy(() -> Datasets.locate(spec, Split.TRAIN, null, config(true)))
                .isInstanceOf(DatasetException.class).hasMessageContaining("train-images-idx3-ubyte.gz")
                .hasMessageContaining("run again to retry").hasMessageNotContaining("Exception");
        assertThat(leftovers(tmp.resolve("cache/toy"))).isEmpty();
        assertThat(Files.exists(tmp.resolve("cache/toy/train-images-idx3-ubyte.gz"))).isFalse();

        // A body shorter than the expected size (the server closes after what it has) is caught by the size check.
        byte[] full = bodies.get(IDX_FILES[0]);
        served.put("/short/" + IDX_FILES[0], java.util.Arrays.copyOf(full, full.length / 2));
        DatasetSpec.RemoteFile f = new DatasetSpec.RemoteFile(IDX_FILES[0], url("/short/" + IDX_FILES[0]), sha256(full), full.length, false);
        assertThatThrownBy(() -> Downloader.download(f, tmp.resolve("cache/toy"), config(true)))
                .isInstanceOf(DatasetException.class).hasMessageContaining("ended after " + full.length / 2 + " of " + full.length);
        assertThat(leftovers(tmp.resolve("cache/toy"))).isEmpty();
    }

    @Test
    void sizesInMessagesAreMegabytesOrBytes() {
        assertThat(Downloader.sizeText(29_515)).isEqualTo("29515 bytes");
        assertThat(Downloader.sizeText(99_999)).isEqualTo("99999 bytes");
        assertThat(Downloader.sizeText(100_000)).isEqualTo("0.1 MB");
        assertThat(Downloader.sizeText(26_421_880)).isEqualTo("26.4 MB");
    }

    @Test
    void aFailedWriteNamesTheFileAndWhatToCheckNotAnExceptionClass() throws Exception {
        byte[] body = {1, 2, 3};
        served.put("/w/x.gz", body);
        DatasetSpec.RemoteFile f = new DatasetSpec.RemoteFile("x.gz", url("/w/x.gz"), sha256(body), body.length, false);
        // A directory where the file goes: AtomicFiles refuses it before the body is written.
        Path dir = tmp.resolve("cache/x");
        Files.createDirectories(dir.resolve("x.gz"));
        assertThatThrownBy(() -> Downloader.download(f, dir, config(true))).isInstanceOf(DatasetException.class)
                .hasMessageStartingWith("cannot write " + dir.resolve("x.gz") + ": it is a directory (check that " + dir
                        + " is a writable directory with room for 3 bytes); or fetch it by hand: curl")
                .hasMessageNotContaining("Exception");
        // A file where the directory goes: creating it fails before anything is requested.
        Path file = tmp.resolve("cache/y");
        Files.write(file, new byte[0]);
        int before = requests.size();
        assertThatThrownBy(() -> Downloader.download(f, file, config(true))).isInstanceOf(DatasetException.class)
                .hasMessageStartingWith("cannot write " + file.resolve("x.gz") + ": a file is in the way (check that "
                        + file + " is a writable directory").hasMessageNotContaining("Exception");
        assertThat(requests).hasSize(before);
    }

    @Test
    void aMissingFileOnTheServerReportsTheStatus() throws Exception {
        DatasetSpec spec = idxSpec("/nowhere/", idxBodies(2), false);
        assertThatThrownBy(() -> Datasets.locate(spec, Split.TRAIN, null, config(true)))
                .isInstanceOf(DatasetException.class).hasMessageContaining("HTTP 404").hasMessageContaining("/nowhere/train-images-idx3-ubyte.gz");
        assertThat(leftovers(tmp.resolve("cache/toy"))).isEmpty();
    }

    @Test
    void anUnreachableHostIsReportedAsSuch() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        DatasetSpec.RemoteFile f = new DatasetSpec.RemoteFile("x.gz", URI.create("http://127.0.0.1:" + port + "/x.gz"), sha256(new byte[1]), 1, false);
        assertThatThrownBy(() -> Downloader.download(f, tmp.resolve("cache/x"), config(true)))
                .isInstanceOf(DatasetException.class).hasMessageContaining("x.gz");
    }

    @Test
    void aCifarArchiveIsDownloadedVerifiedAndUnpacked() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("cifar-10-batches-bin/data_batch_1.bin", TestFiles.cifarRecords(2, new int[][]{{3}, {4}}));
        entries.put("cifar-10-batches-bin/test_batch.bin", TestFiles.cifarRecords(1, new int[][]{{9}}));
        entries.put("cifar-10-batches-bin/batches.meta.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n".getBytes());
        entries.put("cifar-10-batches-bin/readme.html", "<p>".getBytes());
        entries.put("../escape.bin", new byte[]{1});
        byte[] archive = TestFiles.tarGz(entries);
        served.put("/kriz/c10.tar.gz", archive);
        DatasetSpec spec = new DatasetSpec("toy-cifar", "Toy CIFAR", DatasetSpec.Format.CIFAR10, Cifar.CIFAR10_CLASSES,
                List.of("data_batch_1.bin"), List.of("test_batch.bin"), "cifar-10-batches-bin", List.of(), "",
                List.of(new DatasetSpec.RemoteFile("c10.tar.gz", url("/kriz/c10.tar.gz"), sha256(archive), archive.length, true)));
        DataConfig cfg = config(true);
        Datasets.Location loc = Datasets.locate(spec, Split.TRAIN, null, cfg);
        assertThat(loc.source()).isEqualTo(Datasets.Source.DOWNLOAD);
        assertThat(loc.dir()).isEqualTo(tmp.resolve("cache/toy-cifar/cifar-10-batches-bin"));
        ArrayDataset train = Datasets.open(loc, Split.TRAIN);
        assertThat(train.labels()).containsExactly(3, 4);
        assertThat(train.classNames().get(0)).isEqualTo("a");
        assertThat(Datasets.open(spec, Split.TEST, null, cfg).labels()).containsExactly(9);
        assertThat(Files.exists(tmp.resolve("escape.bin"))).isFalse();
        assertThat(Files.exists(tmp.resolve("cache/escape.bin"))).isFalse();
        assertThat(leftovers(tmp.resolve("cache/toy-cifar"))).isEmpty();
        assertThat(Files.exists(tmp.resolve("cache/toy-cifar/c10.tar.gz"))).isFalse();   // unpacked, then removed
        // An explicit path to the parent of the archive's directory works as well.
        assertThat(Datasets.locate(spec, Split.TRAIN, tmp.resolve("cache/toy-cifar"), cfg).dir()).isEqualTo(loc.dir());
    }

    @Test
    void aCorruptArchiveIsReported() throws Exception {
        byte[] archive = TestFiles.tarGz(Map.of("cifar-10-batches-bin/data_batch_1.bin", new byte[3073]));
        byte[] tar = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(archive)).readAllBytes();
        tar[10] ^= 1;   // breaks the header checksum
        Path file = tmp.resolve("bad.tar.gz");
        Files.write(file, TestFiles.gzip(tar));
        assertThatThrownBy(() -> Downloader.extractTarGz(file, tmp, "cifar-10-batches-bin"))
                .isInstanceOf(DatasetException.class).hasMessageContaining("checksum");
        assertThat(leftovers(tmp)).isEmpty();
    }

    @Test
    void describeListsEveryKnownDatasetWithoutDownloading() {
        DataConfig cfg = config(true);
        TestFiles.writeIdxDataset(tmp.resolve("cache/mnist"), 3, 10);
        List<Datasets.Status> all = Datasets.describe(cfg);
        assertThat(all).extracting(Datasets.Status::id)
                .containsExactly("fashion-mnist", "mnist", "cifar-10", "cifar-100", "fashion-mnist-subset");
        Datasets.Status mnist = all.get(1);
        assertThat(mnist.location()).isPresent();
        assertThat(mnist.location().get().source()).isEqualTo(Datasets.Source.CACHE);
        assertThat(mnist.line()).contains("found (cache)").contains(tmp.resolve("cache/mnist").toString());
        Datasets.Status cifar = all.get(2);
        assertThat(cifar.location()).isEmpty();
        assertThat(cifar.detail()).contains("not found").contains("170 MB").contains("www.cs.toronto.edu").contains(tmp.resolve("cache/cifar-10").toString());
        String text = Datasets.describeText(cfg);
        assertThat(text).contains("fashion-mnist-subset").contains("cache directory: " + tmp.resolve("cache"));
        if (all.get(0).location().isEmpty()) {
            assertThat(all.get(0).detail()).contains("apt-get install dataset-fashion-mnist");
        }
        assertThat(requests).isEmpty();
    }

    @Test
    void knownDatasetsAreFoundByIdAndUnknownIdsListTheKnownOnes() {
        assertThat(DatasetSpec.byId("CIFAR-10")).isSameAs(DatasetSpec.CIFAR10);
        assertThat(DatasetSpec.byId("fashion-mnist")).isSameAs(DatasetSpec.FASHION_MNIST);
        assertThatThrownBy(() -> DatasetSpec.byId("imagenet"))
                .isInstanceOf(DatasetException.class).hasMessageContaining("imagenet").hasMessageContaining("cifar-100");
        for (DatasetSpec s : DatasetSpec.known()) {
            assertThat(s.downloadBytes()).isPositive();
            assertThat(s.remote()).allMatch(f -> f.url().getScheme().startsWith("http"));
        }
    }

    private static List<Path> leftovers(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".tmp") || n.startsWith(".extract-");
            }).toList();
        }
    }
}
