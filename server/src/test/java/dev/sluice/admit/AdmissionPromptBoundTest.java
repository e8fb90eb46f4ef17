package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.admit.prompt.PromptCounter;
import dev.sluice.admit.prompt.PromptCounters;
import dev.sluice.admit.prompt.SimulatorPromptCounter;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
import dev.sluice.front.ApiException;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Operation;
import dev.sluice.front.RequestParser;
import dev.sluice.identify.Principal;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Admission reserves the model counter's bound, and tokenizes nothing for a request nothing is reserved for. */
class AdmissionPromptBoundTest {
  private static final Principal ALICE = Principal.user("alice", "alice", Set.of());
  private static final String BODY = "{\"model\":\"m\",\"max_tokens\":100,\"messages\":[{\"role\":\"system\","
      + "\"content\":\"You are a helpful assistant. Answer in one short paragraph.\"},{\"role\":\"user\",\"content\":"
      + "\"Explain, in plain words, why the sky looks blue on a clear day.\"}]}";

  private static Admission admission(String plans, PromptCounters counters) {
    SluiceConfig config = new ConfigLoader(env -> null).parse(plans
        + "models:\n  - name: m\n    access: {public: true}\n    upstream: {endpoints: [\"http://127.0.0.1:9\"]}\n",
        "test.yaml");
    return new Admission(new PlanResolver(config.quota().plans(), config.models()), new LocalCounterStore(), 4096,
        new QuotaMetrics(new SimpleMeterRegistry()), System::currentTimeMillis, counters);
  }

  private static ApiRequest request() throws ApiException {
    return RequestParser.parse(Operation.CHAT, Buffer.buffer(BODY));
  }

  @Test
  void aGovernedRequestReservesTheModelsBoundPlusMaxTokensSoEverythingThatFitsIsAdmitted() throws Exception {
    long prompt = new SimulatorPromptCounter().count(request());
    long perRequest = prompt + 100;
    Admission admission = admission("plans:\n  - name: team\n    subjects: {users: [\"*\"]}\n    limits: "
        + "{tokensPerMinute: " + 10 * perRequest + "}\n", new PromptCounters(null, Map.of("m", new SimulatorPromptCounter())));
    int admitted = 0;
    for (int i = 0; i < 11; i++) {
      Ticket ticket = admission.admit(ALICE, request(), "m", Duration.ofMinutes(1)).result();
      if (ticket.admitted()) {
        admitted++;
        assertThat(ticket.ask().tokenCost()).isEqualTo(perRequest);
        assertThat(ticket.promptEstimate()).isEqualTo(prompt);
      }
    }
    assertThat(admitted).as("ten fit by the simulator's count; the byte bound (%d a request) admits %d",
        PromptEstimate.of(request()) + 100, 10 * perRequest / (PromptEstimate.of(request()) + 100)).isEqualTo(10);
  }

  @Test
  void anUnlimitedRequestIsNeverTokenized() throws Exception {
    AtomicInteger tokenized = new AtomicInteger();
    PromptCounter tokenizer = new PromptCounter() {
      @Override
      public long count(ApiRequest request) {
        tokenized.incrementAndGet();
        return 1;
      }

      @Override
      public boolean heavy() {
        return true;
      }
    };
    Admission admission = admission("", new PromptCounters(null, Map.of("m", tokenizer)));
    Ticket ticket = admission.admit(ALICE, request(), "m", Duration.ofMinutes(1)).result();
    assertThat(ticket.admitted()).isTrue();
    assertThat(ticket.ask()).isNull();
    assertThat(tokenized).hasValue(0);
    // The estimate only feeds a usage record when the upstream reports none: the byte bound, as before.
    assertThat(ticket.promptEstimate()).isEqualTo(PromptEstimate.of(request()));
  }
}
