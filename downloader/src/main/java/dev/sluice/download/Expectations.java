package dev.sluice.download;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Narrows a listing to the --files globs and joins the user's --sha256 pins to the files they name. */
final class Expectations {

    private Expectations() {
    }

    static List<RemoteFile> apply(DownloadRequest request, List<RemoteFile> listed) throws DownloadException {
        List<RemoteFile> files = filter(listed, request.fileGlobs());
        if (files.isEmpty()) {
            throw DownloadException.fatal(request.uri() + ": no file" + (request.fileGlobs().isEmpty() ? ""
                    : " matches --files " + request.fileGlobs()) + "; nothing to download");
        }
        Set<String> pinnedPaths = new HashSet<>();
        List<RemoteFile> out = new ArrayList<>(files);
        for (String pin : request.sha256Pins()) {
            int eq = pin.lastIndexOf('=');
            String hex = pin.substring(eq + 1);
            String path = eq < 0 ? null : pin.substring(0, eq);
            if (path == null && out.size() != 1) {
                throw DownloadException.usage("--sha256 without a path needs exactly one file, but " + request.uri()
                        + " has " + out.size() + "; write --sha256 PATH=HEX");
            }
            int index = path == null ? 0 : indexOf(out, path);
            if (index < 0) {
                throw DownloadException.usage("--sha256 names '" + path + "', which " + request.uri()
                        + " does not list");
            }
            if (!pinnedPaths.add(out.get(index).path())) {
                throw DownloadException.usage("two --sha256 values for " + out.get(index).path());
            }
            RemoteFile file = out.get(index);
            if (file.sha256() != null && !file.sha256().equalsIgnoreCase(hex)) {
                throw DownloadException.fatal(file.path() + ": the source states sha256 " + file.sha256()
                        + " but --sha256 pins " + hex + "; refusing to choose");
            }
            out.set(index, file.withSha256(hex));
        }
        return out;
    }

    /** A glob with a '/' matches the whole relative path; one without matches the file name at any depth. */
    static List<RemoteFile> filter(List<RemoteFile> files, List<String> globs) {
        if (globs.isEmpty()) {
            return files;
        }
        List<PathMatcher> matchers = new ArrayList<>();
        for (String glob : globs) {
            matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
        }
        List<RemoteFile> out = new ArrayList<>();
        for (RemoteFile file : files) {
            Path path = Path.of(file.path());
            for (int i = 0; i < globs.size(); i++) {
                Path subject = globs.get(i).contains("/") ? path : path.getFileName();
                if (matchers.get(i).matches(subject)) {
                    out.add(file);
                    break;
                }
            }
        }
        return out;
    }

    private static int indexOf(List<RemoteFile> files, String path) {
        for (int i = 0; i < files.size(); i++) {
            if (files.get(i).path().equals(path)) {
                return i;
            }
        }
        return -1;
    }
}
