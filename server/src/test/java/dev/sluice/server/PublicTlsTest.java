package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.sluice.config.TlsConfig;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.TestCertificates;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the public port (ADR 101): the gateway's own listener ({@link EdgeListener}, the one {@code sluice serve}
 * opens) with a certificate a test CA signed, in front of the assembled gateway; the OpenAI SDK trusts that CA and
 * nothing else. A renewed certificate reaches new connections without a restart.
 */
class PublicTlsTest {
  private static final int LOOPS = 2;

  @TempDir
  Path dir;

  private TestCertificates ca;
  private TlsConfig config;
  private GatewayHarness gw;
  private EdgeListener listener;
  private PublicTls follower;

  @BeforeEach
  void start() throws Exception {
    ca = TestCertificates.authority("Sluice Test CA");
    config = new TlsConfig(dir.resolve("tls.crt"), dir.resolve("tls.key"), Duration.ofMillis(200));
    ca.issue("first").writeTo(config.certificate(), config.key());
    gw = GatewayHarness.start("""
        models:
          - name: m
            access: {public: true}
            upstream: {model: sim/m, simulator: {mode: echo, interTokenLatency: 1ms}}
        """);
    follower = PublicTls.follow(gw.vertx(), config, PublicTls.read(config));
    listener = EdgeListener.start(gw.vertx(), "127.0.0.1", 0, gw.runtime().config().server().limits(), LOOPS,
        Optional.of(follower), gw.router()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (follower != null) {
      follower.close();
    }
    if (listener != null) {
      listener.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (gw != null) {
      gw.close();
    }
  }

  private OpenAIClient sdk() throws Exception {
    return OpenAIOkHttpClient.builder().baseUrl("https://localhost:" + listener.port() + "/v1")
        .apiKey(gw.apiKey()).maxRetries(0)
        .sslSocketFactory(ca.sslContext().getSocketFactory()).trustManager(ca.trustManager()).build();
  }

  @Test
  void theOpenAiSdkTrustingTheCaGetsAnswersWholeAndStreamedOverTls() throws Exception {
    OpenAIClient client = sdk();
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("m")
        .addUserMessage("over TLS").maxCompletionTokens(8).build();
    ChatCompletion whole = client.chat().completions().create(params);
    assertThat(whole.choices().get(0).message().content()).hasValueSatisfying(text -> assertThat(text).contains("TLS"));
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
      String text = stream.stream().flatMap(c -> c.choices().stream())
          .map(choice -> choice.delta().content().orElse("")).collect(Collectors.joining());
      assertThat(text).contains("TLS");
    }
  }

  @Test
  void aClientThatDoesNotTrustTheCaIsRefusedAtTheHandshake() {
    OpenAIClient untrusting = OpenAIOkHttpClient.builder().baseUrl("https://localhost:" + listener.port() + "/v1")
        .apiKey(gw.apiKey()).maxRetries(0).build();
    assertThatThrownBy(() -> untrusting.models().list()).hasStackTraceContaining(SSLHandshakeException.class.getName());
  }

  @Test
  void onlyTls12AndAboveAreSpokenAndPlainHttpGetsNoAnswer() throws Exception {
    assertThat(handshake("TLSv1.3").getSession().getProtocol()).isEqualTo("TLSv1.3");
    assertThat(handshake("TLSv1.2").getSession().getProtocol()).isEqualTo("TLSv1.2");
    try (Socket plain = new Socket("127.0.0.1", listener.port())) {
      plain.setSoTimeout(5_000);
      OutputStream out = plain.getOutputStream();
      out.write("GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = plain.getInputStream();
      byte[] head = in.readNBytes(5);
      assertThat(new String(head, StandardCharsets.US_ASCII)).doesNotStartWith("HTTP/");
    }
  }

  @Test
  void aRenewedCertificateIsServedToNewConnectionsWithoutARestart() throws Exception {
    assertThat(subjectOfANewConnection()).isEqualTo("CN=first");
    ca.issue("renewed").writeTo(config.certificate(), config.key());
    // Every event loop's server takes it: a run of new connections all see the renewed one.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      for (int i = 0; i < 2 * LOOPS; i++) {
        assertThat(subjectOfANewConnection()).isEqualTo("CN=renewed");
      }
    });
    assertThat(sdk().models().list().data()).isNotEmpty();
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsRefusedAtRead() throws Exception {
    Path otherKey = dir.resolve("other.key");
    ca.issue("other").writeTo(dir.resolve("other.crt"), otherKey);
    TlsConfig mismatched = new TlsConfig(config.certificate(), dir.resolve("missing.key"), Duration.ofSeconds(1));
    assertThatThrownBy(() -> PublicTls.read(mismatched)).hasMessageContaining("missing.key");
    Files.writeString(otherKey, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    assertThatThrownBy(() -> PublicTls.read(new TlsConfig(config.certificate(), otherKey, Duration.ofSeconds(1))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("other.key");
  }

  @Test
  void aCertificateFileThatDoesNotLoadLeavesTheOneInForce() throws Exception {
    Files.writeString(config.certificate(), "-----BEGIN CERTIFICATE-----\nbroken\n");
    assertThatThrownBy(() -> PublicTls.read(config)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tls.crt");
    assertThat(subjectOfANewConnection()).isEqualTo("CN=first");
    // Checks come and go (the interval is 200 ms) and the pair in force keeps serving.
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(subjectOfANewConnection()).isEqualTo("CN=first"));
    ca.issue("fixed").writeTo(config.certificate(), config.key());
    await().atMost(Duration.ofSeconds(20)).until(() -> subjectOfANewConnection().equals("CN=fixed"));
  }

  private SSLSocket handshake(String protocol) throws Exception {
    SSLSocket socket = (SSLSocket) ca.sslContext().getSocketFactory().createSocket("127.0.0.1", listener.port());
    socket.setEnabledProtocols(new String[] {protocol});
    socket.setSoTimeout(5_000);
    socket.startHandshake();
    return socket;
  }

  private String subjectOfANewConnection() throws Exception {
    try (SSLSocket socket = handshake("TLSv1.3")) {
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }
  }
}
