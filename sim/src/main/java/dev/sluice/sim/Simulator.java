package dev.sluice.sim;

import dev.sluice.sim.SimConfig.FailureKind;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running simulator: an OpenAI/vLLM-compatible HTTP server with a latency model, a prefix
 * cache, admission control and failure injection. Start it on an existing Vert.x with
 * {@link #start(Vertx, SimConfig)} (the gateway embeds it that way) or standalone with
 * {@link #startBlocking(SimConfig)}.
 */
public final class Simulator implements AutoCloseable {

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final SimCore core;
  private final List<String> deployments;
  private final int port;
  private Future<Void> closing;

  private Simulator(Vertx vertx, boolean ownsVertx, SimCore core, List<String> deployments,
      int port) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.core = core;
    this.deployments = deployments;
    this.port = port;
  }

  /** Deploys {@code config.eventLoops()} server instances on {@code vertx}, sharing one port. */
  public static Future<Simulator> start(Vertx vertx, SimConfig config) {
    return start(vertx, config, false);
  }

  private static Future<Simulator> start(Vertx vertx, SimConfig config, boolean ownsVertx) {
    SimCore core;
    try {
      core = new SimCore(vertx, config);
    } catch (RuntimeException e) {  // the KV-event ports could not be bound
      return Future.failedFuture(e);
    }
    InferenceHandler inference = new InferenceHandler(core);
    // The first instance binds (possibly an ephemeral port); the others then share that port.
    HttpFront first = new HttpFront(core, inference, config.port());
    Future<Simulator> started = vertx.deployVerticle(first).compose(firstId -> {
      int port = first.actualPort();
      if (config.eventLoops() == 1) {
        return Future.succeededFuture(
            new Simulator(vertx, ownsVertx, core, List.of(firstId), port));
      }
      DeploymentOptions rest = new DeploymentOptions().setInstances(config.eventLoops() - 1);
      return vertx.deployVerticle(() -> new HttpFront(core, inference, port), rest)
          .map(restId -> new Simulator(vertx, ownsVertx, core, List.of(firstId, restId), port))
          .recover(err -> vertx.undeploy(firstId).transform(x -> Future.failedFuture(err)));
    });
    return started.onFailure(err -> {
      if (core.kvEvents() != null) {
        core.kvEvents().close();
      }
    });
  }

  /**
   * Starts on a Vert.x of its own (one event loop per {@code eventLoops}), which {@link #close()}
   * closes too.
   *
   * @throws IllegalStateException if the server cannot start; the cause says why (e.g. a
   *     {@link java.net.BindException} when the port is taken)
   */
  public static Simulator startBlocking(SimConfig config) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(config.eventLoops()));
    try {
      return start(vertx, config, true).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      vertx.close();
      throw new IllegalStateException("simulator failed to start: " + e.getCause().getMessage(),
          e.getCause());
    } catch (TimeoutException e) {
      vertx.close();
      throw new IllegalStateException("simulator did not start within 30 s", e);
    } catch (InterruptedException e) {
      vertx.close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the simulator", e);
    }
  }

  public SimConfig config() {
    return core.config();
  }

  /** The bound port (the ephemeral one when the config asked for port 0). */
  public int port() {
    return port;
  }

  public String baseUrl() {
    String host = core.config().host();
    if (host.equals("0.0.0.0") || host.equals("::")) {
      host = "127.0.0.1";
    } else if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port;
  }

  public SimStats stats() {
    return core.stats();
  }

  /** The last 64 requests, oldest first. */
  public List<RecordedRequest> recentRequests() {
    return core.log().recent();
  }

  /** The Prometheus exposition {@code GET /metrics} would return now. */
  public String metricsText() {
    return core.metricsText();
  }

  /**
   * Where the KV-cache events are published, e.g. {@code tcp://127.0.0.1:40123} (the bound port when the config
   * asked for 0).
   *
   * @throws IllegalStateException when the config does not enable KV events
   */
  public String kvEventsEndpoint() {
    return "tcp://" + advertisedHost() + ":" + publisher().port();
  }

  /** The replay (ROUTER) endpoint, or null when the config asks for none. */
  public String kvEventsReplayEndpoint() {
    int p = publisher().replayPort();
    return p < 0 ? null : "tcp://" + advertisedHost() + ":" + p;
  }

  /**
   * Closes the KV-event sockets, as a dropped connection or a restarting publisher would: subscribers lose the
   * connection and every batch until {@link #resumeKvEvents()} (kept for replay, never sent).
   */
  public void suspendKvEvents() {
    publisher().suspend();
  }

  /** Binds the KV-event sockets again, on the same ports. */
  public void resumeKvEvents() {
    publisher().resume();
  }

  /** Drops the whole prefix cache, as vLLM's {@code POST /reset_prefix_cache}; publishes AllBlocksCleared. */
  public void resetPrefixCache() {
    core.cache().clear();
  }

  /** The hashes of the blocks in the prefix cache now, in no particular order (tests compare indexes with it). */
  public long[] cachedBlockHashes() {
    return core.cache().snapshot();
  }

  private KvEventPublisher publisher() {
    KvEventPublisher p = core.kvEvents();
    if (p == null) {
      throw new IllegalStateException("this simulator does not publish KV events (SimConfig.kvEvents)");
    }
    return p;
  }

  private String advertisedHost() {
    String host = core.config().host();
    if (host.equals("0.0.0.0") || host.equals("::")) {
      return "127.0.0.1";
    }
    return host.contains(":") ? "[" + host + "]" : host;
  }

  public void setFailures(double rate, List<FailureKind> kinds) {
    core.failures().set(rate, kinds);
  }

  /** Applies to requests that start running from now on. */
  public void setLatency(Duration prefillOverhead, Duration prefillPerToken, Duration itl) {
    core.setLatency(prefillOverhead, prefillPerToken, itl);
  }

  /**
   * How many leading tokens of this prompt the prefix cache holds now (whole blocks), without
   * touching the cache. Pair with {@link #promptTokens(String, String)} or {@link Tokenizer}.
   */
  public int cachedPrefixTokens(List<String> promptTokens) {
    return cachedPrefixTokens(promptTokens, null);
  }

  /** The same for a request with a {@code cache_salt} (null for none). */
  public int cachedPrefixTokens(List<String> promptTokens, String cacheSalt) {
    PrefixCache cache = core.cache();
    return cache.cachedBlocks(cache.blockHashes(promptTokens, cacheSalt)) * cache.blockSize();
  }

  /**
   * The prompt tokens the simulator would charge for a request body, so a router can ask
   * {@link #cachedPrefixTokens(List)} about a request before sending it.
   *
   * @param path {@code /v1/chat/completions} or {@code /v1/completions}
   * @throws IllegalArgumentException if the body is not a valid request for that path
   */
  public static List<String> promptTokens(String path, String body) {
    boolean chat = path.endsWith("/chat/completions");
    if (!chat && !path.endsWith("/completions")) {
      throw new IllegalArgumentException("no prompt for " + path);
    }
    try {
      return RequestParser.promptTokens(Buffer.buffer(body, StandardCharsets.UTF_8.name()), chat);
    } catch (ApiError e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  /** Undeploys the servers (and closes the Vert.x if this simulator created it). Idempotent. */
  public synchronized Future<Void> closeAsync() {
    if (closing == null) {
      List<Future<Void>> undeploys = new ArrayList<>();
      for (String id : deployments) {
        undeploys.add(vertx.undeploy(id));
      }
      Future<Void> undeployed = Future.join(undeploys).<Void>mapEmpty().eventually(v -> {
        KvEventPublisher p = core.kvEvents();
        if (p != null) {
          p.close();
        }
        return Future.succeededFuture();
      });
      closing = ownsVertx ? undeployed.eventually(v -> vertx.close()) : undeployed;
    }
    return closing;
  }

  @Override
  public void close() {
    try {
      closeAsync().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("simulator did not close cleanly", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
