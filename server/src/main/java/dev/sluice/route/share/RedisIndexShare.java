package dev.sluice.route.share;

import dev.sluice.config.RedisConfig;
import dev.sluice.route.Endpoint;
import dev.sluice.route.PrefixScorer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jboss.logging.Logger;

/**
 * Converges the learned prefix indexes of gateway replicas (ADR 111): each replica publishes, every
 * {@code interval}, the prompt blocks it routed to each endpoint on Redis channel {@code <prefix>routing-index},
 * and merges what the others publish into its own {@link PrefixScorer}s. The request's event loop only offers a
 * decision to a bounded queue; batching, de-duplication, encoding and merging run on this share's own thread,
 * and publishing is fire-and-forget. Everything is bounded and dropped rather than waited for: the queue, the
 * blocks per batch, one batch in flight, merges waiting. Without Redis each replica routes on its own index.
 */
public final class RedisIndexShare implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RedisIndexShare.class);

  /**
   * @param interval how often decisions are published
   * @param maxBlocksPerBatch hashes per published batch (8 bytes each); what does not fit is dropped
   * @param queueCapacity decisions waiting for the next batch; more are dropped
   * @param resendAfter a block already published for an endpoint is published again only after this long, so a
   *     replica that restarted relearns a busy prefix within it, and a steady prefix costs one hash per interval
   * @param maxPendingMerges received batches waiting to be merged; more are dropped
   */
  public record Limits(Duration interval, int maxBlocksPerBatch, int queueCapacity, Duration resendAfter,
      int maxPendingMerges) {
    public static Limits defaults() {
      return new Limits(Duration.ofMillis(200), 4096, 4096, Duration.ofSeconds(2), 16);
    }
  }

  /** Counters since start, for tests, logs and the benchmark. */
  public record Stats(long batchesPublished, long blocksPublished, long decisionsDropped, long blocksCut,
      long batchesNotSent, long batchesReceived, long blocksMerged, long batchesDropped) {
  }

  private record Decision(String model, String endpointId, long[] blocks) {
  }

  private final Vertx vertx;
  private final Limits limits;
  private final Redis publisher;
  private final Redis subscriber;
  private final String channel;
  private final long origin = new java.security.SecureRandom().nextLong();
  private final ScheduledExecutorService worker;
  private final Map<String, PrefixScorer> scorers = new ConcurrentHashMap<>();
  private final ArrayBlockingQueue<Decision> queue;
  /** Blocks published lately, keyed by endpoint and block, with when; touched by the worker thread only. */
  private final LinkedHashMap<Long, Long> recent;
  private final AtomicLong sendingSince = new AtomicLong();
  private final AtomicInteger pendingMerges = new AtomicInteger();
  private final LongAdder batchesPublished = new LongAdder();
  private final LongAdder blocksPublished = new LongAdder();
  private final LongAdder decisionsDropped = new LongAdder();
  private final LongAdder blocksCut = new LongAdder();
  private final LongAdder batchesNotSent = new LongAdder();
  private final LongAdder batchesReceived = new LongAdder();
  private final LongAdder blocksMerged = new LongAdder();
  private final LongAdder batchesDropped = new LongAdder();
  private volatile boolean running;
  private volatile boolean closed;
  private volatile boolean publishFailing;
  private volatile RedisConnection connection;

  public RedisIndexShare(Vertx vertx, RedisConfig redis, Limits limits) {
    this.vertx = vertx;
    this.limits = limits;
    RedisOptions options = new RedisOptions().setConnectionString(redis.url()).setMaxPoolWaiting(16);
    this.publisher = Redis.createClient(vertx, new RedisOptions(options).setMaxPoolSize(1));
    this.subscriber = Redis.createClient(vertx, new RedisOptions(options).setMaxPoolSize(1));
    this.channel = redis.prefix() + "routing-index";
    this.queue = new ArrayBlockingQueue<>(limits.queueCapacity());
    int recentCapacity = Math.max(1024, limits.maxBlocksPerBatch() * 32);
    this.recent = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
        return size() > recentCapacity;
      }
    };
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sluice-index-share");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * The model's prefix index joins the share: its decisions are published and the other replicas' merged into it.
   *
   * @return undoes the join (when the pool is closed)
   */
  public synchronized Runnable join(String model, PrefixScorer scorer) {
    if (!running) {
      running = true;
      subscribe(false).onFailure(e -> {
        LOG.warnf("cannot subscribe to Redis for the shared prefix index yet (%s); each replica routes on its own "
            + "index meanwhile", e.getMessage());
        retry();
      });
      long every = limits.interval().toMillis();
      worker.scheduleWithFixedDelay(this::flushSafely, every, every, TimeUnit.MILLISECONDS);
    }
    scorers.put(model, scorer);
    scorer.shareWith((endpoint, blocks) -> offer(model, endpoint, blocks));
    return () -> {
      scorer.shareWith(PrefixScorer.Decisions.NONE);
      scorers.remove(model, scorer);
    };
  }

  /** On the request's event loop: one non-blocking offer, dropped when the queue is full. */
  private void offer(String model, Endpoint endpoint, long[] blocks) {
    if (!queue.offer(new Decision(model, endpoint.id(), blocks))) {
      decisionsDropped.increment();
    }
  }

  private void flushSafely() {
    try {
      flush();
    } catch (RuntimeException e) {
      LOG.error("publishing the shared prefix index failed", e);
    }
  }

  /** Runs on the worker: one batch per model, published unless the previous one is still on its way. */
  void flush() {
    long now = System.nanoTime();
    long since = sendingSince.get();
    if (since != 0 && now - since < TimeUnit.SECONDS.toNanos(5)) {
      // Behind (Redis slow or gone): decisions wait in the queue, which drops the newest once full.
      batchesNotSent.increment();
      return;
    }
    List<Decision> drained = new ArrayList<>(queue.size());
    queue.drainTo(drained);
    if (drained.isEmpty()) {
      return;
    }
    Map<String, IndexBatch> batches = new LinkedHashMap<>();
    long resend = limits.resendAfter().toNanos();
    int room = limits.maxBlocksPerBatch();
    for (Decision d : drained) {
      long salt = mixOf(d.model(), d.endpointId());
      long[] fresh = new long[d.blocks().length];
      int n = 0;
      for (long h : d.blocks()) {
        Long last = recent.get(h ^ salt);
        if (last == null || now - last >= resend) {
          fresh[n++] = h;
        }
      }
      if (n == 0) {
        continue;
      }
      if (n > room) {
        blocksCut.add(n - room);
        n = room;
      }
      if (n == 0) {
        continue;
      }
      long[] kept = java.util.Arrays.copyOf(fresh, n);
      for (long h : kept) {
        recent.put(h ^ salt, now);
      }
      batches.computeIfAbsent(d.model(), m -> new IndexBatch(origin, m)).add(d.endpointId(), kept);
      room -= n;
    }
    for (IndexBatch batch : batches.values()) {
      publish(batch);
    }
  }

  private void publish(IndexBatch batch) {
    sendingSince.set(System.nanoTime());
    int blocks = batch.blocks();
    publisher.send(Request.cmd(Command.PUBLISH).arg(channel).arg(batch.encode())).onComplete(ar -> {
      sendingSince.set(0);
      if (ar.succeeded()) {
        batchesPublished.increment();
        blocksPublished.add(blocks);
        if (publishFailing) {
          publishFailing = false;
          LOG.info("publishing the shared prefix index to Redis again");
        }
      } else {
        batchesNotSent.increment();
        if (!publishFailing) {
          publishFailing = true;
          LOG.warnf("cannot publish the shared prefix index to Redis (%s); routing goes on with the local index",
              ar.cause().getMessage());
        }
      }
    });
  }

  private Future<Void> subscribe(boolean again) {
    return subscriber.connect().compose(conn -> {
      conn.handler(this::onMessage);
      conn.exceptionHandler(e -> lost(conn, e.getMessage()));
      conn.endHandler(v -> lost(conn, "connection closed"));
      return conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).map(r -> {
        connection = conn;
        if (again) {
          LOG.info("subscribed to the shared prefix index on Redis again");
        }
        return null;
      });
    });
  }

  private void lost(RedisConnection conn, String why) {
    if (closed || connection != conn) {
      return;
    }
    connection = null;
    LOG.warnf("shared prefix index subscription to Redis lost (%s); resubscribing", why);
    conn.close();
    retry();
  }

  private void retry() {
    if (!closed) {
      vertx.setTimer(1000, id -> subscribe(true).onFailure(e -> retry()));
    }
  }

  /** On the subscriber's event loop: the payload is handed to the worker, or dropped when it is behind. */
  private void onMessage(Response message) {
    // RESP2 delivers ["message", channel, payload] as a multi-bulk reply, RESP3 as a push; both index alike.
    if (message == null || message.size() < 3 || !"message".equals(message.get(0).toString())) {
      return;
    }
    Buffer payload = message.get(2).toBuffer();
    if (pendingMerges.incrementAndGet() > limits.maxPendingMerges()) {
      pendingMerges.decrementAndGet();
      batchesDropped.increment();
      return;
    }
    try {
      worker.execute(() -> {
        try {
          merge(payload);
        } finally {
          pendingMerges.decrementAndGet();
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      pendingMerges.decrementAndGet();
    }
  }

  private void merge(Buffer payload) {
    IndexBatch.decode(payload, limits.maxBlocksPerBatch()).ifPresentOrElse(batch -> {
      if (batch.origin() == origin) {
        return;
      }
      batchesReceived.increment();
      PrefixScorer scorer = scorers.get(batch.model());
      if (scorer == null) {
        return;
      }
      for (Map.Entry<String, List<long[]>> e : batch.decisions().entrySet()) {
        for (long[] blocks : e.getValue()) {
          if (scorer.learn(e.getKey(), blocks)) {
            blocksMerged.add(blocks.length);
          }
        }
      }
    }, batchesDropped::increment);
  }

  private static long mixOf(String model, String endpointId) {
    long h = model.hashCode() * 0x9E3779B97F4A7C15L + endpointId.hashCode();
    h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
    return h ^ (h >>> 33);
  }

  public Stats stats() {
    return new Stats(batchesPublished.sum(), blocksPublished.sum(), decisionsDropped.sum(), blocksCut.sum(),
        batchesNotSent.sum(), batchesReceived.sum(), blocksMerged.sum(), batchesDropped.sum());
  }

  /** Whether the subscription is up (published batches from other replicas are being received). */
  public boolean subscribed() {
    return connection != null;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    worker.shutdownNow();
    RedisConnection conn = connection;
    if (conn != null) {
      conn.close();
    }
    subscriber.close();
    publisher.close();
  }
}
