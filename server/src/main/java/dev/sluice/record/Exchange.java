package dev.sluice.record;

import dev.sluice.route.Endpoint;
import dev.sluice.route.RouteRequest;

/**
 * What happened to one request, filled in by each stage as the request moves along the path and read once at
 * the end by the {@link Recorder}. Confined to the event loop that serves the request until it is recorded;
 * after that nothing changes it, and the access log formats it on its own thread.
 */
public final class Exchange {
  /**
   * How a request ended, from the gateway's point of view. {@code SERVER_SHUTDOWN}: the gateway cut it at the
   * end of its shutdown grace (not the client's doing, so never {@code CLIENT_CLOSED}).
   */
  public enum Outcome {
    OK, REJECTED, UPSTREAM_STATUS, UPSTREAM_ERROR, TIMEOUT, CLIENT_CLOSED, SERVER_SHUTDOWN, INTERNAL_ERROR
  }

  public final String requestId;
  public final long startNanos;
  public final String method;
  public final String path;

  /** Who is calling, once the identify stage has decided; null before (and for rejected anonymous calls). */
  public dev.sluice.identify.Principal principal;
  /**
   * The id part of the API key presented when identification refused it (revoked, expired, wrong secret): not
   * secret, and what an operator needs to find the key. Null when a key was accepted or none was sent.
   */
  public String refusedKeyId;
  /** The client's address ({@code server.trustedProxies} applied) and its bounded {@code User-Agent}. */
  public String clientAddress;
  public String userAgent;
  /** The model of the fallback chain that served the request, when it is not {@link #modelLabel}; else null. */
  public String servedModel;
  public String model;
  /** The model name as a metric label: only configured names, so clients cannot inflate cardinality. */
  public String modelLabel = "unknown";
  public boolean stream;
  public Endpoint endpoint;
  /** The routing decisions (policy, scores, fallbacks); null when the request never reached routing. */
  public RouteRequest route;
  public int attempts;
  public int status;
  public String errorCode;
  public Outcome outcome = Outcome.OK;
  public long firstByteNanos = -1;
  public long endNanos = -1;
  public long bytesIn;
  public long bytesOut;

  /** The plan the request was admitted under; set by admit. */
  public String plan;
  /** Tokens charged by settlement; 0 when nothing was generated (rejections, upstream errors). */
  public long promptTokens;
  public long completionTokens;
  /** Of {@link #promptTokens}, those the upstream served from its prefix cache (0 when it did not say). */
  public long cachedTokens;
  /** Of {@link #promptTokens}, those the upstream wrote to its prompt cache (Anthropic), priced apart. */
  public long cacheWriteTokens;
  /** The token counts are Sluice's estimate, not the upstream's report (see ADR 031). */
  public boolean usageEstimated;
  /** What the charged tokens cost at the request's prices, exactly; null when its model has no prices. */
  public java.math.BigDecimal cost;
  /** The currency of {@link #cost} (spend.currency). */
  public String currency;
  /** The group whose shared counters the request was charged to (a group-scoped plan's or a group budget's). */
  public String group;

  /**
   * Run once, by the gateway, after the exchange is recorded: lets go of the configuration version the
   * request ran on (so a replaced version knows when its last request has ended); null before routing.
   */
  public Runnable release;

  /** The request's spans; null when tracing is off, so every hook on the path is a null check (ADR 100). */
  public dev.sluice.record.trace.RequestTrace trace;

  public Exchange(String requestId, long startNanos, String method, String path) {
    this.requestId = requestId;
    this.startNanos = startNanos;
    this.method = method;
    this.path = path;
  }

  public boolean finished() {
    return endNanos >= 0;
  }

  public long durationNanos() {
    return endNanos - startNanos;
  }

  /** Time from receiving the request to the first byte of the upstream's response body; -1 if none came. */
  public long ttftNanos() {
    return firstByteNanos < 0 ? -1 : firstByteNanos - startNanos;
  }
}
