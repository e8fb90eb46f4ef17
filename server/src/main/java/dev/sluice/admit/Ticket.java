package dev.sluice.admit;

import dev.sluice.config.PlanConfig;
import dev.sluice.config.Prices;
import dev.sluice.front.ApiError;
import io.vertx.core.http.HttpServerResponse;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of admission for one request: refused (with the error the client gets), or admitted with what
 * was reserved, which settlement needs to release it. Headers go on the response either way.
 */
public final class Ticket {
  /**
   * One reservation to settle: the plan's (its token, request and budget windows) or a budget beside it (a
   * group's, a key's), each in its own scope.
   *
   * @param budget what a person reads in an alert: {@code plan team}, {@code group ml}, {@code key abc}
   * @param alertAt the alert threshold of its budgets (a fraction), or null for none
   */
  public record Reservation(Ask ask, String budget, BigDecimal alertAt) {
  }

  private final PlanConfig plan;
  private Prices prices;
  private List<Reservation> reservations = List.of();
  private String currency = "USD";
  private String group = "";
  private final Ask ask;
  private final long promptEstimate;
  private final long maxTokens;
  private final ApiError error;
  private final Map<String, String> headers;
  private final boolean bodyChanged;

  private Ticket(PlanConfig plan, Ask ask, long promptEstimate, long maxTokens, ApiError error,
      Map<String, String> headers, boolean bodyChanged) {
    this.bodyChanged = bodyChanged;
    this.plan = plan;
    this.ask = ask;
    this.promptEstimate = promptEstimate;
    this.maxTokens = maxTokens;
    this.error = error;
    this.headers = headers;
  }

  static Ticket unlimited(long promptEstimate, long maxTokens, boolean bodyChanged) {
    return new Ticket(null, null, promptEstimate, maxTokens, null, Map.of(), bodyChanged);
  }

  static Ticket admitted(PlanConfig plan, Ask ask, long promptEstimate, long maxTokens, Map<String, String> headers,
      boolean bodyChanged) {
    return new Ticket(plan, ask, promptEstimate, maxTokens, null, headers, bodyChanged);
  }

  static Ticket refused(PlanConfig plan, ApiError error, Map<String, String> headers) {
    return new Ticket(plan, null, 0, 0, error, headers, false);
  }

  /** Prices the request's usage and the reservations settlement must settle (the plan's first, if any). */
  Ticket priced(Prices prices, List<Reservation> reservations, String currency, String group) {
    this.prices = prices;
    this.reservations = List.copyOf(reservations);
    this.currency = currency;
    this.group = group == null ? "" : group;
    return this;
  }

  /** The currency of its cost. */
  public String currency() {
    return currency;
  }

  /** The group whose shared counters it is charged to (a group-scoped plan's, or a group budget's); "" if none. */
  public String group() {
    return group;
  }

  /** The prices its usage is charged at; null when the model is not priced (the request has no cost). */
  public Prices prices() {
    return prices;
  }

  /** Every reservation to settle: the plan's first (when governed), then budgets beside it. */
  public List<Reservation> reservations() {
    return reservations;
  }

  /** Admission changed {@code max_tokens} (clamped, defaulted or shrunk): the body must be re-serialized. */
  public boolean bodyChanged() {
    return bodyChanged;
  }

  public boolean admitted() {
    return error == null;
  }

  public ApiError error() {
    return error;
  }

  PlanConfig plan() {
    return plan;
  }

  /** The governing plan's name, or {@code "none"}. */
  public String planName() {
    return plan == null ? "none" : plan.name();
  }

  /** What must be settled; null when the request is not governed or was refused. */
  public Ask ask() {
    return ask;
  }

  public long promptEstimate() {
    return promptEstimate;
  }

  /** The completion bound sent upstream (after clamping, defaulting or shrinking). */
  public long maxTokens() {
    return maxTokens;
  }

  public void applyHeaders(HttpServerResponse response) {
    headers.forEach(response::putHeader);
  }

  Map<String, String> headers() {
    return headers;
  }

  static Map<String, String> newHeaders() {
    return new LinkedHashMap<>(8);
  }
}
