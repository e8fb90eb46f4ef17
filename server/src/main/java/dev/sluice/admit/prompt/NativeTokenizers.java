package dev.sluice.admit.prompt;

import java.nio.file.Path;

/**
 * Where DJL puts the tokenizers native library, and that it never downloads anything. The library ships inside the
 * DJL jar (linux x86_64 and aarch64, macOS, Windows) and is copied once into {@code DJL_CACHE_DIR}: by default a
 * directory under {@code java.io.tmpdir}, because the gateway image's root filesystem is read-only and {@code /tmp}
 * is a writable volume. Offline mode makes a platform without a bundled library fail at start with DJL's message
 * instead of fetching one from the internet (air-gapped gateways must behave the same as connected ones).
 */
public final class NativeTokenizers {
  static final String CACHE_DIR = "DJL_CACHE_DIR";

  private NativeTokenizers() {
  }

  public static synchronized void configure() {
    System.setProperty("ai.djl.offline", "true");
    if (System.getProperty(CACHE_DIR) == null && System.getenv(CACHE_DIR) == null) {
      System.setProperty(CACHE_DIR, Path.of(System.getProperty("java.io.tmpdir"), "sluice-djl").toString());
    }
  }
}
