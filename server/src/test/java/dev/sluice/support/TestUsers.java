package dev.sluice.support;

/** The password local users in test configurations share, and its bcrypt hash as it goes in sluice.yaml. */
public final class TestUsers {
  public static final String PASSWORD = "test-password";
  public static final String HASH = "$2b$10$0Ooa7A966SeWQNpz3X4O1OE/bemA/u8hBg/iNVz2Vwr20GEUSxj1S";

  private TestUsers() {
  }
}
