package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.sim.SimConfig.FailureKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Injected failures happen at the configured rate, in the configured kinds, reproducibly. */
class FailureInjectionTest {

  @Test
  void http500AndHttp429ComeAtTheConfiguredRateAsOpenAiErrors() {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--failure-rate", "0.3",
        "--failure-kinds", "500,429", "--seed", "11"))) {
      int ok = 0;
      int e500 = 0;
      int e429 = 0;
      for (int i = 0; i < 300; i++) {
        HttpResponse<String> r = sim.post("/v1/chat/completions", SimHttp.chat("x", 1));
        switch (r.statusCode()) {
          case 200 -> ok++;
          case 500 -> {
            e500++;
            assertThat(error(r).path("type").asText()).isEqualTo("InternalServerError");
          }
          case 429 -> {
            e429++;
            assertThat(error(r).path("type").asText()).isEqualTo("RateLimitError");
            assertThat(r.headers().firstValue("retry-after")).hasValue("1");
          }
          default -> throw new AssertionError("unexpected " + r.statusCode() + ": " + r.body());
        }
      }
      // 90 expected failures; the binomial standard deviation is ~8.
      assertThat(e500 + e429).isBetween(60, 120);
      assertThat(e500).isPositive();
      assertThat(e429).isPositive();
      assertThat(sim.sim.stats().failuresInjected()).isEqualTo(e500 + e429);
      assertThat(ok + e500 + e429).isEqualTo(300);
    }
  }

  @Test
  void theSameSeedFailsTheSameRequests() {
    assertThat(statuses("5")).isEqualTo(statuses("5")).isNotEqualTo(statuses("6"));
  }

  @Test
  void aResetClosesTheConnectionWithoutAnAnswer() throws IOException {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--failure-rate", "1",
        "--failure-kinds", "reset"))) {
      assertThatThrownBy(() -> sim.post("/v1/chat/completions", SimHttp.chat("x", 1)))
          .isInstanceOf(UncheckedIOException.class);
      assertThat(rawExchange(sim, SimHttp.chat("x", 1))).isEmpty();
    }
  }

  @Test
  void anAbortedStreamStopsMidwayWithoutDone() throws IOException {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--failure-rate", "1",
        "--failure-kinds", "abort"))) {
      String raw = rawExchange(sim, SimHttp.streamingChat("x", 10, false));

      assertThat(raw).startsWith("HTTP/1.1 200");
      assertThat(raw).contains("data: {").doesNotContain("[DONE]");
      long tokenEvents = raw.lines().filter(l -> l.contains("\"content\":\"") && !l.contains("role"))
          .count();
      assertThat(tokenEvents).isEqualTo(5);
    }
  }

  @Test
  void anAbortedNonStreamingAnswerIsCutShortOfItsContentLength() {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--failure-rate", "1",
        "--failure-kinds", "abort"))) {
      assertThatThrownBy(() -> sim.post("/v1/chat/completions", SimHttp.chat("x", 10)))
          .isInstanceOf(UncheckedIOException.class);
    }
  }

  @Test
  void theFailureHeaderForcesOneKindForOneRequest() {
    try (SimHttp sim = SimHttp.start(SimHttp.config())) {
      HttpResponse<String> forced = sim.post("/v1/chat/completions", SimHttp.chat("x", 1),
          "x-sim-failure", "429");
      HttpResponse<String> next = sim.post("/v1/chat/completions", SimHttp.chat("x", 1));

      assertThat(forced.statusCode()).isEqualTo(429);
      assertThat(next.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void failuresCanBeSwitchedOffAtRunTime() {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--failure-rate", "1",
        "--failure-kinds", "500"))) {
      assertThat(sim.post("/v1/chat/completions", SimHttp.chat("x", 1)).statusCode()).isEqualTo(500);

      sim.sim.setFailures(0, List.of(FailureKind.values()));

      assertThat(sim.post("/v1/chat/completions", SimHttp.chat("x", 1)).statusCode()).isEqualTo(200);
    }
  }

  private static List<Integer> statuses(String seed) {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--failure-rate", "0.5",
        "--failure-kinds", "500", "--seed", seed))) {
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        out.add(sim.post("/v1/chat/completions", SimHttp.chat("x", 1)).statusCode());
      }
      return out;
    }
  }

  private static JsonNode error(HttpResponse<String> r) {
    JsonNode e = SimHttp.json(r.body()).path("error");
    assertThat(e.path("message").asText()).isNotBlank();
    assertThat(e.path("code").asInt()).isEqualTo(r.statusCode());
    return e;
  }

  /** One request on a raw socket; returns every byte the server sent before closing. */
  private static String rawExchange(SimHttp sim, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket("127.0.0.1", sim.sim.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: sim\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
