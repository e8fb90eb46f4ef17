package dev.sluice.record.trace;

import dev.sluice.front.ApiRequest;
import dev.sluice.identify.Principal;
import dev.sluice.record.Exchange;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.vertx.core.MultiMap;
import java.util.List;

/**
 * One request's spans: the server span for the whole exchange, one child per stage of the path (identify, route,
 * admit, settle) and one client span per upstream attempt. Created only when tracing is on; like the {@link
 * Exchange} that carries it, confined to the request's event loop, so it needs no locks.
 *
 * <p>Stages follow each other, so at most one is open. A stage still open when the request ends is where the
 * request was refused, and is marked with the error; settle, which runs whatever the outcome, is not.
 */
public final class RequestTrace {
  private static final String SETTLE = "settle";

  private final Tracer tracer;
  private final Span server;
  private final Context context;
  /** The GenAI operation of the route ({@code chat}, {@code embeddings}, ...), named on every attempt. */
  private final String operation;
  private Span stage;
  private String stageName;
  private Span attempt;
  private String attemptError;
  /** The pool of the attempt under way. */
  private String attemptPool;
  /** The pool of the last attempt that got an answer: the model that served the request. */
  private String answeredBy;

  private RequestTrace(Tracer tracer, Span server, String operation) {
    this.tracer = tracer;
    this.server = server;
    this.context = Context.root().with(server);
    this.operation = operation;
  }

  static RequestTrace start(Tracer tracer, MultiMap headers, String clientAddress, Exchange ex) {
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, Headers.INSTANCE);
    Span server = tracer.spanBuilder(ex.method + " " + ex.path)
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute(GenAi.METHOD, ex.method)
        .setAttribute(GenAi.ROUTE, ex.path)
        .setAttribute(GenAi.REQUEST_ID, ex.requestId)
        .startSpan();
    String operation = GenAi.operation(ex.path);
    server.setAttribute(GenAi.OPERATION, operation);
    if (clientAddress != null) {
      server.setAttribute(GenAi.CLIENT_ADDRESS, clientAddress);
    }
    String agent = headers.get("user-agent");
    if (agent != null) {
      server.setAttribute(GenAi.USER_AGENT, agent);
    }
    return new RequestTrace(tracer, server, operation);
  }

  /**
   * The request's trace id (32 hex digits), for joining its access-log line to its trace; fixed when the request
   * arrives, so the access log's thread may read it.
   */
  public String traceId() {
    return server.getSpanContext().getTraceId();
  }

  /** Opens a stage of the path, ending the one before it. */
  public void stage(String name) {
    endStage();
    stage = tracer.spanBuilder(name).setParent(context).startSpan();
    stageName = name;
  }

  /** Identify decided who is calling: the key's id (never its secret). */
  public void identified(Principal principal) {
    if (principal != null && principal.keyId().isPresent()) {
      String keyId = principal.keyId().get();
      server.setAttribute(GenAi.KEY_ID, keyId);
      if (stage != null) {
        stage.setAttribute(GenAi.KEY_ID, keyId);
      }
    }
    endStage();
  }

  /** What the client asked for, once its body is parsed. */
  public void requested(ApiRequest request) {
    server.setAttribute(GenAi.REQUEST_MODEL, request.model());
    server.setAttribute(GenAi.STREAM, request.stream());
    long max = GenAi.maxTokens(request);
    if (max > 0) {
      server.setAttribute(GenAi.MAX_TOKENS, max);
    }
  }

  /** Route found the model's pool and the chain of fallbacks the caller may use. */
  public void routed(List<ModelPool> chain) {
    if (stage != null) {
      stage.setAttribute(GenAi.POOL, chain.get(0).name());
      stage.setAttribute(GenAi.CHAIN, String.join(",", chain.stream().map(ModelPool::name).toList()));
    }
    endStage();
  }

  /** Admission decided; a refusal stays open, to be ended with its error when the request ends. */
  public void admitted(String plan, boolean admitted) {
    if (plan != null) {
      server.setAttribute(GenAi.PLAN, plan);
    }
    if (stage != null) {
      if (plan != null) {
        stage.setAttribute(GenAi.PLAN, plan);
      }
      stage.setAttribute(GenAi.ADMITTED, admitted);
    }
    if (admitted) {
      endStage();
    }
  }

  /**
   * An upstream attempt begins on {@code endpoint} of {@code pool}: a client span in GenAI's form ({@code chat
   * <model>}).
   *
   * @param number 1 for the first attempt of the request, counting retries and fallbacks
   * @param fallback whether {@code pool} is a fallback of the model the client asked for
   */
  public void attempt(Endpoint endpoint, ModelPool pool, int number, boolean fallback, String policy) {
    endAttempt();
    String model = pool.config().upstream().model().orElse(pool.name());
    String provider = GenAi.provider(pool.config().upstream().provider());
    attempt = tracer.spanBuilder(operation + " " + model)
        .setParent(context)
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute(GenAi.OPERATION, operation)
        .setAttribute(GenAi.PROVIDER, provider)
        .setAttribute(GenAi.SYSTEM, provider)
        .setAttribute(GenAi.REQUEST_MODEL, model)
        .setAttribute(GenAi.POOL, pool.name())
        .setAttribute(GenAi.ENDPOINT, endpoint.id())
        .setAttribute(GenAi.SERVER_ADDRESS, endpoint.host())
        .setAttribute(GenAi.SERVER_PORT, (long) endpoint.port())
        .setAttribute(GenAi.ATTEMPT, (long) number)
        .setAttribute(GenAi.FALLBACK, fallback)
        .startSpan();
    if (number > 1) {
      attempt.setAttribute(GenAi.RESEND_COUNT, (long) number - 1);
    }
    if (policy != null) {
      attempt.setAttribute(GenAi.POLICY, policy);
    }
    attemptError = null;
    attemptPool = pool.name();
  }

  /** The upstream request of the attempt under way carries its trace context, in place of the client's. */
  public void propagate(MultiMap upstreamHeaders) {
    if (attempt == null) {
      return;
    }
    upstreamHeaders.remove("traceparent");
    upstreamHeaders.remove("tracestate");
    W3CTraceContextPropagator.getInstance().inject(context.with(attempt), upstreamHeaders, Headers.INSTANCE);
  }

  /** The attempt under way got its answer's head. */
  public void answered(int status) {
    if (attempt == null) {
      return;
    }
    attempt.setAttribute(GenAi.STATUS, (long) status);
    if (status >= 400) {
      failed(Integer.toString(status));
    } else {
      answeredBy = attemptPool;
      attempt.setAttribute(GenAi.RESPONSE_MODEL, attemptPool);
    }
  }

  /** The attempt under way failed ({@code connect}, {@code reset}, {@code upstream_timeout}, ...). */
  public void failed(String errorType) {
    if (attempt != null && attemptError == null && errorType != null) {
      attemptError = errorType;
      attempt.setAttribute(GenAi.ERROR_TYPE, errorType);
    }
  }

  /** The attempt under way is over: answered in full, failed, abandoned or cut. */
  public void attemptEnded() {
    endAttempt();
  }

  /** The request is over and recorded: its outcome, usage and cost go on the server span, which ends. */
  public void end(Exchange ex) {
    endAttempt();
    if (stage != null && !SETTLE.equals(stageName) && ex.status >= 400) {
      stage.setAttribute(GenAi.ERROR_TYPE, errorType(ex));
      stage.setStatus(StatusCode.ERROR);
    }
    if (stage != null && SETTLE.equals(stageName)) {
      usage(stage, ex);
    }
    endStage();
    if (!server.isRecording()) {
      server.end();
      return;
    }
    server.setAttribute(GenAi.STATUS, (long) ex.status);
    server.setAttribute(GenAi.OUTCOME, ex.outcome.name().toLowerCase(java.util.Locale.ROOT));
    server.setAttribute(GenAi.ATTEMPTS, (long) ex.attempts);
    if (ex.endpoint != null) {
      server.setAttribute(GenAi.ENDPOINT, ex.endpoint.id());
    }
    if (ex.route != null && ex.route.policy() != null) {
      server.setAttribute(GenAi.POLICY, ex.route.policy());
    }
    if (ex.route != null && !ex.route.fallbacks().isEmpty()) {
      server.setAttribute(GenAi.FALLBACKS, String.join(",", ex.route.fallbacks()));
    }
    if (answeredBy != null) {
      server.setAttribute(GenAi.RESPONSE_MODEL, answeredBy);
    }
    if (ex.group != null) {
      server.setAttribute(GenAi.GROUP, ex.group);
    }
    usage(server, ex);
    if (ex.status >= 400) {
      server.setAttribute(GenAi.ERROR_TYPE, errorType(ex));
    }
    if (ex.status >= 500) { // a 4xx is the client's doing: not an error of the server span (HTTP conventions)
      server.setStatus(StatusCode.ERROR);
    }
    server.end();
  }

  private static void usage(Span span, Exchange ex) {
    if (ex.principal == null || ex.model == null) {
      return;
    }
    span.setAttribute(GenAi.INPUT_TOKENS, ex.promptTokens);
    span.setAttribute(GenAi.OUTPUT_TOKENS, ex.completionTokens);
    if (ex.cachedTokens > 0) {
      span.setAttribute(GenAi.CACHED_TOKENS, ex.cachedTokens);
    }
    if (ex.usageEstimated) {
      span.setAttribute(GenAi.ESTIMATED, true);
    }
    if (ex.cost != null) {
      span.setAttribute(GenAi.COST, ex.cost.toPlainString());
      if (ex.currency != null) {
        span.setAttribute(GenAi.CURRENCY, ex.currency);
      }
    }
  }

  private static String errorType(Exchange ex) {
    return ex.errorCode != null ? ex.errorCode : Integer.toString(ex.status);
  }

  private void endStage() {
    if (stage != null) {
      stage.end();
      stage = null;
      stageName = null;
    }
  }

  private void endAttempt() {
    if (attempt != null) {
      if (attemptError != null) {
        attempt.setStatus(StatusCode.ERROR);
      }
      attempt.end();
      attempt = null;
    }
  }
}
