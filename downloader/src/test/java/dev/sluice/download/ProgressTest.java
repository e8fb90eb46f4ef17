package dev.sluice.download;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Contract 2's progress: the exact machine line, its rate limit, and status.json. */
@Timeout(30)
class ProgressTest {

    static final Pattern JSON = Pattern.compile("\\{\"phase\":\"(listing|waiting|downloading|verifying|complete|"
            + "failed)\",\"bytes\":\\d+,\"totalBytes\":\\d+,\"percent\":\\d+\\.\\d+,\"bytesPerSecond\":\\d+\\.\\d+}");
    static final Pattern LINE = Pattern.compile("sluice-download progress " + JSON.pattern());

    @TempDir
    Path dir;

    @Test
    void machineLinesComeAtMostEveryFiveSecondsAndTheLastPhaseAlwaysShows() throws IOException {
        AtomicLong nanos = new AtomicLong();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(out, true, StandardCharsets.UTF_8),
                new Log(new PrintStream(err, true), Redactor.fromEnvironment(Map.of())), dir.resolve("status.json"),
                Tuning.defaults(), nanos::get);
        progress.ownStatusFile();

        progress.phase(Progress.Phase.LISTING);                 // t=0: printed
        progress.plan(1000, 0);
        progress.phase(Progress.Phase.DOWNLOADING);             // t=0: too soon
        for (int second = 1; second <= 12; second++) {
            nanos.set(second * 1_000_000_000L);
            progress.transferred(50);
            progress.tick();                                    // printed at t=5 and t=10
        }
        nanos.set(12_500_000_000L);
        progress.transferred(400);
        progress.phase(Progress.Phase.COMPLETE);                // terminal: printed although only 2.5 s later

        List<String> lines = Arrays.stream(out.toString(StandardCharsets.UTF_8).split("\n")).toList();
        assertThat(lines).allSatisfy(l -> assertThat(l).matches(LINE));
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).contains("\"phase\":\"listing\"");
        assertThat(lines.get(1)).isEqualTo("sluice-download progress {\"phase\":\"downloading\",\"bytes\":250,"
                + "\"totalBytes\":1000,\"percent\":25.0,\"bytesPerSecond\":50.0}");
        assertThat(lines.get(3)).isEqualTo("sluice-download progress {\"phase\":\"complete\",\"bytes\":1000,"
                + "\"totalBytes\":1000,\"percent\":100.0,\"bytesPerSecond\":0.0}");
        assertThat(Files.readString(dir.resolve("status.json")).trim()).isEqualTo(lines.get(3)
                .substring(Progress.MACHINE_PREFIX.length()));
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("of 1000 B (", "/s");
    }

    @Test
    void aReplicaThatDoesNotHoldTheLockLeavesTheStatusFileAlone() {
        Progress waiter = new Progress(new PrintStream(new ByteArrayOutputStream()),
                new Log(new PrintStream(new ByteArrayOutputStream()), Redactor.fromEnvironment(Map.of())),
                dir.resolve("status.json"), Tuning.defaults(), System::nanoTime);

        waiter.phase(Progress.Phase.WAITING);
        waiter.phase(Progress.Phase.FAILED);

        assertThat(dir.resolve("status.json")).doesNotExist();
    }

    @Test
    void aRealDownloadWritesContractShapedLinesAndStatus() throws IOException {
        Path dest = dir.resolve("model");
        try (HubImitation hub = new HubImitation("acme/p").file("w.bin", HuggingFaceDownloadTest.random(5000, 1),
                true)) {
            Run.Result run = new Run().env("HF_ENDPOINT", hub.endpoint()).exec("--source", "huggingface", "--uri",
                    "acme/p", "--dest", dest.toString());

            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.machineLines()).isNotEmpty().allSatisfy(l -> assertThat(l).matches(LINE));
            assertThat(run.out().lines()).allSatisfy(l -> assertThat(l).startsWith(Progress.MACHINE_PREFIX));
            String status = Files.readString(dest.resolve(".sluice/status.json")).trim();
            assertThat(status).matches(JSON).contains("\"phase\":\"complete\"", "\"bytes\":5000",
                    "\"totalBytes\":5000", "\"percent\":100.0");
        }
    }
}
