package dev.sluice.sim;

import java.util.List;
import java.util.Map;

/**
 * A request as the simulator received it, for tests that check what a gateway forwards
 * (header hygiene, model rewriting).
 *
 * @param method  HTTP method
 * @param path    path without the query string
 * @param headers header names in lower case, values in arrival order
 * @param body    the body as UTF-8 text ("" when none)
 */
public record RecordedRequest(String method, String path, Map<String, List<String>> headers,
    String body) {

  /** The first value of a header (any case), or null. */
  public String header(String name) {
    List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
