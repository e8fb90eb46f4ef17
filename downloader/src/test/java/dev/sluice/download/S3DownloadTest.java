package dev.sluice.download;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class S3DownloadTest {

    static final String KEY_ID = "AKIASLUICETESTKEY01";
    static final String SECRET = "s3cr3t/ValueThatMustNeverBeLogged+x";

    @TempDir
    Path dest;
    S3Imitation s3;
    byte[] weights = HuggingFaceDownloadTest.random(200_000, 3);
    byte[] config = "{\"a\":1}".getBytes();

    @BeforeEach
    void store() throws IOException {
        s3 = new S3Imitation("models", KEY_ID, "eu-west-3");
        s3.objects.put("llama/model.safetensors", weights);
        s3.objects.put("llama/nested/config.json", config);
        s3.objects.put("llama2/other.bin", new byte[] {1, 2, 3});
        s3.objects.put("llama/", new byte[0]);
    }

    @AfterEach
    void stop() {
        s3.close();
    }

    Run s3Env() {
        return new Run().env("AWS_ENDPOINT_URL", s3.endpoint()).env("AWS_ACCESS_KEY_ID", KEY_ID)
                .env("AWS_SECRET_ACCESS_KEY", SECRET).env("AWS_REGION", "eu-west-3");
    }

    @Test
    void everyObjectUnderThePrefixArrivesThroughSignedRequests() {
        s3.maxKeys = 1; // the listing comes in pages, followed by continuation token

        Run.Result run = s3Env().exec("--source", "s3", "--uri", "s3://models/llama", "--dest", dest.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(s3.rejections).isEmpty();
        assertThat(s3.requests).allSatisfy(r -> assertThat(r.authorization()).matches(S3Imitation.AUTHORIZATION));
        assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
        assertThat(dest.resolve("nested/config.json")).hasBinaryContent(config);
        assertThat(dest.resolve("other.bin")).doesNotExist();
        assertThat(s3.gets("llama2/other.bin")).isZero();
        assertThat(run.all()).doesNotContain(SECRET);
    }

    @Test
    void anObjectWhoseContentDoesNotMatchItsEtagIsRefused() {
        s3.etagOverride.put("llama/model.safetensors", "0123456789abcdef0123456789abcdef");

        Run.Result run = s3Env().exec("--source", "s3", "--uri", "s3://models/llama", "--dest", dest.toString());

        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("model.safetensors", "MD5");
        assertThat(dest.resolve("model.safetensors")).doesNotExist();
        assertThat(dest.resolve("model.safetensors.part")).doesNotExist();
    }

    @Test
    void anSseKmsObjectWhoseEtagIsNoMd5IsCheckedBySizeInsteadOfRefused() {
        s3.etagOverride.put("llama/model.safetensors", "fedcba9876543210fedcba9876543210");
        s3.kmsEncrypted.add("llama/model.safetensors");

        Run.Result run = s3Env().exec("--source", "s3", "--uri", "s3://models/llama", "--dest", dest.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
    }

    @Test
    void aPinnedSha256IsCheckedPerFile() {
        Run.Result good = s3Env().exec("--source", "s3", "--uri", "s3://models/llama", "--dest", dest.toString(),
                "--sha256", "model.safetensors=" + HubImitation.sha256Hex(weights));
        assertThat(good.exit()).as(good.err()).isZero();

        Path other = dest.resolveSibling(dest.getFileName() + "-b");
        Run.Result bad = s3Env().exec("--source", "s3", "--uri", "s3://models/llama", "--dest", other.toString(),
                "--sha256", "model.safetensors=" + "00".repeat(32));
        assertThat(bad.exit()).isEqualTo(3);
        assertThat(other.resolve("model.safetensors")).doesNotExist();
    }

    @Test
    void accessDeniedIsFinalAndNamesTheCredentialsToCheckWithoutShowingThem() {
        s3.forceStatus = 403;

        Run.Result run = s3Env().exec("--source", "s3", "--uri", "s3://models/llama", "--dest", dest.toString());

        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("HTTP 403", "AWS_ACCESS_KEY_ID", "bucket 'models'")
                .doesNotContain(SECRET).doesNotContain(KEY_ID);
        assertThat(s3.requests).hasSize(1);
    }

    @Test
    void unsignedRequestsAreWhatAStoreRefusesWithoutCredentials() {
        Run.Result run = new Run().env("AWS_ENDPOINT_URL", s3.endpoint())
                .exec("--source", "s3", "--uri", "s3://models/llama", "--dest", dest.toString());

        assertThat(run.exit()).isEqualTo(3);
        assertThat(s3.rejections).containsExactly("no Authorization header");
    }

    @Test
    void aSingleObjectUriFetchesJustThatObject() {
        Run.Result run = s3Env().exec("--source", "s3", "--uri", "s3://models/llama/nested/config.json",
                "--dest", dest.toString(), "--sha256", HubImitation.sha256Hex(config));

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(dest.resolve("config.json")).hasBinaryContent(config);
        assertThat(s3.gets("llama/model.safetensors")).isZero();
    }
}
