package dev.sluice.download;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face Hub repository (or a mirror at HF_ENDPOINT). The revision is first resolved to its commit sha
 * ({@code /api/models/{repo}/revision/{rev}}), so that the listing and every file come from one commit even if a
 * branch moves meanwhile; the tree API then gives each file's size and, for LFS files, its sha256 ({@code lfs.oid}),
 * or for files kept in git, the git blob oid. Files are fetched from {@code /{repo}/resolve/{sha}/{path}}.
 */
final class HuggingFaceSource implements Source {

    static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String endpoint;
    private final String repo;
    private final String revision;
    private final String token;
    private final Http http;
    private final DownloadRequest request;
    private String commit;

    HuggingFaceSource(DownloadRequest request, Http http) {
        String configured = request.env("HF_ENDPOINT");
        this.endpoint = stripSlash(configured == null ? DEFAULT_ENDPOINT : configured);
        this.repo = request.uri();
        this.revision = request.revision() == null ? "main" : request.revision();
        this.token = request.env("HF_TOKEN");
        this.http = http;
        this.request = request;
    }

    @Override
    public Listing list() throws DownloadException, IOException, InterruptedException {
        String info = http.getText(api(URI.create(endpoint + "/api/models/" + repo + "/revision/"
                + segment(revision))).build(), repo + " at revision " + revision, this);
        commit = JSON.readTree(info).path("sha").asText(null);
        if (commit == null || commit.isBlank()) {
            throw DownloadException.transientFailure("the Hub's answer for " + repo + "@" + revision
                    + " has no commit sha", null);
        }
        List<RemoteFile> files = new ArrayList<>();
        URI page = URI.create(endpoint + "/api/models/" + repo + "/tree/" + segment(commit) + "?recursive=true");
        while (page != null) {
            var response = http.send(api(page).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw Http.failure(response.statusCode(), "the file list of " + repo + "@" + revision, this);
            }
            for (JsonNode entry : JSON.readTree(response.body())) {
                if ("file".equals(entry.path("type").asText())) {
                    files.add(file(entry));
                }
            }
            URI current = page;
            page = response.headers().firstValue("link").map(link -> next(current, link)).orElse(null);
            if (page != null && !Http.sameOrigin(current, page)) {
                // The token goes with every API call; a next page elsewhere would carry it to another host.
                throw DownloadException.fatal("the Hub's next page for " + repo + " points to another host: "
                        + Http.shown(page));
            }
        }
        return new Listing(commit, files);
    }

    private RemoteFile file(JsonNode entry) {
        String path = entry.path("path").asText();
        JsonNode lfs = entry.path("lfs");
        String location = endpoint + "/" + repo + "/resolve/" + segment(commit) + "/" + pathSegments(path);
        if (lfs.isObject()) {
            return new RemoteFile(path, location, lfs.path("size").asLong(entry.path("size").asLong(-1)),
                    lfs.path("oid").asText(null), null, null);
        }
        if (entry.hasNonNull("xetHash")) {
            // A Xet-stored file listed without an lfs block: its oid is the pointer's, not the content's, and the
            // Xet hash is not a plain digest of the bytes. Size is all that can be checked; the log says so.
            return new RemoteFile(path, location, entry.path("size").asLong(-1), null, null, null);
        }
        return new RemoteFile(path, location, entry.path("size").asLong(-1), null, entry.path("oid").asText(null),
                null);
    }

    @Override
    public HttpRequest.Builder request(RemoteFile file) {
        return api(URI.create(file.location()));
    }

    @Override
    public String hint(int status, String what) {
        return switch (status) {
            case 401 -> "the Hub wants a token: set HF_TOKEN to a valid read token (and check it has not expired)";
            case 403 -> "access denied: check that HF_TOKEN belongs to an account that accepted the licence of "
                    + repo + " (gated models) and may read it";
            default -> "not found: check the repository name '" + repo + "', the revision '" + revision
                    + "' and HF_ENDPOINT (" + endpoint + "); private repositories also answer 404 without HF_TOKEN";
        };
    }

    private HttpRequest.Builder api(URI uri) {
        HttpRequest.Builder builder = Http.get(uri, request.tuning().readTimeout());
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private static URI next(URI current, String linkHeader) {
        Matcher m = NEXT_LINK.matcher(linkHeader);
        return m.find() ? current.resolve(m.group(1)) : null;
    }

    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String pathSegments(String path) {
        String[] parts = path.split("/", -1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                out.append('/');
            }
            out.append(segment(parts[i]));
        }
        return out.toString();
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
