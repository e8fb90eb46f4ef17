package dev.sluice.bench;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One thing the load generator talks to: the upstream directly, nginx in front of it, Portkey or Sluice.
 * {@code process} is the child process serving it (null when not started by the benchmark). {@code headers} go
 * on every benchmark request (Sluice: its API key; Portkey: which provider and host to forward to); {@code path}
 * and {@code model} are where the chat request goes and what it asks for.
 */
record Target(String name, String host, int port, String description, Process process, Map<String, String> headers,
        String path, String model) {

    static final String CHAT_PATH = "/v1/chat/completions";
    static final String MODEL = "bench-model";

    Target {
        headers = Map.copyOf(headers);
    }

    Target(String name, String host, int port, String description) {
        this(name, host, port, description, null);
    }

    Target(String name, String host, int port, String description, Process process) {
        this(name, host, port, description, process, Map.of(), CHAT_PATH, MODEL);
    }

    /** The same target, called with this {@code Authorization} header value (Sluice: an API key). */
    Target withAuthorization(String value) {
        return withHeader("Authorization", value);
    }

    Target withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Target(this.name, host, port, description, process, h, path, model);
    }

    /** The same process reached by another route: another request path or model, e.g. to a second upstream. */
    Target withRoute(String path, String model) {
        return new Target(name, host, port, description, process, headers, path, model);
    }

    /** A chat-completions POST to this target, with its credentials when it needs any. */
    RequestOptions chatRequest(long idleTimeoutMillis) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
                .setURI(path).putHeader("Content-Type", "application/json").setIdleTimeout(idleTimeoutMillis);
        headers.forEach(options::putHeader);
        return options;
    }

    /** Why this target's process is gone, or null while it runs (or was not started by us). */
    String deathNotice() {
        if (process == null || process.isAlive()) {
            return null;
        }
        return "its process exited with code " + process.exitValue();
    }

    String url(String path) {
        return "http://" + host + ":" + port + path;
    }
}
