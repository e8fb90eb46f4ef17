package dev.sluice.download;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.SortedMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for the two unsigned-body GETs the S3 source makes (ListObjectsV2, GetObject). Small
 * enough to write and check against AWS's published example (see SigV4Test) instead of bringing in the SDK.
 */
final class SigV4 {

    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    record Credentials(String accessKeyId, String secretAccessKey, String sessionToken) {
        @Override
        public String toString() {
            return "Credentials[***]";
        }
    }

    private SigV4() {
    }

    /**
     * The Authorization header value.
     *
     * @param canonicalPath the URI path, already percent-encoded as sent
     * @param canonicalQuery the query, each name and value percent-encoded, sorted by name
     * @param headers lower-case names to trimmed values; all of them are signed
     */
    static String authorization(String method, String canonicalPath, String canonicalQuery,
                                SortedMap<String, String> headers, String payloadSha256, String region,
                                String service, Credentials credentials, String amzDate) {
        String day = amzDate.substring(0, 8);
        String signedHeaders = String.join(";", headers.keySet());
        String canonicalHeaders = headers.entrySet().stream()
                .map(h -> h.getKey() + ":" + h.getValue().trim() + "\n").collect(Collectors.joining());
        String canonicalRequest = method + "\n" + canonicalPath + "\n" + canonicalQuery + "\n" + canonicalHeaders
                + "\n" + signedHeaders + "\n" + payloadSha256;
        String scope = day + "/" + region + "/" + service + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canonicalRequest);
        byte[] key = hmac(("AWS4" + credentials.secretAccessKey()).getBytes(StandardCharsets.UTF_8), day);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        String signature = HexFormat.of().formatHex(hmac(key, toSign));
        return "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId() + "/" + scope + ",SignedHeaders="
                + signedHeaders + ",Signature=" + signature;
    }

    static String amzDate(Instant now) {
        return AMZ_DATE.format(now);
    }

    /** RFC 3986 percent-encoding as SigV4 wants it: everything but unreserved characters (and '/' if kept). */
    static String encode(String value, boolean keepSlash) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~' || (keepSlash && c == '/')) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    static String canonicalQuery(SortedMap<String, String> params) {
        return params.entrySet().stream().map(e -> encode(e.getKey(), false) + "=" + encode(e.getValue(), false))
                .collect(Collectors.joining("&"));
    }

    private static String sha256Hex(String text) {
        var digest = FileCheck.digest("SHA-256");
        return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK ships HmacSHA256", e);
        }
    }
}
