package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.StorageConfig;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Operation;
import dev.sluice.front.Json;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Sims;
import dev.sluice.support.TestDatabases;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The headline guarantee: two gateway replicas sharing one Redis and one PostgreSQL never charge more than a
 * plan allows, however many requests race for it, and refuse none that had room.
 */
class SharedRedisQuotaTest {
  private static final int LIMIT = 5_000;
  private static final int REQUESTS = 200;
  private static final int MAX_TOKENS = 100;
  private static final String BODY = "{\"model\":\"m\",\"stream\":%s,\"max_tokens\":" + MAX_TOKENS
      + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  private final StorageConfig storage = TestDatabases.postgres();

  @AfterEach
  void dropDatabase() {
    TestDatabases.drop(storage);
  }

  @ParameterizedTest(name = "stream={0}")
  @ValueSource(booleans = {false, true})
  void twoReplicasSharingRedisNeverChargeMoreThanThePlanAndAdmitEverythingThatFits(boolean stream) throws Exception {
    String yaml = """
        storage: {url: "%s"}
        redis: {url: "redis://127.0.0.1:6379", prefix: "test-%s:"}
        plans:
          - name: team
            subjects: {users: ["*"]}
            scope: group
            limits: {tokensPerDay: %d}
        usage: {flushInterval: 50ms}
        models:
          - name: m
            access: {public: true}
            upstream: {endpoints: [%s]}
        """;
    // Each request generates its full max_tokens, one token per millisecond, so the requests overlap.
    try (Simulator sim = Sims.start("m", Duration.ofMillis(1))) {
      String config = yaml.formatted(storage.url(), UUID.randomUUID(), LIMIT, sim.baseUrl());
      try (GatewayHarness a = GatewayHarness.start(config); GatewayHarness b = GatewayHarness.start(config)) {
        // As a deployment would: traffic arrives once the replicas are up and connected.
        a.runtime().admission().store().ready().toCompletionStage().toCompletableFuture().get();
        b.runtime().admission().store().ready().toCompletionStage().toCompletableFuture().get();
        String body = BODY.formatted(stream);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
          GatewayHarness gw = i % 2 == 0 ? a : b;
          calls.add(Http.client().sendAsync(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
              .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        int admitted = 0;
        for (CompletableFuture<HttpResponse<String>> call : calls) {
          HttpResponse<String> r = call.get();
          assertThat(r.statusCode()).isIn(200, 429);
          if (r.statusCode() == 200) {
            admitted++;
            assertThat(r.body()).contains(stream ? "[DONE]" : "\"usage\"");
          } else {
            assertThat(r.body()).contains("rate_limit_exceeded");
          }
        }
        // A request is recorded as its response ends, so the last records may trail the last responses.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
          a.runtime().usage().flush();
          b.runtime().usage().flush();
          return Metering.records(a.runtime().database().dataSource()).size() == REQUESTS;
        });
        long[] served = Metering.simulatorUsage(sim);
        List<Metering.Row> rows = Metering.records(a.runtime().database().dataSource());
        long charged = rows.stream().mapToLong(r -> r.prompt() + r.completion()).sum();
        assertThat(served[0] + served[1]).as("tokens the simulator served").isLessThanOrEqualTo(LIMIT);
        assertThat(charged).as("tokens Sluice charged").isEqualTo(served[0] + served[1]);
        assertThat(rows).hasSize(REQUESTS).noneMatch(Metering.Row::estimated);
        assertThat(sim.stats().requestsReceived()).isEqualTo(admitted);

        // Admission only ever refuses when the reserved cost does not fit, so at least limit / cost get in.
        long reservedCost = PromptEstimate.of(parse(body)) + MAX_TOKENS;
        assertThat(admitted).as("admitted of %d", REQUESTS).isGreaterThanOrEqualTo((int) (LIMIT / reservedCost));
        assertThat(a.metrics()).contains("sluice_quota_rejections_total");
      }
    }
  }

  private static ApiRequest parse(String body) throws Exception {
    return new ApiRequest(Operation.CHAT, "m", false,
        (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(body), Buffer.buffer(body));
  }
}
