package dev.sluice.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.OidcConfig;
import dev.sluice.front.Json;
import dev.sluice.identify.Credential;
import dev.sluice.identify.IdentificationException;
import dev.sluice.identify.Identifier;
import dev.sluice.identify.Principal;
import dev.sluice.store.SessionStore;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The console's OIDC sign-in: authorization code with PKCE (S256), against the provider found by discovery.
 * The state, verifier and nonce wait in the store (so the callback may reach another replica) for at most
 * {@link #PENDING}; the callback takes them once, exchanges the code, and identifies the user from the access
 * token exactly as a bearer call would. Blocking: call from a worker.
 */
public final class OidcLogin {
  private static final Logger LOG = Logger.getLogger(OidcLogin.class);
  static final Duration PENDING = Duration.ofMinutes(10);
  public static final String CALLBACK = "/api/session/oidc/callback";
  public static final String DEFAULT_NEXT = "/console/";

  private final OidcConfig oidc;
  private final OidcConfig.Login client;
  private final Identifier tokens;
  private final SessionStore store;
  private final Clock clock;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NEVER).build();
  private volatile Endpoints endpoints;

  private record Endpoints(URI authorization, URI token) {
  }

  /**
   * Where the browser goes next, and the state it must bring back: the callback is accepted only from the browser
   * that started the sign-in, which holds the state in a cookie (so nobody can sign a victim into their account by
   * sending them a callback link: login CSRF, RFC 6749 §10.12).
   */
  public record Redirect(String location, String state) {
  }

  /** The cookie that ties a sign-in to the browser that started it. */
  public static final String STATE_COOKIE = "sluice_oidc_state";

  /** How long a started sign-in may take, in seconds (the state cookie's lifetime). */
  public static long pendingSeconds() {
    return PENDING.toSeconds();
  }

  /** Whether the callback's state is the one this browser was given (constant-time). */
  public static boolean sameBrowser(String state, String cookieState) {
    return state != null && cookieState != null && MessageDigest.isEqual(state.getBytes(StandardCharsets.UTF_8),
        cookieState.getBytes(StandardCharsets.UTF_8));
  }

  /** A completed sign-in: who, and the console page to return to. */
  public record Finished(Principal principal, String next) {
  }

  /** A sign-in that could not complete; {@code code} goes to the console as {@code ?error=}. */
  public static final class Failed extends Exception {
    private final String code;

    Failed(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  /** @param tokens identifies access tokens, as {@code Authorization: Bearer} on {@code /api} does */
  public OidcLogin(OidcConfig oidc, OidcConfig.Login client, Identifier tokens, SessionStore store, Clock clock) {
    this.oidc = oidc;
    this.client = client;
    this.tokens = tokens;
    this.store = store;
    this.clock = clock;
  }

  /** {@code next} is followed only when it is a path of the console: never another site. */
  public static String safeNext(String next) {
    if (next == null || !next.startsWith("/console/") || next.contains("//") || next.contains("\\")
        || next.chars().anyMatch(c -> c < 0x21 || c == 0x7f) || next.length() > 1000) {
      return DEFAULT_NEXT;
    }
    return next;
  }

  /** The redirect to the provider's authorization endpoint. {@code origin}: scheme://host[:port] of the request. */
  public Redirect start(String next, String origin) throws Failed {
    if (client.redirectUri().isEmpty() && !origin.matches("https?://[A-Za-z0-9.\\-]+(:\\d{1,5})?|https?://\\[[0-9a-fA-F:.]+\\](:\\d{1,5})?")) {
      throw new Failed("oidc_bad_host", "the Host header is not a host name; set auth.oidc.redirectUri");
    }
    Endpoints e = endpoints();
    String state = Sessions.random(32);
    String verifier = Sessions.random(48);
    String nonce = Sessions.random(24);
    String redirectUri = redirectUri(origin);
    store.savePending(new SessionStore.PendingLogin(Sessions.hash(state), verifier, nonce, safeNext(next),
        redirectUri, clock.instant().plus(PENDING)));
    Map<String, String> q = new LinkedHashMap<>();
    q.put("response_type", "code");
    q.put("client_id", client.clientId());
    q.put("redirect_uri", redirectUri);
    q.put("scope", client.scopes());
    q.put("state", state);
    q.put("nonce", nonce);
    q.put("code_challenge", challenge(verifier));
    q.put("code_challenge_method", "S256");
    String sep = e.authorization().getRawQuery() == null ? "?" : "&";
    return new Redirect(e.authorization() + sep + form(q), state);
  }

  /** The user the provider signed in, from the callback's code and state. */
  public Finished finish(String code, String state) throws Failed {
    if (code == null || code.isBlank() || state == null || state.isBlank()) {
      throw new Failed("oidc_callback_invalid", "the callback carries no code or state");
    }
    SessionStore.PendingLogin pending = store.takePending(Sessions.hash(state))
        .filter(p -> p.expiresAt().isAfter(clock.instant()))
        .orElseThrow(() -> new Failed("oidc_state_invalid", "unknown, used or expired state"));
    Map<String, String> f = new LinkedHashMap<>();
    f.put("grant_type", "authorization_code");
    f.put("code", code);
    f.put("redirect_uri", pending.redirectUri());
    f.put("client_id", client.clientId());
    f.put("code_verifier", pending.codeVerifier());
    client.clientSecret().ifPresent(s -> f.put("client_secret", s));
    JsonNode answer;
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(endpoints().token()).timeout(Duration.ofSeconds(10))
          .header("content-type", "application/x-www-form-urlencoded").header("accept", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(form(f))).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        LOG.warnf("OIDC sign-in: the token endpoint answered %d", r.statusCode());
        throw new Failed("oidc_code_rejected", "the provider refused the code");
      }
      answer = Json.MAPPER.readTree(r.body());
    } catch (IOException e) {
      throw new Failed("oidc_unavailable", "the provider's token endpoint cannot be reached");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failed("oidc_unavailable", "interrupted");
    }
    String accessToken = answer.path("access_token").asText("");
    if (accessToken.isEmpty()) {
      throw new Failed("oidc_code_rejected", "the provider answered without an access token");
    }
    checkNonce(answer.path("id_token").asText(""), pending.nonce());
    try {
      return new Finished(tokens.identify(new Credential(Credential.Scheme.BEARER, accessToken)).toCompletionStage()
          .toCompletableFuture().get(30, TimeUnit.SECONDS), pending.next());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IdentificationException id) {
        LOG.warnf("OIDC sign-in: the access token is not accepted: %s", id.getMessage());
        throw new Failed(id.error().status() == 503 ? "oidc_unavailable" : "oidc_token_invalid", id.getMessage());
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failed("oidc_unavailable", "interrupted");
    } catch (java.util.concurrent.TimeoutException e) {
      throw new Failed("oidc_unavailable", "the token could not be verified in time");
    }
  }

  /**
   * The ID token came straight from the token endpoint over the connection Sluice opened, so its signature adds
   * nothing (OIDC Core 3.1.3.7); its nonce still ties it to this sign-in. The user is identified from the access
   * token, verified in full.
   */
  private static void checkNonce(String idToken, String nonce) throws Failed {
    if (idToken.isEmpty()) {
      return; // no ID token (scope without openid is refused by the configuration): nothing to replay
    }
    String[] parts = idToken.split("\\.");
    try {
      JsonNode claims = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
      if (!nonce.equals(claims.path("nonce").asText(""))) {
        throw new Failed("oidc_nonce_mismatch", "the ID token's nonce is not this sign-in's");
      }
    } catch (IOException | IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
      throw new Failed("oidc_code_rejected", "the ID token cannot be read");
    }
  }

  private String redirectUri(String origin) {
    return client.redirectUri().map(URI::toString).orElse(origin + CALLBACK);
  }

  private Endpoints endpoints() throws Failed {
    Endpoints e = endpoints;
    if (e != null) {
      return e;
    }
    String issuer = oidc.issuer().toString();
    URI discovery = URI.create((issuer.endsWith("/") ? issuer : issuer + "/") + ".well-known/openid-configuration");
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(discovery).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode doc = Json.MAPPER.readTree(r.body());
      String auth = doc.path("authorization_endpoint").asText("");
      String token = doc.path("token_endpoint").asText("");
      if (r.statusCode() != 200 || auth.isEmpty() || token.isEmpty()) {
        throw new Failed("oidc_unavailable", "the provider's discovery document names no authorization or token endpoint");
      }
      e = new Endpoints(URI.create(auth), URI.create(token));
      endpoints = e;
      return e;
    } catch (IOException | IllegalArgumentException ex) {
      LOG.warnf("OIDC sign-in: discovery at %s failed: %s", discovery, ex.getMessage());
      throw new Failed("oidc_unavailable", "the identity provider cannot be reached");
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new Failed("oidc_unavailable", "interrupted");
    }
  }

  private static String challenge(String verifier) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String form(Map<String, String> values) {
    return values.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(),
            StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }
}
