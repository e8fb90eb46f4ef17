package dev.sluice.record;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * One JSON line per request. The event loop only queues the finished exchange; one background thread formats
 * and writes the lines every {@link #DRAIN_EVERY_MS} ms, so a slow terminal or disk never stalls request
 * handling and a request costs no thread wake-up. When the queue is full, lines are dropped and counted rather
 * than blocking.
 */
public final class AccessLog implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AccessLog.class);
  private static final int CAPACITY = 65_536;
  /**
   * Bytes gathered before the writer hands them to the file. A {@code PrintStream} straight on a file descriptor
   * hands over every {@code print}: two {@code write(2)} calls per line, each a trip into the kernel beside the
   * event loops. Buffered, a drain cycle's lines go out in one call (more only past this many bytes).
   */
  static final int WRITE_BUFFER = 64 * 1024;
  static final long DRAIN_EVERY_MS = 50;

  /** An exchange as it ended; it is not touched again once recorded, so the writer may read it. */
  private record Entry(Instant time, Exchange exchange) {}

  private final Handoff<Entry> queue;
  private final Thread writer;
  private final AtomicLong dropped = new AtomicLong();
  private final PrintStream out;
  private final boolean enabled;
  private volatile boolean closing;

  private AccessLog(PrintStream out) {
    this.out = out;
    this.enabled = out != null;
    this.queue = enabled ? new Handoff<>(CAPACITY) : null;
    if (enabled) {
      writer = new Thread(this::drain, "sluice-access-log");
      writer.setDaemon(true);
      writer.start();
    } else {
      writer = null;
    }
  }

  /** @param target {@code stdout}, {@code off}, or a file to append to */
  public static AccessLog open(String target) {
    if ("off".equals(target)) {
      return new AccessLog(null);
    }
    if ("stdout".equals(target)) {
      return to(new FileOutputStream(java.io.FileDescriptor.out));
    }
    try {
      return to(new FileOutputStream(target, true));
    } catch (IOException e) {
      throw new IllegalStateException("cannot open access log " + target + ": " + e.getMessage(), e);
    }
  }

  /** Lines written to {@code out} through a {@link #WRITE_BUFFER} buffer, flushed at the end of each drain cycle. */
  static AccessLog to(OutputStream out) {
    return new AccessLog(new PrintStream(new BufferedOutputStream(out, WRITE_BUFFER), false, StandardCharsets.UTF_8));
  }

  public long dropped() {
    return dropped.get();
  }

  public void write(Exchange ex) {
    if (!enabled) {
      return;
    }
    if (!queue.offer(new Entry(Instant.now(), ex))) {
      dropped.incrementAndGet();
    }
  }

  static String format(Instant time, Exchange ex) {
    StringBuilder b = new StringBuilder(256);
    b.append("{\"time\":\"").append(time).append('"');
    field(b, "requestId", ex.requestId);
    if (ex.trace != null) { // only while tracing is on (ADR 100): joins the line to its trace
      field(b, "traceId", ex.trace.traceId());
    }
    field(b, "method", ex.method);
    field(b, "path", ex.path);
    field(b, "user", ex.principal == null ? null : ex.principal.name());
    // A refused key is named by its id (never its secret), so a revoked key still in use can be found.
    field(b, "keyId", ex.principal == null ? ex.refusedKeyId : ex.principal.keyId().orElse(null));
    field(b, "client", ex.clientAddress);
    field(b, "userAgent", ex.userAgent);
    field(b, "model", ex.model);
    field(b, "servedModel", ex.servedModel);
    field(b, "plan", ex.plan);
    field(b, "endpoint", ex.endpoint == null ? null : ex.endpoint.id());
    b.append(",\"status\":").append(ex.status);
    b.append(",\"outcome\":\"").append(ex.outcome.name().toLowerCase()).append('"');
    field(b, "error", ex.errorCode);
    b.append(",\"stream\":").append(ex.stream);
    b.append(",\"attempts\":").append(ex.attempts);
    b.append(",\"durationMs\":").append(millis(ex.durationNanos()));
    long ttft = ex.ttftNanos();
    b.append(",\"ttftMs\":").append(ttft < 0 ? "null" : millis(ttft));
    b.append(",\"bytesIn\":").append(ex.bytesIn);
    b.append(",\"bytesOut\":").append(ex.bytesOut);
    b.append(",\"tokensIn\":").append(ex.promptTokens);
    b.append(",\"tokensOut\":").append(ex.completionTokens);
    b.append(",\"cachedTokens\":").append(ex.cachedTokens);
    route(b, ex.route);
    return b.append('}').toString();
  }

  /** The routing decision: {@code "route":{"policy","chosen","scores":{endpoint:{scorer:score}},"fallbacks"}}. */
  private static void route(StringBuilder b, dev.sluice.route.RouteRequest route) {
    if (route == null || route.policy() == null && route.fallbacks().isEmpty()) {
      return;
    }
    b.append(",\"route\":{\"policy\":");
    if (route.policy() == null) {
      b.append("null");
    } else {
      b.append('"').append(route.policy()).append('"');
    }
    field(b, "chosen", route.chosen() == null ? null : route.chosen().id());
    if (route.scores() != null) {
      b.append(",\"scores\":").append(route.scores());
    }
    if (!route.fallbacks().isEmpty()) {
      b.append(",\"fallbacks\":[");
      for (int i = 0; i < route.fallbacks().size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        b.append('"');
        escape(b, route.fallbacks().get(i));
        b.append('"');
      }
      b.append(']');
    }
    b.append('}');
  }

  private static String millis(long nanos) {
    return Double.toString(Math.round(nanos / 1e4) / 100.0);
  }

  private static void field(StringBuilder b, String name, String value) {
    b.append(",\"").append(name).append("\":");
    if (value == null) {
      b.append("null");
      return;
    }
    b.append('"');
    escape(b, value);
    b.append('"');
  }

  private static void escape(StringBuilder b, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
  }

  private void drain() {
    List<Entry> batch = new ArrayList<>(1024);
    try {
      while (true) {
        boolean last = closing; // read before draining: what close() queued before setting it is written
        while (queue.drainTo(batch, 1024) > 0) {
          for (Entry e : batch) {
            out.print(format(e.time(), e.exchange()));
            out.print('\n');
          }
          batch.clear();
        }
        out.flush();
        if (last) {
          return;
        }
        TimeUnit.MILLISECONDS.sleep(DRAIN_EVERY_MS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("access log writer stopped", e);
    }
  }

  /** Writes what is queued, then stops the writer. */
  @Override
  public void close() {
    if (!enabled) {
      return;
    }
    closing = true;
    try {
      writer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    out.flush();
  }
}
