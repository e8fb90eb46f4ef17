package dev.sluice.download;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactorTest {

    Redactor redactor = Redactor.fromEnvironment(Map.of("HF_TOKEN", "hf_SecretTokenValue0123456789",
            "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG", "AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXAMPLE"));

    @Test
    void secretValuesFromTheEnvironmentNeverSurviveInAMessage() {
        String line = redactor.redact("failed with key wJalrXUtnFEMI/K7MDENG and token IQoJb3JpZ2luX2VjEXAMPLE "
                + "and hf_SecretTokenValue0123456789");

        assertThat(line).doesNotContain("wJalrXUtnFEMI", "IQoJb3JpZ2lu", "SecretTokenValue").contains("***");
    }

    @Test
    void tokenShapedTextAndSignedUrlsAreMaskedEvenWhenNotInTheEnvironment() {
        String line = redactor.redact("GET https://cdn/x?X-Amz-Signature=abc123&X-Amz-Credential=AKIA/2026&"
                + "Expires=1 Authorization: Bearer eyJhbGciOi.payload hf_abcdefghijklmnop");

        assertThat(line).doesNotContain("abc123", "AKIA/2026", "eyJhbGciOi", "hf_abcdefghijklmnop")
                .contains("X-Amz-Signature=***", "Bearer ***", "Expires=1");
    }

    @Test
    void ordinaryTextIsLeftAlone() {
        assertThat(redactor.redact("verified config.json (sha256 ab12)")).isEqualTo("verified config.json (sha256 ab12)");
    }
}
