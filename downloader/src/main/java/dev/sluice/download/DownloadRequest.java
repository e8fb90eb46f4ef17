package dev.sluice.download;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One parsed command line plus the environment it runs in. {@code env} holds credentials, so
 * {@link #toString()} leaves it out.
 *
 * @param sha256Pins "HEX" (the only file) or "PATH=HEX", lower-case
 */
record DownloadRequest(SourceKind source, String uri, String revision, List<String> sha256Pins,
                       List<String> fileGlobs, boolean allowUnverified, boolean manifest, Path caBundle, Path dest,
                       Map<String, String> env, Tuning tuning) {

    enum SourceKind {
        HUGGINGFACE, HTTPS, S3, PVC;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    DownloadRequest {
        Objects.requireNonNull(source);
        Objects.requireNonNull(uri);
        Objects.requireNonNull(dest);
        sha256Pins = List.copyOf(sha256Pins);
        fileGlobs = List.copyOf(fileGlobs);
        env = Map.copyOf(env);
    }

    String env(String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    DownloadRequest withTuning(Tuning newTuning) {
        return new DownloadRequest(source, uri, revision, sha256Pins, fileGlobs, allowUnverified, manifest, caBundle,
                dest, env, newTuning);
    }

    @Override
    public String toString() {
        return "DownloadRequest[source=" + source.wireName() + ", uri=" + uri + ", revision=" + revision
                + ", files=" + fileGlobs + ", dest=" + dest + "]";
    }
}
