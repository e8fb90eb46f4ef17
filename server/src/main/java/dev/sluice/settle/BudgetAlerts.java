package dev.sluice.settle;

import dev.sluice.admit.Ask;
import dev.sluice.admit.Bucket;
import dev.sluice.admit.QuotaMetrics;
import dev.sluice.admit.Ticket.Reservation;
import dev.sluice.config.Money;
import dev.sluice.front.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Budget alerts: when a settlement takes a budget's window from below its threshold to at or above it, a metric
 * ({@code sluice_budget_alerts_total}), a log event, and, when configured, a webhook POST. The counters' atomic
 * increment decides the crossing, so exactly one settlement sees it per window, on however many replicas. The
 * webhook runs after the request has ended, with bounded retries and a bounded number in flight: an alert may be
 * lost (its metric and log line are not), a request never waits for one.
 */
public final class BudgetAlerts {
  private static final Logger LOG = Logger.getLogger(BudgetAlerts.class);
  /** POST attempts per alert, with a pause of 1, 2 s between them. */
  static final int ATTEMPTS = 3;
  private static final int MAX_IN_FLIGHT = 100;
  private static final long TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final QuotaMetrics metrics;
  private final Supplier<String> currency;
  private final Supplier<Optional<URI>> webhook;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final HttpClient client;

  public BudgetAlerts(Vertx vertx, QuotaMetrics metrics, Supplier<String> currency, Supplier<Optional<URI>> webhook) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.currency = currency;
    this.webhook = webhook;
    this.client = vertx == null ? null : vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout((int) TIMEOUT_MS).setMaxPoolSize(4));
  }

  /** Compares each budget of a settled reservation with its threshold; {@code used[i]} includes {@code charge}. */
  void settled(Reservation r, long charge, long[] used) {
    if (r.alertAt() == null || charge <= 0) {
      return;
    }
    Ask ask = r.ask();
    for (int i = 0; i < used.length && i < ask.buckets().size(); i++) {
      Bucket b = ask.buckets().get(i);
      if (!b.limit().money()) {
        continue;
      }
      long threshold = new BigDecimal(b.capacity()).multiply(r.alertAt()).setScale(0, RoundingMode.CEILING)
          .longValue();
      if (used[i] - charge < threshold && used[i] >= threshold) {
        alert(r, b, used[i], ask);
      }
    }
  }

  private void alert(Reservation r, Bucket b, long used, Ask ask) {
    String budget = r.budget();
    String kind = budget.substring(0, budget.indexOf(' '));
    String name = kind.equals("key") ? "key" : budget.substring(budget.indexOf('`') + 1, budget.lastIndexOf('`'));
    metrics.budgetAlert(kind, name, b.limit().label());
    String cur = currency.get();
    String resets = Instant.ofEpochMilli(b.resetAt(ask.now())).toString();
    LOG.warnf("budget alert: %s (%s) has spent %s %s of its %s budget of %s %s (threshold %s%%); it resets at %s",
        budget, ask.scope(), Money.amount(used).toPlainString(), cur, b.limit().label().replace('_', ' '),
        Money.amount(b.capacity()).toPlainString(), cur, r.alertAt().movePointRight(2).stripTrailingZeros()
            .toPlainString(), resets);
    Optional<URI> url = webhook.get();
    if (url.isEmpty() || client == null) {
      return;
    }
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      LOG.warnf("budget alert webhook: %d alerts already in flight; this one is not posted", MAX_IN_FLIGHT);
      return;
    }
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("type", "budget_alert");
    body.put("budget", budget);
    body.put("scope", ask.scope());
    body.put("window", b.limit().label());
    body.put("windowStart", Instant.ofEpochMilli(b.windowStart()).toString());
    body.put("resetsAt", resets);
    body.put("currency", cur);
    body.put("limit", Money.amount(b.capacity()));
    body.put("spent", Money.amount(used));
    body.put("threshold", r.alertAt());
    post(url.get(), Buffer.buffer(body.toString()), 1);
  }

  private void post(URI url, Buffer body, int attempt) {
    boolean tls = "https".equals(url.getScheme());
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(url.getHost())
        .setPort(url.getPort() > 0 ? url.getPort() : tls ? 443 : 80).setSsl(tls)
        .setURI(url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath()
            + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery()))
        .setTimeout(TIMEOUT_MS).putHeader("content-type", "application/json");
    client.request(options).compose(req -> req.send(body)).onComplete(ar -> {
      int status = ar.succeeded() ? ar.result().statusCode() : 0;
      if (status >= 200 && status < 300) {
        inFlight.decrementAndGet();
        return;
      }
      String why = ar.succeeded() ? "HTTP " + status : String.valueOf(ar.cause().getMessage());
      if (attempt >= ATTEMPTS) {
        inFlight.decrementAndGet();
        LOG.errorf("budget alert webhook %s failed %d times (%s); the alert is in the log and the metric only",
            url.getHost(), ATTEMPTS, why);
        return;
      }
      vertx.setTimer(1000L << (attempt - 1), id -> post(url, body, attempt + 1));
    });
  }

  public void close() {
    if (client != null) {
      client.close();
    }
  }
}
