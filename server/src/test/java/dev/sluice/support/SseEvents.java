package dev.sluice.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;

/** Reading an OpenAI chat stream as the client got it. */
public final class SseEvents {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SseEvents() {
  }

  /** The events of a stream's body, in order. */
  public static String[] events(String body) {
    return body.split("\n\n");
  }

  /** How many events carried generated text (the role-only first chunk and the usage chunk carry none). */
  public static long textChunks(String body) {
    return Arrays.stream(events(body)).filter(SseEvents::carriesText).count();
  }

  static boolean carriesText(String event) {
    if (!event.startsWith("data: {\"id\"")) {
      return false;
    }
    try {
      return !JSON.readTree(event.substring("data: ".length())).path("choices").path(0).path("delta")
          .path("content").asText().isEmpty();
    } catch (IOException e) {
      throw new AssertionError(event, e);
    }
  }
}
