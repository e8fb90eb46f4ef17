package dev.sluice.sim;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;

/**
 * JSON helpers. Responses are assembled in StringBuilders (their shapes are fixed and a generator
 * per token chunk would cost more than the chunk); strings go through Jackson's escaper so the
 * output is always valid. Requests are parsed with one shared, thread-safe ObjectMapper.
 */
final class Json {

  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {
  }

  /** Appends {@code s} as a quoted JSON string, or {@code null}. */
  static StringBuilder quote(StringBuilder sb, String s) {
    if (s == null) {
      return sb.append("null");
    }
    sb.append('"');
    if (needsEscape(s)) {
      JsonStringEncoder.getInstance().quoteAsString(s, sb);
    } else {
      sb.append(s);
    }
    return sb.append('"');
  }

  static Buffer buffer(StringBuilder sb) {
    return Buffer.buffer(sb.toString());
  }

  /** An error body in the OpenAI/vLLM shape. */
  static Buffer error(int code, String type, String message) {
    StringBuilder sb = new StringBuilder(96 + message.length());
    sb.append("{\"error\":{\"message\":");
    quote(sb, message);
    sb.append(",\"type\":");
    quote(sb, type);
    sb.append(",\"param\":null,\"code\":").append(code).append("}}");
    return buffer(sb);
  }

  private static boolean needsEscape(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\') {
        return true;
      }
    }
    return false;
  }
}
