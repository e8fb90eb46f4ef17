package dev.sluice.download;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class PvcSeededTest {

    @TempDir
    Path dest;
    byte[] weights = HuggingFaceDownloadTest.random(100_000, 9);
    byte[] config = "{}".getBytes();

    @BeforeEach
    void seed() throws IOException {
        Files.createDirectories(dest.resolve("llama"));
        Files.write(dest.resolve("llama/model.safetensors"), weights);
        Files.write(dest.resolve("llama/config.json"), config);
    }

    @Test
    void seededFilesAreHashedOnceThenTheMarkerSkipsHashing() {
        String pin = "llama/model.safetensors=" + HubImitation.sha256Hex(weights);

        Run.Result first = new Run().exec("--source", "pvc", "--uri", "pvc://llama", "--sha256", pin,
                "--dest", dest.toString());
        Run.Result second = new Run().exec("--source", "pvc", "--uri", "pvc://llama", "--sha256", pin,
                "--dest", dest.toString());

        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.outcome().bytesHashed()).as("only the pinned file").isEqualTo(weights.length);
        assertThat(dest.resolve(".sluice/complete")).content().contains(HubImitation.sha256Hex(weights));
        assertThat(second.exit()).isZero();
        assertThat(second.outcome().usedMarker()).isTrue();
        assertThat(second.outcome().bytesHashed()).isZero();
    }

    @Test
    void aSeededFileThatIsNotThePinnedOneIsAFinalFailureAndStaysUnmarked() {
        Run.Result run = new Run().exec("--source", "pvc", "--uri", "llama", "--sha256",
                "llama/model.safetensors=" + "12".repeat(32), "--dest", dest.toString());

        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("llama/model.safetensors", "sha256 is");
        assertThat(dest.resolve(".sluice/complete")).doesNotExist();
    }

    @Test
    void aMissingSeedIsAFinalFailureThatSaysWhatToCheck() {
        Run.Result run = new Run().exec("--source", "pvc", "--uri", "pvc://mistral", "--dest", dest.toString());

        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("does not exist", "mounted");
    }

    @Test
    void aChangedPinMeansTheMarkerNoLongerAnswersAndTheFilesAreCheckedAgain() {
        String good = "llama/model.safetensors=" + HubImitation.sha256Hex(weights);
        Run.Result unpinned = new Run().exec("--source", "pvc", "--uri", "pvc://llama", "--dest", dest.toString());
        assertThat(unpinned.exit()).isZero();
        assertThat(unpinned.outcome().bytesHashed()).as("existence and size only").isZero();

        Run.Result pinned = new Run().exec("--source", "pvc", "--uri", "pvc://llama", "--sha256", good,
                "--dest", dest.toString());

        assertThat(pinned.exit()).isZero();
        assertThat(pinned.outcome().usedMarker()).isFalse();
        assertThat(pinned.outcome().bytesHashed()).isPositive();
    }
}
