package dev.sluice.download;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real entry point in separate JVMs (separate pids, as replicas on one node share a hostPath or RWX volume):
 * the lock is a file protocol, not a Java monitor, so it must hold across processes too.
 */
@Timeout(90)
class SeparateProcessesTest {

    @TempDir
    Path dest;

    @Test
    void threeProcessesOnOneDirectoryDownloadEachFileOnceAndAllExitZero() throws Exception {
        byte[] weights = HuggingFaceDownloadTest.random(400_000, 11);
        try (HubImitation hub = new HubImitation("acme/procs").file("model.safetensors", weights, true)
                .file("config.json", "{}".getBytes(), false)) {
            hub.delayPerChunkMillis = 40;
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<Process> processes = new ArrayList<>();
            List<Path> logs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Path log = dest.resolveSibling(dest.getFileName() + "-proc" + i + ".log");
                logs.add(log);
                ProcessBuilder builder = new ProcessBuilder(java, "-Xmx64m", "-cp",
                        System.getProperty("java.class.path"), DownloadMain.class.getName(), "--source",
                        "huggingface", "--uri", "acme/procs", "--dest", dest.toString())
                        .redirectErrorStream(true).redirectOutput(log.toFile());
                builder.environment().put("HF_ENDPOINT", hub.endpoint());
                builder.environment().put("HOSTNAME", "proc-" + i);
                processes.add(builder.start());
            }
            List<Integer> exits = new ArrayList<>();
            for (Process process : processes) {
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
                exits.add(process.exitValue());
            }
            String output = read(logs);

            assertThat(exits).as(output).containsOnly(0);
            assertThat(hub.contentRequests("model.safetensors")).isEqualTo(1);
            assertThat(hub.contentRequests("config.json")).isEqualTo(1);
            assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
            assertThat(output).contains("sluice-download progress {\"phase\":\"complete\"");
            assertThat(dest.resolve(".sluice/lock")).doesNotExist();
        }
    }

    private static String read(List<Path> logs) throws IOException {
        StringBuilder all = new StringBuilder();
        for (Path log : logs) {
            all.append(Files.readString(log));
            Files.deleteIfExists(log);
        }
        return all.toString();
    }
}
