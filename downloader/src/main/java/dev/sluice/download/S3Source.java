package dev.sluice.download;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Objects under {@code s3://bucket/prefix} on AWS or any S3-compatible store (AWS_ENDPOINT_URL, addressed
 * path-style: {@code endpoint/bucket/key}, which every such store accepts). Listed with ListObjectsV2, fetched
 * with GetObject, both signed with SigV4 from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN);
 * without credentials, requests go unsigned (public buckets).
 *
 * <p>The prefix names a directory (objects under {@code prefix/}) or one object (the key equal to it); files are
 * placed under DEST by their key relative to that directory.
 */
final class S3Source implements Source {

    private final DownloadRequest request;
    private final Http http;
    private final String bucket;
    private final String prefix;
    private final URI endpoint;
    private final boolean pathStyle;
    private final String region;
    private final SigV4.Credentials credentials;

    S3Source(DownloadRequest request, Http http) {
        this.request = request;
        this.http = http;
        String rest = request.uri().substring("s3://".length());
        int slash = rest.indexOf('/');
        this.bucket = slash < 0 ? rest : rest.substring(0, slash);
        String p = slash < 0 ? "" : rest.substring(slash + 1);
        this.prefix = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
        String region = request.env("AWS_REGION");
        this.region = region != null ? region : request.env("AWS_DEFAULT_REGION") != null
                ? request.env("AWS_DEFAULT_REGION") : "us-east-1";
        String custom = request.env("AWS_ENDPOINT_URL");
        // On AWS itself virtual-hosted names are the documented form; a dotted bucket name breaks TLS there.
        this.pathStyle = custom != null || bucket.contains(".");
        String base = custom != null ? custom : pathStyle ? "https://s3." + this.region + ".amazonaws.com"
                : "https://" + bucket + ".s3." + this.region + ".amazonaws.com";
        this.endpoint = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
        String key = request.env("AWS_ACCESS_KEY_ID");
        String secret = request.env("AWS_SECRET_ACCESS_KEY");
        this.credentials = key != null && secret != null
                ? new SigV4.Credentials(key, secret, request.env("AWS_SESSION_TOKEN")) : null;
    }

    @Override
    public Listing list() throws DownloadException, IOException, InterruptedException {
        List<RemoteFile> files = new ArrayList<>();
        String continuation = null;
        do {
            SortedMap<String, String> query = new TreeMap<>();
            query.put("list-type", "2");
            query.put("prefix", prefix);
            if (continuation != null) {
                query.put("continuation-token", continuation);
            }
            String xml = http.getText(signed(bucketPath(), query).build(), "the listing of " + request.uri(), this);
            Document doc = parse(xml);
            NodeList contents = doc.getElementsByTagName("Contents");
            for (int i = 0; i < contents.getLength(); i++) {
                Element object = (Element) contents.item(i);
                String key = text(object, "Key");
                String relative = relative(key);
                if (relative == null || key.endsWith("/")) {
                    continue; // a sibling that merely shares the prefix's letters, or a folder placeholder
                }
                String etag = text(object, "ETag").replace("\"", "");
                files.add(new RemoteFile(relative, key, Long.parseLong(text(object, "Size")), null, null,
                        etag.matches("[0-9a-fA-F]{32}") ? etag : null));
            }
            boolean truncated = "true".equals(text(doc.getDocumentElement(), "IsTruncated"));
            continuation = truncated ? text(doc.getDocumentElement(), "NextContinuationToken") : null;
        } while (continuation != null && !continuation.isEmpty());
        if (files.isEmpty()) {
            throw DownloadException.fatal("no objects under " + request.uri() + ": " + hint(404, request.uri()));
        }
        return new Listing(null, files);
    }

    private String relative(String key) {
        if (prefix.isEmpty()) {
            return key;
        }
        if (key.equals(prefix)) {
            return key.substring(key.lastIndexOf('/') + 1);
        }
        return key.startsWith(prefix + "/") ? key.substring(prefix.length() + 1) : null;
    }

    @Override
    public HttpRequest.Builder request(RemoteFile file) {
        return signed(bucketPath() + "/" + SigV4.encode(file.location(), true), new TreeMap<>());
    }

    @Override
    public String hint(int status, String what) {
        return switch (status) {
            case 401, 403 -> "access denied: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), "
                    + "AWS_REGION (" + region + ") and that the key may list and read bucket '" + bucket + "'";
            default -> "not found: check the bucket '" + bucket + "', the prefix '" + prefix + "' and "
                    + "AWS_ENDPOINT_URL (" + endpoint + ")";
        };
    }

    private String bucketPath() {
        return (endpoint.getRawPath() == null ? "" : endpoint.getRawPath()) + (pathStyle ? "/" + bucket : "");
    }

    private HttpRequest.Builder signed(String rawPath, SortedMap<String, String> query) {
        String canonicalQuery = SigV4.canonicalQuery(query);
        String path = rawPath.isEmpty() ? "/" : rawPath;
        URI uri = URI.create(endpoint.getScheme() + "://" + endpoint.getRawAuthority() + path
                + (canonicalQuery.isEmpty() ? "" : "?" + canonicalQuery));
        HttpRequest.Builder builder = Http.get(uri, request.tuning().readTimeout());
        if (credentials == null) {
            return builder;
        }
        String amzDate = SigV4.amzDate(Instant.now());
        SortedMap<String, String> headers = new TreeMap<>();
        headers.put("host", hostHeader(uri));
        headers.put("x-amz-content-sha256", SigV4.EMPTY_SHA256);
        headers.put("x-amz-date", amzDate);
        if (credentials.sessionToken() != null) {
            headers.put("x-amz-security-token", credentials.sessionToken());
        }
        String authorization = SigV4.authorization("GET", path, canonicalQuery, headers, SigV4.EMPTY_SHA256,
                region, "s3", credentials, amzDate);
        headers.forEach((name, value) -> {
            if (!name.equals("host")) { // the client sets Host itself, to the same value
                builder.header(name, value);
            }
        });
        return builder.header("Authorization", authorization);
    }

    /** What java.net.http sends as Host: the port only when it is not the scheme's default. */
    private static String hostHeader(URI uri) {
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (port == 443 && "https".equals(uri.getScheme()))
                || (port == 80 && "http".equals(uri.getScheme()));
        return defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
    }

    private static Document parse(String xml) throws DownloadException {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            // A listing is data from the network: no DTDs, no external entities.
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setExpandEntityReferences(false);
            return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw DownloadException.transientFailure("unreadable ListObjectsV2 answer: " + e.getMessage(), e);
        }
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent();
    }
}
