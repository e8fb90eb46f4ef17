package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.identify.Principal;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@code tokensPerMonth}: a calendar month in UTC, decided with a clock the test sets. */
class MonthlyQuotaTest {
  private final AtomicLong clock = new AtomicLong();
  private final SluiceConfig config = new ConfigLoader(env -> null).parse("""
      plans:
        - name: monthly
          subjects: {users: ["*"]}
          limits: {tokensPerMonth: 1000}
      models:
        - name: m
          access: {public: true}
          upstream: {endpoints: ["http://127.0.0.1:1"]}
      """, "sluice.yaml");
  private final Admission admission = new Admission(new PlanResolver(config.quota().plans(), config.models()),
      new LocalCounterStore(), 4096, new QuotaMetrics(new SimpleMeterRegistry()), clock::get);
  private final Principal ada = new Principal("local:ada", "ada", Set.of(), java.util.Optional.empty(), Set.of());

  Ticket spend(int maxTokens) throws Exception {
    ObjectNode body = (ObjectNode) Json.MAPPER.readTree(
        "{\"model\":\"m\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    Ticket t = admission.admit(ada, new ApiRequest(Operation.CHAT, "m", false, body, Buffer.buffer(body.toString())), "m",
        Duration.ofSeconds(60)).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    if (t.admitted()) {
      admission.store().settle(t.ask(), t.promptEstimate() + t.maxTokens());
    }
    return t;
  }

  @Test
  void aMonthlyLimitHoldsUntilTheLastMillisecondOfTheMonthAndResetsAtItsEndInUtc() throws Exception {
    clock.set(Instant.parse("2027-01-03T10:00:00Z").toEpochMilli());
    assertThat(spend(900).admitted()).isTrue();
    clock.set(Instant.parse("2027-01-31T23:59:59.999Z").toEpochMilli());
    Ticket refused = spend(900);
    assertThat(refused.admitted()).isFalse();
    assertThat(refused.error().message()).contains("tokens per month");
    clock.set(Instant.parse("2027-02-01T00:00:00Z").toEpochMilli());
    assertThat(spend(900).admitted()).isTrue();
  }
}
