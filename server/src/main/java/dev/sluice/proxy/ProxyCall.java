package dev.sluice.proxy;

import dev.sluice.front.ApiError;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Json;
import dev.sluice.front.Responses;
import dev.sluice.record.Exchange;
import dev.sluice.record.Exchange.Outcome;
import dev.sluice.record.GatewayMetrics;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.util.HashSet;
import java.util.Set;

/**
 * One request's trip upstream and back. Everything here runs on the event loop of the client's connection,
 * so the state needs no locks. The rules:
 * <ul>
 *   <li>A failure to connect, or a connection reset before the response head, is retried on another endpoint
 *       of the pool; nothing has reached the client yet, so the retry is invisible.</li>
 *   <li>Non-streaming responses are buffered (bounded) and sent whole, so a failure mid-body is a clean 502.</li>
 *   <li>Streaming responses are relayed chunk by chunk as they arrive, with backpressure: when the client's
 *       socket is full, the upstream socket is paused. Once the stream has started, a failure ends it with an
 *       SSE error event, never with a second status line.</li>
 *   <li>A client that goes away resets the upstream request, so the model stops generating.</li>
 * </ul>
 */
final class ProxyCall {
  private final Vertx vertx;
  private final HttpClient http;
  private final GatewayMetrics metrics;
  private final HttpServerRequest clientRequest;
  private final HttpServerResponse client;
  private final Exchange ex;
  private final ApiRequest request;
  private final ModelPool pool;
  private final Buffer body;
  private final Runnable done;

  private final Set<Endpoint> tried = new HashSet<>(4);
  private Endpoint holding;
  private HttpClientRequest upstream;
  private long requestTimer = -1;
  private long firstByteTimer = -1;
  private String lastFailure = "no endpoint is configured";
  private boolean lastFailureWasUpstreamFault;

  ProxyCall(Vertx vertx, HttpClient http, GatewayMetrics metrics, HttpServerRequest clientRequest, Exchange ex,
      ApiRequest request, ModelPool pool, Buffer body, Runnable done) {
    this.vertx = vertx;
    this.http = http;
    this.metrics = metrics;
    this.clientRequest = clientRequest;
    this.client = clientRequest.response();
    this.ex = ex;
    this.request = request;
    this.pool = pool;
    this.body = body;
    this.done = done;
  }

  void start() {
    requestTimer = vertx.setTimer(pool.timeouts().request().toMillis(), id -> onRequestTimeout());
    client.closeHandler(v -> onClientClosed());
    attempt();
  }

  private void attempt() {
    if (ex.finished()) {
      return;
    }
    Endpoint endpoint = pool.picker().pick(pool.endpoints(), tried);
    if (endpoint == null) {
      // Nobody reachable is "unavailable" (503); reachable upstreams that broke the exchange are a bad gateway (502).
      fail(lastFailureWasUpstreamFault
          ? ApiError.badGateway("Every endpoint of model `" + pool.name() + "` failed; the last: " + lastFailure)
          : ApiError.noEndpoint(pool.name(), lastFailure), Outcome.UPSTREAM_ERROR);
      return;
    }
    tried.add(endpoint);
    hold(endpoint);
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost(endpoint.host())
        .setPort(endpoint.port())
        .setSsl(endpoint.tls())
        .setURI(endpoint.path(request.operation()))
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
    up.putHeader("content-type", "application/json");
    up.putHeader("x-request-id", ex.requestId);
    if (ex.principal != null) {
      // For upstream logs; the client's own X-Sluice-* headers were dropped above, so these cannot be forged.
      up.putHeader("x-sluice-user", HeaderPolicy.headerSafe(ex.principal.name()));
      ex.principal.keyId().ifPresent(keyId -> up.putHeader("x-sluice-key-id", keyId));
    }
    pool.upstreamApiKey().ifPresent(key -> up.putHeader("authorization", "Bearer " + key));
    firstByteTimer = vertx.setTimer(pool.timeouts().firstByte().toMillis(), id -> onFirstByteTimeout());
    up.send(body).onComplete(ar -> {
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

  /** A failed attempt that sent nothing to the client: count it, then try the next endpoint. */
  private void upstreamFailed(Endpoint endpoint, String kind, String why) {
    metrics.upstreamError(ex.modelLabel, endpoint, kind);
    release();
    lastFailure = why;
    lastFailureWasUpstreamFault = !"connect".equals(kind);
    attempt();
  }

  private void onResponse(HttpClientResponse response) {
    ex.status = response.statusCode();
    if (ex.status >= 500) {
      metrics.upstreamError(ex.modelLabel, holding, "status_5xx");
    }
    String contentType = response.getHeader("content-type");
    boolean sse = request.stream() && ex.status == 200 && contentType != null
        && contentType.startsWith("text/event-stream");
    if (sse) {
      relayStream(response);
    } else {
      relayBuffered(response, contentType);
    }
  }

  private void relayStream(HttpClientResponse response) {
    response.exceptionHandler(t -> streamBroken("upstream_aborted", "The upstream connection was lost mid-stream."));
    response.handler(chunk -> {
      if (ex.finished()) {
        return;
      }
      if (!client.headWritten()) {
        markFirstByte();
        client.setStatusCode(response.statusCode());
        HeaderPolicy.copyResponseHeaders(response.headers(), client.headers());
        client.putHeader("x-request-id", ex.requestId);
        client.setChunked(true);
      }
      ex.bytesOut += chunk.length();
      client.write(chunk);
      if (client.writeQueueFull()) {
        response.pause();
        client.drainHandler(v -> response.resume());
      }
    });
    response.endHandler(v -> {
      if (ex.finished()) {
        return;
      }
      if (!client.headWritten()) {
        markFirstByte();
        client.setStatusCode(response.statusCode());
        HeaderPolicy.copyResponseHeaders(response.headers(), client.headers());
        client.putHeader("x-request-id", ex.requestId);
      }
      client.end();
      finish(Outcome.OK);
    });
  }

  private void relayBuffered(HttpClientResponse response, String contentType) {
    Buffer collected = Buffer.buffer();
    response.exceptionHandler(t -> {
      if (!ex.finished()) {
        metrics.upstreamError(ex.modelLabel, holding, "aborted");
        fail(ApiError.badGateway("The upstream connection was lost before the response was complete."),
            Outcome.UPSTREAM_ERROR);
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
      ex.bytesOut = collected.length();
      client.end(collected);
      finish(status >= 400 ? Outcome.UPSTREAM_STATUS : Outcome.OK);
    });
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
    fail(ApiError.timeout("The upstream sent nothing within " + pool.timeouts().firstByte().toMillis()
        + " ms (timeouts.firstByte of model `" + pool.name() + "`)."), Outcome.TIMEOUT);
  }

  private void onRequestTimeout() {
    requestTimer = -1;
    if (ex.finished()) {
      return;
    }
    metrics.upstreamError(ex.modelLabel, holding, "request_timeout");
    String message = "The request took longer than " + pool.timeouts().request().toMillis()
        + " ms (timeouts.request of model `" + pool.name() + "`).";
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
      metrics.upstreamError(ex.modelLabel, holding, "aborted");
      fail(ApiError.badGateway(message), Outcome.UPSTREAM_ERROR);
      return;
    }
    if ("upstream_aborted".equals(code)) {
      metrics.upstreamError(ex.modelLabel, holding, "aborted");
    }
    ApiError error = new ApiError(502, "upstream_error", code, null, message);
    ex.errorCode = code;
    if (!client.closed() && !client.ended()) {
      client.end(Buffer.buffer("data: " + Json.error(error) + "\n\n"));
    }
    finish("upstream_timeout".equals(code) ? Outcome.TIMEOUT : Outcome.UPSTREAM_ERROR);
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
    Responses.error(client, error);
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
    if (outcome != Outcome.OK) {
      resetUpstream();
    }
    upstream = null;
    cancelFirstByteTimer();
    if (requestTimer >= 0) {
      vertx.cancelTimer(requestTimer);
      requestTimer = -1;
    }
    release();
    done.run();
  }

  private void hold(Endpoint endpoint) {
    holding = endpoint;
    ex.endpoint = endpoint;
    ex.attempts++;
    endpoint.inFlightCounter().incrementAndGet();
  }

  private void release() {
    if (holding != null) {
      holding.inFlightCounter().decrementAndGet();
      holding = null;
    }
  }

  private void cancelFirstByteTimer() {
    if (firstByteTimer >= 0) {
      vertx.cancelTimer(firstByteTimer);
      firstByteTimer = -1;
    }
  }
}
