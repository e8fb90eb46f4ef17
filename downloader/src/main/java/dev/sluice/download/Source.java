package dev.sluice.download;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.util.List;

/**
 * Where a model comes from: it lists the files (with what to expect of each) and builds the request that fetches
 * one. The transfer itself, resume, retries and verification are the same for every source ({@link FileFetcher}).
 */
interface Source {

    /** The files to fetch, and the revision the listing resolved to (a Hub commit sha), if any. */
    record Listing(String resolvedRevision, List<RemoteFile> files) {
    }

    Listing list() throws DownloadException, IOException, InterruptedException;

    /** A fresh request for the whole file (the caller adds Range); built per attempt so signatures stay fresh. */
    HttpRequest.Builder request(RemoteFile file) throws DownloadException;

    /** What a person should check when the source answers 401, 403 or 404 for {@code what}. */
    String hint(int status, String what);
}
