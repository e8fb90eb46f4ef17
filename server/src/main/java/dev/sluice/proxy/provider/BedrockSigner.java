package dev.sluice.proxy.provider;

import dev.sluice.config.UpstreamConfig;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * SigV4 for {@code provider: bedrock} pools, with the AWS SDK's own signer over the exact bytes Vert.x sends (the
 * payload's SHA-256 is in the signature) and credentials from the SDK's default chain (environment, system
 * properties, profile, web identity for IRSA, container and instance roles), resolved off the event loop
 * ({@link AwsCredentialCache}). Only {@code host}, {@code content-type}, {@code accept} and the {@code x-amz-*}
 * headers it adds are signed; the other headers the gateway forwards are not, so they cannot break a signature.
 * A pool with {@code upstream.apiKey} uses a Bedrock API key ({@code Authorization: Bearer}) instead.
 * One per gateway.
 */
public final class BedrockSigner implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(BedrockSigner.class);
  /** Bedrock Runtime's signing name (the endpoint is bedrock-runtime, the service is bedrock). */
  static final String SERVICE = "bedrock";
  private static final List<String> SIGNED = List.of("content-type", "accept");

  private final AwsCredentialCache credentials;
  private final Clock clock;

  public BedrockSigner(Vertx vertx) {
    this(vertx, () -> DefaultCredentialsProvider.builder().build(), Clock.systemUTC());
  }

  BedrockSigner(Vertx vertx, Supplier<AwsCredentialsProvider> providers, Clock clock) {
    this.credentials = new AwsCredentialCache(vertx, providers, clock);
    this.clock = clock;
  }

  /**
   * Signs the request about to go to a Bedrock pool's endpoint; the future completes on the caller's event loop,
   * at once when credentials are at hand.
   *
   * @param uri the path and query as sent
   * @return failed with an {@link ApiException} (503) when no credentials can be found
   */
  public Future<Void> sign(ModelPool pool, Endpoint endpoint, String uri, MultiMap headers, Buffer body) {
    // The client's own x-amz-* headers (a signature of its own, a security token) are never forwarded.
    List<String> amz = new ArrayList<>();
    headers.names().forEach(name -> {
      if (name.toLowerCase(Locale.ROOT).startsWith("x-amz-")) {
        amz.add(name);
      }
    });
    amz.forEach(headers::remove);
    if (pool.upstreamApiKey().isPresent()) {
      return Future.succeededFuture(); // a Bedrock API key, already set as the bearer token
    }
    String region = pool.config().upstream().bedrock().map(UpstreamConfig.Bedrock::region).orElseThrow();
    AwsCredentialsIdentity now = credentials.now();
    if (now != null) {
      signWith(now, region, endpoint, uri, headers, body);
      return Future.succeededFuture();
    }
    return AwsCredentialCache.onCallersLoop(credentials.resolve()).transform(ar -> {
      if (ar.failed()) {
        LOG.warnf("No AWS credentials for Bedrock model %s: %s", pool.name(), ar.cause().getMessage());
        return Future.failedFuture(new ApiException(new ApiError(503, "server_error", "provider_credentials_unavailable",
            null, "The gateway found no AWS credentials to sign requests to AWS Bedrock for model `" + pool.name()
            + "` (environment, profile, web identity or instance role); an operator must provide them.")));
      }
      signWith(ar.result(), region, endpoint, uri, headers, body);
      return Future.succeededFuture();
    });
  }

  private void signWith(AwsCredentialsIdentity identity, String region, Endpoint endpoint, String uri,
      MultiMap headers, Buffer body) {
    URI target = URI.create((endpoint.tls() ? "https" : "http") + "://" + endpoint.host() + ":" + endpoint.port() + uri);
    SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(target);
    for (String name : SIGNED) {
      String value = headers.get(name);
      if (value != null) {
        request.putHeader(name, value);
      }
    }
    byte[] bytes = body.getBytes();
    SignedRequest signed = Sdk.SIGNER.sign(r -> r.identity(identity).request(request.build())
        .payload(ContentStreamProvider.fromByteArrayUnsafe(bytes))
        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SERVICE)
        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
        .putProperty(HttpSigner.SIGNING_CLOCK, clock));
    for (Map.Entry<String, List<String>> header : signed.request().headers().entrySet()) {
      if (!SIGNED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        headers.set(header.getKey(), header.getValue());
      }
    }
  }

  @Override
  public void close() {
    credentials.close();
  }

  /** The signer, created when a Bedrock request is first signed: a gateway without Bedrock models loads no AWS code. */
  private static final class Sdk {
    static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();
  }
}
