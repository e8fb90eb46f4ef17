package dev.sluice.proxy.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ModelConfig;
import dev.sluice.front.ApiException;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Credentials are resolved on a worker, never on the event loop that signs, cached, and refreshed ahead of their
 * expiry; a gateway without credentials answers 503 in the one error shape; a client's own AWS headers never
 * reach Bedrock, and a pool with a Bedrock API key is not SigV4-signed.
 */
class BedrockSignerTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
  private final Vertx vertx = Vertx.vertx();
  private final List<String> resolvedOn = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private AwsCredentialsProvider provider(Duration validFor) {
    return () -> {
      resolvedOn.add(Thread.currentThread().getName());
      if (validFor == null) {
        throw SdkClientException.create("Unable to load credentials from any of the providers in the chain");
      }
      return AwsSessionCredentials.builder().accessKeyId("AKIDEXAMPLE").secretAccessKey("secret")
          .sessionToken("token-" + resolvedOn.size()).expirationTime(NOW.plus(validFor)).build();
    };
  }

  private static ModelPool pool(String upstream) {
    ModelConfig model = new ConfigLoader(Map.<String, String>of()::get).parse("models:\n  - name: claude\n"
        + "    upstream: {provider: bedrock, region: eu-west-1, model: m" + upstream + "}\n", "t.yaml").models().get(0);
    return ModelPool.of(model, model.upstream().endpoints());
  }

  /** Signs on an event loop, as ProxyCall does, and reports the headers and the thread the answer came on. */
  private Future<MultiMap> signOnLoop(BedrockSigner signer, ModelPool pool, MultiMap headers, List<String> completedOn) {
    AtomicReference<Future<MultiMap>> out = new AtomicReference<>();
    vertx.runOnContext(v -> out.set(signer.sign(pool, new Endpoint(pool.config().upstream().endpoints().get(0)),
        "/model/m/converse", headers, Buffer.buffer("{\"messages\":[]}")).map(x -> {
          completedOn.add(Thread.currentThread().getName());
          return headers;
        })));
    await().atMost(Duration.ofSeconds(10)).until(() -> out.get() != null && out.get().isComplete());
    return out.get();
  }

  @Test
  void theFirstSignatureWaitsForCredentialsResolvedOnAWorkerAndLaterOnesUseTheCachedOnes() {
    BedrockSigner signer = new BedrockSigner(vertx, () -> provider(Duration.ofHours(1)), Clock.fixed(NOW, ZoneOffset.UTC));
    List<String> completedOn = new CopyOnWriteArrayList<>();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json")
        .add("x-amz-security-token", "the-clients-own").add("X-Amz-Date", "19700101T000000Z");
    Future<MultiMap> first = signOnLoop(signer, pool(""), headers, completedOn);

    assertThat(first.succeeded()).as(String.valueOf(first.cause())).isTrue();
    assertThat(resolvedOn).hasSize(1).allSatisfy(thread -> assertThat(thread).contains("worker"));
    assertThat(completedOn).allSatisfy(thread -> assertThat(thread).contains("eventloop"));
    assertThat(headers.get("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
        .contains("/eu-west-1/bedrock/aws4_request");
    assertThat(headers.getAll("x-amz-security-token")).containsExactly("token-1");
    assertThat(headers.get("host")).isEqualTo("bedrock-runtime.eu-west-1.amazonaws.com");
    assertThat(headers.getAll("x-amz-date")).hasSize(1).allSatisfy(d -> assertThat(d).isNotEqualTo("19700101T000000Z"));

    Future<MultiMap> second = signOnLoop(signer, pool(""), MultiMap.caseInsensitiveMultiMap(), completedOn);
    assertThat(second.succeeded()).isTrue();
    assertThat(resolvedOn).hasSize(1);
  }

  @Test
  void credentialsCloseToTheirExpiryAreRefreshedInTheBackgroundWhileStillUsed() {
    BedrockSigner signer = new BedrockSigner(vertx, () -> provider(Duration.ofMinutes(5)), Clock.fixed(NOW, ZoneOffset.UTC));
    List<String> completedOn = new CopyOnWriteArrayList<>();
    assertThat(signOnLoop(signer, pool(""), MultiMap.caseInsensitiveMultiMap(), completedOn).succeeded()).isTrue();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    assertThat(signOnLoop(signer, pool(""), headers, completedOn).succeeded()).isTrue();
    assertThat(headers.get("x-amz-security-token")).isEqualTo("token-1"); // signed at once with the aging ones
    await().atMost(Duration.ofSeconds(10)).until(() -> resolvedOn.size() == 2);
    assertThat(resolvedOn).allSatisfy(thread -> assertThat(thread).contains("worker"));
  }

  @Test
  void withoutCredentialsTheRequestIsRefusedWith503NamingNoSecret() {
    BedrockSigner signer = new BedrockSigner(vertx, () -> provider(null), Clock.fixed(NOW, ZoneOffset.UTC));
    Future<MultiMap> signed = signOnLoop(signer, pool(""), MultiMap.caseInsensitiveMultiMap(), new CopyOnWriteArrayList<>());
    assertThat(signed.failed()).isTrue();
    assertThat(signed.cause()).isInstanceOfSatisfying(ApiException.class, e -> {
      assertThat(e.error().status()).isEqualTo(503);
      assertThat(e.error().code()).isEqualTo("provider_credentials_unavailable");
      assertThat(e.error().message()).contains("`claude`").contains("AWS credentials");
    });
  }

  @Test
  void aPoolWithABedrockApiKeyIsNotSignedAndResolvesNoCredentials() {
    BedrockSigner signer = new BedrockSigner(vertx, () -> provider(Duration.ofHours(1)), Clock.fixed(NOW, ZoneOffset.UTC));
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer bedrock-api-key")
        .add("x-amz-content-sha256", "client");
    assertThat(signOnLoop(signer, pool(", apiKey: bedrock-api-key"), headers, new CopyOnWriteArrayList<>()).succeeded())
        .isTrue();
    assertThat(headers.get("authorization")).isEqualTo("Bearer bedrock-api-key");
    assertThat(headers.contains("x-amz-content-sha256")).isFalse();
    assertThat(resolvedOn).isEmpty();
  }

  @Test
  void aSignatureCoversTheBodyBytes() {
    AwsCredentials fixed = AwsSessionCredentials.create("AKIDEXAMPLE", "secret", "t");
    BedrockSigner signer = new BedrockSigner(vertx, () -> () -> fixed, Clock.fixed(NOW, ZoneOffset.UTC));
    ModelPool pool = pool("");
    Endpoint endpoint = new Endpoint(URI.create("https://bedrock-runtime.eu-west-1.amazonaws.com"));
    MultiMap a = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
    MultiMap b = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
    AtomicReference<Boolean> done = new AtomicReference<>();
    vertx.runOnContext(v -> signer.sign(pool, endpoint, "/model/m/converse", a, Buffer.buffer("{\"a\":1}"))
        .compose(x -> signer.sign(pool, endpoint, "/model/m/converse", b, Buffer.buffer("{\"a\":2}")))
        .onComplete(ar -> done.set(ar.succeeded())));
    await().atMost(Duration.ofSeconds(10)).until(() -> done.get() != null);
    assertThat(done.get()).isTrue();
    assertThat(a.get("x-amz-date")).isEqualTo(b.get("x-amz-date")); // same instant, same everything but the body
    assertThat(a.get("authorization")).isNotEqualTo(b.get("authorization"));
  }
}
