package dev.sluice.download;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.LongConsumer;

/**
 * Reads a file once and checks it against what its source stated: size, sha256, the Hub's git blob oid, an S3
 * single-part ETag (MD5). For downloads the sha256 is always computed, because the completion marker records
 * it; a pre-seeded file without a stated hash is only sized ({@code hashUnstated} false), as it is large and local.
 */
final class FileCheck {

    /** The outcome: the sha256 of what is on disk, and the first mismatch, or null when everything held. */
    record Result(long size, String sha256, String mismatch) {
        boolean ok() {
            return mismatch == null;
        }
    }

    private FileCheck() {
    }

    static Result check(Path file, RemoteFile expected, boolean hashUnstated, LongConsumer hashed)
            throws IOException {
        long size = Files.size(file);
        if (expected.sizeKnown() && size != expected.size()) {
            return new Result(size, null, "size is " + size + " bytes, the source says " + expected.size());
        }
        if (!hashUnstated && !expected.contentVerifiable()) {
            return new Result(size, null, null);
        }
        MessageDigest sha256 = digest("SHA-256");
        MessageDigest gitSha1 = expected.gitBlobSha1() == null ? null : digest("SHA-1");
        MessageDigest md5 = expected.md5() == null ? null : digest("MD5");
        if (gitSha1 != null) {
            // git hashes a blob with its header: "blob <size>\0" then the content.
            gitSha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
        }
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha256.update(buffer, 0, n);
                if (gitSha1 != null) {
                    gitSha1.update(buffer, 0, n);
                }
                if (md5 != null) {
                    md5.update(buffer, 0, n);
                }
                hashed.accept(n);
            }
        }
        String actual = hex(sha256);
        if (expected.sha256() != null && !expected.sha256().equalsIgnoreCase(actual)) {
            return new Result(size, actual, "sha256 is " + actual + ", expected " + expected.sha256());
        }
        if (gitSha1 != null) {
            String oid = hex(gitSha1);
            if (!expected.gitBlobSha1().equalsIgnoreCase(oid)) {
                return new Result(size, actual, "git blob oid is " + oid + ", the Hub says " + expected.gitBlobSha1());
            }
        }
        if (md5 != null) {
            String etag = hex(md5);
            if (!expected.md5().equalsIgnoreCase(etag)) {
                return new Result(size, actual, "MD5 is " + etag + ", the object's ETag says " + expected.md5());
            }
        }
        return new Result(size, actual, null);
    }

    static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships " + algorithm, e);
        }
    }
}
