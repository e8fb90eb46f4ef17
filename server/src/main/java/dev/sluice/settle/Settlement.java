package dev.sluice.settle;

import dev.sluice.admit.CounterStore;
import dev.sluice.admit.QuotaMetrics;
import dev.sluice.admit.Ticket;
import dev.sluice.record.Exchange;
import dev.sluice.record.Exchange.Outcome;

/**
 * The settle stage: once a request is over, decides what it consumed, releases its reservation and charges
 * that instead. The rule (ADR 031):
 * <ul>
 *   <li>the upstream reported usage: charge it exactly;</li>
 *   <li>nothing was generated (refused, upstream unreachable, an upstream error status): charge nothing;</li>
 *   <li>a stream ended without usage (upstream broke, timed out, or the client left): the prompt estimate plus
 *       one token per content chunk relayed, marked estimated;</li>
 *   <li>the client left a non-streaming request the upstream was working on: the full reservation (prompt
 *       estimate + max_tokens), marked estimated, because the upstream may have generated all of it and a
 *       client must not get free work by hanging up just before the answer;</li>
 *   <li>the gateway cut the request because it was shutting down (the grace was over): only what the client
 *       got. A stream: the prompt estimate plus one token per content chunk relayed, marked estimated. A
 *       non-streaming request: nothing, as for any other abort by the gateway (a timeout), since the client got
 *       no answer and the cut was not its doing.</li>
 * </ul>
 */
public final class Settlement {
  private final CounterStore store;
  private final QuotaMetrics metrics;

  public Settlement(CounterStore store, QuotaMetrics metrics) {
    this.store = store;
    this.metrics = metrics;
  }

  /** Fills the exchange's token fields and settles the reservation (asynchronously; nobody waits for it). */
  public void settle(Ticket ticket, UsageMeter meter, Exchange ex) {
    charge(ticket, meter, ex);
    String plan = ticket.planName();
    metrics.tokens(ex.modelLabel, plan, "prompt", ex.promptTokens);
    metrics.tokens(ex.modelLabel, plan, "completion", ex.completionTokens);
    metrics.cachedTokens(ex.modelLabel, plan, ex.cachedTokens);
    if (ticket.ask() != null) {
      long started = System.nanoTime();
      store.settle(ticket.ask(), ex.promptTokens + ex.completionTokens)
          .onComplete(ar -> metrics.settlement(System.nanoTime() - started));
    }
  }

  static void charge(Ticket ticket, UsageMeter meter, Exchange ex) {
    if (meter.hasUsage()) {
      set(ex, meter.promptTokens(), meter.completionTokens(), false);
      ex.cachedTokens = Math.min(meter.cachedTokens(), meter.promptTokens());
    } else if (ex.attempts == 0) {
      set(ex, 0, 0, false); // never sent upstream
    } else if (ex.outcome == Outcome.SERVER_SHUTDOWN) {
      if (ex.stream && meter.sawResponse()) {
        set(ex, ticket.promptEstimate(), meter.contentChunks(), true);
      } else {
        set(ex, 0, 0, false);
      }
    } else if (ex.outcome == Outcome.CLIENT_CLOSED) {
      set(ex, ticket.promptEstimate(), ex.stream ? meter.contentChunks() : ticket.maxTokens(), true);
    } else if (ex.stream && ex.status == 200 && meter.sawResponse()) {
      set(ex, ticket.promptEstimate(), meter.contentChunks(), true); // broke, timed out, or never reported
    } else if (ex.outcome == Outcome.OK && ex.status < 400 && meter.sawResponse()) {
      set(ex, ticket.promptEstimate(), ticket.maxTokens(), true); // a complete answer that did not report usage
    } else {
      set(ex, 0, 0, false); // an upstream error status, or no answer at all
    }
  }

  private static void set(Exchange ex, long prompt, long completion, boolean estimated) {
    ex.promptTokens = prompt;
    ex.completionTokens = completion;
    ex.usageEstimated = estimated;
  }
}
