package dev.sluice.download;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code DEST/.sluice/complete}: written last, atomically, once every file verified. It says what the directory
 * holds (source, uri, revision, files with sizes and sha256) so that the next start, or a waiting replica, can use
 * the model without a request and without hashing it again.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record Marker(String source, String uri, String revision, String resolvedRevision, List<String> filesFilter,
              String completedAt, List<Entry> files) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Entry(String path, long size, String sha256) {
    }

    static final String FILE = "complete";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static Optional<Marker> read(Path stateDir) {
        try {
            return Optional.of(JSON.readValue(Files.readAllBytes(stateDir.resolve(FILE)), Marker.class));
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        } catch (IOException unreadable) {
            return Optional.empty(); // treated as absent: the model is verified again, never trusted blindly
        }
    }

    void write(Path stateDir) throws IOException {
        AtomicFiles.write(stateDir.resolve(FILE), JSON.writeValueAsBytes(this));
    }

    static void delete(Path stateDir) throws IOException {
        Files.deleteIfExists(stateDir.resolve(FILE));
    }

    /**
     * True when this marker answers {@code request}: same source, uri, revision and filter, every pinned sha256
     * recorded, and every file still present at its recorded size (a cheap stat, no hashing).
     */
    boolean satisfies(DownloadRequest request) {
        if (!request.source().wireName().equals(source) || !request.uri().equals(uri)
                || !Objects.equals(request.revision(), revision) || !request.fileGlobs().equals(filesFilter)
                || files == null) {
            return false;
        }
        for (String pin : request.sha256Pins()) {
            int eq = pin.lastIndexOf('=');
            String hex = pin.substring(eq + 1);
            String path = eq < 0 ? null : pin.substring(0, eq);
            boolean recorded = files.stream().anyMatch(f -> hex.equals(f.sha256())
                    && (path == null ? files.size() == 1 : path.equals(f.path())));
            if (!recorded) {
                return false;
            }
        }
        Path dest = request.dest();
        for (Entry file : files) {
            try {
                Path target = SafePaths.resolve(dest, file.path());
                if (!Files.isRegularFile(target) || Files.size(target) != file.size()) {
                    return false;
                }
            } catch (DownloadException | IOException e) {
                return false;
            }
        }
        return true;
    }
}
