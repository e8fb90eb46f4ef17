package dev.sluice.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's run command, as a newcomer types it: {@code bin/sluice serve} on the packaged server, with
 * the shipped {@code sluice.yaml}; and the one-line errors for the mistakes people make.
 */
class LauncherIT {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  Process launch(Path stderr, Map<String, String> env, String... args) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(concat(ROOT.resolve("bin/sluice").toString(), args))
        .directory(ROOT.toFile())
        .redirectOutput(tmp.resolve("stdout.log").toFile())
        .redirectError(stderr.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  static List<String> concat(String first, String... rest) {
    java.util.ArrayList<String> all = new ArrayList<>(List.of(first));
    all.addAll(List.of(rest));
    return all;
  }

  @Test
  void theShippedConfigServesTheDemoModelsThroughTheLauncher() throws Exception {
    int port = Sims.deadPort();
    Path config = tmp.resolve("sluice.yaml");
    Files.writeString(config, Files.readString(ROOT.resolve("sluice.yaml")).replace("port: 8080", "port: " + port + "\n  management: {port: 0}")
        + "storage:\n  url: jdbc:h2:file:" + tmp.resolve("data/sluice") + "\n");
    Process server = launch(tmp.resolve("stderr.log"), Map.of(), "serve", "--config", config.toString());
    try {
      String base = "http://127.0.0.1:" + port;
      waitUntilReady(base, server);

      // The README's first request: the admin password printed once at first start mints a key.
      java.util.regex.Matcher printed = java.util.regex.Pattern.compile("user 'admin' with password: (\\S+)")
          .matcher(Files.readString(tmp.resolve("stdout.log")));
      assertThat(printed.find()).as("the first start prints the admin password").isTrue();
      assertThat(Http.get(base + "/v1/models").statusCode()).as("no anonymous access").isEqualTo(401);
      String auth = "Bearer " + Http.mintKey(base, "admin", printed.group(1));

      HttpResponse<String> chat = Http.postJson(base + "/v1/chat/completions",
          "{\"model\":\"demo-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}],\"max_tokens\":5}",
          "authorization", auth);
      assertThat(chat.statusCode()).isEqualTo(200);
      JsonNode usage = JSON.readTree(chat.body()).path("usage");
      assertThat(usage.path("completion_tokens").asInt()).isEqualTo(5);
      assertThat(usage.path("prompt_tokens").asInt()).isPositive();

      HttpResponse<String> stream = Http.postJson(base + "/v1/chat/completions",
          "{\"model\":\"demo-chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}],\"max_tokens\":5}",
          "authorization", auth);
      assertThat(stream.statusCode()).isEqualTo(200);
      assertThat(stream.body()).startsWith("data: {").endsWith("data: [DONE]\n\n");

      JsonNode models = JSON.readTree(Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/v1/models"))
          .header("authorization", auth).GET().build()).body());
      assertThat(models.path("data").findValuesAsText("owned_by")).containsOnly("sluice-simulator");
      assertThat(Files.readString(tmp.resolve("stdout.log"))).contains("\"model\":\"demo-chat\"").contains("SIMULATED")
          .contains("\"user\":\"admin\"");
      assertThat(tmp.resolve("data/sluice.mv.db")).as("keys are stored in the H2 file").exists();
      // The shipped file listens on 0.0.0.0 without TLS, and the first-start admin signs in with Basic.
      assertThat(Files.readString(tmp.resolve("stdout.log")))
          .contains("HTTP Basic (local users' passwords) is offered over plain HTTP on 0.0.0.0:" + port);
    } finally {
      server.destroy();
      assertThat(server.waitFor(20, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
    }
  }

  @Test
  void serveHelpPrintsItsUsageAndAnUnknownArgumentSaysWhereHelpIs() throws Exception {
    Process help = launch(tmp.resolve("help.err"), Map.of(), "serve", "--help");
    assertThat(help.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(help.exitValue()).isZero();
    assertThat(Files.readString(tmp.resolve("stdout.log"))).contains("usage: sluice serve [--config FILE]")
        .contains("docs/configuration.md");

    Process wrong = launch(tmp.resolve("wrong.err"), Map.of(), "serve", "--verbose");
    assertThat(wrong.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(wrong.exitValue()).isEqualTo(2);
    assertThat(Files.readString(tmp.resolve("wrong.err"))).contains("unknown argument '--verbose'")
        .contains("sluice serve --help");
  }

  @Test
  void aMistakeInTheConfigIsOneLineNamingTheLineAndKey() throws Exception {
    Path config = tmp.resolve("bad.yaml");
    Files.writeString(config, "models:\n  - name: m\n    upstream:\n      endpoints: [http://127.0.0.1:1]\n      timeout: 5s\n");
    Path stderr = tmp.resolve("err.log");
    Process p = launch(stderr, Map.of(), "serve", "--config", config.toString());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    List<String> lines = Files.readAllLines(stderr);
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).startsWith("sluice: ").contains("bad.yaml:5").contains("models[0].upstream.timeout")
        .contains("unknown key");
  }

  @Test
  void aPortInUseIsOneLine() throws Exception {
    try (ServerSocket busy = new ServerSocket(0)) {
      Path config = tmp.resolve("sluice.yaml");
      Files.writeString(config, "server: {port: " + busy.getLocalPort() + ", management: {port: 0}}\nmodels:\n  - name: m\n    upstream: {endpoints: [http://127.0.0.1:1]}\n");
      Path stderr = tmp.resolve("err.log");
      Process p = launch(stderr, Map.of(), "serve", "--config", config.toString());
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(1);
      assertThat(Files.readAllLines(stderr)).singleElement().asString()
          .contains("port " + busy.getLocalPort()).contains("already in use");
    }
  }

  @Test
  void anUnreachableStoreIsOneLineWithoutThePassword() throws Exception {
    Path config = tmp.resolve("sluice.yaml");
    Files.writeString(config, "server: {port: " + Sims.deadPort() + ", management: {port: 0}}\nstorage:\n  url: \"jdbc:postgresql://127.0.0.1:"
        + Sims.deadPort() + "/sluice?user=sluice&password=hunter2\"\nmodels:\n  - name: m\n    upstream: {endpoints: [http://127.0.0.1:1]}\n");
    Path stderr = tmp.resolve("err.log");
    Process p = launch(stderr, Map.of(), "serve", "--config", config.toString());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    List<String> lines = Files.readAllLines(stderr).stream().filter(l -> l.startsWith("sluice: ")).toList();
    assertThat(lines).singleElement().asString().contains("storage").contains("127.0.0.1").doesNotContain("hunter2");
    assertThat(Files.readString(stderr)).doesNotContain("hunter2").doesNotContain("\tat ");
  }

  @Test
  void aJdkOlderThan17IsRefusedWithOneLine() throws Exception {
    Path fakeJdk = tmp.resolve("jdk11");
    Files.createDirectories(fakeJdk.resolve("bin"));
    Path fakeJava = fakeJdk.resolve("bin/java");
    Files.writeString(fakeJava, "#!/bin/sh\necho '    java.specification.version = 11' >&2\necho 'openjdk version \"11.0.2\"' >&2\n");
    Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path stderr = tmp.resolve("err.log");
    Process p = launch(stderr, Map.of("JAVA_HOME", fakeJdk.toString()), "serve");
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(Files.readAllLines(stderr)).singleElement().asString().contains("too old").contains("17");
  }

  static void waitUntilReady(String base, Process server) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(server.isAlive()).as("server process exited early").isTrue();
      try {
        if (Http.get(base + "/health/ready").statusCode() == 200) {
          return;
        }
      } catch (RuntimeException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("server not ready within 60 s");
  }
}
