package dev.sluice.sim;

import dev.sluice.sim.SimConfig.FailureKind;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * The POST endpoints: parse, maybe inject a failure, then hand the request to a {@link Sequence}.
 * Validation comes before failure injection so a bad request stays a 400 whatever the dice say.
 */
final class InferenceHandler {

  enum Endpoint { CHAT, COMPLETION, EMBEDDING }

  static final String DELAY_HEADER = "x-sim-delay-ms";

  private final SimCore core;
  private final RequestParser parser;

  InferenceHandler(SimCore core) {
    this.core = core;
    this.parser = new RequestParser(core);
  }

  void handle(HttpServerRequest request, Buffer body, Endpoint endpoint) {
    long n = core.nextRequestNumber();
    core.metrics().received.increment();
    Job job;
    try {
      switch (endpoint) {
        case CHAT:
          job = parser.chat(body, n);
          break;
        case COMPLETION:
          job = parser.completion(body, n);
          break;
        default:
          job = parser.embedding(body, n);
          break;
      }
    } catch (ApiError e) {
      HttpFront.error(request.response(), e.status, e.type, e.getMessage());
      return;
    }
    FailureKind failure = core.failures().decide(n, request.getHeader(FailureInjector.HEADER));
    if (failure != null) {
      core.metrics().failed.increment();
      switch (failure) {
        case RESET:
          request.connection().close();
          return;
        case HTTP_500:
          HttpFront.error(request.response(), 500, "InternalServerError",
              "simulated internal error");
          return;
        case HTTP_429:
          request.response().putHeader("retry-after", "1");
          HttpFront.error(request.response(), 429, "RateLimitError",
              "simulated rate limit: too many requests");
          return;
        default:
          break; // ABORT happens mid-response, in the Sequence
      }
    }
    new Sequence(core, Vertx.currentContext(), request, job, n, failure == FailureKind.ABORT,
        extraDelayNanos(request.getHeader(DELAY_HEADER))).submit();
  }

  /** X-Sim-Delay-Ms: extra time before the first byte; malformed values are ignored. */
  private static long extraDelayNanos(String header) {
    if (header == null) {
      return 0;
    }
    try {
      return Math.max(0, Math.round(Double.parseDouble(header.trim()) * 1_000_000));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
