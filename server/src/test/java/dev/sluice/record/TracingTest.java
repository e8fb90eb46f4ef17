package dev.sluice.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.OtlpReceiver;
import dev.sluice.support.OtlpReceiver.Received;
import dev.sluice.support.ScriptedUpstream;
import dev.sluice.support.Sims;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Request traces reach an OTLP/HTTP receiver (ADR 100): the spans of each stage and upstream attempt, with the
 * GenAI attributes, as children of the client's {@code traceparent}; and with tracing off, nothing is sent and
 * the client's {@code traceparent} still reaches the upstream.
 */
class TracingTest {
  private static final String ANSWER = """
      {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"served-model",\
      "choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],\
      "usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}""";

  /** An upstream that answers {@link #ANSWER} and keeps the {@code traceparent} of each call. */
  private static ScriptedUpstream answering(ConcurrentLinkedQueue<String> traceparents) throws Exception {
    return new ScriptedUpstream(req -> {
      traceparents.add(String.valueOf(req.getHeader("traceparent")));
      req.response().putHeader("content-type", "application/json").end(ANSWER);
    });
  }

  private static String config(OtlpReceiver receiver, String endpoints, String extra) {
    return """
        telemetry:
          tracing:
            endpoint: %s
            exportInterval: 50ms
            serviceName: sluice-test
        plans:
          - name: everyone
            subjects: {users: ["*"]}
            limits: {tokensPerMinute: 100000}
        models:
          - name: m
            access: {public: true}
            upstream:
              endpoints: [%s]
        %s""".formatted(receiver == null ? "http://127.0.0.1:" + Sims.deadPort() : receiver.endpoint(), endpoints,
        extra);
  }

  private static String traceId() {
    return hex(16);
  }

  private static String hex(int bytes) {
    byte[] b = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(b);
    return java.util.HexFormat.of().formatHex(b);
  }

  /** A sampled traceparent; a trace id the SDK generated also carries W3C's "random" flag (03). */
  private static String sampled(String traceId, String spanId) {
    return "00-" + traceId + "-" + spanId + "-0[13]";
  }

  private static Received only(List<Received> spans, String name) {
    List<Received> named = spans.stream().filter(s -> s.name().equals(name)).toList();
    assertThat(named).as("spans named %s in %s", name, spans).hasSize(1);
    return named.get(0);
  }

  @Test
  void aChatRequestsSpansReachTheReceiverAsChildrenOfTheClientsTraceparent() throws Exception {
    ConcurrentLinkedQueue<String> upstreamSaw = new ConcurrentLinkedQueue<>();
    java.nio.file.Path accessLog = java.nio.file.Files.createTempFile("sluice-access", ".log");
    try (OtlpReceiver receiver = new OtlpReceiver(); ScriptedUpstream upstream = answering(upstreamSaw);
         GatewayHarness gw = GatewayHarness.start("server:\n  accessLog: " + accessLog + "\n"
             + config(receiver, upstream.baseUrl(), ""))) {
      String traceId = traceId();
      String clientSpan = hex(8);
      HttpResponse<String> response = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false),
          "traceparent", "00-" + traceId + "-" + clientSpan + "-01", "user-agent", "tracing-test/1");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(receiver.trace(traceId))
          .extracting(Received::name)
          .contains("POST /v1/chat/completions", "identify", "route", "admit", "chat m", "settle"));
      List<Received> spans = receiver.trace(traceId);
      Received server = only(spans, "POST /v1/chat/completions");
      assertThat(server.kind()).isEqualTo(SpanKind.SPAN_KIND_SERVER);
      assertThat(server.parentSpanId()).isEqualTo(clientSpan);
      assertThat(server.resource()).containsEntry("service.name", "sluice-test");
      assertThat(server.attributes())
          .containsEntry("gen_ai.operation.name", "chat")
          .containsEntry("gen_ai.request.model", "m")
          .containsEntry("gen_ai.response.model", "m")
          .containsEntry("gen_ai.request.max_tokens", 8L)
          .containsEntry("gen_ai.usage.input_tokens", 7L)
          .containsEntry("gen_ai.usage.output_tokens", 3L)
          .containsEntry("http.response.status_code", 200L)
          .containsEntry("http.route", "/v1/chat/completions")
          .containsEntry("sluice.key_id", gw.apiKeyId())
          .containsEntry("sluice.plan", "everyone")
          .containsEntry("sluice.endpoint", upstream.baseUrl())
          .containsEntry("sluice.attempts", 1L)
          .containsEntry("user_agent.original", "tracing-test/1")
          .doesNotContainKey("error.type");
      assertThat(server.attributes().values()).noneMatch(v -> v.toString().contains(gw.apiKey()));
      assertThat(server.error()).isFalse();

      for (String stage : List.of("identify", "route", "admit", "settle")) {
        assertThat(only(spans, stage).parentSpanId()).as(stage).isEqualTo(server.spanId());
      }
      assertThat(only(spans, "identify").attributes()).containsEntry("sluice.key_id", gw.apiKeyId());
      assertThat(only(spans, "route").attributes()).containsEntry("sluice.pool", "m");
      assertThat(only(spans, "admit").attributes()).containsEntry("sluice.plan", "everyone")
          .containsEntry("sluice.admitted", true);
      assertThat(only(spans, "settle").attributes()).containsEntry("gen_ai.usage.output_tokens", 3L);

      Received attempt = only(spans, "chat m");
      assertThat(attempt.kind()).isEqualTo(SpanKind.SPAN_KIND_CLIENT);
      assertThat(attempt.parentSpanId()).isEqualTo(server.spanId());
      int port = java.net.URI.create(upstream.baseUrl()).getPort();
      assertThat(attempt.attributes())
          .containsEntry("server.address", "127.0.0.1")
          .containsEntry("server.port", (long) port)
          .containsEntry("sluice.endpoint", upstream.baseUrl())
          .containsEntry("sluice.attempt", 1L)
          .containsEntry("sluice.fallback", false)
          .containsEntry("gen_ai.provider.name", "openai")
          .containsEntry("gen_ai.request.model", "m")
          .containsEntry("http.response.status_code", 200L)
          .containsKey("sluice.route.policy");
      // The upstream's parent is the attempt's span, in the client's trace.
      assertThat(upstreamSaw).singleElement().asString().matches(sampled(traceId, attempt.spanId()));
      assertThat(receiver.contentTypes()).allMatch(t -> t.equals("application/x-protobuf"));
      // The access log names the trace, so a log line leads to its spans.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(java.nio.file.Files.readString(accessLog))
          .contains("\"traceId\":\"" + traceId + "\""));
    } finally {
      java.nio.file.Files.deleteIfExists(accessLog);
    }
  }

  @Test
  void aStreamedRequestsServerSpanEndsWithTheStreamAndCarriesItsUsage() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver(); Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(receiver, sim.baseUrl(), ""))) {
      String traceId = traceId();
      HttpResponse<String> response = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", true),
          "traceparent", "00-" + traceId + "-" + hex(8) + "-01");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("data: [DONE]");

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(receiver.trace(traceId))
          .extracting(Received::name).contains("POST /v1/chat/completions", "chat m", "settle"));
      Received server = only(receiver.trace(traceId), "POST /v1/chat/completions");
      assertThat(server.attributes())
          .containsEntry("sluice.stream", true)
          .containsEntry("gen_ai.usage.output_tokens", 8L)
          .containsEntry("http.response.status_code", 200L)
          .containsEntry("sluice.outcome", "ok");
      assertThat((Long) server.attribute("gen_ai.usage.input_tokens")).isPositive();
    }
  }

  @Test
  void aFailedAttemptAndItsRetryAreTwoClientSpansTheFirstMarkedFailed() throws Exception {
    ConcurrentLinkedQueue<String> upstreamSaw = new ConcurrentLinkedQueue<>();
    try (OtlpReceiver receiver = new OtlpReceiver();
         ScriptedUpstream resetting = new ScriptedUpstream(req -> req.connection().close());
         ScriptedUpstream good = answering(upstreamSaw);
         // Round robin tries the endpoints in order: the first call meets the resetting one first.
         GatewayHarness gw = GatewayHarness.start(config(receiver, resetting.baseUrl() + ", " + good.baseUrl(),
             "    routing: {policy: round-robin}\n    health: {check: \"off\"}\n"))) {
      String traceId = traceId();
      HttpResponse<String> response = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false),
          "traceparent", "00-" + traceId + "-" + hex(8) + "-01");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(receiver.trace(traceId))
          .filteredOn(s -> s.name().equals("chat m")).hasSize(2));
      List<Received> attempts = receiver.trace(traceId).stream().filter(s -> s.name().equals("chat m"))
          .sorted(java.util.Comparator.comparing(s -> (Long) s.attribute("sluice.attempt"))).toList();
      assertThat(attempts.get(0).attributes())
          .containsEntry("sluice.endpoint", resetting.baseUrl())
          .containsEntry("error.type", "reset")
          .doesNotContainKey("http.response.status_code");
      assertThat(attempts.get(0).error()).isTrue();
      assertThat(attempts.get(1).attributes())
          .containsEntry("sluice.endpoint", good.baseUrl())
          .containsEntry("sluice.attempt", 2L)
          .containsEntry("http.request.resend_count", 1L)
          .containsEntry("http.response.status_code", 200L)
          .doesNotContainKey("error.type");
      assertThat(attempts.get(1).error()).isFalse();
      await().untilAsserted(() -> assertThat(receiver.span(traceId, "POST /v1/chat/completions")).isPresent());
      assertThat(receiver.span(traceId, "POST /v1/chat/completions").orElseThrow().attributes())
          .containsEntry("sluice.attempts", 2L).containsEntry("sluice.endpoint", good.baseUrl());
      assertThat(upstreamSaw).singleElement().asString().matches(sampled(traceId, attempts.get(1).spanId()));
    }
  }

  @Test
  void aFallbackIsAnAttemptOnTheFallbacksPoolAndTheAnswerIsTheFallbacks() throws Exception {
    ConcurrentLinkedQueue<String> backupSaw = new ConcurrentLinkedQueue<>();
    try (OtlpReceiver receiver = new OtlpReceiver();
         ScriptedUpstream busy = new ScriptedUpstream(req -> req.response().setStatusCode(429)
             .putHeader("content-type", "application/json")
             .end("{\"error\":{\"message\":\"busy\",\"type\":\"rate_limit_error\"}}"));
         ScriptedUpstream backup = answering(backupSaw);
         GatewayHarness gw = GatewayHarness.start(config(receiver, busy.baseUrl(), """
                 fallbacks: [backup]
               - name: backup
                 access: {public: true}
                 upstream: {endpoints: [%s], model: backup-v2}
             """.formatted(backup.baseUrl())))) {
      String traceId = traceId();
      HttpResponse<String> response = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false),
          "traceparent", "00-" + traceId + "-" + hex(8) + "-01");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(receiver.trace(traceId))
          .extracting(Received::name).contains("POST /v1/chat/completions", "chat m", "chat backup-v2"));
      List<Received> spans = receiver.trace(traceId);
      assertThat(only(spans, "chat m").attributes()).containsEntry("http.response.status_code", 429L)
          .containsEntry("error.type", "429").containsEntry("sluice.fallback", false);
      assertThat(only(spans, "chat backup-v2").attributes()).containsEntry("sluice.fallback", true)
          .containsEntry("sluice.pool", "backup").containsEntry("gen_ai.request.model", "backup-v2")
          .containsEntry("sluice.attempt", 2L).doesNotContainKey("error.type");
      assertThat(only(spans, "route").attributes()).containsEntry("sluice.chain", "m,backup");
      assertThat(only(spans, "POST /v1/chat/completions").attributes())
          .containsEntry("gen_ai.request.model", "m")
          .containsEntry("gen_ai.response.model", "backup")
          .containsEntry("sluice.fallbacks", "m->backup:status_429");
    }
  }

  @Test
  void aRefusedRequestIsTracedWithItsErrorOnTheStageThatRefusedIt() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver(); Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(receiver, sim.baseUrl(), ""))) {
      String traceId = traceId();
      HttpResponse<String> response = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          Http.chat("no-such-model", false), "traceparent", "00-" + traceId + "-" + hex(8) + "-01");
      assertThat(response.statusCode()).isEqualTo(404);

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(receiver.trace(traceId))
          .extracting(Received::name).contains("POST /v1/chat/completions", "route"));
      List<Received> spans = receiver.trace(traceId);
      assertThat(only(spans, "route").attributes()).containsEntry("error.type", "model_not_found");
      assertThat(only(spans, "route").error()).isTrue();
      Received server = only(spans, "POST /v1/chat/completions");
      assertThat(server.attributes()).containsEntry("http.response.status_code", 404L)
          .containsEntry("error.type", "model_not_found");
      assertThat(server.error()).as("a 4xx is not the server's error").isFalse();
      assertThat(spans).extracting(Received::name).doesNotContain("admit", "chat m", "settle");
    }
  }

  @Test
  void aRequestWithoutTraceparentStartsItsOwnTrace() throws Exception {
    ConcurrentLinkedQueue<String> upstreamSaw = new ConcurrentLinkedQueue<>();
    try (OtlpReceiver receiver = new OtlpReceiver(); ScriptedUpstream upstream = answering(upstreamSaw);
         GatewayHarness gw = GatewayHarness.start(config(receiver, upstream.baseUrl(), ""))) {
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false)).statusCode())
          .isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(receiver.spans())
          .extracting(Received::name).contains("POST /v1/chat/completions", "chat m"));
      Received server = receiver.spans().stream().filter(s -> s.name().equals("POST /v1/chat/completions"))
          .findFirst().orElseThrow();
      assertThat(server.parentSpanId()).isEmpty();
      Received attempt = only(receiver.trace(server.traceId()), "chat m");
      assertThat(upstreamSaw).singleElement().asString().matches(sampled(server.traceId(), attempt.spanId()));
    }
  }

  @Test
  void anUnsampledTraceparentIsHonouredNothingIsExportedAndTheUpstreamStaysInTheTrace() throws Exception {
    ConcurrentLinkedQueue<String> upstreamSaw = new ConcurrentLinkedQueue<>();
    try (OtlpReceiver receiver = new OtlpReceiver(); ScriptedUpstream upstream = answering(upstreamSaw)) {
      GatewayHarness gw = GatewayHarness.start(config(receiver, upstream.baseUrl(), ""));
      String traceId = traceId();
      try {
        assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false),
            "traceparent", "00-" + traceId + "-" + hex(8) + "-00").statusCode()).isEqualTo(200);
      } finally {
        gw.close(); // flushes whatever was queued
      }
      assertThat(receiver.trace(traceId)).isEmpty();
      assertThat(upstreamSaw).singleElement().asString().startsWith("00-" + traceId + "-").endsWith("-00");
    }
  }

  @Test
  void shuttingDownExportsTheSpansStillQueued() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver(); Simulator sim = Sims.start("m")) {
      GatewayHarness gw = GatewayHarness.start(config(receiver, sim.baseUrl(), "")
          .replace("exportInterval: 50ms", "exportInterval: 1h"));
      String traceId = traceId();
      try {
        assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false),
            "traceparent", "00-" + traceId + "-" + hex(8) + "-01").statusCode()).isEqualTo(200);
        assertThat(receiver.exports()).as("nothing is sent before the hour is up").isZero();
      } finally {
        gw.close();
      }
      assertThat(receiver.trace(traceId)).extracting(Received::name).contains("POST /v1/chat/completions", "chat m");
    }
  }

  @Test
  void anUnreachableCollectorNeverFailsARequest() throws Exception {
    try (Simulator sim = Sims.start("m"); GatewayHarness gw = GatewayHarness.start(config(null, sim.baseUrl(), ""))) {
      for (int i = 0; i < 3; i++) {
        assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", i % 2 == 1)).statusCode())
            .isEqualTo(200);
      }
    }
  }

  @Test
  void withTracingOffNothingIsSentAndTheClientsTraceparentReachesTheUpstream() throws Exception {
    ConcurrentLinkedQueue<String> upstreamSaw = new ConcurrentLinkedQueue<>();
    try (OtlpReceiver receiver = new OtlpReceiver(); ScriptedUpstream upstream = answering(upstreamSaw)) {
      String traceparent = "00-" + traceId() + "-" + hex(8) + "-01";
      GatewayHarness gw = GatewayHarness.start(config(receiver, upstream.baseUrl(), "")
          .replace("    exportInterval: 50ms\n", "    exportInterval: 50ms\n    enabled: false\n"));
      try {
        assertThat(gw.runtime().config().telemetry().tracing()).isEmpty();
        assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false),
            "traceparent", traceparent).statusCode()).isEqualTo(200);
        assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", true),
            "traceparent", traceparent).statusCode()).isEqualTo(200);
      } finally {
        gw.close();
      }
      assertThat(upstreamSaw).containsExactly(traceparent, traceparent);
      assertThat(receiver.exports()).isZero();
    }
  }
}
