package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.config.ManagementConfig;
import dev.sluice.front.Operation;
import dev.sluice.route.Endpoint;
import dev.sluice.route.PrefixScorer;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.kvevents.EnginePrompts;
import dev.sluice.route.kvevents.KvEventsScorer;
import dev.sluice.sim.SimConfig;
import dev.sluice.sim.Simulator;
import dev.sluice.sim.Tokenizer;
import dev.sluice.sim.VllmBlockHash;
import dev.sluice.support.Http;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * How far each endpoint's KV-event index is trusted, read as an operator reads it: Prometheus text from
 * {@code /metrics} on the management listener, while real simulators (and a raw ZeroMQ publisher for what a
 * simulator never sends) drive the subscribers through each state.
 */
class KvEventsMetricsTest {
  private static final int BLOCK = 4;
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final List<AutoCloseable> open = new ArrayList<>();
  private final ZContext zmq = new ZContext();
  private Vertx vertx;
  private PrometheusMeterRegistry registry;
  private ManagementListener management;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    management = ManagementListener.start(vertx, "127.0.0.1", 0, ManagementConfig.defaults(), registry, () -> null)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    zmq.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private Simulator simulator() {
    Simulator sim = Simulator.startBlocking(SimConfig.defaults().withEventLoops(1).withKvCache(BLOCK, 64)
        .withKvEvents(SimConfig.KvEvents.ephemeral()));
    open.add(sim);
    return sim;
  }

  private KvEventsScorer scorer(List<Endpoint> endpoints, Function<Endpoint, KvEventsScorer.Source> sources) {
    KvEventsScorer s = new KvEventsScorer("m", "", 100_000, sources, endpoints,
        new PrefixScorer(endpoints, 10_000), EnginePrompts.simulator(BLOCK, "0"));
    open.add(s);
    s.bindMetrics(registry);
    return s;
  }

  private String scrape() {
    var response = Http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + management.port() + "/metrics")).header("accept", "text/plain").GET().build());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** The value of one series in Prometheus text, or null when it is not there. */
  private static Double value(String text, String name, String... labels) {
    for (String line : text.split("\n")) {
      if (!line.startsWith(name + "{")) {
        continue;
      }
      String series = line.substring(0, line.lastIndexOf(' '));
      boolean all = true;
      for (int i = 0; i < labels.length; i += 2) {
        all &= series.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
      }
      if (all) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return null;
  }

  private Double endpointValue(String name, Endpoint e) {
    return value(scrape(), name, "model", "m", "endpoint", e.id());
  }

  private static void complete(Simulator sim, String prompt) {
    var r = Http.postJson(sim.baseUrl() + "/v1/completions",
        "{\"prompt\":\"" + prompt + "\",\"max_tokens\":1}");
    assertThat(r.statusCode()).isEqualTo(200);
  }

  private static String silentAddress() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return "tcp://127.0.0.1:" + s.getLocalPort();
    }
  }

  /** A publisher of hand-made batches, for what a simulator never sends. */
  private ZMQ.Socket rawPublisher() {
    ZMQ.Socket pub = zmq.createSocket(SocketType.PUB);
    pub.bind("tcp://127.0.0.1:*");
    return pub;
  }

  private static String address(ZMQ.Socket pub) {
    return pub.getLastEndpoint();
  }

  private static void publish(ZMQ.Socket pub, long seq, byte[] payload) {
    pub.sendMore(new byte[0]);
    pub.sendMore(ByteBuffer.allocate(8).putLong(seq).array());
    pub.send(payload);
  }

  @Test
  void eachEndpointsIndexSizeStateAndHistoryAreScrapedAndFollowTheEngine() throws Exception {
    Simulator sim = simulator();
    Endpoint live = new Endpoint(URI.create(sim.baseUrl()));
    Endpoint silent = new Endpoint(URI.create("http://127.0.0.1:1"));
    String nowhere = silentAddress();
    Map<Endpoint, KvEventsScorer.Source> sources = Map.of(
        live, new KvEventsScorer.Source(sim.kvEventsEndpoint(), sim.kvEventsReplayEndpoint()),
        silent, new KvEventsScorer.Source(nowhere, null));
    KvEventsScorer scorer = scorer(List.of(live, silent), sources::get);

    // The engine answers the start-up replay with nothing: it holds nothing, and the index is complete.
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(endpointValue("sluice_kv_events_index_state", live)).isEqualTo(2.0);
      assertThat(endpointValue("sluice_kv_events_replays_total", live)).isEqualTo(1.0);
    });
    assertThat(endpointValue("sluice_kv_events_index_state", silent)).as("nothing heard").isEqualTo(0.0);
    assertThat(endpointValue("sluice_kv_events_last_batch_age_seconds", silent)).isNaN();

    complete(sim, "a b c d e f g h");
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(endpointValue("sluice_kv_events_index_blocks", live)).isEqualTo(2.0);
      assertThat(endpointValue("sluice_kv_events_applied_total", live)).isEqualTo(1.0);
    });
    assertThat(endpointValue("sluice_kv_events_last_batch_age_seconds", live)).isBetween(0.0, 60.0);

    // Batches published while the connection is down show as a gap, filled by a replay.
    sim.suspendKvEvents();
    complete(sim, "i j k l m n o p");
    complete(sim, "q r s t");
    sim.resumeKvEvents();
    int[] n = {0};
    await().atMost(WAIT).untilAsserted(() -> {
      complete(sim, "fresh prompt number " + n[0]++);   // a full block: a batch to publish
      assertThat(endpointValue("sluice_kv_events_gaps_total", live)).isEqualTo(1.0);
    });
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(endpointValue("sluice_kv_events_replays_total", live)).isEqualTo(2.0);
      assertThat(endpointValue("sluice_kv_events_index_blocks", live)).isEqualTo(sim.cachedBlockHashes().length);
    });
    assertThat(endpointValue("sluice_kv_events_resyncs_total", live)).as("replayed, not resynced").isZero();
    assertThat(endpointValue("sluice_kv_events_index_state", live)).isEqualTo(2.0);

    // An endpoint that leaves takes its series along; closing the scorer takes the rest.
    scorer.endpointsChanged(List.of(live));
    assertThat(endpointValue("sluice_kv_events_index_state", silent)).isNull();
    assertThat(endpointValue("sluice_kv_events_index_state", live)).isEqualTo(2.0);
    scorer.close();
    assertThat(scrape()).doesNotContain("sluice_kv_events_");
  }

  @Test
  void anUnreadableBatchCountsAsADecodeErrorAndLeavesAPartialIndexRebuiltFromTheNext() {
    ZMQ.Socket pub = rawPublisher();
    Endpoint e = new Endpoint(URI.create("http://127.0.0.1:2"));
    scorer(List.of(e), x -> new KvEventsScorer.Source(address(pub), null));
    // A slow joiner misses the first sends; the same batch again is a duplicate the subscriber skips.
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> {
      publish(pub, 0, new byte[] {(byte) 0xc1});
      assertThat(endpointValue("sluice_kv_events_decode_errors_total", e)).isEqualTo(1.0);
    });
    assertThat(endpointValue("sluice_kv_events_index_state", e)).isEqualTo(1.0);
    assertThat(endpointValue("sluice_kv_events_resyncs_total", e)).isEqualTo(1.0);
  }

  /** A BlockStored as vLLM writes it: [tag, hashes, parent, token_ids, block_size, lora_id, medium, lora_name]. */
  private static void stored(MessageBufferPacker p, long[] hashes, String loraName) throws IOException {
    p.packArrayHeader(8).packString("BlockStored").packArrayHeader(hashes.length);
    for (long h : hashes) {
      p.packBigInteger(new BigInteger(Long.toUnsignedString(h)));
    }
    p.packNil().packArrayHeader(0).packInt(BLOCK);
    if (loraName == null) {
      p.packNil().packString("GPU").packNil();
    } else {
      p.packInt(1).packString("GPU").packString(loraName);
    }
  }

  @Test
  void blocksAnEngineStoresUnderALoraAdapterAreCountedAndKeptOutOfTheBaseModelsIndex() throws IOException {
    int[] tokens = Tokenizer.ids(Tokenizer.tokenize("a b c d e f g h"));
    VllmBlockHash vllm = new VllmBlockHash("0");
    long[] base = vllm.blockHashes(tokens, BLOCK);
    VllmBlockHash.Chain adapterChain = vllm.chain(tokens, BLOCK, "sql-adapter", null);
    long[] adapter = {adapterChain.hash(0), adapterChain.hash(1)};
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packArrayHeader(3).packDouble(1.7e9).packArrayHeader(2);
    stored(p, base, null);
    stored(p, adapter, "sql-adapter");
    p.packInt(0);
    byte[] batch = p.toByteArray();

    ZMQ.Socket pub = rawPublisher();
    Endpoint e = new Endpoint(URI.create("http://127.0.0.1:3"));
    KvEventsScorer scorer = scorer(List.of(e), x -> new KvEventsScorer.Source(address(pub), null));
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> {
      publish(pub, 0, batch);
      assertThat(endpointValue("sluice_kv_events_adapter_blocks_total", e)).isEqualTo(2.0);
    });
    assertThat(scorer.indexed(e)).containsExactlyInAnyOrder(base[0], base[1]);
    assertThat(endpointValue("sluice_kv_events_index_blocks", e)).isEqualTo(2.0);
    assertThat(endpointValue("sluice_kv_events_applied_total", e)).isEqualTo(2.0);

    double[] out = new double[1];
    scorer.score(RouteRequest.ofPrompt("a b c d e f g h"), List.of(e), out);
    assertThat(out[0]).as("the base model's prompt finds its blocks").isEqualTo(1.0);
  }

  @Test
  void decisionsAreCountedByTheSourceOfTheChosenEndpointsScoreAndMediaPromptsByTheLearnedIndex() throws Exception {
    Simulator sim = simulator();
    Endpoint complete = new Endpoint(URI.create(sim.baseUrl()));
    ZMQ.Socket pub = rawPublisher();
    Endpoint partial = new Endpoint(URI.create("http://127.0.0.1:4"));
    Endpoint silent = new Endpoint(URI.create("http://127.0.0.1:5"));
    String nowhere = silentAddress();
    Map<Endpoint, KvEventsScorer.Source> sources = Map.of(
        complete, new KvEventsScorer.Source(sim.kvEventsEndpoint(), sim.kvEventsReplayEndpoint()),
        partial, new KvEventsScorer.Source(address(pub), null),
        silent, new KvEventsScorer.Source(nowhere, null));
    KvEventsScorer scorer = scorer(List.of(complete, partial, silent), sources::get);
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> {
      publish(pub, 0, new byte[] {(byte) 0xc1});
      assertThat(scorer.trust(complete)).isEqualTo("COMPLETE");
      assertThat(scorer.trust(partial)).isEqualTo("PARTIAL");
    });

    String prompt = "a b c d e f g h";
    scorer.committed(RouteRequest.ofPrompt(prompt), complete);
    scorer.committed(RouteRequest.ofPrompt(prompt), complete);
    scorer.committed(RouteRequest.ofPrompt(prompt), partial);
    scorer.committed(RouteRequest.ofPrompt(prompt), silent);
    RouteRequest image = new RouteRequest(Operation.CHAT, new ObjectMapper().readTree("""
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "a b c d e f g h"},
          {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]}"""));
    scorer.committed(image, complete);

    String text = scrape();
    assertThat(value(text, "sluice_kv_events_decisions_total", "model", "m", "source", "exact")).isEqualTo(2.0);
    assertThat(value(text, "sluice_kv_events_decisions_total", "model", "m", "source", "partial")).isEqualTo(1.0);
    assertThat(value(text, "sluice_kv_events_decisions_total", "model", "m", "source", "learned")).isEqualTo(2.0);
  }

  @Test
  void aPromptWithAnImageIsScoredByTheLearnedIndexEvenWhereTheEventsHoldItsText() throws Exception {
    Simulator sim = simulator();
    Endpoint e = new Endpoint(URI.create(sim.baseUrl()));
    KvEventsScorer scorer = scorer(List.of(e),
        x -> new KvEventsScorer.Source(sim.kvEventsEndpoint(), sim.kvEventsReplayEndpoint()));
    ObjectMapper json = new ObjectMapper();
    String text = "user: a b c d e f g h i j k l m n o p\n";
    var r = Http.postJson(sim.baseUrl() + "/v1/chat/completions",
        "{\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"a b c d e f g h i j k l m n o p\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    await().atMost(WAIT).until(() -> scorer.indexed(e).length == Tokenizer.tokenize(text).size() / BLOCK);

    String textPart = "{\"type\":\"text\",\"text\":\"a b c d e f g h i j k l m n o p\"}";
    String imagePart = "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}";
    RouteRequest plain = new RouteRequest(Operation.CHAT, json.readTree(
        "{\"messages\":[{\"role\":\"user\",\"content\":[" + textPart + "]}]}"));
    RouteRequest withImage = new RouteRequest(Operation.CHAT, json.readTree(
        "{\"messages\":[{\"role\":\"user\",\"content\":[" + textPart + "," + imagePart + "]}]}"));
    double[] out = new double[1];
    scorer.score(plain, List.of(e), out);
    assertThat(out[0]).as("the text alone is exact: the engine holds it").isGreaterThan(0.5);
    scorer.score(withImage, List.of(e), out);
    assertThat(out[0]).as("with an image, only the learned index speaks, and it has seen nothing").isZero();
  }
}
