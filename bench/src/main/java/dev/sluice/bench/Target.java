package dev.sluice.bench;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * One thing the load generator talks to: the upstream directly, nginx in front of it, or Sluice.
 * {@code process} is the child process serving it (null when not started by the benchmark).
 */
record Target(String name, String host, int port, String description, Process process, String authorization) {

    Target(String name, String host, int port, String description) {
        this(name, host, port, description, null, null);
    }

    Target(String name, String host, int port, String description, Process process) {
        this(name, host, port, description, process, null);
    }

    /** The same target, called with this {@code Authorization} header value (Sluice: an API key). */
    Target withAuthorization(String value) {
        return new Target(name, host, port, description, process, value);
    }

    /** A chat-completions POST to this target, with its credentials when it needs any. */
    RequestOptions chatRequest(long idleTimeoutMillis) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
                .setURI(CHAT_PATH).putHeader("Content-Type", "application/json").setIdleTimeout(idleTimeoutMillis);
        return authorization == null ? options : options.putHeader("Authorization", authorization);
    }

    /** Why this target's process is gone, or null while it runs (or was not started by us). */
    String deathNotice() {
        if (process == null || process.isAlive()) {
            return null;
        }
        return "its process exited with code " + process.exitValue();
    }

    static final String CHAT_PATH = "/v1/chat/completions";

    String url(String path) {
        return "http://" + host + ":" + port + path;
    }
}
