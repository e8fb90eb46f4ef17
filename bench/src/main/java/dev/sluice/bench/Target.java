package dev.sluice.bench;

/**
 * One thing the load generator talks to: the upstream directly, nginx in front of it, or Sluice.
 * {@code process} is the child process serving it (null when not started by the benchmark).
 */
record Target(String name, String host, int port, String description, Process process) {

    Target(String name, String host, int port, String description) {
        this(name, host, port, description, null);
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
