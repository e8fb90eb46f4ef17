package dev.sluice.download;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP client and the two things every source needs from it: redirects that never carry credentials to
 * another host, and small API calls whose failures are classified (final vs worth retrying).
 */
final class Http {

    static final String USER_AGENT = "sluice-downloader/0.1";
    private static final int MAX_REDIRECTS = 10;

    private final HttpClient client;
    private final Log log;

    Http(HttpClient client, Log log) {
        this.client = client;
        this.log = log;
    }

    static Http create(DownloadRequest request, Log log) throws DownloadException {
        HttpClient.Builder builder = HttpClient.newBuilder()
                // Redirects are followed by hand (below) so that Authorization stays with its own host.
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(request.tuning().connectTimeout());
        if (request.caBundle() != null) {
            builder.sslContext(TrustBundle.sslContext(request.caBundle()));
        }
        return new Http(builder.build(), log);
    }

    /** Sends {@code first}, following redirects; credentials are dropped when a redirect leaves the origin. */
    <T> HttpResponse<T> send(HttpRequest first, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException, DownloadException {
        HttpRequest request = first;
        for (int hop = 0; ; hop++) {
            HttpResponse<T> response = client.send(request, handler);
            int status = response.statusCode();
            if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
                return response;
            }
            discard(response);
            String location = response.headers().firstValue("location").orElseThrow(() ->
                    DownloadException.transientFailure("redirect without a Location from " + shown(first.uri()),
                            null));
            if (hop >= MAX_REDIRECTS) {
                throw DownloadException.fatal("more than " + MAX_REDIRECTS + " redirects from " + shown(first.uri()));
            }
            URI next = request.uri().resolve(location);
            if ("https".equals(request.uri().getScheme()) && !"https".equals(next.getScheme())) {
                throw DownloadException.fatal("refusing a redirect from https to " + next.getScheme() + " for "
                        + shown(first.uri()));
            }
            request = redirected(request, next);
        }
    }

    private static HttpRequest redirected(HttpRequest from, URI next) {
        boolean sameOrigin = sameOrigin(from.uri(), next);
        HttpRequest.Builder builder = HttpRequest.newBuilder(next).GET();
        from.timeout().ifPresent(builder::timeout);
        for (Map.Entry<String, List<String>> header : from.headers().map().entrySet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            boolean credential = name.equals("authorization") || name.equals("cookie") || name.startsWith("x-amz-");
            if (sameOrigin || !credential) {
                header.getValue().forEach(value -> builder.header(header.getKey(), value));
            }
        }
        return builder.build();
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equals(uri.getScheme()) ? 443 : 80;
    }

    /** An API call's body as text: 2xx only; 401/403/404 final, 5xx and transport errors worth a retry. */
    String getText(HttpRequest request, String what, Source hints)
            throws IOException, InterruptedException, DownloadException {
        HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray());
        int status = response.statusCode();
        if (status / 100 == 2) {
            return new String(response.body(), StandardCharsets.UTF_8);
        }
        throw failure(status, what, hints);
    }

    static DownloadException failure(int status, String what, Source hints) {
        String message = "HTTP " + status + " for " + what;
        if (status == 401 || status == 403 || status == 404) {
            return DownloadException.fatal(message + ": " + hints.hint(status, what));
        }
        if (RetryPolicy.transientStatus(status)) {
            return DownloadException.transientFailure(message, null);
        }
        return DownloadException.fatal(message);
    }

    /**
     * A transport failure, classified: an untrusted certificate is final (retrying cannot make it trusted),
     * anything else (reset, timeout, refused connection) is worth another attempt.
     */
    static DownloadException transportFailure(IOException e, String what) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException
                    || t instanceof java.security.cert.CertPathValidatorException
                    || t instanceof java.security.cert.CertPathBuilderException) {
                return new DownloadException(DownloadException.Kind.FINAL, what + ": the server's TLS certificate is "
                        + "not trusted (" + t.getMessage() + "); for a private CA pass --ca-bundle FILE or set "
                        + "SLUICE_CA_BUNDLE", e);
            }
        }
        String message = e.getMessage();
        return DownloadException.transientFailure(what + ": " + e.getClass().getSimpleName()
                + (message == null ? "" : ": " + message), e);
    }

    /** A URL as it may be shown in a log: without its query, which may hold a signature. */
    static String shown(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    static HttpRequest.Builder get(URI uri, Duration timeout) {
        return HttpRequest.newBuilder(uri).GET().timeout(timeout).header("User-Agent", USER_AGENT);
    }

    private static void discard(HttpResponse<?> response) {
        if (response.body() instanceof java.io.InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the connection is dropped instead of reused; nothing else depends on it
            }
        }
    }

    Log log() {
        return log;
    }
}
