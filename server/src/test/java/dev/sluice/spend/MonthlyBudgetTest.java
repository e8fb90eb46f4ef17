package dev.sluice.spend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.admit.Admission;
import dev.sluice.admit.CounterStore;
import dev.sluice.admit.LocalCounterStore;
import dev.sluice.admit.PlanResolver;
import dev.sluice.admit.QuotaMetrics;
import dev.sluice.admit.RedisCounterStore;
import dev.sluice.admit.Ticket;
import dev.sluice.admit.prompt.PromptCounters;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.Money;
import dev.sluice.config.RedisConfig;
import dev.sluice.config.SluiceConfig;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.identify.Principal;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code costPerMonth} is a calendar month in UTC, decided with a clock the test sets, in both counter stores: a
 * budget spent down holds until the last millisecond of the month, says what was spent and when it resets, and
 * is whole again at 00:00 UTC on the 1st.
 */
class MonthlyBudgetTest {
  private static final Vertx VERTX = Vertx.vertx();
  /** 1 USD per million prompt tokens and 2 per million completion tokens; 0.01 USD a month. */
  private static final SluiceConfig CONFIG = new ConfigLoader(env -> null).parse("""
      plans:
        - name: monthly
          subjects: {users: ["*"]}
          limits: {costPerMonth: 0.01}
      models:
        - name: m
          access: {public: true}
          upstream: {endpoints: ["http://127.0.0.1:1"]}
          prices: {input: 1, output: 2}
      """, "sluice.yaml");
  private final AtomicLong clock = new AtomicLong();
  private final Principal ada = new Principal("local:ada", "ada", Set.of(), java.util.Optional.empty(), Set.of());

  @AfterAll
  static void closeVertx() {
    VERTX.close();
  }

  private Ticket spend(Admission admission, int maxTokens) throws Exception {
    ObjectNode body = (ObjectNode) Json.MAPPER.readTree(
        "{\"model\":\"m\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    Ticket t = admission.admit(ada, new ApiRequest(Operation.CHAT, "m", false, body, Buffer.buffer(body.toString())),
        "m", Duration.ofSeconds(60)).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    if (t.admitted()) { // the whole bound is generated: a prompt at the estimate, every completion token
      BigDecimal cost = dev.sluice.admit.Pricing.cost(t.prices(), t.promptEstimate(), 0, 0, t.maxTokens());
      admission.store().settle(t.ask(), t.promptEstimate() + t.maxTokens(), Money.units(cost))
          .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
    return t;
  }

  @ParameterizedTest(name = "redis={0}")
  @ValueSource(booleans = {false, true})
  void aMonthlyBudgetHoldsUntilTheLastMillisecondOfTheMonthAndIsWholeAgainAtItsEndInUtc(boolean redis)
      throws Exception {
    try (CounterStore store = redis
        ? new RedisCounterStore(VERTX, new RedisConfig("redis://127.0.0.1:6379", "test-" + UUID.randomUUID() + ":"),
            CONFIG.quota(), new QuotaMetrics(new SimpleMeterRegistry()))
        : new LocalCounterStore()) {
      store.ready().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      Admission admission = new Admission(new PlanResolver(CONFIG.quota().plans(), CONFIG.models()), store, 4096,
          new QuotaMetrics(new SimpleMeterRegistry()), clock::get, PromptCounters.bytes(), CONFIG.quota().spend());

      clock.set(Instant.parse("2027-01-03T10:00:00Z").toEpochMilli());
      Ticket first = spend(admission, 4000); // costs 0.008 and a little for the prompt
      assertThat(first.admitted()).as("%s", first.error()).isTrue();
      clock.set(Instant.parse("2027-01-31T23:59:59.999Z").toEpochMilli());
      Ticket refused = spend(admission, 1000);
      assertThat(refused.admitted()).isFalse();
      assertThat(refused.error().status()).isEqualTo(429);
      assertThat(refused.error().code()).isEqualTo("budget_exceeded");
      BigDecimal spent = dev.sluice.admit.Pricing.cost(first.prices(), first.promptEstimate(), 0, 0, first.maxTokens());
      assertThat(refused.error().message()).contains("Budget reached for plan `monthly` on cost per month")
          .contains("Limit 0.01 USD").contains("Spent " + spent.toPlainString() + " USD")
          .contains("It resets at 2027-02-01T00:00:00Z");
      assertThat(spend(admission, 100).admitted()).as("a smaller request still fits in what is left").isTrue();

      clock.set(Instant.parse("2027-02-01T00:00:00Z").toEpochMilli());
      assertThat(spend(admission, 4000).admitted()).as("February's budget is whole").isTrue();
      Ticket tooBig = spend(admission, 6000);
      assertThat(tooBig.admitted()).isFalse();
      assertThat(tooBig.error().status()).as("it never fits a whole window: not worth a retry").isEqualTo(400);
      assertThat(tooBig.error().code()).isEqualTo("request_exceeds_limit");
      assertThat(tooBig.error().message()).contains("This request may cost up to").contains("lower max_tokens");
    }
  }
}
