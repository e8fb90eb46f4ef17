package dev.sluice.proxy;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.core.buffer.Buffer;

/**
 * Puts the model name the client asked for into an answer that passes through untranslated, in place of the
 * name the upstream gave ({@code sim/qwen3-8b} for {@code demo-chat}): the {@code "model":"..."} member of
 * OpenAI's bodies and chunks and of Anthropic's message and message_start. Works on bytes, without parsing: in
 * JSON text a quote inside a string is always escaped, so {@code "model"} followed by a colon can only be a
 * member name. Whitespace around the colon is allowed. A whole body is renamed at its top level only (an
 * Anthropic tool_use input is an object and may have a member of that name); in a stream every such member is
 * renamed, since stream events carry the model's output only inside strings (text, argument fragments). A
 * stream is processed up to its last line end and the rest held for the next chunk: a JSON string never spans
 * a line, so a member is never cut in two. Bytes come back as they were (the same buffer) when no name differs.
 */
public final class ModelNames implements ResponseTranslator {
  private static final byte[] KEY = {'"', 'm', 'o', 'd', 'e', 'l', '"'};

  /** The client's name, JSON-escaped, without quotes. */
  private final byte[] name;
  private Buffer held;

  public ModelNames(String clientModel) {
    this.name = new String(JsonStringEncoder.getInstance().quoteAsString(clientModel))
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Override
  public Buffer body(int status, Buffer body) {
    return status >= 400 ? body : renameTopLevel(body);
  }

  /** The top-level {@code "model"} member of one JSON object renamed; else the same buffer. */
  Buffer renameTopLevel(Buffer in) {
    byte[] b = in.getBytes();
    int depth = 0;
    for (int p = 0; p < b.length; p++) {
      byte c = b[p];
      if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        depth--;
      } else if (c == '"') {
        int end = stringEnd(b, p + 1);
        if (end < 0) {
          return in;
        }
        if (depth == 1 && end - p - 1 == KEY.length - 2 && indexOf(b, p) == p) {
          int q = skipSpace(b, end + 1);
          if (q < b.length && b[q] == ':') {
            q = skipSpace(b, q + 1);
            if (q < b.length && b[q] == '"') {
              int valueEnd = stringEnd(b, q + 1);
              if (valueEnd < 0 || equals(b, q + 1, valueEnd)) {
                return in;
              }
              return Buffer.buffer(b.length + name.length).appendBytes(b, 0, q + 1).appendBytes(name)
                  .appendBytes(b, valueEnd, b.length - valueEnd);
            }
          }
        }
        p = end;
      }
    }
    return in;
  }

  @Override
  public Buffer streamChunk(Buffer chunk) {
    Buffer in = held == null ? chunk : held.appendBuffer(chunk);
    held = null;
    int end = in.length();
    while (end > 0 && in.getByte(end - 1) != '\n' && in.getByte(end - 1) != '\r') {
      end--;
    }
    if (end < in.length()) {
      held = in.getBuffer(end, in.length());
      in = in.getBuffer(0, end);
    }
    return rename(in);
  }

  @Override
  public Buffer streamEnd() {
    Buffer rest = held == null ? Buffer.buffer() : rename(held);
    held = null;
    return rest;
  }

  /** Every {@code "model":"x"} member with {@code x} other than the client's name, renamed; else the same buffer. */
  Buffer rename(Buffer in) {
    byte[] b = in.getBytes();
    Buffer out = null;
    int copied = 0;
    int i = indexOf(b, 0);
    while (i >= 0) {
      int p = skipSpace(b, i + KEY.length);
      if (p < b.length && b[p] == ':') {
        p = skipSpace(b, p + 1);
        if (p < b.length && b[p] == '"') {
          int valueStart = p + 1;
          int valueEnd = stringEnd(b, valueStart);
          if (valueEnd < 0) {
            break;
          }
          if (!equals(b, valueStart, valueEnd)) {
            if (out == null) {
              out = Buffer.buffer(b.length + name.length);
            }
            out.appendBytes(b, copied, valueStart - copied).appendBytes(name);
            copied = valueEnd;
          }
          p = valueEnd;
        }
      }
      i = indexOf(b, p);
    }
    if (out == null) {
      return in;
    }
    return out.appendBytes(b, copied, b.length - copied);
  }

  private static int indexOf(byte[] b, int from) {
    outer:
    for (int i = from; i <= b.length - KEY.length; i++) {
      if (b[i] != '"' || b[i + 1] != 'm') {
        continue;
      }
      for (int j = 2; j < KEY.length; j++) {
        if (b[i + j] != KEY[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static int skipSpace(byte[] b, int p) {
    while (p < b.length && (b[p] == ' ' || b[p] == '\t')) {
      p++;
    }
    return p;
  }

  /** The index of the closing quote of a string whose content starts at {@code from}, or -1. */
  private static int stringEnd(byte[] b, int from) {
    for (int p = from; p < b.length; p++) {
      if (b[p] == '\\') {
        p++;
      } else if (b[p] == '"') {
        return p;
      }
    }
    return -1;
  }

  private boolean equals(byte[] b, int from, int to) {
    if (to - from != name.length) {
      return false;
    }
    for (int k = 0; k < name.length; k++) {
      if (b[from + k] != name[k]) {
        return false;
      }
    }
    return true;
  }
}
