package dev.sluice.download;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A pre-seeded model: files someone already put on the volume. Nothing is fetched; the "listing" is what is on
 * disk under the given path, which must exist and hold at least one file.
 */
final class PvcFiles {

    private PvcFiles() {
    }

    static List<RemoteFile> list(DownloadRequest request) throws DownloadException, IOException {
        Path dest = request.dest().toAbsolutePath().normalize();
        String uri = request.uri();
        String relative;
        if (uri.startsWith("pvc://")) {
            relative = uri.substring("pvc://".length());
        } else if (Path.of(uri).isAbsolute()) {
            Path absolute = Path.of(uri).normalize();
            if (!absolute.startsWith(dest)) {
                throw DownloadException.usage("--uri " + uri + " is not inside --dest " + dest);
            }
            relative = dest.relativize(absolute).toString();
        } else {
            relative = uri;
        }
        Path root = relative.isEmpty() || relative.equals(".") ? dest : SafePaths.resolve(dest, relative);
        if (Files.isRegularFile(root)) {
            return List.of(local(dest, root));
        }
        if (!Files.isDirectory(root)) {
            throw DownloadException.fatal("the pre-seeded model " + root + " does not exist: check that the volume "
                    + "is mounted at " + dest + " and was seeded");
        }
        List<RemoteFile> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path file : (Iterable<Path>) walk.sorted()::iterator) {
                Path rel = dest.relativize(file);
                if (Files.isRegularFile(file) && !rel.getName(0).toString().equals(SafePaths.STATE_DIR)
                        && !file.getFileName().toString().endsWith(SafePaths.PART_SUFFIX)) {
                    files.add(local(dest, file));
                }
            }
        }
        if (files.isEmpty()) {
            throw DownloadException.fatal("the pre-seeded model " + root + " holds no files");
        }
        return files;
    }

    private static RemoteFile local(Path dest, Path file) throws IOException {
        String rel = dest.relativize(file).toString();
        return new RemoteFile(rel, rel, Files.size(file), null, null, null);
    }
}
