package dev.sluice.proxy.responses;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Identifiers in OpenAI's shapes ({@code resp_}, {@code msg_}, {@code fc_}, {@code rs_} and 48 hex digits). A
 * response id is also what a caller presents to read it back, so all are drawn from a secure random source; the
 * store still checks the owner, an id is not a credential.
 */
final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {
  }

  static String response() {
    return "resp_" + hex();
  }

  static String message() {
    return "msg_" + hex();
  }

  static String functionCall() {
    return "fc_" + hex();
  }

  static String reasoning() {
    return "rs_" + hex();
  }

  static String item() {
    return "item_" + hex();
  }

  private static String hex() {
    byte[] b = new byte[24];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
