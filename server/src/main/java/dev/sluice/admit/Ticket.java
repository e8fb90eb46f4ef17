package dev.sluice.admit;

import dev.sluice.config.PlanConfig;
import dev.sluice.front.ApiError;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of admission for one request: refused (with the error the client gets), or admitted with what
 * was reserved, which settlement needs to release it. Headers go on the response either way.
 */
public final class Ticket {
  private final PlanConfig plan;
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
