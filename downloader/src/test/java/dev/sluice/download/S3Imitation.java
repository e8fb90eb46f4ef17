package dev.sluice.download;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * A loopback S3-compatible store, path-style ({@code /bucket/key}): ListObjectsV2 (with continuation tokens) and
 * GetObject (with Range). It checks that every request carries a SigV4 Authorization of the right shape for the
 * expected access key, region and date, with x-amz-date and x-amz-content-sha256 among the signed headers; a
 * request without one gets 403, as S3 answers.
 */
final class S3Imitation implements AutoCloseable {

    static final Pattern AUTHORIZATION = Pattern.compile("AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/(?<day>\\d{8})/"
            + "(?<region>[a-z0-9-]+)/s3/aws4_request,SignedHeaders=(?<signed>[a-z0-9;-]+),Signature=[0-9a-f]{64}");

    record Request(String method, String path, String query, String authorization, String range) {
    }

    final String bucket;
    final String accessKey;
    final String region;
    final Map<String, byte[]> objects = new TreeMap<>();
    final Map<String, String> etagOverride = new TreeMap<>();
    /** Keys stored with SSE-KMS: S3 then answers an ETag that is not the content's MD5. */
    final java.util.Set<String> kmsEncrypted = new java.util.HashSet<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final List<String> rejections = new CopyOnWriteArrayList<>();
    volatile int maxKeys = 1000;
    volatile int forceStatus;
    private final HttpServer server;

    S3Imitation(String bucket, String accessKey, String region) throws IOException {
        this.bucket = bucket;
        this.accessKey = accessKey;
        this.region = region;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    long gets(String key) {
        return requests.stream().filter(r -> r.path().equals("/" + bucket + "/" + key)).count();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
        String query = ex.getRequestURI().getRawQuery();
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        requests.add(new Request(ex.getRequestMethod(), path, query, auth, ex.getRequestHeaders().getFirst("Range")));
        String problem = checkSignatureShape(ex, auth);
        if (problem != null) {
            rejections.add(problem);
            error(ex, 403, "AccessDenied", problem);
            return;
        }
        if (forceStatus != 0) {
            error(ex, forceStatus, "Injected", "injected");
            return;
        }
        if (path.equals("/" + bucket) || path.equals("/" + bucket + "/")) {
            list(ex, query == null ? "" : query);
        } else if (path.startsWith("/" + bucket + "/") && objects.containsKey(path.substring(bucket.length() + 2))) {
            get(ex, path.substring(bucket.length() + 2));
        } else {
            error(ex, 404, "NoSuchKey", "The specified key does not exist.");
        }
    }

    private String checkSignatureShape(HttpExchange ex, String auth) {
        if (auth == null) {
            return "no Authorization header";
        }
        var m = AUTHORIZATION.matcher(auth);
        if (!m.matches()) {
            return "Authorization is not SigV4-shaped";
        }
        String amzDate = ex.getRequestHeaders().getFirst("x-amz-date");
        List<String> signed = List.of(m.group("signed").split(";"));
        if (!m.group("key").equals(accessKey) || !m.group("region").equals(region) || amzDate == null
                || !amzDate.startsWith(m.group("day")) || !signed.contains("host") || !signed.contains("x-amz-date")
                || !signed.contains("x-amz-content-sha256")
                || ex.getRequestHeaders().getFirst("x-amz-content-sha256") == null) {
            return "Authorization scope or signed headers do not match the request";
        }
        return null;
    }

    private void list(HttpExchange ex, String rawQuery) throws IOException {
        Map<String, String> q = new TreeMap<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                q.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        if (!"2".equals(q.get("list-type"))) {
            error(ex, 400, "InvalidArgument", "only ListObjectsV2 here");
            return;
        }
        String prefix = q.getOrDefault("prefix", "");
        int start = Integer.parseInt(q.getOrDefault("continuation-token", "0"));
        List<String> keys = objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
        int end = Math.min(keys.size(), start + maxKeys);
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>" + bucket + "</Name>"
                + "<Prefix>" + prefix + "</Prefix><KeyCount>" + (end - start) + "</KeyCount><MaxKeys>" + maxKeys
                + "</MaxKeys><IsTruncated>" + (end < keys.size()) + "</IsTruncated>");
        if (end < keys.size()) {
            xml.append("<NextContinuationToken>").append(end).append("</NextContinuationToken>");
        }
        for (String key : keys.subList(start, end)) {
            xml.append("<Contents><Key>").append(key).append("</Key><LastModified>2026-01-01T00:00:00.000Z"
                    + "</LastModified><ETag>&quot;").append(etag(key)).append("&quot;</ETag><Size>")
                    .append(objects.get(key).length).append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
        }
        xml.append("</ListBucketResult>");
        send(ex, 200, "application/xml", xml.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void get(HttpExchange ex, String key) throws IOException {
        byte[] data = objects.get(key);
        ex.getResponseHeaders().add("ETag", "\"" + etag(key) + "\"");
        if (kmsEncrypted.contains(key)) {
            ex.getResponseHeaders().add("x-amz-server-side-encryption", "aws:kms");
        }
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = range == null ? 0 : Integer.parseInt(range.substring(6, range.length() - 1));
        if (range != null) {
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
        }
        ex.sendResponseHeaders(range == null ? 200 : 206, data.length - from);
        ex.getResponseBody().write(data, from, data.length - from);
        ex.close();
    }

    String etag(String key) {
        if (etagOverride.containsKey(key)) {
            return etagOverride.get(key);
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(objects.get(key)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        send(ex, status, "application/xml", ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code
                + "</Code><Message>" + message + "</Message></Error>").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
