package dev.sluice.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * TLS on the public port (ADR 101): a PEM certificate chain and its PEM private key, re-read when either file
 * changes (a cert-manager renewal, a kubelet's Secret swap) and served to new connections without a restart.
 *
 * @param certificate the server's certificate, then any intermediates, PEM
 * @param key its private key, PEM (PKCS#8, or PKCS#1 / SEC1)
 * @param checkInterval how often both files are checked for changes
 */
public record TlsConfig(Path certificate, Path key, Duration checkInterval) {
  public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(10);
}
