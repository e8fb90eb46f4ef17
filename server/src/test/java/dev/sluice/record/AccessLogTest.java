package dev.sluice.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {

  private static Exchange exchange(String id, int status) {
    Exchange ex = new Exchange(id, System.nanoTime() - 2_000_000, "POST", "/v1/chat/completions");
    ex.model = "demo-chat";
    ex.status = status;
    ex.endNanos = System.nanoTime();
    return ex;
  }

  @Test
  void linesAppearWithoutShutdownAndAreValidJson(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("access.log");
    try (AccessLog log = AccessLog.open(file.toString())) {
      log.write(exchange("req-1", 200));
      await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(file) && !Files.readAllLines(file).isEmpty());
      JsonNode line = Json.MAPPER.readTree(Files.readAllLines(file).get(0));
      assertThat(line.path("requestId").asText()).isEqualTo("req-1");
      assertThat(line.path("model").asText()).isEqualTo("demo-chat");
      assertThat(line.path("status").asInt()).isEqualTo(200);
      assertThat(line.path("durationMs").asDouble()).isGreaterThan(0);
      assertThat(line.path("time").asText()).isNotEmpty();
    }
  }

  @Test
  void closingWritesEveryLineQueuedBeforeIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("access.log");
    AccessLog log = AccessLog.open(file.toString());
    for (int i = 0; i < 5000; i++) {
      log.write(exchange("req-" + i, 200));
    }
    log.close();
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(5000);
    assertThat(Json.MAPPER.readTree(lines.get(4999)).path("requestId").asText()).isEqualTo("req-4999");
    assertThat(log.dropped()).isZero();
  }

  @Test
  void linesQueuedTogetherReachTheOutputInOneWriteNotTwoPerLine() throws Exception {
    AtomicInteger writes = new AtomicInteger();
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    OutputStream counting = new OutputStream() {
      @Override
      public synchronized void write(int b) {
        writes.incrementAndGet();
        seen.write(b);
      }

      @Override
      public synchronized void write(byte[] b, int off, int len) {
        writes.incrementAndGet();
        seen.write(b, off, len);
      }
    };
    AccessLog log = AccessLog.to(counting);
    for (int i = 0; i < 100; i++) {
      log.write(exchange("req-" + i, 200));
    }
    log.close();
    String[] lines = seen.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(100);
    assertThat(Json.MAPPER.readTree(lines[99]).path("requestId").asText()).isEqualTo("req-99");
    // 100 lines of ~400 bytes fit one buffer; the writer may have drained once before the last were queued.
    assertThat(writes.get()).isBetween(1, 3);
  }
}
