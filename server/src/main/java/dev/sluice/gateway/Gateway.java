package dev.sluice.gateway;

import dev.sluice.admit.Ticket;
import dev.sluice.authorize.ModelAccess;
import dev.sluice.config.ServerConfig;
import dev.sluice.config.UpstreamConfig.ResponsesMode;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.BodyReader;
import dev.sluice.front.ClientAddress;
import dev.sluice.front.ContentHeaders;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.front.RequestParser;
import dev.sluice.front.Responses;
import dev.sluice.identify.Credential;
import dev.sluice.identify.IdentificationException;
import dev.sluice.keys.KeyFormat;
import dev.sluice.identify.Identification;
import dev.sluice.identify.Principal;
import dev.sluice.proxy.UpstreamProxy;
import dev.sluice.proxy.UpstreamRequest;
import dev.sluice.proxy.anthropic.Dialects;
import dev.sluice.proxy.anthropic.MessagesRequests;
import dev.sluice.proxy.anthropic.MessagesResponses;
import dev.sluice.proxy.responses.Conversations;
import dev.sluice.proxy.responses.ResponsesApi;
import dev.sluice.proxy.responses.RequestChecks;
import dev.sluice.proxy.responses.Turn;
import dev.sluice.record.Exchange;
import dev.sluice.record.Exchange.Outcome;
import dev.sluice.record.Recorder;
import dev.sluice.route.ModelCatalog;
import dev.sluice.route.ModelPool;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.kvevents.KvEventsScorer;
import dev.sluice.settle.Settlement;
import dev.sluice.settle.UsageMeter;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * The data plane: the OpenAI-compatible routes and the request path they run, top to bottom in
 * {@link #handle}. Runs on Vert.x event loops; nothing here blocks.
 */
public final class Gateway {
  private static final Logger LOG = Logger.getLogger(Gateway.class);

  private final ServerConfig server;
  private final LiveCatalog live;
  private final UpstreamProxy proxy;
  private final Recorder recorder;
  private final Settlement settlement;
  private final ModelsApi modelsApi;
  private final Conversations conversations;
  private final ResponsesApi responsesApi;
  private final Identification identification;
  private final ModelAccess access;
  private final Drain drain = new Drain();
  private final java.util.function.BooleanSupplier costHeader;
  private final ClientAddress clients;
  /** Anthropic's token counting beside its Messages API. */
  static final String COUNT_TOKENS = "/v1/messages/count_tokens";

  /**
   * @param live the configuration version in force: models, pools, plans; each request runs on the one in
   *     force when its path starts
   * @param conversations the Responses API's stored conversations
   */
  public Gateway(ServerConfig server, Identification identification, ModelAccess access, LiveCatalog live,
      UpstreamProxy proxy, Recorder recorder, Settlement settlement, Conversations conversations) {
    this(server, identification, access, live, proxy, recorder, settlement, conversations,
        () -> live.get() != null && live.get().config().quota().spend().costHeader());
  }

  /** @param costHeader whether non-streaming answers carry {@code x-sluice-cost} ({@code spend.costHeader}) */
  public Gateway(ServerConfig server, Identification identification, ModelAccess access, LiveCatalog live,
      UpstreamProxy proxy, Recorder recorder, Settlement settlement, Conversations conversations,
      java.util.function.BooleanSupplier costHeader) {
    this.costHeader = costHeader;
    this.server = server;
    this.clients = new ClientAddress(server.trustedProxies());
    this.identification = identification;
    this.access = access;
    this.live = live;
    this.proxy = proxy;
    this.recorder = recorder;
    this.settlement = settlement;
    this.modelsApi = new ModelsApi(() -> live.get().catalog(), identification, access);
    this.conversations = conversations;
    this.responsesApi = new ResponsesApi(conversations.stored(), identification, cause -> identificationError(cause, null));
  }

  public void mount(Router router) {
    for (Operation operation : Operation.values()) {
      router.route(operation.path()).handler(ctx -> accept(ctx, operation, operation.path(), this::handle));
    }
    router.route(COUNT_TOKENS).handler(ctx -> accept(ctx, Operation.MESSAGES, COUNT_TOKENS, this::countTokens));
    router.route("/v1/models").handler(modelsApi::list);
    router.route("/v1/models/*").handler(modelsApi::get);
    router.route("/v1/responses/*").handler(responsesApi::handle);
    router.route("/v1/*").handler(ctx -> Responses.error(ctx.response(), ApiError.notFound(ctx.request().path())));
    // Failures the router itself raises (an HTTP/1.1 request without Host is failed with 400 before any route)
    // would otherwise reach the framework's error page; a client of /v1 gets the one error shape.
    router.route("/v1/*").failureHandler(ctx -> Responses.error(ctx.response(), routerFailure(ctx)));
    // A path that cannot be decoded (bad percent-encoding) matches no route with a path: under Quarkus its 400
    // reaches the path-less failure handlers (Quarkus's own page is one, so this one must come first), on a
    // plain Vert.x router the 400 error handler.
    router.route().order(Integer.MIN_VALUE).failureHandler(ctx -> {
      if (onV1(ctx) && ctx.failure() instanceof IllegalArgumentException) {
        undecodable(ctx);
      } else {
        ctx.next();
      }
    });
    router.errorHandler(400, ctx -> {
      if (onV1(ctx)) {
        undecodable(ctx);
      } else if (!ctx.response().ended()) {
        ctx.response().setStatusCode(400).end();
      }
    });
  }

  private static boolean onV1(RoutingContext ctx) {
    return ctx.request().uri() != null && ctx.request().uri().startsWith("/v1");
  }

  private static void undecodable(RoutingContext ctx) {
    ctx.response().putHeader("connection", "close");
    Responses.error(ctx.response(), ApiError.badRequest("invalid_url", null, "The request URL cannot be decoded."));
  }

  private static ApiError routerFailure(RoutingContext ctx) {
    int status = ctx.statusCode();
    if (status == 400 && ctx.request().host() == null) {
      return ApiError.badRequest("missing_host", null, "An HTTP/1.1 request must carry a Host header.");
    }
    if (ctx.failure() instanceof IllegalArgumentException) {
      return ApiError.badRequest("invalid_url", null, "The request URL cannot be decoded: "
          + ctx.failure().getMessage());
    }
    if (status >= 400 && status < 500) {
      return new ApiError(status, "invalid_request_error", "invalid_request", null,
          "The request was refused by the HTTP layer (status " + status + ").");
    }
    if (ctx.failure() != null) {
      LOG.errorf(ctx.failure(), "request to %s failed in the router", ctx.request().path());
    }
    return ApiError.internal();
  }

  /** Requests in flight, and the refusal of new ones once a shutdown has begun. */
  public Drain drain() {
    return drain;
  }

  /**
   * Front: the request must be a POST of a JSON object within the size limit, from an identified caller.
   * The caller is identified before the body is read, so anonymous clients cannot make the gateway buffer
   * bodies; the request is paused meanwhile (identification may wait on a worker for a JWT).
   */
  private void accept(RoutingContext ctx, Operation operation, String path, Step step) {
    HttpServerRequest req = ctx.request();
    Exchange ex = new Exchange(requestId(req), System.nanoTime(), req.method().name(), path);
    ex.clientAddress = clients.of(req);
    ex.userAgent = ClientAddress.userAgent(req);
    ex.trace = recorder.tracing().start(req, ex);                             // null when tracing is off
    if (!drain.enter()) {                                                      // counted until recorded
      req.response().putHeader("connection", "close");
      reject(req, ex, Drain.refused());
      return;
    }
    if (req.method() != HttpMethod.POST) {
      req.response().putHeader("allow", "POST");
      reject(req, ex, ApiError.methodNotAllowed(req.method().name(), path));
      return;
    }
    ApiError unreadable = ContentHeaders.check(req.headers());
    if (unreadable != null) {
      reject(req, ex, unreadable);
      return;
    }
    req.pause();
    if (ex.trace != null) {
      ex.trace.stage("identify");
    }
    identification.identify(req.headers()).onComplete(id -> {                 // identify: key | JWT → principal
      if (id.failed()) {
        if (!req.isEnded()) {
          req.response().putHeader("connection", "close"); // the unread body would otherwise poison the connection
        }
        req.resume();
        ex.refusedKeyId = refusedKeyId(req);
        reject(req, ex, identificationError(id.cause(), ex));
        return;
      }
      ex.principal = id.result();
      if (ex.trace != null) {
        ex.trace.identified(ex.principal);
      }
      read(req, ex, operation, step);
    });
  }

  private void read(HttpServerRequest req, Exchange ex, Operation operation, Step step) {
    BodyReader.read(req, server.maxBodySize(), server.limits().bodyTimeout().toMillis()).onComplete(ar -> {
      if (ar.failed()) {
        if (ar.cause() instanceof ApiException e) {
          if (e.error().status() == 413 || e.error().status() == 408) {
            // The rest of the body is still on its way; closing is cheaper than reading it to discard it.
            req.response().putHeader("connection", "close");
          }
          reject(req, ex, e.error());
        } else if (!(ar.cause() instanceof HttpClosedException) && !req.response().closed()) {
          // The connection is alive but its body could not be decoded (a bad chunk): say so, then close it.
          req.response().putHeader("connection", "close");
          reject(req, ex, ApiError.badRequest("malformed_http", null,
              "The request body is not valid HTTP/1.1 framing: " + ar.cause().getMessage()));
        } else {
          ex.status = 499;
          ex.outcome = Outcome.CLIENT_CLOSED;
          finish(ex);
        }
        return;
      }
      ex.bytesIn = ar.result().length();
      try {
        step.run(req, ex, ex.principal, RequestParser.parse(operation, ar.result()));
      } catch (ApiException e) {
        reject(req, ex, e.error());
      } catch (RuntimeException e) {
        LOG.errorf(e, "request %s failed inside the gateway", ex.requestId);
        ex.outcome = Outcome.INTERNAL_ERROR;
        reject(req, ex, ApiError.internal());
      }
    });
  }

  /** The request path, once the caller is known and the body parsed; it reads top to bottom. */
  private void handle(HttpServerRequest req, Exchange ex, Principal principal, ApiRequest request) throws ApiException {
    ex.model = request.model();
    ex.stream = request.stream();
    if (request.operation() == Operation.MESSAGES) {
      MessagesRequests.validate(request.body());                               // front: what Anthropic requires
    }
    if (ex.trace != null) {
      ex.trace.requested(request);
      ex.trace.stage("route");
    }
    CatalogSnapshot version = live.acquire();                                 // one configuration version,
    ex.release = () -> live.release(version);                                 // held until recorded
    ModelCatalog catalog = version.catalog();

    ModelPool pool = catalog.pool(request.model());                           // route: model → pool
    if (pool == null) {
      throw new ApiException(ApiError.modelNotFound(request.model()));
    }
    ex.modelLabel = pool.name();

    access.check(principal, pool.config());                                   // authorize: model access, key scope
    List<ModelPool> chain = catalog.chain(pool, req.headers(),                 // route: data class, fallbacks
        fallback -> access.allows(principal, fallback.config()));
    if (ex.trace != null) {
      ex.trace.routed(chain);
    }

    if (request.operation() == Operation.RESPONSES) {                        // Responses API: the conversation
      boolean passedThrough = pool.config().upstream().responsesMode() == ResponsesMode.PASSTHROUGH;  // (a store read
      conversations.prepare(principal, request, passedThrough).onComplete(turn -> {   // on a worker), as chat
        if (turn.failed()) {
          refuse(req, ex, turn.cause());
          return;
        }
        Turn t = turn.result();
        try {
          admit(req, ex, principal, t.chat(), version, pool, chain, (p, bodyChanged) -> t.forPool(p));
        } catch (RuntimeException e) {
          refuse(req, ex, e);
        }
      });
      return;
    }
    admit(req, ex, principal, request, version, pool, chain, (p, bodyChanged) -> Dialects.forPool(request, p, bodyChanged));
  }

  /** How a request is sent to one pool of its chain, once admission and metering may have changed its body. */
  @FunctionalInterface
  private interface Upstreams {
    UpstreamRequest build(ModelPool pool, boolean bodyChanged) throws ApiException;
  }

  private void admit(HttpServerRequest req, Exchange ex, Principal principal, ApiRequest request,
      CatalogSnapshot version, ModelPool pool, List<ModelPool> chain, Upstreams upstreams) {
    UsageMeter meter = UsageMeter.attach(request);                            // settle: ask for usage
    if (ex.trace != null) {
      ex.trace.stage("admit");
    }
    Future<Void> named = Future.succeededFuture();
    KvEventsScorer kvEvents = KvEventsScorer.of(pool);
    if (kvEvents != null && kvEvents.templated() != null && kvEvents.anyTrusted(pool.endpoints())) {
      // route: the prompt's engine blocks (chat template, tokenizer) are named on a worker while admission runs
      ex.route = new RouteRequest(request.operation(), request.body());
      named = kvEvents.nameAhead(ex.route);
    }
    Future<Void> ready = named;
    version.admission().admit(principal, request, pool.name(), pool.timeouts().request())  // admit: reserve
        .onSuccess(ticket -> ready.onComplete(n -> proceed(req, ex, request, chain, ticket, meter, upstreams)));
  }

  private void refuse(HttpServerRequest req, Exchange ex, Throwable cause) {
    if (cause instanceof ApiException e) {
      reject(req, ex, e.error());
    } else {
      LOG.errorf(cause, "request %s failed inside the gateway", ex.requestId);
      ex.outcome = Outcome.INTERNAL_ERROR;
      reject(req, ex, ApiError.internal());
    }
  }

  /**
   * {@code POST /v1/messages/count_tokens}: the model's own prompt counter (ADR 033) on what its upstream would be
   * sent, so an OpenAI-shaped model's count is that of the translated request. Nothing is reserved or charged.
   */
  private void countTokens(HttpServerRequest req, Exchange ex, Principal principal, ApiRequest request)
      throws ApiException {
    ex.model = request.model();
    CatalogSnapshot version = live.acquire();
    ex.release = () -> live.release(version);
    ModelPool pool = version.catalog().pool(request.model());
    if (pool == null) {
      throw new ApiException(ApiError.modelNotFound(request.model()));
    }
    ex.modelLabel = pool.name();
    access.check(principal, pool.config());
    ApiRequest counted = Dialects.counted(request, pool);
    version.admission().prompts().bound(pool.name(), counted).onComplete(n -> {
      ex.status = 200;
      req.response().putHeader("x-request-id", ex.requestId);
      Responses.json(req.response(), 200, Json.object().put("input_tokens", n.succeeded() ? n.result() : 0));
      finish(ex);
    });
  }

  /** What a route does with a parsed request from an identified caller. */
  @FunctionalInterface
  private interface Step {
    void run(HttpServerRequest req, Exchange ex, Principal principal, ApiRequest request) throws ApiException;
  }

  /** Admitted or refused; an admitted request goes upstream and is settled when it ends, however it ends. */
  private void proceed(HttpServerRequest req, Exchange ex, ApiRequest request, List<ModelPool> chain, Ticket ticket,
      UsageMeter meter, Upstreams upstreams) {
    ex.plan = ticket.planName();
    ex.group = ticket.group();
    ex.currency = ticket.currency();
    if (ex.trace != null) {
      ex.trace.admitted(ticket.planName(), ticket.admitted());
    }
    ticket.applyHeaders(req.response());
    if (!ticket.admitted()) {
      ex.cost = ticket.prices() == null ? null : java.math.BigDecimal.ZERO;
      reject(req, ex, ticket.error());
      return;
    }
    if (costHeader.getAsBoolean() && ticket.prices() != null && !request.stream()) {
      // Known only once the whole answer is read: non-streaming answers carry it, streams do not (no trailers).
      meter.onBuffered(m -> req.response().putHeader("x-sluice-cost", Settlement.cost(ticket, m.promptTokens(),
          Math.min(m.cachedTokens(), m.promptTokens()), m.cacheWriteTokens(), m.completionTokens()).toPlainString()
          + " " + ticket.currency()));
    }
    Runnable settleThenRecord = () -> {
      if (ex.trace != null) {
        ex.trace.stage("settle");
      }
      settlement.settle(ticket, meter, ex);                                   // settle → record
      record(ex);
    };
    if (req.response().closed()) {                                            // the client left during admission
      ex.status = 499;
      ex.outcome = Outcome.CLIENT_CLOSED;
      ex.endNanos = System.nanoTime();
      settleThenRecord.run();
      return;
    }
    boolean bodyChanged = ticket.bodyChanged() || meter.bodyChanged();
    try {
      proxy.forward(req, ex, request, chain, p -> upstreams.build(p, bodyChanged), // proxy
          meter, settleThenRecord);
    } catch (ApiException e) {
      reject(req, ex, e.error());
      settlement.settle(ticket, meter, ex);
    } catch (RuntimeException e) {
      LOG.errorf(e, "request %s failed inside the gateway", ex.requestId);
      ex.outcome = Outcome.INTERNAL_ERROR;
      reject(req, ex, ApiError.internal());
      settlement.settle(ticket, meter, ex);
    }
  }

  static ApiError identificationError(Throwable cause, Exchange ex) {
    if (cause instanceof IdentificationException e) {
      return e.error();
    }
    LOG.errorf(cause, "request %s: identification failed", ex == null ? "-" : ex.requestId);
    return ApiError.internal();
  }

  private void reject(HttpServerRequest req, Exchange ex, ApiError error) {
    ex.status = error.status();
    ex.errorCode = error.code();
    if (ex.outcome == Outcome.OK) {
      ex.outcome = Outcome.REJECTED;
    }
    req.response().putHeader("x-request-id", ex.requestId);
    if (Operation.RESPONSES.path().equals(ex.path)) { // admitted as chat: its max_tokens is the client's max_output_tokens
      error = RequestChecks.inClientTerms(error);
    }
    if (ex.path.startsWith(Operation.MESSAGES.path())) { // an Anthropic client reads errors in Anthropic's shape
      if (!req.response().headWritten()) {
        Responses.json(req.response(), error.status(), MessagesResponses.anthropicError(error));
      }
    } else {
      Responses.error(req.response(), error);
    }
    finish(ex);
  }

  private void finish(Exchange ex) {
    ex.endNanos = System.nanoTime();
    record(ex);
  }

  private void record(Exchange ex) {
    Runnable release = ex.release;
    ex.release = null;
    try {
      recorder.record(ex);
    } finally {
      if (release != null) {
        release.run();
      }
      drain.exit();
    }
  }

  /** The id of the API key the request presented, when it is well-formed (the secret is never kept). */
  private static String refusedKeyId(HttpServerRequest req) {
    Credential credential = Credential.from(req.headers());
    return credential.isApiKey() ? KeyFormat.parse(credential.value()).map(KeyFormat.Parsed::keyId).orElse(null) : null;
  }

  /** The client's {@code X-Request-Id} when it is a sane token, so logs can be joined; otherwise a fresh one. */
  private static String requestId(HttpServerRequest req) {
    String given = req.getHeader("x-request-id");
    if (given != null && given.length() <= 64 && given.chars().allMatch(c ->
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
      return given;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return "req_" + Long.toHexString(random.nextLong() | Long.MIN_VALUE) + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
  }
}
