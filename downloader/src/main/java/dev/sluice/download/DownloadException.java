package dev.sluice.download;

/**
 * A failure with the exit code it maps to. Messages are shown to people as they are, so they name the file and
 * what to check, and never carry a credential (they pass through {@link Redactor} anyway before they are printed).
 */
public final class DownloadException extends Exception {

    /** How the process ends when this failure escapes (contract 2). */
    public enum Kind {
        /** A bad command line or environment: exit 2. */
        USAGE(2),
        /** Retrying cannot help (sha256 mismatch, 401/403/404): exit 3. */
        FINAL(3),
        /** Worth another attempt (timeouts, 5xx, resets); exit 1 once the attempts are spent. */
        TRANSIENT(1);

        public final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }
    }

    private final Kind kind;

    public DownloadException(Kind kind, String message) {
        this(kind, message, null);
    }

    public DownloadException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    static DownloadException usage(String message) {
        return new DownloadException(Kind.USAGE, message);
    }

    static DownloadException fatal(String message) {
        return new DownloadException(Kind.FINAL, message);
    }

    static DownloadException transientFailure(String message, Throwable cause) {
        return new DownloadException(Kind.TRANSIENT, message, cause);
    }
}
