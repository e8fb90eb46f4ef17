package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.route.Endpoint;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway follows its configuration file: every kind of change takes effect within its bound while
 * clients keep calling, and none of their requests is dropped; a broken file changes nothing.
 */
class ConfigReloadTest {
  private static final Duration POLL = Duration.ofMillis(250);
  private static final Duration ENDPOINT_BOUND = Duration.ofSeconds(10);
  private static final Duration MODEL_BOUND = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  private final String header = GatewayHarness.fileHeader();

  private static String model(String name, String upstream, String extra) {
    return """
          - name: %s
            access: {public: true}
            defaultPlan: unlimited
            upstream: %s
        %s""".formatted(name, upstream, extra.isEmpty() ? "" : extra.indent(4));
  }

  private static String urls(Simulator... sims) {
    return "{model: m, endpoints: [" + String.join(", ", List.of(sims).stream().map(Simulator::baseUrl).toList()) + "]}";
  }

  private static final String SIMULATED = "{simulator: {prefillOverhead: 1ms, interTokenLatency: 1ms}}";

  /** Replaces the file in one step, as an editor's save or a kubelet's swap does (never half-written). */
  private static void write(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static int status(GatewayHarness gw, String model) {
    return Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat(model, false)).statusCode();
  }

  /** Four clients calling every model in turn until stopped; every status is kept per model. */
  private static final class Load implements AutoCloseable {
    final Map<String, ConcurrentLinkedQueue<Integer>> statuses = new ConcurrentHashMap<>();
    final AtomicBoolean running = new AtomicBoolean(true);
    final ExecutorService clients = Executors.newFixedThreadPool(4);

    Load(GatewayHarness gw, List<String> models) {
      models.forEach(m -> statuses.put(m, new ConcurrentLinkedQueue<>()));
      for (int c = 0; c < 4; c++) {
        int offset = c;
        clients.submit(() -> {
          for (int i = offset; running.get(); i++) {
            String model = models.get(i % models.size());
            int code;
            try {
              code = status(gw, model);
            } catch (RuntimeException e) {
              code = -1; // the connection failed: a dropped request
            }
            statuses.get(model).add(code);
          }
        });
      }
    }

    Set<Integer> seen(String model) {
      return Set.copyOf(statuses.get(model));
    }

    int total() {
      return statuses.values().stream().mapToInt(ConcurrentLinkedQueue::size).sum();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      clients.shutdown();
      assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void editingTheFileUnderLoadDropsNoRequestAndEveryChangeTakesEffectWithinItsBound() throws Exception {
    Simulator shared = Sims.start("m");
    Simulator a1 = Sims.start("m");
    Simulator a2 = Sims.start("m");
    Path file = dir.resolve("sluice.yaml");
    String a = model("a", urls(a1), "");
    String gone = model("gone", SIMULATED, "");
    String c = model("c", urls(shared), "");
    String d = model("d", urls(shared), "");
    write(file, header + "models:\n" + a + gone + c + d);
    try (shared; a1; a2; GatewayHarness gw = GatewayHarness.following(file, POLL)) {
      URI goneSimulator = gw.runtime().catalog().pool("gone").endpoints().get(0).base();
      Load load = new Load(gw, List.of("a", "b", "gone", "c", "d"));
      try (load) {
        // A model is added: its built-in simulator starts and it serves.
        String b = model("b", SIMULATED, "");
        write(file, header + "models:\n" + a + b + gone + c + d);
        await().atMost(MODEL_BOUND).until(() -> status(gw, "b") == 200);

        // A model is removed: unknown from then on.
        write(file, header + "models:\n" + a + b + c + d);
        await().atMost(MODEL_BOUND).until(() -> status(gw, "gone") == 404);

        // Access is narrowed: the caller is refused.
        String cClosed = c.replace("access: {public: true}", "access: {groups: [admins]}");
        write(file, header + "models:\n" + a + b + cClosed + d);
        await().atMost(MODEL_BOUND).until(() -> status(gw, "c") == 403);

        // A plan limits d to one request a minute.
        String plans = """
            plans:
              - name: tight
                subjects: {users: ["*"]}
                models: [d]
                limits: {requestsPerMinute: 1}
            """;
        write(file, header + plans + "models:\n" + a + b + cClosed + d);
        await().atMost(MODEL_BOUND).until(() -> status(gw, "d") == 429);

        // An endpoint is added to a: it gets traffic.
        write(file, header + plans + "models:\n" + model("a", urls(a1, a2), "") + b + cClosed + d);
        await().atMost(ENDPOINT_BOUND).until(() -> status(gw, "a") == 200 && a2.stats().requestsReceived() > 0);
        Endpoint a2Endpoint = gw.runtime().catalog().pool("a").endpoints().get(1);

        // An endpoint is removed from a: it gets no new requests; the one that stays is the same endpoint.
        write(file, header + plans + "models:\n" + model("a", urls(a2), "") + b + cClosed + d);
        await().atMost(ENDPOINT_BOUND).until(() -> {
          long before = a1.stats().requestsReceived();
          for (int i = 0; i < 5; i++) {
            assertThat(status(gw, "a")).isEqualTo(200);
          }
          return a1.stats().requestsReceived() == before;
        });
        assertThat(gw.runtime().catalog().pool("a").endpoints()).containsExactly(a2Endpoint);
        long settled = load.total();
        await().atMost(Duration.ofSeconds(10)).until(() -> load.total() > settled + 20);
      }

      // Not one request failed: each model answered 200 or, after its change, the documented refusal.
      assertThat(load.total()).isGreaterThan(100);
      assertThat(load.seen("a")).containsOnly(200);
      assertThat(load.seen("b")).isSubsetOf(404, 200).contains(200);
      assertThat(load.seen("gone")).isSubsetOf(200, 404).contains(404);
      assertThat(load.seen("c")).isSubsetOf(200, 403).contains(403);
      assertThat(load.seen("d")).isSubsetOf(200, 429).contains(429);
      assertThat(gw.metrics()).contains("sluice_config_reloads_total{result=\"ok\",} 6.0")
          .contains("sluice_config_reloads_total{result=\"invalid\",} 0.0");
      // The removed model's simulator was stopped once its requests had ended.
      await().atMost(ENDPOINT_BOUND).until(() -> refused(goneSimulator));
    }
  }

  @Test
  void aGatewayStartedWithNoModelRunsAndServesItsFirstModelOnceTheFileListsOne() throws Exception {
    // How a gateway on Kubernetes starts: the operator renders models: [] before the first LLMModel exists.
    Path file = dir.resolve("sluice.yaml");
    write(file, header + "models: []\n");
    try (GatewayHarness gw = GatewayHarness.following(file, POLL)) {
      assertThat(gw.runtime().version().modelNames()).isEmpty();
      write(file, header + "models:\n" + model("first", SIMULATED, ""));
      await().atMost(MODEL_BOUND).until(() -> gw.runtime().version().modelNames().contains("first"));
      // Nothing could be open to anyone at start, so the key is minted now.
      String key = gw.vertx().executeBlocking(() -> gw.runtime().keys().create(dev.sluice.identify.Principal.user(
          GatewayHarness.USER, GatewayHarness.USER, Set.of()), "late", Set.of(), java.util.Optional.empty()).secret(),
          false).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("first", false),
          "authorization", "Bearer " + key).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aRemovedModelFinishesItsRequestInFlightBeforeItsSimulatorStops() throws Exception {
    Path file = dir.resolve("sluice.yaml");
    String slow = model("slow", "{simulator: {prefillOverhead: 1ms, interTokenLatency: 100ms}}", "");
    String other = model("other", SIMULATED, "");
    write(file, header + "models:\n" + slow + other);
    try (GatewayHarness gw = GatewayHarness.following(file, POLL)) {
      Endpoint endpoint = gw.runtime().catalog().pool("slow").endpoints().get(0);
      HttpRequest stream = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(Http.chat("slow", true).replace("\"max_tokens\":8", "\"max_tokens\":25")))
          .build();
      CompletableFuture<HttpResponse<String>> inFlight = Http.client().sendAsync(stream, HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(5)).until(() -> endpoint.inFlight() == 1);

      write(file, header + "models:\n" + other);
      await().atMost(MODEL_BOUND).until(() -> status(gw, "slow") == 404);
      assertThat(inFlight).isNotDone();                              // still streaming from its simulator

      HttpResponse<String> done = inFlight.get(30, TimeUnit.SECONDS);
      assertThat(done.statusCode()).isEqualTo(200);
      assertThat(done.body()).contains("\"finish_reason\":\"length\"").endsWith("data: [DONE]\n\n");
      await().atMost(ENDPOINT_BOUND).until(() -> refused(endpoint.base()));
      assertThat(status(gw, "other")).isEqualTo(200);
    }
  }

  @Test
  void aModelWhoseEndpointsAreRebuiltKeepsItsGaugesAfterTheOldSetIsClosed() throws Exception {
    try (Simulator sim = Sims.start("m")) {
      Path file = dir.resolve("sluice.yaml");
      String before = model("m", urls(sim), "");
      write(file, header + "models:\n" + before);
      try (GatewayHarness gw = GatewayHarness.following(file, POLL)) {
        Endpoint old = gw.runtime().catalog().pool("m").endpoints().get(0);
        String gauge = "sluice_endpoint_available{endpoint=\"" + sim.baseUrl() + "\",model=\"m\",} 1.0";
        assertThat(gw.metrics()).contains(gauge);
        write(file, header + "models:\n" + model("m", urls(sim), "health: {ejectAfter: 1}"));
        await().atMost(MODEL_BOUND).until(() -> gw.runtime().catalog().pool("m").endpoints().get(0) != old);
        assertThat(status(gw, "m")).isEqualTo(200);
        // The replaced set is closed within a poll or two; the new endpoint's gauges must survive that.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> gw.metrics().contains(gauge));
      }
    }
  }

  @Test
  void aBrokenEditKeepsTheCatalogInForceAndIsLoggedAndCounted() throws Exception {
    Path file = dir.resolve("sluice.yaml");
    String m = model("m", SIMULATED, "");
    write(file, header + "models:\n" + m);
    List<String> errors = new ArrayList<>();
    try (GatewayHarness gw = GatewayHarness.following(file, POLL); Captured log = Captured.of("dev.sluice.server.ConfigReloader", errors)) {
      CatalogSnapshot inForce = gw.runtime().version();
      String broken = header + "models:\n" + m + model("n", SIMULATED, "").replace("upstream:", "upstrem:");
      write(file, broken);
      await().atMost(MODEL_BOUND).until(() -> gw.metrics().contains("sluice_config_reloads_total{result=\"invalid\",} 1.0"));
      int line = broken.lines().toList().indexOf("    upstrem: " + SIMULATED) + 1;
      assertThat(errors).singleElement().asString()
          .contains("keeping the one loaded at")
          .contains(file + ":" + line + ": models[1].upstrem: unknown key (did you mean 'upstream'?)");
      assertThat(gw.runtime().version()).isSameAs(inForce);
      assertThat(status(gw, "m")).isEqualTo(200);
      assertThat(status(gw, "n")).isEqualTo(404);

      // The same broken content is not reported again; the next valid edit is taken.
      await().during(Duration.ofMillis(4 * POLL.toMillis())).atMost(Duration.ofSeconds(5)).until(() -> errors.size() == 1);
      write(file, header + "models:\n" + m + model("n", SIMULATED, ""));
      await().atMost(MODEL_BOUND).until(() -> status(gw, "n") == 200);
      assertThat(gw.metrics()).contains("sluice_config_reloads_total{result=\"ok\",} 1.0")
          .containsPattern("sluice_config_info\\{hash=\"[0-9a-f]{12}\",} 1.0")
          .contains("sluice_config_loaded_timestamp_seconds");
    }
  }

  @Test
  void settingsThatNeedARestartAreReportedAndLeftAsTheyAre() throws Exception {
    Path file = dir.resolve("sluice.yaml");
    String m = model("m", SIMULATED, "");
    write(file, header + "models:\n" + m);
    List<String> warnings = new ArrayList<>();
    try (GatewayHarness gw = GatewayHarness.following(file, POLL); Captured log = Captured.of("dev.sluice.server.SluiceRuntime", warnings)) {
      long maxBody = gw.runtime().config().server().maxBodySize();
      write(file, header.replace("accessLog: off", "accessLog: off\n  maxBodySize: 1MiB") + "models:\n" + m
          + model("n", SIMULATED, ""));
      await().atMost(MODEL_BOUND).until(() -> status(gw, "n") == 200);
      assertThat(warnings).singleElement().asString().contains("server.maxBodySize changed but needs a restart");
      assertThat(gw.runtime().config().server().maxBodySize()).isEqualTo(maxBody);
    }
  }

  @Test
  void aFileBehindASymlinkSwappedLikeTheKubeletIsPickedUp() throws Exception {
    // A mounted Secret: sluice.yaml -> ..data/sluice.yaml, ..data -> ..<timestamp>/; an update writes a new
    // timestamped directory and renames a new ..data link over the old one.
    Path first = Files.createDirectory(dir.resolve("..2026_12_01_10_00_00.1"));
    Files.writeString(first.resolve("sluice.yaml"), header + "models:\n" + model("m", SIMULATED, ""));
    Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
    Path file = Files.createSymbolicLink(dir.resolve("sluice.yaml"), Path.of("..data/sluice.yaml"));
    try (GatewayHarness gw = GatewayHarness.following(file, POLL)) {
      assertThat(status(gw, "n")).isEqualTo(404);
      Path second = Files.createDirectory(dir.resolve("..2026_12_01_10_01_00.2"));
      Files.writeString(second.resolve("sluice.yaml"), header + "models:\n" + model("m", SIMULATED, "")
          + model("n", SIMULATED, ""));
      Path link = Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
      Files.move(link, dir.resolve("..data"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Files.delete(first.resolve("sluice.yaml"));
      Files.delete(first);
      await().atMost(MODEL_BOUND).until(() -> status(gw, "n") == 200);
      assertThat(status(gw, "m")).isEqualTo(200);
      assertThat(Http.get(gw.baseUrl() + "/v1/models").body()).contains("\"id\":\"m\"").contains("\"id\":\"n\"");
    }
  }

  private static boolean refused(URI base) {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress(base.getHost(), base.getPort()), 1000);
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** Log records of one logger at WARN or above, as text, while open. */
  private static final class Captured extends Handler implements AutoCloseable {
    private final java.util.logging.Logger logger;
    private final List<String> into;

    private Captured(String name, List<String> into) {
      this.logger = java.util.logging.Logger.getLogger(name);
      this.into = into;
    }

    static Captured of(String name, List<String> into) {
      Captured c = new Captured(name, into);
      c.logger.addHandler(c);
      return c;
    }

    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
        synchronized (into) {
          // JBoss Logging hands printf-style formats (infof, errorf) to java.util.logging unformatted.
          Object[] parameters = record.getParameters();
          into.add(parameters == null ? String.valueOf(record.getMessage()) : String.format(record.getMessage(), parameters));
        }
      }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
      logger.removeHandler(this);
    }
  }
}
