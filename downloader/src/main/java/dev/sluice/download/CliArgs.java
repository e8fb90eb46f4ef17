package dev.sluice.download;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** The command line of contract 2, checked up front so that a typo is exit 2 before anything is touched. */
final class CliArgs {

    static final String USAGE = """
            usage: sluice download --source huggingface|https|s3|pvc --uri URI --dest DIR
                                   [--revision REV] [--sha256 [PATH=]HEX]... [--files GLOB]...
                                   [--manifest] [--allow-unverified] [--ca-bundle FILE]
                                   [--max-attempts N] [--lock-timeout SECONDS] [--read-timeout SECONDS]

              --source huggingface  --uri org/name            (HF_TOKEN, HF_ENDPOINT; --revision, default main)
              --source https        --uri https://host/file   (--sha256 HEX required unless --allow-unverified)
                                    --uri https://host/m.json --manifest  (JSON list of {path, url, size?, sha256})
              --source s3           --uri s3://bucket/prefix  (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
                                                               AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL)
              --source pvc          --uri pvc://relative/path (files already in DEST; verified once, then marked)

              --sha256 HEX          expected sha256 of the only file; PATH=HEX for one file of many (repeatable)
              --files GLOB          only files matching GLOB (repeatable; a glob without '/' matches file names)
              --ca-bundle FILE      PEM certificates trusted in addition to the default ones (or SLUICE_CA_BUNDLE)
              --max-attempts N      attempts per request before giving up with exit 1 (default 8)
              --lock-timeout S      take over a lock whose heartbeat stopped S seconds ago (default 60)
              --read-timeout S      cut and resume a transfer that delivers nothing for S seconds (default 60)

            exit: 0 complete and verified; 1 retries exhausted (or the lock was lost); 2 usage error;
                  3 final failure (sha256 or size mismatch, 401/403/404, untrusted certificate)
            """;

    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");

    private CliArgs() {
    }

    /** Null when the user asked for help. */
    static DownloadRequest parse(String[] args, Map<String, String> env) throws DownloadException {
        String source = null;
        String uri = null;
        String revision = null;
        String dest = null;
        String caBundle = env.get("SLUICE_CA_BUNDLE");
        List<String> pins = new ArrayList<>();
        List<String> globs = new ArrayList<>();
        boolean allowUnverified = false;
        boolean manifest = false;
        Tuning tuning = Tuning.defaults();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                inline = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--allow-unverified" -> allowUnverified = true;
                case "--manifest" -> manifest = true;
                case "--source", "--uri", "--revision", "--sha256", "--files", "--ca-bundle", "--dest",
                        "--max-attempts", "--lock-timeout", "--read-timeout" -> {
                    String value = inline;
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw DownloadException.usage(arg + " needs a value");
                        }
                        value = args[++i];
                    }
                    switch (arg) {
                        case "--source" -> source = value;
                        case "--uri" -> uri = value;
                        case "--revision" -> revision = value;
                        case "--sha256" -> pins.add(pin(value));
                        case "--files" -> globs.add(value);
                        case "--ca-bundle" -> caBundle = value;
                        case "--dest" -> dest = value;
                        case "--max-attempts" -> tuning = tuning.withRetry(new RetryPolicy(positive(arg, value),
                                tuning.retry().initialBackoff(), tuning.retry().maxBackoff()));
                        case "--lock-timeout" -> tuning = tuning.withLockStaleAfter(seconds(arg, value));
                        case "--read-timeout" -> tuning = tuning.withReadTimeout(seconds(arg, value));
                        default -> throw new IllegalStateException(arg);
                    }
                }
                default -> throw DownloadException.usage("unknown argument '" + args[i] + "'");
            }
        }
        if (source == null || uri == null || dest == null) {
            throw DownloadException.usage("--source, --uri and --dest are required");
        }
        DownloadRequest.SourceKind kind;
        try {
            kind = DownloadRequest.SourceKind.valueOf(source.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw DownloadException.usage("--source must be huggingface, https, s3 or pvc, not '" + source + "'");
        }
        Path caPath = caBundle == null || caBundle.isBlank() ? null : Path.of(caBundle);
        if (caPath != null && !Files.isReadable(caPath)) {
            throw DownloadException.usage("CA bundle " + caPath + " is not a readable file");
        }
        checkUri(kind, uri, manifest);
        if (kind == DownloadRequest.SourceKind.HTTPS && !manifest && pins.isEmpty() && !allowUnverified) {
            throw DownloadException.usage("an https file needs --sha256 HEX (or --allow-unverified to fetch it "
                    + "without a content check)");
        }
        if (manifest && kind != DownloadRequest.SourceKind.HTTPS) {
            throw DownloadException.usage("--manifest applies to --source https only");
        }
        return new DownloadRequest(kind, uri, revision, pins, globs, allowUnverified, manifest, caPath,
                Path.of(dest), env, tuning);
    }

    private static void checkUri(DownloadRequest.SourceKind kind, String uri, boolean manifest)
            throws DownloadException {
        boolean ok = switch (kind) {
            case HUGGINGFACE -> uri.matches("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
            case HTTPS -> uri.startsWith("https://") || uri.startsWith("http://");
            case S3 -> uri.matches("s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?");
            case PVC -> !uri.isBlank();
        };
        if (!ok) {
            String expected = switch (kind) {
                case HUGGINGFACE -> "org/name";
                case HTTPS -> manifest ? "https://host/manifest.json" : "https://host/path";
                case S3 -> "s3://bucket/prefix";
                case PVC -> "pvc://relative/path";
            };
            throw DownloadException.usage("--uri '" + uri + "' is not of the form " + expected);
        }
    }

    private static String pin(String value) throws DownloadException {
        int eq = value.lastIndexOf('=');
        String hex = eq < 0 ? value : value.substring(eq + 1);
        if (!HEX64.matcher(hex).matches() || eq == 0) {
            throw DownloadException.usage("--sha256 takes 64 hex digits, or PATH=64 hex digits, not '" + value + "'");
        }
        return (eq < 0 ? "" : value.substring(0, eq + 1)) + hex.toLowerCase(Locale.ROOT);
    }

    private static int positive(String flag, String value) throws DownloadException {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw DownloadException.usage(flag + " takes a positive whole number, not '" + value + "'");
    }

    private static Duration seconds(String flag, String value) throws DownloadException {
        return Duration.ofSeconds(positive(flag, value));
    }
}
