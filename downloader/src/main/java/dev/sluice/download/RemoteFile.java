package dev.sluice.download;

/**
 * One file of a model as its source describes it. {@code path} is relative to the destination; the expectations
 * ({@code size}, {@code sha256}, {@code gitBlobSha1}, {@code md5}) are null or -1 when the source does not state
 * them, and each stated one is checked before the file gets its final name.
 *
 * @param location where to fetch it (a URL; for pvc, the path under the destination)
 * @param gitBlobSha1 the Hub's oid of a file kept in git rather than LFS: sha1 of "blob SIZE\0" + content
 * @param md5 an S3 ETag of a single-part upload, which is the content's MD5
 */
record RemoteFile(String path, String location, long size, String sha256, String gitBlobSha1, String md5) {

    boolean sizeKnown() {
        return size >= 0;
    }

    boolean contentVerifiable() {
        return sha256 != null || gitBlobSha1 != null || md5 != null;
    }

    RemoteFile withSha256(String pinned) {
        return new RemoteFile(path, location, size, pinned, gitBlobSha1, md5);
    }

    RemoteFile withoutMd5() {
        return new RemoteFile(path, location, size, sha256, gitBlobSha1, null);
    }
}
