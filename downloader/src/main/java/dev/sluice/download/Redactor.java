package dev.sluice.download;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Removes credentials from text before it reaches a log line or an exception message: the values of the secret
 * environment variables, anything shaped like a Hugging Face token, and the signature-like query parameters of the
 * pre-signed URLs a Hub or S3 redirect hands out.
 */
public final class Redactor {

    static final List<String> SECRET_VARIABLES =
            List.of("HF_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN");

    private static final String MASK = "***";
    private static final Pattern HF_TOKEN_SHAPE = Pattern.compile("hf_[A-Za-z0-9]{8,}");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)\\S+");
    private static final Pattern SIGNED_QUERY = Pattern.compile(
            "(?i)((?:x-amz-)?(?:signature|credential|security-token)|token|key-pair-id|policy|sig)=[^&\\s\"']+");

    private final List<String> secrets;

    private Redactor(List<String> secrets) {
        this.secrets = secrets;
    }

    public static Redactor fromEnvironment(Map<String, String> env) {
        List<String> values = new ArrayList<>();
        for (String name : SECRET_VARIABLES) {
            String value = env.get(name);
            // Very short values would blank out ordinary words; no real credential is that short.
            if (value != null && value.strip().length() >= 4) {
                values.add(value.strip());
            }
        }
        values.sort(Comparator.comparingInt(String::length).reversed());
        return new Redactor(List.copyOf(values));
    }

    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : secrets) {
            out = out.replace(secret, MASK);
        }
        out = HF_TOKEN_SHAPE.matcher(out).replaceAll(MASK);
        out = BEARER.matcher(out).replaceAll("$1" + MASK);
        return SIGNED_QUERY.matcher(out).replaceAll("$1=" + MASK);
    }
}
