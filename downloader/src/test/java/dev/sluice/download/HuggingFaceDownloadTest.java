package dev.sluice.download;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class HuggingFaceDownloadTest {

    static final String REPO = "acme/tiny-llm";
    static final String TOKEN = "hf_abcdefghijklmnopqrstuvwxyz012345";

    @TempDir
    Path dest;
    HubImitation hub;
    byte[] weights;
    byte[] config;
    byte[] tokenizer;

    @BeforeEach
    void hub() throws IOException {
        weights = random(300_000, 1);
        config = "{\"model_type\":\"llama\"}".getBytes(StandardCharsets.UTF_8);
        tokenizer = random(40_000, 2);
        hub = new HubImitation(REPO)
                .file("model.safetensors", weights, true)
                .file("config.json", config, false)
                .file("tokenizer/tokenizer.json", tokenizer, false);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    Run.Result download(String... extra) {
        String[] base = {"--source", "huggingface", "--uri", REPO, "--dest", dest.toString()};
        return new Run().env("HF_ENDPOINT", hub.endpoint()).exec(Stream.concat(Stream.of(base), Stream.of(extra))
                .toArray(String[]::new));
    }

    @Test
    void everyFileArrivesVerifiedUnderItsNameAndTheMarkerListsThem() throws IOException {
        Run.Result run = download();

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
        assertThat(dest.resolve("config.json")).hasBinaryContent(config);
        assertThat(dest.resolve("tokenizer/tokenizer.json")).hasBinaryContent(tokenizer);
        assertThat(partFiles()).isEmpty();
        String marker = Files.readString(dest.resolve(".sluice/complete"));
        assertThat(marker).contains("\"source\" : \"huggingface\"", "\"uri\" : \"" + REPO + "\"",
                "\"resolvedRevision\" : \"" + HubImitation.COMMIT + "\"", HubImitation.sha256Hex(weights),
                HubImitation.sha256Hex(tokenizer), "\"size\" : " + weights.length);
    }

    @Test
    void aSecondStartUsesTheMarkerAndSendsNoRequest() {
        assertThat(download().exit()).isZero();
        int before = hub.requests.size();

        Run.Result again = download();

        assertThat(again.exit()).isZero();
        assertThat(again.outcome().usedMarker()).isTrue();
        assertThat(hub.requests).hasSize(before);
    }

    @Test
    void aCutConnectionIsResumedWithARangeAndTheResultVerifies() {
        hub.fault("model.safetensors", new HubImitation.CutAfter(100_000));

        Run.Result run = download();

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
        assertThat(hub.requests).filteredOn(r -> r.host().equals("cdn"))
                .extracting(HubImitation.Request::range)
                .containsExactly(null, "bytes=100000-");
        assertThat(run.err()).contains("resuming model.safetensors at byte 100000");
    }

    @Test
    void aTransferThatStallsIsCutAfterTheReadTimeoutAndResumed() {
        hub.fault("model.safetensors", new HubImitation.StallAfter(50_000, 5_000));

        Run.Result run = new Run().env("HF_ENDPOINT", hub.endpoint())
                .tuning(t -> t.withReadTimeout(java.time.Duration.ofMillis(400)))
                .exec("--source", "huggingface", "--uri", REPO, "--dest", dest.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).contains("no data for 400 ms at byte 50000");
        assertThat(hub.requests).filteredOn(r -> r.host().equals("cdn")).extracting(HubImitation.Request::range)
                .containsExactly(null, "bytes=50000-");
        assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
    }

    @Test
    void aPartLeftByAKilledRunIsResumedNotRestarted() throws IOException {
        Files.write(dest.resolve("model.safetensors.part"), java.util.Arrays.copyOf(weights, 123_456));

        Run.Result run = download();

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
        assertThat(hub.requests).filteredOn(r -> r.host().equals("cdn")).extracting(HubImitation.Request::range)
                .containsExactly("bytes=123456-");
    }

    @Test
    void aPartFromAnotherRevisionThatFailsVerificationIsFetchedWholeOnce() throws IOException {
        byte[] stale = HuggingFaceDownloadTest.random(weights.length, 99);
        Files.write(dest.resolve("model.safetensors.part"), stale);

        Run.Result run = download();

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
        assertThat(run.err()).contains("left by an earlier run did not verify");
        assertThat(hub.requests).filteredOn(r -> r.host().equals("cdn")).extracting(HubImitation.Request::range)
                .containsExactly((String) null);
    }

    @Test
    void shaMismatchLeavesNoFileAServerCouldLoad() throws IOException {
        hub.fault("model.safetensors", new HubImitation.Corrupt());

        Run.Result run = download();

        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("model.safetensors", "sha256 is", "expected " + HubImitation.sha256Hex(weights));
        assertThat(dest.resolve("model.safetensors")).doesNotExist();
        assertThat(partFiles()).isEmpty();
        assertThat(dest.resolve(".sluice/complete")).doesNotExist();
        assertThat(Files.readString(dest.resolve(".sluice/status.json"))).contains("\"phase\":\"failed\"");
    }

    @Test
    void aSmallFileThatDoesNotMatchItsGitBlobOidIsRefusedToo() {
        hub.fault("config.json", new HubImitation.Corrupt());

        Run.Result run = download();

        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("config.json", "git blob oid");
        assertThat(dest.resolve("config.json")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403, 404})
    void refusalsAreFinalWithExitThreeAndSayWhatToCheck(int status) {
        hub.fault("model.safetensors", new HubImitation.Status(status));

        Run.Result run = download();

        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("HTTP " + status + " for model.safetensors");
        assertThat(run.err()).containsAnyOf("HF_TOKEN", "not found");
        assertThat(hub.contentRequests("model.safetensors")).as("no retry of a final answer").isEqualTo(1);
    }

    @Test
    void serverErrorsAreRetriedUntilTheFileArrives() {
        hub.fault("model.safetensors", new HubImitation.Status(503), new HubImitation.Status(500));

        Run.Result run = download();

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
        assertThat(hub.contentRequests("model.safetensors")).isEqualTo(3);
        assertThat(run.err()).contains("HTTP 503", "attempt 2 of 4");
    }

    @Test
    void serverErrorsThatNeverStopExhaustTheAttemptsWithExitOne() {
        for (int i = 0; i < 10; i++) {
            hub.fault("model.safetensors", new HubImitation.Status(502));
        }

        Run.Result run = download();

        assertThat(run.exit()).isEqualTo(1);
        assertThat(hub.contentRequests("model.safetensors")).isEqualTo(4);
        assertThat(run.err()).contains("giving up on model.safetensors after 4 attempts");
        assertThat(dest.resolve("model.safetensors")).doesNotExist();
    }

    @Test
    void aMirrorEndpointUnderAPathIsUsedForEveryRequest() throws IOException {
        hub.close();
        hub = new HubImitation(REPO, "/mirrors/hf")
                .file("model.safetensors", weights, true)
                .file("config.json", config, false);

        Run.Result run = new Run().env("HF_ENDPOINT", hub.endpoint() + "/").exec("--source", "huggingface",
                "--uri", REPO, "--revision", "main", "--dest", dest.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(hub.requests).filteredOn(r -> r.host().equals("hub"))
                .allSatisfy(r -> assertThat(r.path()).startsWith("/mirrors/hf/"));
        assertThat(hub.apiRequests()).isEqualTo(2);
        assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
    }

    @Test
    void theTokenGoesToTheHubOnlyAndNeverIntoALogLine() {
        hub.requiredToken = TOKEN;
        hub.fault("model.safetensors", new HubImitation.CutAfter(1000), new HubImitation.Status(503));
        hub.fault("config.json", new HubImitation.Status(500));

        Run.Result run = new Run().env("HF_ENDPOINT", hub.endpoint()).env("HF_TOKEN", TOKEN)
                .exec("--source", "huggingface", "--uri", REPO, "--dest", dest.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(hub.requests).filteredOn(r -> r.host().equals("hub"))
                .allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Bearer " + TOKEN));
        assertThat(hub.requests).filteredOn(r -> r.host().equals("cdn"))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.authorization()).as("Authorization crossed to the CDN").isNull());
        assertThat(run.all()).doesNotContain(TOKEN).doesNotContain("cdnsecret");
        assertThat(stateFiles()).allSatisfy(text -> assertThat(text).doesNotContain(TOKEN));
    }

    @Test
    void aWrongTokenFailsFinallyWithoutEchoingIt() {
        hub.requiredToken = TOKEN;
        String wrong = "hf_wrongwrongwrongwrongwrongwrong";

        Run.Result run = new Run().env("HF_ENDPOINT", hub.endpoint()).env("HF_TOKEN", wrong)
                .exec("--source", "huggingface", "--uri", REPO, "--dest", dest.toString());

        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("HTTP 401", "HF_TOKEN").doesNotContain(wrong);
    }

    @Test
    void filesGlobsSelectWhatIsDownloaded() {
        Run.Result run = download("--files", "*.json");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(dest.resolve("config.json")).exists();
        assertThat(dest.resolve("tokenizer/tokenizer.json")).exists();
        assertThat(dest.resolve("model.safetensors")).doesNotExist();
        assertThat(hub.contentRequests("model.safetensors")).isZero();
    }

    @Test
    void aListingSpreadOverPagesIsFollowed() {
        hub.pageSize = 1;

        Run.Result run = download();

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(dest.resolve("tokenizer/tokenizer.json")).hasBinaryContent(tokenizer);
        assertThat(hub.apiRequests()).isGreaterThan(3);
    }

    @Test
    void aListedPathThatLeavesTheDestinationIsRefused() {
        hub.extraTreeEntries.add(Map.of("type", "file", "path", "../escape.sh", "size", 3, "oid", "x"));

        Run.Result run = download();

        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("leaves the destination");
        assertThat(dest.getParent().resolve("escape.sh")).doesNotExist();
    }

    @Test
    void aXetFileWithoutAnLfsBlockIsCheckedBySizeAndSaysItIsUnverifiedUnlessPinned() {
        hub.xetOnly.add("model.safetensors");

        Run.Result unpinned = download();
        assertThat(unpinned.exit()).as(unpinned.err()).isZero();
        assertThat(unpinned.err()).contains("model.safetensors: no checksum known, installed unverified (size checked)");

        hub.fault("model.safetensors", new HubImitation.Corrupt());
        Run.Result pinned = new Run().env("HF_ENDPOINT", hub.endpoint()).exec("--source", "huggingface", "--uri",
                REPO, "--dest", dest.resolveSibling(dest.getFileName() + "-pinned").toString(), "--sha256",
                "model.safetensors=" + HubImitation.sha256Hex(weights));
        assertThat(pinned.exit()).isEqualTo(3);
    }

    @Test
    void filesTheSourceDoesNotListAreLeftInPlaceButNamed() throws IOException {
        Files.writeString(dest.resolve("model-00003-of-00003.safetensors"), "from an older revision");

        Run.Result run = download();

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).contains("does not list", "model-00003-of-00003.safetensors");
        assertThat(dest.resolve("model-00003-of-00003.safetensors")).exists();
    }

    @Test
    void aPinnedSha256ThatDisagreesWithTheHubIsRefusedBeforeAnyTransfer() {
        Run.Result run = download("--sha256", "model.safetensors=" + "ab".repeat(32));

        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("refusing to choose");
        assertThat(hub.contentRequests("model.safetensors")).isZero();
    }

    private java.util.List<Path> partFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(dest)) {
            return walk.filter(p -> p.toString().endsWith(".part")).toList();
        }
    }

    private java.util.List<String> stateFiles() {
        try (Stream<Path> walk = Files.walk(dest.resolve(".sluice"))) {
            return walk.filter(Files::isRegularFile).map(p -> {
                try {
                    return Files.readString(p);
                } catch (IOException e) {
                    return "";
                }
            }).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
