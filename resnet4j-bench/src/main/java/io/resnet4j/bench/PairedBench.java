package io.resnet4j.bench;

import io.resnet4j.kernels.Parallel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * resnet4j and PyTorch timed in alternating blocks ({@code tools/bench/e2e.sh}). This VM's speed drifts by
 * 20-40% within seconds to minutes, for both systems alike, so two runs one after the other compare phases of
 * the machine as much as code. Here PyTorch runs as servers ({@code tools/bench/torch_e2e.py --serve}: the
 * default malloc, {@code GLIBC_TUNABLES=--tunables}, and {@code --thp-tunables} when given), all warm with the
 * same workload as resnet4j, and every round times one block of each system in turn, the order rotating from
 * round to round, with a pause between blocks so that the idle side's threads are asleep. Only one system runs
 * at a time.
 *
 * <p>Per workload: each system's median img/s over the rounds; PyTorch's variant with the higher median is "PyTorch";
 * the ratio resnet4j / PyTorch of each round (same round, so the same phase of the machine) gives a median and a
 * range. Workloads, steps and validation are E2EBench's. With {@code --thp-tunables} a third PyTorch server runs
 * with those (e2e.sh: the tuned ones plus {@code glibc.malloc.hugetlb=1}, so that malloc asks for transparent huge
 * pages, as resnet4j's JVM does with {@code -XX:+UseTransparentHugePages}).
 *
 * <pre>
 * usage: PairedBench --workloads MODEL:MODE:BATCH,... --torch "/usr/bin/python3.11 tools/bench/torch_e2e.py"
 *                    [--tunables T] [--thp-tunables T] [--threads 2] [--validation file] [--rounds 7] [--block-s 1]
 *                    [--warm-s 3] [--tsv file]
 * TSV lines: block, jdk, model, mode, batch, round, system (r4j, default, tuned, thp), img/s, img per CPU-second
 *            pair, jdk, model, mode, batch, r4j img/s, PyTorch's variants' img/s (default=..,tuned=..[,thp=..]),
 *                  faster variant, ratio median, ratio min, ratio max, r4j img per CPU-second, PyTorch img per
 *                  CPU-second (medians over rounds)
 * </pre>
 */
public final class PairedBench {
    /** Pause before each block (ms): the other systems' idle threads park or sleep within it. */
    static final long GAP_MS = 200;

    private PairedBench() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        String usage = "usage: PairedBench --workloads MODEL:MODE:BATCH,... --torch \"PYTHON torch_e2e.py\" [--tunables T] "
                + "[--thp-tunables T] [--threads N] [--validation file] [--rounds N] [--block-s S] [--warm-s S] [--tsv file]";
        Map<String, String> o = Options.parse(args, List.of("--threads", "--workloads", "--validation", "--rounds",
                "--block-s", "--warm-s", "--tsv", "--torch", "--tunables", "--thp-tunables"), usage);
        if (!o.containsKey("--workloads") || !o.containsKey("--torch")) {
            throw new IllegalArgumentException("--workloads and --torch are required; " + usage);
        }
        int threads = Integer.parseInt(o.getOrDefault("--threads", "2"));
        int rounds = Integer.parseInt(o.getOrDefault("--rounds", "7"));
        double blockS = Double.parseDouble(o.getOrDefault("--block-s", "1"));
        double warmS = Double.parseDouble(o.getOrDefault("--warm-s", "3"));
        String validation = o.get("--validation"), tsv = o.get("--tsv"), torch = o.get("--torch");
        String tunables = o.getOrDefault("--tunables", ""), thpTunables = o.get("--thp-tunables");
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1, got " + rounds);
        }
        List<E2EBench.Workload> list = E2EBench.workloads(o.get("--workloads"));
        Parallel.setThreads(threads);
        String jdk = "jdk" + Runtime.version().feature();
        PrintStream out = System.out;
        E2EBench.header(out);
        out.println("pairing: " + rounds + " rounds of one " + blockS + " s block per system, rotating order, "
                + GAP_MS + " ms pauses; PyTorch: " + torch + " (default malloc, GLIBC_TUNABLES=" + tunables
                + (thpTunables == null ? "" : ", and GLIBC_TUNABLES=" + thpTunables) + ")");
        if (validation != null) {
            E2EBench.validateAll(list, Path.of(validation), out);
        }
        List<String> command = new ArrayList<>(List.of(torch.trim().split("\\s+")));
        command.addAll(List.of("--serve", "--threads", String.valueOf(threads), "--block-s", String.valueOf(blockS),
                "--warm-s", String.valueOf(warmS)));
        List<String> systems = new ArrayList<>(List.of("r4j"));
        List<TorchServer> servers = new ArrayList<>();
        try {
            servers.add(new TorchServer("default", command, null));
            servers.add(new TorchServer("tuned", command, tunables));
            if (thpTunables != null) {
                servers.add(new TorchServer("thp", command, thpTunables));
            }
            servers.forEach(t -> systems.add(t.variant));
            int n = systems.size();
            for (E2EBench.Workload w : list) {
                for (TorchServer t : servers) {
                    t.request("workload " + w.model() + ":" + w.mode() + ":" + w.batch());
                }
                Runnable step = E2EBench.step(w);
                E2EBench.warm(step, warmS);
                // [system][round] img/s and img per CPU-second
                double[][] ips = new double[n][rounds], ipc = new double[n][rounds];
                for (int r = 0; r < rounds; r++) {
                    for (int k = 0; k < n; k++) {
                        int s = (r + k) % n;
                        Thread.sleep(GAP_MS);
                        double[] t = s == 0 ? E2EBench.block(step, blockS) : servers.get(s - 1).block();
                        ips[s][r] = w.batch() / t[0];
                        ipc[s][r] = w.batch() / t[1];
                        write(tsv, String.format(Locale.ROOT, "block\t%s\t%s\t%s\t%d\t%d\t%s\t%.3f\t%.3f", jdk,
                                w.model(), w.mode(), w.batch(), r, systems.get(s), ips[s][r], ipc[s][r]));
                    }
                }
                int best = 1;
                StringBuilder variants = new StringBuilder();
                for (int s = 1; s < n; s++) {
                    if (E2EBench.median(ips[s]) > E2EBench.median(ips[best])) {
                        best = s;
                    }
                    variants.append(s > 1 ? "," : "").append(systems.get(s)).append('=')
                            .append(String.format(Locale.ROOT, "%.2f", E2EBench.median(ips[s])));
                }
                double[] ratio = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = ips[0][r] / ips[best][r];
                }
                double[] sorted = ratio.clone();
                Arrays.sort(sorted);
                String line = String.format(Locale.ROOT, "pair\t%s\t%s\t%s\t%d\t%.2f\t%s\t%s\t%.3f\t%.3f\t%.3f\t%.2f\t%.2f",
                        jdk, w.model(), w.mode(), w.batch(), E2EBench.median(ips[0]), variants, systems.get(best),
                        E2EBench.median(ratio), sorted[0], sorted[rounds - 1], E2EBench.median(ipc[0]),
                        E2EBench.median(ipc[best]));
                out.println(line);
                write(tsv, line);
            }
        } finally {
            for (TorchServer t : servers) {
                t.close();
            }
        }
    }

    private static void write(String tsv, String line) throws IOException {
        if (tsv != null) {
            Files.writeString(Path.of(tsv), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    /** A torch_e2e.py --serve process: one request line, one answer line; its stderr goes to ours. */
    static final class TorchServer implements AutoCloseable {
        private final String variant;
        private final Process process;
        private final BufferedReader in;
        private final Writer out;

        /** tunables: GLIBC_TUNABLES for this server (null: none, whatever our environment says). */
        TorchServer(String variant, List<String> command, String tunables) throws IOException {
            this.variant = variant;
            List<String> cmd = new ArrayList<>(command);
            cmd.addAll(List.of("--variant", variant));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
            if (tunables == null) {
                pb.environment().remove("GLIBC_TUNABLES");
            } else {
                pb.environment().put("GLIBC_TUNABLES", tunables);
            }
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new IOException("cannot start the PyTorch server " + cmd + ": " + e.getMessage(), e);
            }
            in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            out = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            expect("ready", read());
        }

        /** Sends one request and returns its answer; an error answer or a dead server throws. */
        String request(String line) throws IOException {
            try {
                out.write(line + "\n");
                out.flush();
            } catch (IOException e) {
                throw exited();
            }
            String answer = read();
            if (line.startsWith("workload")) {
                expect("ready", answer);
            }
            return answer;
        }

        /** One timed block: wall seconds and process CPU-seconds per step. */
        double[] block() throws IOException {
            String[] f = request("block").split(" ");
            return new double[]{Double.parseDouble(f[0]), Double.parseDouble(f[1])};
        }

        private String read() throws IOException {
            String answer = in.readLine();
            if (answer == null) {
                throw exited();
            }
            if (answer.startsWith("error ")) {
                throw new IllegalStateException("PyTorch server (" + variant + "): " + answer.substring(6));
            }
            return answer;
        }

        private IllegalStateException exited() {
            return new IllegalStateException("the PyTorch server (" + variant + ") exited with code " + exitCode()
                    + "; its messages are above");
        }

        /** The server's exit code once it has gone (-1 if it is still running 5 s later). */
        private int exitCode() {
            try {
                process.waitFor(5, TimeUnit.SECONDS);
                return process.exitValue();
            } catch (InterruptedException | IllegalThreadStateException e) {
                return -1;
            }
        }

        private void expect(String want, String got) {
            if (!want.equals(got)) {
                throw new IllegalStateException("PyTorch server (" + variant + ") answered '" + got + "', expected '"
                        + want + "'");
            }
        }

        @Override
        public void close() throws IOException {
            try {
                if (process.isAlive()) {
                    out.write("quit\n");
                    out.flush();
                }
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            } catch (IOException e) {
                process.destroyForcibly();
            }
        }
    }
}
