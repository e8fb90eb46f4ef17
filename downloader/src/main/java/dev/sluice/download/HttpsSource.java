package dev.sluice.download;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A file at an https URL, or a manifest there: a JSON list of {@code {path, url, size?, sha256}}, each url
 * absolute or relative to the manifest. Every file needs a sha256 unless the user waived it with
 * {@code --allow-unverified}: a plain web server states nothing else we could check.
 */
final class HttpsSource implements Source {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DownloadRequest request;
    private final Http http;

    HttpsSource(DownloadRequest request, Http http) {
        this.request = request;
        this.http = http;
    }

    @Override
    public Listing list() throws DownloadException, IOException, InterruptedException {
        URI uri = URI.create(request.uri());
        if (!request.manifest()) {
            String path = uri.getPath();
            String name = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
            if (name.isBlank()) {
                throw DownloadException.usage("cannot name the file of " + Http.shown(uri)
                        + ": its path has no last segment");
            }
            return new Listing(null, List.of(new RemoteFile(name, uri.toString(), -1, null, null, null)));
        }
        String text = http.getText(Http.get(uri, request.tuning().readTimeout()).build(), "manifest "
                + Http.shown(uri), this);
        JsonNode entries = JSON.readTree(text);
        if (!entries.isArray()) {
            throw DownloadException.fatal("manifest " + Http.shown(uri) + " is not a JSON list");
        }
        List<RemoteFile> files = new ArrayList<>();
        for (JsonNode entry : entries) {
            String path = entry.path("path").asText(null);
            String url = entry.path("url").asText(null);
            String sha256 = entry.path("sha256").asText(null);
            if (path == null || url == null) {
                throw DownloadException.fatal("manifest " + Http.shown(uri) + ": every entry needs path and url");
            }
            if (sha256 == null && !request.allowUnverified()) {
                throw DownloadException.fatal("manifest " + Http.shown(uri) + ": entry '" + path
                        + "' has no sha256 (add it, or pass --allow-unverified)");
            }
            if (sha256 != null && !sha256.matches("[0-9a-fA-F]{64}")) {
                throw DownloadException.fatal("manifest " + Http.shown(uri) + ": entry '" + path
                        + "' has a sha256 that is not 64 hex digits");
            }
            URI location = uri.resolve(url);
            if (!"https".equals(location.getScheme()) && !"http".equals(location.getScheme())) {
                throw DownloadException.fatal("manifest entry '" + path + "': only http(s) URLs are fetched");
            }
            files.add(new RemoteFile(path, location.toString(), entry.path("size").asLong(-1),
                    sha256 == null ? null : sha256.toLowerCase(Locale.ROOT), null, null));
        }
        return new Listing(null, files);
    }

    @Override
    public HttpRequest.Builder request(RemoteFile file) {
        return Http.get(URI.create(file.location()), request.tuning().readTimeout());
    }

    @Override
    public String hint(int status, String what) {
        return switch (status) {
            case 401, 403 -> "the server refuses access: the https source sends no credentials, so the URL must be "
                    + "readable as it is (or pre-signed)";
            default -> "not found: check the URL (and, for a manifest, each entry's url)";
        };
    }
}
