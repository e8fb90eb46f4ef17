package dev.sluice.bench;

/** A target could not be started or does not answer the benchmark request; it is skipped, with this reason. */
final class TargetUnavailable extends Exception {
    TargetUnavailable(String message) {
        super(message);
    }
}
