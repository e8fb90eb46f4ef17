package dev.sluice.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DownloadProgressLineTest {
  @Test
  void theLastProgressLineWinsAndHumanLinesAreIgnored() {
    String log = """
        sluice-download progress {"phase":"downloading","bytes":10,"totalBytes":100,"percent":10.0,"bytesPerSecond":1.0}
        fetching shard 2 of 4
        sluice-download progress {"phase":"downloading","bytes":60,"totalBytes":100,"percent":60.0,"bytesPerSecond":2.0}
        """;
    var d = DownloadProgressLine.lastIn(log).orElseThrow();
    assertThat(d.bytes).isEqualTo(60);
    assertThat(d.totalBytes).isEqualTo(100);
    assertThat(d.percent).isEqualTo(60.0);
  }

  @Test
  void aLineCutOffByTheTailFallsBackToTheOneBefore() {
    String log = "sluice-download progress {\"bytes\":5,\"totalBytes\":50,\"percent\":10.0}\n"
        + "sluice-download progress {\"bytes\":7,\"tot";
    assertThat(DownloadProgressLine.lastIn(log).orElseThrow().bytes).isEqualTo(5);
  }

  @Test
  void noProgressLineIsNoProgress() {
    assertThat(DownloadProgressLine.lastIn("listing files\n")).isEmpty();
    assertThat(DownloadProgressLine.lastIn(null)).isEmpty();
    assertThat(DownloadProgressLine.lastIn("sluice-download progress [1,2]")).isEmpty();
  }
}
