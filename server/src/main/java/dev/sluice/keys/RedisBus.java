package dev.sluice.keys;

import dev.sluice.config.RedisConfig;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Invalidations over Redis pub/sub on channel {@code <prefix>key-invalidation}, for deployments that
 * configure a Redis (which they already have for shared counters). One subscribed connection per replica;
 * when it drops, the listener is told of a gap and the subscription is re-established.
 */
public final class RedisBus implements InvalidationBus {
  private static final Logger LOG = Logger.getLogger(RedisBus.class);

  private final Vertx vertx;
  private final Redis subscriber;
  private final Redis publisher;
  private final String origin = Invalidation.newOrigin();
  private final String channel;
  private volatile boolean running = true;
  private volatile RedisConnection connection;

  public RedisBus(Vertx vertx, RedisConfig config) {
    this.vertx = vertx;
    RedisOptions options = new RedisOptions().setConnectionString(config.url()).setMaxPoolWaiting(1024);
    this.subscriber = Redis.createClient(vertx, new RedisOptions(options).setMaxPoolSize(1));
    this.publisher = Redis.createClient(vertx, options);
    this.channel = config.prefix() + "key-invalidation";
  }

  @Override
  public void start(Listener listener) {
    try {
      // Subscribe before returning, so nothing published after start() is missed.
      subscribe(listener, false).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warnf("cannot subscribe to Redis for key invalidations yet (%s); retrying", e.getMessage());
      retry(listener);
    }
  }

  private io.vertx.core.Future<Void> subscribe(Listener listener, boolean afterGap) {
    return subscriber.connect().compose(conn -> {
      conn.handler(message -> onMessage(message, listener));
      conn.exceptionHandler(e -> lost(conn, listener, e.getMessage()));
      conn.endHandler(v -> lost(conn, listener, "connection closed"));
      return conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).map(r -> {
        connection = conn;
        if (afterGap) {
          listener.onGap();
          LOG.info("subscribed to key invalidations on Redis again");
        }
        return null;
      });
    });
  }

  private void onMessage(Response message, Listener listener) {
    // RESP2 delivers ["message", channel, payload] as a multi-bulk reply, RESP3 as a push; both index alike.
    if (message != null && message.size() >= 3 && "message".equals(message.get(0).toString())) {
      Invalidation.fromOther(message.get(2).toString(), origin).ifPresent(listener::onInvalidation);
    }
  }

  private void lost(RedisConnection conn, Listener listener, String why) {
    if (!running || connection != conn) {
      return;
    }
    connection = null;
    LOG.warnf("key invalidation subscription to Redis lost (%s); resubscribing", why);
    conn.close(); // the gap is reported once subscribed again, so the cache serves on meanwhile
    retry(listener);
  }

  private void retry(Listener listener) {
    if (!running) {
      return;
    }
    vertx.setTimer(500, id -> subscribe(listener, true).onFailure(e -> retry(listener)));
  }

  @Override
  public void publish(Invalidation invalidation) {
    try {
      publisher.send(Request.cmd(Command.PUBLISH).arg(channel).arg(invalidation.message(origin)))
          .toCompletionStage().toCompletableFuture().get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.errorf("cannot publish key invalidation %s to Redis: %s", invalidation.wire(), e.getMessage());
    }
  }

  @Override
  public void close() {
    running = false;
    RedisConnection conn = connection;
    if (conn != null) {
      conn.close();
    }
    subscriber.close();
    publisher.close();
  }
}
