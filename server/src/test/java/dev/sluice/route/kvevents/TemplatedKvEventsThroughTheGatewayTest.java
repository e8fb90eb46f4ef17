package dev.sluice.route.kvevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A model served by real-engine stand-ins with a {@code tokenizer.json} and a chat template: each endpoint's
 * publisher announces the blocks golden.py computed for one conversation (jinja2, the Python tokenizers, cbor2),
 * and the gateway, rendering and hashing the same conversation itself, sends it to the endpoint that holds it.
 * The two endpoints are 127.0.0.1 and 127.0.0.2, so one {@code tcp://{host}:port} names both publishers.
 */
class TemplatedKvEventsThroughTheGatewayTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path TEMPLATES = Path.of("src/test/resources/chat-templates");

  @Test
  void eachConversationGoesToTheEndpointWhoseEngineHoldsItsTemplatedBlocks() throws Exception {
    JsonNode golden = JSON.readTree(TEMPLATES.resolve("golden.json").toFile());
    JsonNode conversations = JSON.readTree(TEMPLATES.resolve("conversations.json").toFile());
    JsonNode plain = conversations.get(0).get("body");          // qwen-plain
    JsonNode tools = conversations.get(1).get("body");          // qwen-tools
    long[] plainBlocks = hashes(golden.get("cases").get(0));
    long[] toolBlocks = hashes(golden.get("cases").get(1));
    int port = Sims.deadPort();

    try (Simulator a = Simulator.startBlocking(Sims.config("m").withHost("127.0.0.1"));
        Simulator b = Simulator.startBlocking(Sims.config("m").withHost("127.0.0.2"));
        ZContext zmq = new ZContext(1)) {
      ZMQ.Socket pubA = publisher(zmq, "127.0.0.1", port);
      ZMQ.Socket pubB = publisher(zmq, "127.0.0.2", port);
      try (GatewayHarness gw = GatewayHarness.start("""
          models:
            - name: m
              access: {public: true}
              tokenizer: %s
              upstream: {endpoints: [%s, %s]}
              routing:
                policy: prefix-load
                kvEvents: {endpoint: "tcp://{host}:%d", blockSize: %d, hashSeed: "%s"}
          """.formatted(TEMPLATES.resolve("qwen").toAbsolutePath(), a.baseUrl(), b.baseUrl(), port,
          golden.get("blockSize").asInt(), golden.get("hashSeed").asText()))) {
        ModelPool pool = gw.runtime().catalog().pool("m");
        KvEventsScorer scorer = KvEventsScorer.of(pool);
        Endpoint ea = endpointAt(pool, a);
        Endpoint eb = endpointAt(pool, b);
        // PUB drops what it sends before the subscriber joined: batch 0 is sent until each index has it (from this
        // thread: a ZeroMQ socket belongs to one thread).
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).pollInSameThread().untilAsserted(() -> {
          send(pubA, plainBlocks, golden.get("blockSize").asInt());
          send(pubB, toolBlocks, golden.get("blockSize").asInt());
          assertThat(scorer.indexed(ea)).hasSize(plainBlocks.length);
          assertThat(scorer.indexed(eb)).hasSize(toolBlocks.length);
        });

        for (int i = 0; i < 3; i++) {
          assertThat(chat(gw, tools).statusCode()).isEqualTo(200);
          assertThat(chat(gw, plain).statusCode()).isEqualTo(200);
        }
        assertThat(b.stats().requestsReceived()).as("the conversation with tools, held by b").isEqualTo(3);
        assertThat(a.stats().requestsReceived()).as("the plain conversation, held by a").isEqualTo(3);

        // An image: the engine's hash has extra keys Sluice does not reproduce; served, and counted.
        ObjectNode image = (ObjectNode) JSON.readTree("""
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "what is it?"},
              {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]}""");
        assertThat(chat(gw, image).statusCode()).isEqualTo(200);
        assertThat(gw.metrics())
            .containsPattern("sluice_kv_prompt_unhashed_total\\{model=\"m\",reason=\"media\",?} 1\\.0");
      }
    }
  }

  private static HttpResponse<String> chat(GatewayHarness gw, JsonNode body) throws Exception {
    ObjectNode request = body.deepCopy();
    request.put("model", "m");
    request.put("max_tokens", 2);
    return Http.postJson(gw.baseUrl() + "/v1/chat/completions", JSON.writeValueAsString(request));
  }

  private static Endpoint endpointAt(ModelPool pool, Simulator sim) {
    return pool.endpoints().stream().filter(e -> sim.baseUrl().startsWith(e.base().toString().replaceAll("/$", "")))
        .findFirst().orElseThrow();
  }

  private static long[] hashes(JsonNode goldenCase) {
    JsonNode h = goldenCase.get("hashes");
    long[] out = new long[h.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Long.parseUnsignedLong(h.get(i).asText());
    }
    return out;
  }

  private static ZMQ.Socket publisher(ZContext zmq, String host, int port) {
    ZMQ.Socket pub = zmq.createSocket(SocketType.PUB);
    pub.setLinger(0);
    pub.bind("tcp://" + host + ":" + port);
    return pub;
  }

  /** Batch 0 of vLLM's KV events: [ts, [BlockStored(hashes, parent None, token ids, block size, ...)], rank]. */
  private static void send(ZMQ.Socket pub, long[] hashes, int blockSize) throws Exception {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(3);
      p.packDouble(1.0);
      p.packArrayHeader(1);
      p.packArrayHeader(8);
      p.packString("BlockStored");
      p.packArrayHeader(hashes.length);
      for (long h : hashes) {
        p.packBigInteger(new BigInteger(Long.toUnsignedString(h)));
      }
      p.packNil();
      p.packArrayHeader(hashes.length * blockSize);
      for (int i = 0; i < hashes.length * blockSize; i++) {
        p.packInt(0);
      }
      p.packInt(blockSize);
      p.packNil();
      p.packString("GPU");
      p.packNil();
      p.packInt(0);
      pub.sendMore("".getBytes(StandardCharsets.UTF_8));
      pub.sendMore(ByteBuffer.allocate(8).putLong(0).array());
      pub.send(p.toByteArray());
    }
  }
}
