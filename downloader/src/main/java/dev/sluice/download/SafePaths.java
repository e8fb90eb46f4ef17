package dev.sluice.download;

import java.nio.file.Path;

/** Keeps every path a source names inside the destination, and out of the downloader's own {@code .sluice}. */
final class SafePaths {

    static final String STATE_DIR = ".sluice";
    static final String PART_SUFFIX = ".part";

    private SafePaths() {
    }

    static Path resolve(Path dest, String relative) throws DownloadException {
        if (relative == null || relative.isBlank() || relative.startsWith("/") || relative.contains("\\")
                || relative.indexOf('\0') >= 0) {
            throw DownloadException.fatal("refusing file path '" + relative + "': not a plain relative path");
        }
        Path root = dest.toAbsolutePath().normalize();
        Path target = root.resolve(relative).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            throw DownloadException.fatal("refusing file path '" + relative + "': it leaves the destination");
        }
        Path first = root.relativize(target).getName(0);
        if (first.toString().equals(STATE_DIR) || target.getFileName().toString().endsWith(PART_SUFFIX)) {
            throw DownloadException.fatal("refusing file path '" + relative + "': reserved for the downloader");
        }
        return target;
    }

    static Path partOf(Path target) {
        return target.resolveSibling(target.getFileName() + PART_SUFFIX);
    }
}
