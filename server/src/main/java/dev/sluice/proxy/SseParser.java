package dev.sluice.proxy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a server-sent-event stream into events, whatever the chunking, as the SSE specification reads it: a line
 * ends with CRLF, LF or CR, and an event ends at an empty line. Bytes are kept until an event is complete, then
 * its {@code event:} name and {@code data:} lines (joined with LF) are returned with the event's exact bytes, so a
 * caller that changes nothing can relay the bytes as they came. Comments and unknown fields are ignored. One per
 * stream; not thread-safe. The one parser of Sluice's streams: metering and API translation both read events here.
 */
public final class SseParser {
  /**
   * One event.
   *
   * @param event the {@code event:} name, or null when the stream did not name it (OpenAI never does)
   * @param data the {@code data:} lines joined with LF; empty when the event had none
   * @param raw the event's bytes as they came, its closing empty line included
   */
  public record Event(String event, String data, Buffer raw) {
    /** Equal when name and data are, whatever the line endings were. */
    @Override
    public boolean equals(Object o) {
      return o instanceof Event e && java.util.Objects.equals(event, e.event) && data.equals(e.data);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(event, data);
    }

    @Override
    public String toString() {
      return "Event[event=" + event + ", data=" + data + "]";
    }

    public static Event of(String event, String data) {
      return new Event(event, data, Buffer.buffer());
    }
  }

  private byte[] pending = new byte[0];

  /** Events completed by this chunk. Bytes are split at line ends before decoding, so UTF-8 never breaks. */
  public List<Event> feed(Buffer chunk) {
    byte[] bytes = pending.length == 0 ? chunk.getBytes() : concat(pending, chunk.getBytes());
    List<Event> out = new ArrayList<>(2);
    int eventStart = 0;
    int lineStart = 0;
    String name = null;
    StringBuilder data = null;
    int i = 0;
    while (i < bytes.length) {
      byte b = bytes[i];
      if (b != '\n' && b != '\r') {
        i++;
        continue;
      }
      if (b == '\r' && i + 1 == bytes.length) {
        break; // a CR at the end may be the first half of a CRLF: wait for the next byte
      }
      int lineEnd = i;
      i += b == '\r' && bytes[i + 1] == '\n' ? 2 : 1;
      if (lineEnd == lineStart) { // an empty line: the event is complete
        if (data != null || name != null) {
          Buffer raw = Buffer.buffer(i - eventStart).appendBytes(bytes, eventStart, i - eventStart);
          out.add(new Event(name, data == null ? "" : data.toString(), raw));
        }
        eventStart = i;
        name = null;
        data = null;
      } else {
        String line = new String(bytes, lineStart, lineEnd - lineStart, StandardCharsets.UTF_8);
        String field = field(line);
        String value = value(line);
        if ("event".equals(field)) {
          name = value;
        } else if ("data".equals(field)) {
          data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        }
      }
      lineStart = i;
    }
    pending = eventStart == bytes.length ? new byte[0] : java.util.Arrays.copyOfRange(bytes, eventStart, bytes.length);
    return out;
  }

  public List<Event> feed(String text) {
    return feed(Buffer.buffer(text, StandardCharsets.UTF_8.name()));
  }

  /** How many bytes of an incomplete event are held. */
  public int pendingBytes() {
    return pending.length;
  }

  /** The bytes of an incomplete last event, handed back once (the stream ended); the parser is then empty. */
  public Buffer rest() {
    Buffer rest = Buffer.buffer(pending);
    pending = new byte[0];
    return rest;
  }

  private static String field(String line) {
    int colon = line.indexOf(':');
    return colon < 0 ? line : line.substring(0, colon);
  }

  /** The value after the first colon, less one leading space (the specification's rule). */
  private static String value(String line) {
    int colon = line.indexOf(':');
    if (colon < 0) {
      return "";
    }
    int from = colon + 1 < line.length() && line.charAt(colon + 1) == ' ' ? colon + 2 : colon + 1;
    return line.substring(from);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
