package dev.sluice.proxy;

import dev.sluice.config.UpstreamConfig.Provider;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Responses;
import dev.sluice.proxy.anthropic.Dialects;
import dev.sluice.proxy.anthropic.MessagesResponses;
import dev.sluice.proxy.provider.Bedrock;
import dev.sluice.proxy.provider.BedrockSigner;
import dev.sluice.record.Exchange;
import dev.sluice.record.Exchange.Outcome;
import dev.sluice.record.GatewayMetrics;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import dev.sluice.route.RouteRequest;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.util.List;

/**
 * One request's trip upstream and back. Everything here runs on the event loop of the client's connection,
 * so the state needs no locks. The rules:
 * <ul>
 *   <li>A failure to connect, a connection reset before the response head, or a response broken off before
 *       any of it was sent to the client, is retried on another endpoint of the pool; nothing has reached the
 *       client yet, so the retry is invisible.</li>
 *   <li>Non-streaming responses are buffered (bounded) and sent whole, so a failure mid-body is a clean 502.</li>
 *   <li>Streaming responses are relayed as they arrive, one client write per upstream read (see
 *       {@link StreamWriter}), with backpressure: when the client's socket is full, the upstream socket is
 *       paused. Once the stream has started, a failure ends it with an SSE error event, never with a second
 *       status line.</li>
 *   <li>A client that goes away resets the upstream request, so the model stops generating.</li>
 *   <li>Each attempt's outcome feeds the endpoint's circuit breaker: connect errors, resets, 5xx and broken
 *       streams count as failures, any other answer as a success.</li>
 *   <li>When the pool has no endpoint left to try, or answers 429 or 503, the next model of the fallback
 *       chain takes over, again only while nothing has reached the client.</li>
 *   <li>When the gateway shuts down and its grace is over, the call is cut ({@link #cutForShutdown}): a stream
 *       ends with an error event, a request still waiting for its answer gets a 503, both in the client's API.</li>
 * </ul>
 */
final class ProxyCall {
  private final Vertx vertx;
  /** The client connection's event loop: everything here runs on it, including a cut at shutdown. */
  private final Context context;
  private final HttpClient http;
  private final GatewayMetrics metrics;
  private final BufferBudget budget;
  /** Bytes of the current attempt's buffered answer taken from {@link #budget}; given back when it ends. */
  private long buffered;
  private final HttpServerRequest clientRequest;
  private final HttpServerResponse client;
  private final Exchange ex;
  private final ApiRequest request;
  private final Runnable done;
  private final RouteRequest route;
  private final ChainCursor cursor;
  private final ResponseTap tap;
  private final BedrockSigner bedrock;
  private ResponseTranslator translator = ResponseTranslator.NONE;
  /** The client's side of a relayed event stream, once one has started. */
  private StreamWriter stream;

  private Endpoint holding;
  private HttpClientRequest upstream;
  private long requestTimer = -1;
  private long firstByteTimer = -1;
  private String lastFailure = "no endpoint is configured";
  private boolean lastFailureWasUpstreamFault;

  ProxyCall(Vertx vertx, HttpClient http, GatewayMetrics metrics, BufferBudget budget,
      HttpServerRequest clientRequest, Exchange ex,
      ApiRequest request, List<ModelPool> chain, UpstreamRequest.Builder upstreamFor, ResponseTap tap,
      BedrockSigner bedrock, Runnable done) throws ApiException {
    this.tap = tap;
    this.bedrock = bedrock;
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.http = http;
    this.metrics = metrics;
    this.budget = budget;
    this.clientRequest = clientRequest;
    this.client = clientRequest.response();
    this.ex = ex;
    this.request = request;
    this.done = done;
    this.route = ex.route != null ? ex.route : new RouteRequest(request.operation(), request.body());
    ex.route = route;
    this.cursor = new ChainCursor(chain, upstreamFor, route);
  }

  void start() {
    requestTimer = vertx.setTimer(cursor.primary().timeouts().request().toMillis(), id -> onRequestTimeout());
    client.closeHandler(v -> onClientClosed());
    attempt();
  }

  private void attempt() {
    if (ex.finished()) {
      return;
    }
    Endpoint endpoint = cursor.nextEndpoint();
    if (endpoint == null && fallBack("no_healthy_endpoint")) {
      return;
    }
    ModelPool pool = cursor.pool();
    if (endpoint == null) {
      if (cursor.noneTried()) {
        lastFailure = "every endpoint is ejected after failures or failing its health check";
      }
      // Nobody reachable is "unavailable" (503); reachable upstreams that broke the exchange are a bad gateway (502).
      fail(lastFailureWasUpstreamFault
          ? ApiError.badGateway("Every endpoint of model `" + pool.name() + "` failed; the last: " + lastFailure)
          : ApiError.noEndpoint(pool.name(), lastFailure), Outcome.UPSTREAM_ERROR);
      return;
    }
    hold(endpoint);
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost(endpoint.host())
        .setPort(endpoint.port())
        .setSsl(endpoint.tls())
        .setURI(endpoint.path(cursor.call().path()))
        .setConnectTimeout(pool.timeouts().connect().toMillis());
    http.request(options).onComplete(ar -> {
      if (ar.failed()) {
        upstreamFailed(endpoint, "connect", "cannot connect to " + endpoint.id() + ": " + ar.cause().getMessage());
        return;
      }
      if (ex.finished()) {
        ar.result().reset();
        release();
        return;
      }
      send(ar.result(), endpoint);
    });
  }

  private void send(HttpClientRequest up, Endpoint endpoint) {
    upstream = up;
    HeaderPolicy.copyRequestHeaders(clientRequest.headers(), up.headers());
    if (ex.trace != null) {
      ex.trace.propagate(up.headers()); // the attempt's span is the upstream's parent, not the client's
    }
    up.putHeader("content-type", "application/json");
    up.putHeader("x-request-id", ex.requestId);
    if (ex.principal != null) {
      // For upstream logs; the client's own X-Sluice-* headers were dropped above, so these cannot be forged.
      up.putHeader("x-sluice-user", HeaderPolicy.headerSafe(ex.principal.name()));
      ex.principal.keyId().ifPresent(keyId -> up.putHeader("x-sluice-key-id", keyId));
    }
    Dialects.credential(cursor.pool(), up.headers());
    firstByteTimer = vertx.setTimer(cursor.pool().timeouts().firstByte().toMillis(), id -> onFirstByteTimeout());
    if (cursor.pool().provider() == Provider.BEDROCK) {
      // SigV4 signs the final bytes and headers; it waits only while the first credentials are resolved (off-loop).
      Bedrock.accept(cursor.call(), up.headers());
      bedrock.sign(cursor.pool(), endpoint, up.getURI(), up.headers(), cursor.call().body()).onComplete(ar -> {
        if (ex.finished() || upstream != up) {
          return;
        }
        if (ar.failed()) {
          cancelFirstByteTimer();
          fail(ar.cause() instanceof ApiException e ? e.error() : ApiError.internal(), Outcome.UPSTREAM_ERROR);
          return;
        }
        transmit(up, endpoint);
      });
      return;
    }
    transmit(up, endpoint);
  }

  private void transmit(HttpClientRequest up, Endpoint endpoint) {
    up.send(cursor.call().body()).onComplete(ar -> {
      if (ex.finished() || upstream != up) {
        return; // this attempt was abandoned (timeout, client gone) and its failure is already handled
      }
      if (ar.failed()) {
        cancelFirstByteTimer();
        upstream = null;
        upstreamFailed(endpoint, "reset", endpoint.id() + " closed the connection before answering");
        return;
      }
      onResponse(ar.result());
    });
  }

  /**
   * Moves on to the next model of the fallback chain, if there is one; nothing has reached the client.
   *
   * @return false when the chain is exhausted
   */
  private boolean fallBack(String why) {
    String from = cursor.pool().name();
    if (client.headWritten() || !cursor.fallBack(why)) {
      return false;
    }
    String to = cursor.pool().name();
    ex.servedModel = to.equals(ex.modelLabel) ? null : to;
    metrics.fallback(from, to);
    attempt();
    return true;
  }

  /** A failed attempt that sent nothing to the client: count it, then try the next endpoint. */
  private void upstreamFailed(Endpoint endpoint, String kind, String why) {
    metrics.upstreamError(ex.modelLabel, endpoint, kind);
    endpoint.health().failure(System.nanoTime(), kind);
    if (ex.trace != null) {
      ex.trace.failed(kind);
    }
    release();
    lastFailure = why;
    lastFailureWasUpstreamFault = !"connect".equals(kind);
    attempt();
  }

  private void onResponse(HttpClientResponse response) {
    ex.status = response.statusCode();
    if (ex.trace != null) {
      ex.trace.answered(ex.status);
    }
    if (ex.status >= 500) {
      metrics.upstreamError(ex.modelLabel, holding, "status_5xx");
      holding.health().failure(System.nanoTime(), "status " + ex.status);
    } else {
      holding.health().success();
    }
    if ((ex.status == 429 || ex.status == 503) && cursor.hasFallback()) {
      HttpClientRequest abandoned = upstream;
      upstream = null;
      abandoned.reset();
      release();
      fallBack("status_" + ex.status);
      return;
    }
    translator = cursor.call().translator().get();
    translator.head(response.headers());
    String contentType = response.getHeader("content-type");
    boolean sse = request.stream() && ex.status == 200 && contentType != null && translator.streams(contentType);
    if (sse) {
      relayStream(response);
    } else {
      relayBuffered(response, contentType);
    }
  }

  private void relayStream(HttpClientResponse response) {
    stream = new StreamWriter(vertx.getOrCreateContext(), client, response);
    response.exceptionHandler(t -> {
      if (upstream == response.request()) {
        streamBroken("upstream_aborted", "The upstream connection was lost mid-stream.");
      }
    });
    response.handler(chunk -> {
      if (ex.finished()) {
        return;
      }
      if (!client.headWritten()) {
        markFirstByte();
        client.setStatusCode(response.statusCode());
        HeaderPolicy.copyResponseHeaders(response.headers(), client.headers());
        sseForClient();
        client.putHeader("x-request-id", ex.requestId);
        client.setChunked(true);
      }
      Buffer out = tap.streamed(translator.streamChunk(chunk));
      ex.bytesOut += out.length();
      stream.write(out);
    });
    response.endHandler(v -> {
      if (ex.finished()) {
        return;
      }
      if (!client.headWritten()) {
        markFirstByte();
        client.setStatusCode(response.statusCode());
        HeaderPolicy.copyResponseHeaders(response.headers(), client.headers());
        sseForClient();
        client.putHeader("x-request-id", ex.requestId);
      }
      Buffer rest = tap.streamEnded().appendBuffer(translator.streamEnd());
      ex.bytesOut += rest.length();
      stream.end(rest);
      finish(Outcome.OK);
    });
  }

  /** A stream framed otherwise upstream (Bedrock's binary event stream) reaches the client as server-sent events. */
  private void sseForClient() {
    String type = client.headers().get("content-type");
    if (type == null || !type.startsWith("text/event-stream")) {
      client.headers().set("content-type", "text/event-stream");
    }
  }

  private void relayBuffered(HttpClientResponse response, String contentType) {
    Buffer collected = Buffer.buffer();
    response.exceptionHandler(t -> {
      if (!ex.finished() && upstream == response.request()) {
        abortedBeforeClient(holding.id() + " lost the connection before its response was complete");
      }
    });
    response.handler(chunk -> {
      if (ex.finished()) {
        return;
      }
      markFirstByte();
      if (collected.length() + chunk.length() > UpstreamProxy.MAX_BUFFERED_RESPONSE) {
        metrics.upstreamError(ex.modelLabel, holding, "oversized");
        fail(ApiError.badGateway("The upstream response is larger than "
            + UpstreamProxy.MAX_BUFFERED_RESPONSE + " bytes."), Outcome.UPSTREAM_ERROR);
        return;
      }
      if (!budget.tryTake(chunk.length())) {
        metrics.upstreamError(ex.modelLabel, holding, "buffer_budget");
        fail(new ApiError(503, "server_error", "gateway_memory_exhausted", null, "The gateway holds "
            + budget.limit() + " bytes of upstream answers already (server.maxBufferedResponses); retry shortly."),
            Outcome.UPSTREAM_ERROR);
        return;
      }
      buffered += chunk.length();
      collected.appendBuffer(chunk);
    });
    response.endHandler(v -> {
      if (ex.finished()) {
        return;
      }
      markFirstByte();
      int status = response.statusCode();
      if (status >= 400 && (contentType == null || !contentType.contains("json"))) {
        // Upstream errors that are not JSON (a proxy's HTML page, plain text) still reach the client in
        // OpenAI's shape, with the upstream's status.
        fail(new ApiError(status, "upstream_error", "upstream_status", null,
            "The upstream answered HTTP " + status + " without a JSON error body."), Outcome.UPSTREAM_STATUS);
        return;
      }
      client.setStatusCode(status);
      HeaderPolicy.copyResponseHeaders(response.headers(), client.headers());
      client.putHeader("x-request-id", ex.requestId);
      Buffer out = translator.body(status, collected);
      tap.buffered(status, out);
      ex.bytesOut = out.length();
      client.end(out);
      finish(status >= 400 ? Outcome.UPSTREAM_STATUS : Outcome.OK);
    });
  }

  /** The upstream broke off an answer of which nothing reached the client yet: another endpoint may serve it. */
  private void abortedBeforeClient(String why) {
    giveBackBuffered();
    upstream = null;
    ex.firstByteNanos = -1;
    cancelFirstByteTimer();
    upstreamFailed(holding, "aborted", why);
  }

  private void markFirstByte() {
    if (ex.firstByteNanos < 0) {
      ex.firstByteNanos = System.nanoTime();
      cancelFirstByteTimer();
    }
  }

  private void onFirstByteTimeout() {
    firstByteTimer = -1;
    if (ex.finished()) {
      return;
    }
    metrics.upstreamError(ex.modelLabel, holding, "first_byte_timeout");
    if (holding != null) {
      holding.health().failure(System.nanoTime(), "first_byte_timeout");
    }
    fail(ApiError.timeout("The upstream sent nothing within " + cursor.pool().timeouts().firstByte().toMillis()
        + " ms (timeouts.firstByte of model `" + cursor.pool().name() + "`)."), Outcome.TIMEOUT);
  }

  private void onRequestTimeout() {
    requestTimer = -1;
    if (ex.finished()) {
      return;
    }
    metrics.upstreamError(ex.modelLabel, holding, "request_timeout");
    String message = "The request took longer than " + cursor.primary().timeouts().request().toMillis()
        + " ms (timeouts.request of model `" + cursor.primary().name() + "`).";
    if (client.headWritten()) {
      streamBroken("upstream_timeout", message);
    } else {
      fail(ApiError.timeout(message), Outcome.TIMEOUT);
    }
  }

  /** The stream already started: end it with an error event the OpenAI SDKs surface as an APIError. */
  private void streamBroken(String code, String message) {
    if (ex.finished()) {
      return;
    }
    if (!client.headWritten()) {
      abortedBeforeClient(holding.id() + " lost the connection before its first event");
      return;
    }
    if ("upstream_aborted".equals(code)) {
      metrics.upstreamError(ex.modelLabel, holding, "aborted");
      if (holding != null) {
        holding.health().failure(System.nanoTime());
      }
    }
    ApiError error = new ApiError(502, "upstream_error", code, null, message);
    ex.errorCode = code;
    stream.end(translator.streamError(error));
    finish("upstream_timeout".equals(code) ? Outcome.TIMEOUT : Outcome.UPSTREAM_ERROR);
  }

  /** Called from any thread: cuts this call on its own event loop (see {@link #cutByShutdown}). */
  void cutForShutdown() {
    context.runOnContext(v -> cutByShutdown());
  }

  /**
   * The gateway is going down and the shutdown grace is over: ends the exchange cleanly in the client's API,
   * never by dropping the connection. The status is the error's (503), as {@code 499} is for a client that
   * left; settlement charges only what the client got.
   */
  void cutByShutdown() {
    if (ex.finished()) {
      return;
    }
    ApiError error = new ApiError(503, "server_error", "server_shutdown", null,
        "The gateway is shutting down and its shutdown grace (server.shutdownGrace) is over; retry the request.");
    if (client.headWritten() && stream != null) {
      ex.status = error.status();
      ex.errorCode = error.code();
      stream.end(translator.streamError(error));
      finish(Outcome.SERVER_SHUTDOWN);
    } else if (!client.headWritten()) {
      client.putHeader("connection", "close");
      fail(error, Outcome.SERVER_SHUTDOWN);
    }
    // otherwise a buffered answer is being written: it is complete, and finishes on its own
  }

  private void onClientClosed() {
    if (ex.finished()) {
      return;
    }
    ex.status = 499;
    ex.errorCode = "client_closed";
    finish(Outcome.CLIENT_CLOSED);
  }

  private void fail(ApiError error, Outcome outcome) {
    ex.status = error.status();
    ex.errorCode = error.code();
    if (request.operation() == dev.sluice.front.Operation.MESSAGES) { // an Anthropic client reads Anthropic's shape
      if (!client.headWritten()) {
        Responses.json(client, error.status(), MessagesResponses.anthropicError(error));
      }
    } else {
      Responses.error(client, error);
    }
    finish(outcome);
  }

  private void resetUpstream() {
    HttpClientRequest abandoned = upstream;
    if (abandoned != null) {
      upstream = null;
      abandoned.reset();
    }
  }

  /**
   * Ends the exchange. The upstream request is reset only after the exchange is marked finished, because a
   * reset fires the upstream's failure callbacks synchronously and they must see that the outcome is decided.
   */
  private void finish(Outcome outcome) {
    if (ex.finished()) {
      return;
    }
    ex.outcome = outcome;
    ex.endNanos = System.nanoTime();
    giveBackBuffered(); // the answer is with the client's connection now, or dropped
    if (outcome != Outcome.OK) {
      resetUpstream();
    }
    upstream = null;
    cancelFirstByteTimer();
    if (requestTimer >= 0) {
      vertx.cancelTimer(requestTimer);
      requestTimer = -1;
    }
    if (ex.trace != null && outcome != Outcome.OK) {
      ex.trace.failed(ex.errorCode);
    }
    release();
    done.run();
  }

  private void hold(Endpoint endpoint) {
    holding = endpoint;
    ex.endpoint = endpoint;
    ex.attempts++;
    endpoint.inFlightCounter().incrementAndGet();
    if (ex.trace != null) {
      ex.trace.attempt(endpoint, cursor.pool(), ex.attempts, cursor.pool() != cursor.primary(), route.policy());
    }
  }

  private void release() {
    if (holding != null) {
      holding.inFlightCounter().decrementAndGet();
      holding.health().released();
      holding = null;
      if (ex.trace != null) {
        ex.trace.attemptEnded();
      }
    }
  }

  private void giveBackBuffered() {
    budget.give(buffered);
    buffered = 0;
  }

  private void cancelFirstByteTimer() {
    if (firstByteTimer >= 0) {
      vertx.cancelTimer(firstByteTimer);
      firstByteTimer = -1;
    }
  }
}
