package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.identify.PasswordHashes;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The soak: {@code bin/sluice serve} (the launcher, its default JVM flags) on the governed path in front of a
 * separate sluice-sim process, fed chat completions at a steady rate, streaming and non-streaming alternately, for
 * ten minutes by default. Every answer is checked (200; a stream ends with {@code [DONE]}, a non-streaming answer
 * carries its usage), and every {@code --sample-seconds} the gateway's heap after a full collection ({@code jcmd
 * GC.run}, then {@code GC.heap_info}) and its resident set ({@code /proc/PID/status}) are sampled. What must hold:
 * zero errors, and heap and RSS flat after the warm-up. Run on purpose ({@code bench/run-soak.sh}), never in the
 * test suite.
 */
public final class SoakBench {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern HEAP_USED = Pattern.compile("total (\\d+)K, used (\\d+)K");
    private static final Pattern VM_RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
    private static final Pattern NMT = Pattern.compile("(?m)^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

    /** One sample of the gateway's memory and the load so far. */
    record Sample(double seconds, long heapUsedKb, long heapTotalKb, long rssKb, long answered, long errors) {
    }

    private final Path repo;
    private final Duration duration;
    private final int rate;
    private final int maxTokens;
    private final String itl;
    private final Duration sampleEvery;
    private final Duration warmup;
    private final Path out;
    private final String command;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final Map<String, AtomicLong> errorKinds = new ConcurrentHashMap<>();
    private volatile String lastError;
    private final Histogram streamLatency = Histograms.create();
    private final Histogram plainLatency = Histograms.create();
    private double maxSendLagMs;
    /** Native memory (committed KiB per NMT category) at the end of the warm-up and at the end, when NMT is on. */
    private Map<String, Long> nmtWarm = Map.of();
    private Map<String, Long> nmtEnd = Map.of();

    private SoakBench(Map<String, String> flags) {
        repo = Path.of(flags.getOrDefault("repo", ".")).toAbsolutePath().normalize();
        duration = Duration.ofSeconds(Long.parseLong(flags.getOrDefault("seconds", "600")));
        rate = Integer.parseInt(flags.getOrDefault("rate", "40"));
        maxTokens = Integer.parseInt(flags.getOrDefault("max-tokens", "32"));
        itl = flags.getOrDefault("itl", "5ms");
        sampleEvery = Duration.ofSeconds(Long.parseLong(flags.getOrDefault("sample-seconds", "10")));
        warmup = Duration.ofSeconds(Long.parseLong(flags.getOrDefault("warmup-seconds", "120")));
        out = flags.containsKey("out") ? Path.of(flags.get("out"))
                : repo.resolve("bench/results").resolve(ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        command = System.getProperty("bench.command", "SoakBench");
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-h") || args[i].equals("--help")) {
                System.out.println("SoakBench --repo DIR [--seconds 600] [--rate 40] [--max-tokens 32] [--itl 5ms]"
                        + " [--sample-seconds 10] [--warmup-seconds 120] [--out DIR]");
                return;
            }
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("unexpected argument " + args[i] + " (--help)");
                System.exit(2);
            }
            flags.put(args[i].substring(2), args[++i]);
        }
        System.exit(new SoakBench(flags).run());
    }

    private int run() throws Exception {
        Files.createDirectories(out);
        Map<String, String> machine = MachineInfo.collect();
        Path runDir = Files.createTempDirectory("sluice-soak");
        try (Processes procs = new Processes()) {
            procs.deleteOnClose(runDir);
            Target sim = startSim(procs);
            String password = UUID.randomUUID().toString();
            int port = Processes.freePort();
            Path yaml = runDir.resolve("sluice.yaml");
            Files.writeString(yaml, SluiceGateway.config(port, sim.port(), sim.port(), runDir.resolve("data"),
                    PasswordHashes.bcrypt(password.toCharArray())).replace("server:\n", "server:\n  host: 127.0.0.1\n")
                    + "usage:\n  spool: {dir: \"" + runDir.resolve("spool") + "\"}\n");
            Path log = out.resolve("soak-gateway.log");
            Process gateway = procs.start(List.of(repo.resolve("bin/sluice").toString(), "serve", "--config",
                    yaml.toString()), log);
            Target target = new Target("sluice", "127.0.0.1", port, "bin/sluice serve", gateway);
            String notReady = HttpProbe.awaitReady(target.url("/health/ready"), gateway, Duration.ofSeconds(180));
            if (notReady != null) {
                System.err.println("[soak] gateway " + notReady + "; see " + log);
                return 1;
            }
            target = target.withAuthorization("Bearer " + SluiceGateway.mintKey(target, password));
            System.out.printf("[soak] gateway pid %d on port %d; %d req/s for %d s (half streaming), sampling every %d s%n",
                    gateway.pid(), port, rate, duration.toSeconds(), sampleEvery.toSeconds());
            List<Sample> samples = load(target, gateway.pid());
            int code = report(machine, samples, gateway.pid());
            return code;
        }
    }

    private Target startSim(Processes procs) throws IOException, InterruptedException, TargetUnavailable {
        Path jar = repo.resolve("sim/target/sluice-sim-0.1.0-SNAPSHOT-all.jar");
        if (!Files.isRegularFile(jar)) {
            throw new TargetUnavailable("sim jar not found: " + jar + " (./mvnw -q -pl sim package -DskipTests)");
        }
        int port = Processes.freePort();
        Process p = procs.start(List.of(Processes.javaBinary(), "-Xmx512m", "-jar", jar.toString(), "--host", "127.0.0.1",
                "--port", Integer.toString(port), "--model", "bench-model", "--itl", itl, "--max-num-seqs", "100000"),
                out.resolve("soak-sim.log"));
        Target t = new Target("sim", "127.0.0.1", port, "sluice-sim --itl " + itl, p);
        String notReady = HttpProbe.awaitReady(t.url("/health"), p, Duration.ofSeconds(60));
        if (notReady != null) {
            throw new TargetUnavailable("simulator " + notReady);
        }
        return t;
    }

    /** Sends at the steady rate for the duration, sampling memory as it goes; returns the samples. */
    private List<Sample> load(Target target, long pid) throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(1));
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(256));
        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long periodNanos = 1_000_000_000L / rate;
        AtomicLong next = new AtomicLong(0);
        long timer = vertx.setPeriodic(5, id -> {
            long now = System.nanoTime();
            if (now >= end) {
                return;
            }
            long due = (now - start) / periodNanos + 1;
            for (long i = next.get(); i < due; i = next.incrementAndGet()) {
                long intended = start + i * periodNanos;
                maxSendLagMs = Math.max(maxSendLagMs, (now - intended) / 1e6);
                send(client, target, i % 2 == 0, intended);
            }
        });
        try {
            samples.add(sample(pid, start));
            while (System.nanoTime() < end) {
                long nextSample = start + (samples.size()) * sampleEvery.toNanos();
                long waitMillis = Math.max(0, (nextSample - System.nanoTime()) / 1_000_000);
                Thread.sleep(waitMillis); // the sampling cadence, not a wait for a condition
                Sample s = sample(pid, start);
                samples.add(s);
                if (nmtWarm.isEmpty() && s.seconds() >= warmup.toSeconds()) {
                    nmtWarm = nativeMemory(pid, "nmt-warm.txt");
                }
                System.out.printf("[soak] %4.0f s  heap after GC %6.1f MiB  RSS %6.1f MiB  answered %d  errors %d%n",
                        s.seconds(), s.heapUsedKb() / 1024.0, s.rssKb() / 1024.0, s.answered(), s.errors());
            }
            vertx.cancelTimer(timer);
            nmtEnd = nativeMemory(pid, "nmt-end.txt");
            long drainUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (ok.get() + errors.get() < sent.get() && System.nanoTime() < drainUntil) {
                Thread.sleep(100); // bounded wait for the last answers
            }
            long unanswered = sent.get() - ok.get() - errors.get();
            if (unanswered > 0) {
                fail("unanswered after 30 s", unanswered + " requests");
                errors.addAndGet(unanswered - 1);
            }
        } finally {
            client.close();
            vertx.close();
        }
        return samples;
    }

    private void send(HttpClient client, Target target, boolean stream, long intended) {
        sent.incrementAndGet();
        String body = "{\"model\":\"bench-model\",\"stream\":" + stream + ",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about soaking, request " + intended + "\"}]}";
        RequestOptions options = target.chatRequest(60_000);
        client.request(options)
                .compose(request -> request.send(Buffer.buffer(body)))
                .compose(response -> response.body().map(b -> new Object[] {response.statusCode(), b}))
                .onComplete(done -> {
                    long now = System.nanoTime();
                    if (done.failed()) {
                        fail("connection: " + done.cause().getClass().getSimpleName(), String.valueOf(done.cause().getMessage()));
                        return;
                    }
                    int status = (Integer) done.result()[0];
                    String text = ((Buffer) done.result()[1]).toString(StandardCharsets.UTF_8);
                    String problem = status != 200 ? "status " + status : check(stream, text);
                    if (problem != null) {
                        fail(problem, abbreviate(text));
                        return;
                    }
                    ok.incrementAndGet();
                    Histogram h = stream ? streamLatency : plainLatency;
                    synchronized (h) {
                        Histograms.recordSince(h, intended, now);
                    }
                });
    }

    /** Null when the answer is whole, else what is wrong with it. */
    private String check(boolean stream, String text) {
        if (stream) {
            return text.endsWith("data: [DONE]\n\n") && !text.contains("\"error\"") ? null : "stream not whole";
        }
        try {
            JsonNode usage = JSON.readTree(text).path("usage");
            return usage.path("completion_tokens").asInt() > 0 ? null : "answer without usage";
        } catch (IOException e) {
            return "answer is not JSON";
        }
    }

    private void fail(String kind, String detail) {
        errors.incrementAndGet();
        errorKinds.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        lastError = kind + ": " + detail;
    }

    private Sample sample(long pid, long start) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        Matcher heap = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
        long used = -1;
        long total = -1;
        if (heap.find()) {
            total = Long.parseLong(heap.group(1));
            used = Long.parseLong(heap.group(2));
        }
        Matcher rss = VM_RSS.matcher(Files.readString(Path.of("/proc/" + pid + "/status")));
        long rssKb = rss.find() ? Long.parseLong(rss.group(1)) : -1;
        return new Sample((System.nanoTime() - start) / 1e9, used, total, rssKb, ok.get(), errors.get());
    }

    /**
     * The JVM's own account of its native memory ({@code -XX:NativeMemoryTracking=summary} in {@code
     * SLUICE_JAVA_OPTS}), kept in {@code file}; empty when tracking is off.
     */
    private Map<String, Long> nativeMemory(long pid, String file) throws IOException, InterruptedException {
        String text = jcmd(pid, "VM.native_memory summary");
        Files.writeString(out.resolve(file), text);
        Map<String, Long> committed = new LinkedHashMap<>();
        Matcher total = Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB").matcher(text);
        if (total.find()) {
            committed.put("Total", Long.parseLong(total.group(1)));
        }
        Matcher m = NMT.matcher(text);
        while (m.find()) {
            committed.put(m.group(1).trim(), Long.parseLong(m.group(2)));
        }
        return committed;
    }

    private static String jcmd(long pid, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid), what).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return text;
    }

    /** Least-squares slope of {@code y} over {@code x}, per minute of {@code x} seconds. */
    static double slopePerMinute(double[] x, double[] y) {
        int n = x.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i] / n;
            my += y[i] / n;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        return sxx == 0 ? Double.NaN : 60 * sxy / sxx;
    }

    private int report(Map<String, String> machine, List<Sample> samples, long pid) throws IOException {
        List<Sample> after = samples.stream().filter(s -> s.seconds() >= warmup.toSeconds()).toList();
        double[] t = after.stream().mapToDouble(Sample::seconds).toArray();
        double[] heap = after.stream().mapToDouble(s -> s.heapUsedKb() / 1024.0).toArray();
        double[] rss = after.stream().mapToDouble(s -> s.rssKb() / 1024.0).toArray();
        double achieved = ok.get() / (double) duration.toSeconds();

        StringBuilder md = new StringBuilder();
        md.append("# Soak: bin/sluice serve, ").append(duration.toSeconds()).append(" s at ").append(rate)
                .append(" req/s\n\n");
        md.append("Command: `").append(command).append("`\n\n");
        machine.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append("- load average at end: ").append(Files.readString(Path.of("/proc/loadavg")).trim()).append('\n');
        md.append("\nLoad: chat completions, streaming and non-streaming alternately, max_tokens ").append(maxTokens)
                .append(", simulator --itl ").append(itl).append("; governed path (API key, plan, usage records in H2).\n\n");
        md.append("| sent | answered whole | errors | achieved rate | max send lag | stream p50 / p99 | non-stream p50 / p99 |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        md.append(String.format("| %d | %d | %d | %.1f req/s | %.0f ms | %.0f / %.0f ms | %.0f / %.0f ms |%n%n",
                sent.get(), ok.get(), errors.get(), achieved, maxSendLagMs,
                Histograms.millis(streamLatency, 50), Histograms.millis(streamLatency, 99),
                Histograms.millis(plainLatency, 50), Histograms.millis(plainLatency, 99)));
        if (!errorKinds.isEmpty()) {
            md.append("Errors by kind: ").append(errorKinds).append("; last: ").append(lastError).append("\n\n");
        }
        md.append(String.format("After the %d s warm-up (%d samples): heap after GC %.1f–%.1f MiB (slope %+.2f MiB/min), "
                + "RSS %.1f–%.1f MiB (slope %+.2f MiB/min).%n%n", warmup.toSeconds(), after.size(), min(heap), max(heap),
                slopePerMinute(t, heap), min(rss), max(rss), slopePerMinute(t, rss)));
        if (!nmtWarm.isEmpty() && !nmtEnd.isEmpty()) {
            md.append("Native memory committed (NMT), end of warm-up → end, categories that moved by 1 MiB or more:\n\n");
            md.append("| category | warm-up end (MiB) | end (MiB) | change (MiB) |\n|---|---|---|---|\n");
            for (Map.Entry<String, Long> e : nmtEnd.entrySet()) {
                long before = nmtWarm.getOrDefault(e.getKey(), 0L);
                if (Math.abs(e.getValue() - before) >= 1024) {
                    md.append(String.format("| %s | %.1f | %.1f | %+.1f |%n", e.getKey(), before / 1024.0,
                            e.getValue() / 1024.0, (e.getValue() - before) / 1024.0));
                }
            }
            md.append('\n');
        }
        md.append("| t (s) | heap after GC (MiB) | heap committed (MiB) | RSS (MiB) | answered | errors |\n|---|---|---|---|---|---|\n");
        for (Sample s : samples) {
            md.append(String.format("| %.0f | %.1f | %.1f | %.1f | %d | %d |%n", s.seconds(), s.heapUsedKb() / 1024.0,
                    s.heapTotalKb() / 1024.0, s.rssKb() / 1024.0, s.answered(), s.errors()));
        }
        Files.writeString(out.resolve("soak.md"), md.toString());

        ObjectNode json = JSON.createObjectNode();
        json.put("command", command);
        json.set("machine", JSON.valueToTree(machine));
        json.put("seconds", duration.toSeconds());
        json.put("rate", rate);
        json.put("sent", sent.get());
        json.put("ok", ok.get());
        json.put("errors", errors.get());
        json.set("errorKinds", JSON.valueToTree(errorKinds));
        json.put("heapSlopeMiBPerMin", slopePerMinute(t, heap));
        json.put("rssSlopeMiBPerMin", slopePerMinute(t, rss));
        json.set("nativeMemoryWarmKiB", JSON.valueToTree(nmtWarm));
        json.set("nativeMemoryEndKiB", JSON.valueToTree(nmtEnd));
        json.put("streamLatency", Histograms.encode(streamLatency));
        json.put("plainLatency", Histograms.encode(plainLatency));
        ArrayNode series = json.putArray("samples");
        samples.forEach(s -> series.add(JSON.valueToTree(s)));
        JSON.writeValue(out.resolve("soak.json").toFile(), json);
        System.out.println(md);
        System.out.println("[soak] report: " + out.resolve("soak.md"));
        return errors.get() == 0 ? 0 : 1;
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(Double.NaN);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
