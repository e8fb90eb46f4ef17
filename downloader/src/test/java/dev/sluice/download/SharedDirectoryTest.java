package dev.sluice.download;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Many replicas, one volume: the lock, its heartbeat, takeover, and the marker a waiter uses. */
@Timeout(60)
class SharedDirectoryTest {

    static final String REPO = "acme/shared";

    @TempDir
    Path dest;
    HubImitation hub;
    byte[] weights = HuggingFaceDownloadTest.random(400_000, 7);
    byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
    ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeEach
    void hub() throws IOException {
        hub = new HubImitation(REPO).file("model.safetensors", weights, true).file("config.json", config, false);
    }

    @AfterEach
    void stop() throws InterruptedException {
        hub.close();
        pool.shutdownNow();
        pool.awaitTermination(5, TimeUnit.SECONDS);
    }

    Run.Result download(Run run) {
        return run.env("HF_ENDPOINT", hub.endpoint())
                .exec("--source", "huggingface", "--uri", REPO, "--dest", dest.toString());
    }

    @ParameterizedTest(name = "{0} downloaders")
    @ValueSource(ints = {2, 5})
    void downloadersSharingADirectoryFetchEachFileExactlyOnce(int replicas) throws Exception {
        hub.delayPerChunkMillis = 20; // about half a second per copy: the replicas really overlap

        List<CompletableFuture<Run.Result>> runs = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            Run run = new Run().env("HOSTNAME", "replica-" + i);
            runs.add(CompletableFuture.supplyAsync(() -> download(run), pool));
        }
        List<Run.Result> results = new ArrayList<>();
        for (CompletableFuture<Run.Result> run : runs) {
            results.add(run.get(40, TimeUnit.SECONDS));
        }

        assertThat(results).allSatisfy(r -> assertThat(r.exit()).as(r.err()).isZero());
        assertThat(hub.contentRequests("model.safetensors")).isEqualTo(1);
        assertThat(hub.contentRequests("config.json")).isEqualTo(1);
        assertThat(hub.apiRequests()).as("one listing: revision + tree").isEqualTo(2);
        assertThat(results).filteredOn(r -> r.outcome().usedMarker()).hasSize(replicas - 1);
        assertThat(results).filteredOn(r -> r.outcome().usedMarker())
                .allSatisfy(r -> assertThat(r.err()).contains("waiting for the download held by replica-"));
        assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
        assertThat(dest.resolve(".sluice/lock")).doesNotExist();
        try (Stream<Path> files = Files.list(dest)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("model.safetensors", "config.json", ".sluice");
        }
    }

    @Test
    void aLockWhoseHeartbeatStoppedIsTakenOver() throws IOException {
        Files.createDirectories(dest.resolve(".sluice"));
        Path lock = dest.resolve(".sluice/lock");
        Files.writeString(lock, "{\"owner\":\"crashed-pod pid 1\",\"token\":\"t\"}");
        Files.setLastModifiedTime(lock, FileTime.from(Instant.now().minusSeconds(3600)));

        Run.Result run = download(new Run().tuning(t -> t.withLockStaleAfter(Duration.ofMillis(300))));

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).contains("taking over the lock of crashed-pod pid 1");
        assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
        assertThat(lock).doesNotExist();
    }

    @Test
    void aLiveLockIsWaitedForAndAHolderThatLeavesWithoutFinishingIsReplaced() throws Exception {
        Files.createDirectories(dest.resolve(".sluice"));
        Tuning tuning = Run.fast().withLockStaleAfter(Duration.ofSeconds(1)); // heartbeat every 250 ms
        Log quiet = new Log(new PrintStream(PrintStream.nullOutputStream()), Redactor.fromEnvironment(java.util.Map.of()));
        DirLock holder = DirLock.acquire(dest.resolve(".sluice"), "live-pod pid 2", tuning, quiet, () -> { },
                () -> false);

        CompletableFuture<Run.Result> waiter = CompletableFuture.supplyAsync(
                () -> download(new Run().tuning(t -> t.withLockStaleAfter(Duration.ofSeconds(1)))), pool);

        // More than two stale periods pass: the heartbeat keeps the lock alive, so the waiter fetches nothing.
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5))
                .until(() -> hub.requests.isEmpty() && !waiter.isDone());
        holder.close();

        Run.Result run = waiter.get(20, TimeUnit.SECONDS);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).contains("waiting for the download held by live-pod pid 2")
                .doesNotContain("taking over");
        assertThat(run.machineLines()).anySatisfy(l -> assertThat(l).contains("\"phase\":\"waiting\""));
        assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
    }

    @Test
    void aHolderWhoseLockWasTakenOverStopsBeforeRenaming() throws Exception {
        Path state = Files.createDirectories(dest.resolve(".sluice"));
        Log quiet = new Log(new PrintStream(PrintStream.nullOutputStream()), Redactor.fromEnvironment(java.util.Map.of()));
        DirLock mine = DirLock.acquire(state, "slow-pod pid 3", Run.fast(), quiet, () -> { }, () -> false);

        Files.delete(state.resolve("lock"));
        Files.writeString(state.resolve("lock"), "{\"owner\":\"other pid 4\",\"token\":\"theirs\"}");

        org.assertj.core.api.Assertions.assertThatThrownBy(mine::assertHeld)
                .isInstanceOf(DownloadException.class).hasMessageContaining("lost the lock");
        mine.close();
        assertThat(state.resolve("lock")).as("not ours to delete").exists();
    }
}
