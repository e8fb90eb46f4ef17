package dev.sluice.settle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.admit.Admission;
import dev.sluice.admit.LocalCounterStore;
import dev.sluice.admit.PlanResolver;
import dev.sluice.admit.QuotaMetrics;
import dev.sluice.admit.Ticket;
import dev.sluice.front.ApiRequest;
import dev.sluice.identify.Principal;
import dev.sluice.record.Exchange;
import dev.sluice.record.Exchange.Outcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The charging rule of ADR 031, case by case. */
class SettlementTest {
  private static final String JSON = "{\"model\":\"m\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  static Ticket ticket(ApiRequest request) {
    Admission admission = new Admission(new PlanResolver(List.of(), List.of()), new LocalCounterStore(), 4096,
        new QuotaMetrics(new SimpleMeterRegistry()), System::currentTimeMillis);
    // No plans: unlimited, but the ticket still carries the prompt estimate and max_tokens.
    return admission.admit(Principal.user("anonymous", "anonymous", Set.of()), request, "m", Duration.ofMinutes(1)).result();
  }

  static Exchange exchange(boolean stream, int attempts, int status, Outcome outcome) {
    Exchange ex = new Exchange("r", 0, "POST", "/v1/chat/completions");
    ex.stream = stream;
    ex.attempts = attempts;
    ex.status = status;
    ex.outcome = outcome;
    return ex;
  }

  static ApiRequest request(boolean stream) throws Exception {
    String json = stream ? JSON.replace("{\"model\"", "{\"stream\":true,\"model\"") : JSON;
    return new ApiRequest(dev.sluice.front.Operation.CHAT, "m", stream,
        (com.fasterxml.jackson.databind.node.ObjectNode) dev.sluice.front.Json.MAPPER.readTree(json), Buffer.buffer(json));
  }

  @Test
  void reportedUsageIsChargedExactly() throws Exception {
    ApiRequest req = request(false);
    UsageMeter meter = UsageMeter.attach(req);
    meter.buffered(200, Buffer.buffer("{\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":50}}"));
    Exchange ex = exchange(false, 1, 200, Outcome.OK);
    Settlement.charge(ticket(req), meter, ex);
    assertThat(new long[] {ex.promptTokens, ex.completionTokens}).containsExactly(3, 50);
    assertThat(ex.usageEstimated).isFalse();
  }

  @Test
  void nothingIsChargedWhenNothingWasGenerated() throws Exception {
    ApiRequest req = request(false);
    for (Exchange ex : List.of(exchange(false, 0, 503, Outcome.UPSTREAM_ERROR), exchange(false, 1, 500, Outcome.UPSTREAM_STATUS),
        exchange(false, 1, 504, Outcome.TIMEOUT), exchange(false, 0, 499, Outcome.CLIENT_CLOSED))) {
      UsageMeter meter = UsageMeter.attach(req);
      Settlement.charge(ticket(req), meter, ex);
      assertThat(ex.promptTokens + ex.completionTokens).as(ex.outcome.name()).isZero();
      assertThat(ex.usageEstimated).isFalse();
    }
  }

  @Test
  void aClientLeavingAStreamIsChargedThePromptEstimateAndWhatWasStreamed() throws Exception {
    ApiRequest req = request(true);
    UsageMeter meter = UsageMeter.attach(req);
    meter.streamed(Buffer.buffer("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
        + "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n"));
    Exchange ex = exchange(true, 1, 499, Outcome.CLIENT_CLOSED);
    Ticket ticket = ticket(req);
    Settlement.charge(ticket, meter, ex);
    assertThat(ex.promptTokens).isEqualTo(ticket.promptEstimate()).isEqualTo(3 + 4 + 4 + 2);
    assertThat(ex.completionTokens).isEqualTo(2);
    assertThat(ex.usageEstimated).isTrue();
  }

  @Test
  void aClientLeavingANonStreamingRequestIsChargedTheFullReservation() throws Exception {
    ApiRequest req = request(false);
    Exchange ex = exchange(false, 1, 499, Outcome.CLIENT_CLOSED);
    Settlement.charge(ticket(req), UsageMeter.attach(req), ex);
    assertThat(ex.completionTokens).isEqualTo(50);
    assertThat(ex.usageEstimated).isTrue();
  }

  @Test
  void aStreamThatBrokeIsChargedWhatWasStreamed() throws Exception {
    ApiRequest req = request(true);
    UsageMeter meter = UsageMeter.attach(req);
    meter.streamed(Buffer.buffer("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"));
    Exchange ex = exchange(true, 1, 200, Outcome.UPSTREAM_ERROR);
    Settlement.charge(ticket(req), meter, ex);
    assertThat(ex.completionTokens).isEqualTo(1);
    assertThat(ex.usageEstimated).isTrue();
  }

  @Test
  void aStreamCutByShutdownIsChargedThePromptEstimateAndWhatWasStreamed() throws Exception {
    ApiRequest req = request(true);
    UsageMeter meter = UsageMeter.attach(req);
    meter.streamed(Buffer.buffer("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
        + "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n"));
    Exchange ex = exchange(true, 1, 503, Outcome.SERVER_SHUTDOWN);
    Ticket ticket = ticket(req);
    Settlement.charge(ticket, meter, ex);
    assertThat(new long[] {ex.promptTokens, ex.completionTokens}).containsExactly(ticket.promptEstimate(), 2);
    assertThat(ex.usageEstimated).isTrue();
  }

  @Test
  void aNonStreamingRequestCutByShutdownIsChargedNothingNotItsReservation() throws Exception {
    ApiRequest req = request(false);
    Exchange ex = exchange(false, 1, 503, Outcome.SERVER_SHUTDOWN);
    Settlement.charge(ticket(req), UsageMeter.attach(req), ex);
    assertThat(ex.promptTokens + ex.completionTokens).isZero();
    assertThat(ex.usageEstimated).isFalse();
  }

  @Test
  void aCutAfterTheUpstreamReportedUsageChargesTheReport() throws Exception {
    ApiRequest req = request(true);
    UsageMeter meter = UsageMeter.attach(req);
    meter.streamed(Buffer.buffer("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":9}}\n\n"));
    Exchange ex = exchange(true, 1, 503, Outcome.SERVER_SHUTDOWN);
    Settlement.charge(ticket(req), meter, ex);
    assertThat(new long[] {ex.promptTokens, ex.completionTokens}).containsExactly(7, 9);
    assertThat(ex.usageEstimated).isFalse();
  }
}
