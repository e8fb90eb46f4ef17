package dev.sluice.server;

import dev.sluice.config.TlsConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SSLOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * TLS on the public port (ADR 101): the PEM certificate chain and key of {@code server.tls}, TLS 1.2 and 1.3 only,
 * HTTP/1.1. Both files are checked every {@code checkInterval} (by content, so a kubelet's symlink swap of a Secret
 * is seen as ConfigReloader sees it); a changed pair is handed to every listening server, and new connections get
 * it while open ones keep theirs. A pair that does not load is logged and the one in force stays.
 */
final class PublicTls implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PublicTls.class);
  /** TLS 1.0 and 1.1 are deprecated (RFC 8996). */
  static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  /** One certificate chain and key as read from disk, and what identifies them. */
  record Material(Buffer certificate, Buffer key, String sha256, String summary) {
  }

  private final Vertx vertx;
  private final TlsConfig config;
  private final Function<SSLOptions, Future<Void>> install;
  private final AtomicBoolean checking = new AtomicBoolean();
  private volatile String inForce;
  private long timer = -1;

  private PublicTls(Vertx vertx, TlsConfig config, Material first, Function<SSLOptions, Future<Void>> install) {
    this.vertx = vertx;
    this.config = config;
    this.install = install;
    this.inForce = first.sha256();
  }

  /** Reads both files (blocking); a certificate that does not parse is an {@link IllegalArgumentException}. */
  static Material read(TlsConfig config) {
    byte[] cert;
    byte[] key;
    try {
      cert = Files.readAllBytes(config.certificate());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the TLS certificate " + config.certificate() + ": " + e, e);
    }
    try {
      key = Files.readAllBytes(config.key());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the TLS key " + config.key() + ": " + e, e);
    }
    X509Certificate leaf;
    try {
      leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(cert));
    } catch (CertificateException | ClassCastException e) {
      throw new IllegalArgumentException(config.certificate() + " is not a PEM certificate: " + e.getMessage(), e);
    }
    if (!new String(key, java.nio.charset.StandardCharsets.US_ASCII).contains("PRIVATE KEY-----")) {
      throw new IllegalArgumentException(config.key() + " is not a PEM private key");
    }
    return new Material(Buffer.buffer(cert), Buffer.buffer(key), sha256(cert, key),
        leaf.getSubjectX500Principal().getName() + ", valid until " + leaf.getNotAfter().toInstant());
  }

  /** The listener's options with TLS on, serving {@code material}. */
  static HttpServerOptions apply(HttpServerOptions options, Material material) {
    SSLOptions ssl = ssl(material);
    options.setSsl(true).setKeyCertOptions(ssl.getKeyCertOptions()).setUseAlpn(false);
    options.getEnabledSecureTransportProtocols().clear();
    PROTOCOLS.forEach(options::addEnabledSecureTransportProtocol);
    return options;
  }

  static SSLOptions ssl(Material material) {
    return new SSLOptions().setKeyCertOptions(new PemKeyCertOptions()
            .setCertValues(List.of(material.certificate())).setKeyValues(List.of(material.key())))
        .setEnabledSecureTransportProtocols(PROTOCOLS).setUseAlpn(false);
  }

  /**
   * Checks the files every {@code checkInterval} from now on and installs a changed pair with {@code install}
   * (every listening server's {@code updateSSLOptions}).
   */
  static PublicTls follow(Vertx vertx, TlsConfig config, Material first, Function<SSLOptions, Future<Void>> install) {
    PublicTls tls = new PublicTls(vertx, config, first, install);
    tls.timer = vertx.setPeriodic(config.checkInterval().toMillis(), id -> tls.check());
    return tls;
  }

  private void check() {
    if (!checking.compareAndSet(false, true)) {
      return;
    }
    vertx.executeBlocking(() -> read(config), false)
        .compose(material -> {
          if (material.sha256().equals(inForce)) {
            return Future.succeededFuture();
          }
          return install.apply(ssl(material)).onSuccess(done -> {
            inForce = material.sha256();
            LOG.infof("TLS certificate reloaded: %s", material.summary());
          });
        })
        .onComplete(done -> {
          checking.set(false);
          if (done.failed()) {
            // Half-written files (a renewal in progress) fail too; the next check sees the finished pair.
            LOG.warnf("TLS: the certificate and key in force stay, the files do not load: %s",
                done.cause().getMessage());
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
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
