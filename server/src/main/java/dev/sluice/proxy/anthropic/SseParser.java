package dev.sluice.proxy.anthropic;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a server-sent-event stream into events, whatever the chunking: bytes are kept until an event is complete
 * (a blank line), then its {@code event:} and {@code data:} fields are returned. Comments and unknown fields are
 * dropped. One per stream; not thread-safe.
 */
public final class SseParser {
  /** One event; {@code event} is null when the stream did not name it (OpenAI never does). */
  public record Event(String event, String data) {
  }

  private Buffer pending = Buffer.buffer();

  /** Events completed by this chunk. Bytes are split at blank lines before decoding, so UTF-8 never breaks. */
  public List<Event> feed(Buffer chunk) {
    pending.appendBuffer(chunk);
    List<Event> out = new ArrayList<>(2);
    int from = 0;
    int n = pending.length();
    for (int i = 0; i + 1 < n; i++) {
      if (pending.getByte(i) != '\n') {
        continue;
      }
      int skip = pending.getByte(i + 1) == '\n' ? 2
          : pending.getByte(i + 1) == '\r' && i + 2 < n && pending.getByte(i + 2) == '\n' ? 3 : 0;
      if (skip > 0) {
        Event event = parse(pending.getString(from, i, StandardCharsets.UTF_8.name()));
        if (event != null) {
          out.add(event);
        }
        from = i + skip;
        i = from - 1;
      }
    }
    if (from > 0) {
      pending = pending.getBuffer(from, n);
    }
    return out;
  }

  public List<Event> feed(String text) {
    return feed(Buffer.buffer(text, StandardCharsets.UTF_8.name()));
  }

  private static Event parse(String block) {
    String event = null;
    StringBuilder data = null;
    for (String raw : block.split("\n")) {
      String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
      if (line.startsWith("event:")) {
        event = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        String value = line.substring(5);
        value = value.startsWith(" ") ? value.substring(1) : value;
        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      }
    }
    return data == null && event == null ? null : new Event(event, data == null ? "" : data.toString());
  }
}
