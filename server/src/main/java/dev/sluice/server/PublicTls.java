package dev.sluice.server;

import dev.sluice.config.TlsConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.jboss.logging.Logger;

/**
 * TLS on the public port (ADR 101): the PEM certificate chain and key of {@code server.tls}, TLS 1.2 and 1.3 only,
 * HTTP/1.1. Both files are checked every {@code checkInterval} (by content, so a kubelet's symlink swap of a Secret
 * is seen as ConfigReloader sees it); a changed pair that loads is put in force for the next handshake, open
 * connections keep theirs. A pair that does not load is logged and the one in force stays.
 *
 * <p>The listener's key manager is one that reads the pair in force at each handshake. Vert.x's own
 * {@code updateSSLOptions} was tried and left out: while it builds the new context, connections accepted in that
 * window are closed (its channel initialiser reads a future that has not completed).
 */
final class PublicTls implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PublicTls.class);
  /** TLS 1.0 and 1.1 are deprecated (RFC 8996). */
  static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  /** One certificate chain and key as read from disk, ready to serve, and what identifies them. */
  record Material(X509ExtendedKeyManager keyManager, String sha256, String summary) {
  }

  private final Vertx vertx;
  private final TlsConfig config;
  private final Swappable keys;
  private final AtomicBoolean checking = new AtomicBoolean();
  private volatile String inForce;
  private volatile String lastProblem;
  private final long timer;

  private PublicTls(Vertx vertx, TlsConfig config, Material first) {
    this.vertx = vertx;
    this.config = config;
    this.keys = new Swappable(first.keyManager());
    this.inForce = first.sha256();
    this.timer = vertx.setPeriodic(config.checkInterval().toMillis(), id -> check());
  }

  /** Reads and loads both files (blocking); a pair that cannot serve is an {@link IllegalArgumentException}. */
  static Material read(TlsConfig config) {
    byte[] cert = bytes(config.certificate(), "certificate");
    byte[] key = bytes(config.key(), "key");
    X509Certificate leaf;
    try {
      leaf = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(cert));
    } catch (CertificateException | ClassCastException e) {
      throw new IllegalArgumentException(config.certificate() + " is not a PEM certificate: " + e.getMessage(), e);
    }
    X509ExtendedKeyManager manager;
    try {
      // The values, not the paths: Vert.x reads paths through a Vert.x instance, and a reload compares contents.
      KeyManager[] managers = new PemKeyCertOptions().setCertValues(List.of(Buffer.buffer(cert)))
          .setKeyValues(List.of(Buffer.buffer(key))).getKeyManagerFactory(null).getKeyManagers();
      manager = Arrays.stream(managers).filter(X509ExtendedKeyManager.class::isInstance)
          .map(X509ExtendedKeyManager.class::cast).findFirst()
          .orElseThrow(() -> new IllegalStateException("no X.509 key manager"));
    } catch (Exception e) {
      throw new IllegalArgumentException(config.key() + " is not the PEM private key of " + config.certificate()
          + ": " + e.getMessage(), e);
    }
    String alias = manager.chooseServerAlias(leaf.getPublicKey().getAlgorithm(), null, null);
    PrivateKey loaded = alias == null ? null : manager.getPrivateKey(alias);
    if (loaded == null || !loaded.getAlgorithm().equals(leaf.getPublicKey().getAlgorithm())) {
      throw new IllegalArgumentException(config.key() + " is not a " + leaf.getPublicKey().getAlgorithm()
          + " private key for " + config.certificate());
    }
    return new Material(manager, sha256(cert, key),
        leaf.getSubjectX500Principal().getName() + ", valid until " + leaf.getNotAfter().toInstant());
  }

  private static byte[] bytes(java.nio.file.Path file, String what) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the TLS " + what + " " + file + ": " + e, e);
    }
  }

  /**
   * Follows the files from now on, checking every {@code checkInterval}; {@link #apply} gives a listener the key
   * manager that serves whatever pair is in force.
   */
  static PublicTls follow(Vertx vertx, TlsConfig config, Material first) {
    return new PublicTls(vertx, config, first);
  }

  /** The listener's options with TLS on (1.2 and 1.3, HTTP/1.1), serving the pair in force at each handshake. */
  HttpServerOptions apply(HttpServerOptions options) {
    options.setSsl(true).setKeyCertOptions(KeyCertOptions.wrap(keys)).setUseAlpn(false);
    options.getEnabledSecureTransportProtocols().clear();
    PROTOCOLS.forEach(options::addEnabledSecureTransportProtocol);
    return options;
  }

  private void check() {
    if (!checking.compareAndSet(false, true)) {
      return;
    }
    vertx.executeBlocking(() -> read(config), false).onComplete(result -> {
      checking.set(false);
      if (result.succeeded()) {
        lastProblem = null;
        Material material = result.result();
        if (!material.sha256().equals(inForce)) {
          keys.delegate = material.keyManager();
          inForce = material.sha256();
          LOG.infof("TLS certificate reloaded: %s", material.summary());
        }
        return;
      }
      String problem = result.cause().getMessage();
      // Once per distinct problem: a half-written renewal is usually whole by the next check.
      if (!problem.equals(lastProblem)) {
        lastProblem = problem;
        LOG.warnf("TLS: the certificate and key in force stay; the files do not load: %s", problem);
      }
    });
  }

  private static String sha256(byte[] cert, byte[] key) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(cert);
      digest.update(key);
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
  }

  /** A key manager that answers from the pair in force; each handshake reads it once per call. */
  private static final class Swappable extends X509ExtendedKeyManager {
    private volatile X509ExtendedKeyManager delegate;

    Swappable(X509ExtendedKeyManager first) {
      this.delegate = first;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return delegate.getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return delegate.chooseClientAlias(keyType, issuers, socket);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return delegate.getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return delegate.chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return delegate.chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return delegate.chooseEngineClientAlias(keyType, issuers, engine);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return delegate.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return delegate.getPrivateKey(alias);
    }
  }
}
