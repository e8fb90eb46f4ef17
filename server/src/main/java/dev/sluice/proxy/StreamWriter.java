package dev.sluice.proxy;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.ReadStream;

/**
 * Writes a relayed event stream to the client with one write per upstream read rather than one per event.
 * The first bytes of a read go out at once, so the first token never waits. Events that arrive in the same
 * read are gathered and written together once the event loop has finished that read (a task queued behind
 * it). A burst of twenty events then costs the client two writes and two wake-ups, not twenty. A model that
 * sends one event per read still gets one write per event, each at once.
 *
 * <p>Backpressure: when the client's socket is full, the upstream response is paused until it drains.
 * Runs on the request's event loop only.
 */
final class StreamWriter {
  private final Context context;
  private final HttpServerResponse client;
  private final ReadStream<?> upstream;
  /** Events that arrived after the first of the current read; null when no read is open. */
  private Buffer gathered;

  StreamWriter(Context context, HttpServerResponse client, ReadStream<?> upstream) {
    this.context = context;
    this.client = client;
    this.upstream = upstream;
  }

  /**
   * Relays bytes: at once if they open a read, else with the rest of that read. The first write sends the
   * response head even when it carries no bytes (an event the client does not see).
   */
  void write(Buffer out) {
    if (gathered != null) {
      gathered.appendBuffer(out);
      return;
    }
    gathered = Buffer.buffer();
    context.runOnContext(v -> writeGathered());
    push(out);
  }

  /** Ends the response with whatever is still gathered, then {@code last}. */
  void end(Buffer last) {
    Buffer rest = gathered == null || gathered.length() == 0 ? last : gathered.appendBuffer(last);
    gathered = null;
    if (!client.ended() && !client.closed()) {
      client.end(rest);
    }
  }

  private void writeGathered() {
    Buffer out = gathered;
    gathered = null;
    if (out != null && out.length() > 0 && !client.ended() && !client.closed()) {
      push(out);
    }
  }

  private void push(Buffer out) {
    client.write(out);
    if (client.writeQueueFull()) {
      upstream.pause();
      client.drainHandler(v -> upstream.resume());
    }
  }
}
