package dev.sluice.operator.assembly;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Whether two statuses say the same thing, so an unchanged status is never written (each write is an event). */
final class StatusWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusWriter() {
  }

  static boolean sameStatus(Object current, Object next) {
    if (current == null || next == null) {
      return current == next;
    }
    JsonNode a = JSON.valueToTree(current);
    JsonNode b = JSON.valueToTree(next);
    return a.equals(b);
  }
}
