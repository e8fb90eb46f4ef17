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
    return launchIn(ROOT, tmp.resolve("stdout.log"), stderr, env, args);
  }

  Process launchIn(Path dir, Path stdout, Path stderr, Map<String, String> env, String... args) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(concat(ROOT.resolve("bin/sluice").toString(), args))
        .directory(dir.toFile())
        .redirectOutput(stdout.toFile())
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
    Path config = tmp.resolve("sluice.yaml");
    Files.writeString(config, Files.readString(ROOT.resolve("sluice.yaml")).replace("port: 8080", "port: 0\n  management: {port: 0}")
        + "storage:\n  url: jdbc:h2:file:" + tmp.resolve("data/sluice") + "\n");
    Process server = launch(tmp.resolve("stderr.log"), Map.of(), "serve", "--config", config.toString());
    try {
      String base = awaitListening(tmp.resolve("stdout.log"), server);

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
      // demo-chat's answers end by themselves (about 60 tokens), so max_tokens 5 is usually but not always reached.
      assertThat(usage.path("completion_tokens").asInt()).isBetween(1, 5);
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
          .contains("HTTP Basic (local users' passwords) is offered over plain HTTP on 0.0.0.0:"
              + base.substring(base.lastIndexOf(':') + 1) + ",");
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
  void everyCommandHasHelpAndAnUnknownArgumentSaysWhereHelpIs() throws Exception {
    for (String command : List.of("serve", "check", "version", "build")) {
      Process help = launch(tmp.resolve(command + ".err"), Map.of(), command, "--help");
      assertThat(help.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(help.exitValue()).as(command).isZero();
      assertThat(Files.readString(tmp.resolve("stdout.log"))).as(command).startsWith("usage: sluice " + command);
      Process wrong = launch(tmp.resolve(command + ".wrong"), Map.of(), command, "--verbose");
      assertThat(wrong.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(wrong.exitValue()).as(command).isEqualTo(2);
      assertThat(Files.readString(tmp.resolve(command + ".wrong"))).contains("unknown argument '--verbose'")
          .contains("sluice " + command + " --help");
    }
    Process top = launch(tmp.resolve("top.err"), Map.of(), "--help");
    assertThat(top.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(tmp.resolve("stdout.log"))).contains("sluice serve", "sluice check", "sluice version",
        "sluice sim", "sluice download", "sluice operator", "--help");
    Process unknown = launch(tmp.resolve("unknown.err"), Map.of(), "frobnicate");
    assertThat(unknown.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(unknown.exitValue()).isEqualTo(2);
    assertThat(Files.readString(tmp.resolve("unknown.err"))).contains("unknown command 'frobnicate'")
        .contains("sluice --help");
  }

  @Test
  void simHelpNamesTheCommandAsTypedNotTheJar() throws Exception {
    Process help = launch(tmp.resolve("sim.err"), Map.of(), "sim", "--help");
    assertThat(help.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(help.exitValue()).isZero();
    assertThat(Files.readString(tmp.resolve("stdout.log"))).startsWith("usage: sluice sim [flags]")
        .contains("--output-tokens MEAN,MAX").doesNotContain("java -jar");
  }

  @Test
  void versionPrintsTheBuildsVersionCommitAndJava() throws Exception {
    Process version = launch(tmp.resolve("version.err"), Map.of(), "version");
    assertThat(version.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(version.exitValue()).as(Files.readString(tmp.resolve("version.err"))).isZero();
    String head = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD").directory(ROOT.toFile()).start()
        .inputReader().readLine();
    assertThat(Files.readString(tmp.resolve("stdout.log")))
        .startsWith("sluice 0.1.0-SNAPSHOT (commit ")
        .as("the commit the server was built from; %s is HEAD", head).containsPattern("\\(commit [0-9a-f]{12}\\)")
        .contains("\nJava " + System.getProperty("java.specification.version"));
  }

  @Test
  void checkPrintsTheCatalogPlansAndAccessWithoutOpeningThePortOrTouchingTheStore() throws Exception {
    try (ServerSocket busy = new ServerSocket(0)) {
      Path dir = Files.createDirectories(tmp.resolve("conf"));
      Path config = dir.resolve("sluice.yaml");
      // The port is taken: check does not try it, and it creates no store or spool.
      Files.writeString(config, Files.readString(ROOT.resolve("sluice.yaml"))
          .replace("port: 8080", "port: " + busy.getLocalPort()));
      Process ok = launchIn(tmp, tmp.resolve("check.out"), tmp.resolve("check.err"), Map.of(), "check", "--config",
          "conf/sluice.yaml");
      assertThat(ok.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(ok.exitValue()).as(Files.readString(tmp.resolve("check.err"))).isZero();
      assertThat(Files.readString(tmp.resolve("check.out")))
          .startsWith(config + ": valid")
          .contains("data directory: " + dir.resolve("data") + " (the embedded database and the usage spool)")
          .contains("models (2):").contains("demo-chat").contains("built-in simulator, 2 replica(s)")
          .contains("plans (1):").contains("512 tokens/request")
          .contains("who may call what:\n  demo-chat: every identified caller");
      assertThat(dir.resolve("data")).as("no store, no spool").doesNotExist();
    }
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, "models:\n  - name: m\n    upstream:\n      endpoints: [http://127.0.0.1:1]\n      timeout: 5s\n");
    Process wrong = launch(tmp.resolve("bad.err"), Map.of(), "check", "--config", bad.toString());
    assertThat(wrong.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(wrong.exitValue()).isEqualTo(1);
    assertThat(Files.readAllLines(tmp.resolve("bad.err"))).singleElement().asString()
        .startsWith("sluice: ").contains("bad.yaml:5").contains("models[0].upstream.timeout").contains("unknown key");
  }

  @Test
  void theDataDirectoryIsBesideTheConfigurationWhereverSluiceIsStartedFromAndPrintedAtStart() throws Exception {
    Path conf = Files.createDirectories(tmp.resolve("gateway"));
    Path config = conf.resolve("sluice.yaml");
    Files.writeString(config, "server: {port: 0, management: {port: 0}, accessLog: \"off\"}\nmodels:\n  - name: m\n"
        + "    access: {public: true}\n    upstream: {simulator: {mode: echo, interTokenLatency: 1ms}}\n");

    Path first = Files.createDirectories(tmp.resolve("one"));
    Process server = launchIn(first, tmp.resolve("one.out"), tmp.resolve("one.err"), Map.of(), "serve", "--config",
        config.toString());
    String key;
    try {
      String base = awaitListening(tmp.resolve("one.out"), server);
      assertThat(Files.readString(tmp.resolve("one.err")))
          .contains("sluice: data directory " + conf.resolve("data") + " (the embedded database and the usage spool)");
      java.util.regex.Matcher printed = java.util.regex.Pattern.compile("user 'admin' with password: (\\S+)")
          .matcher(Files.readString(tmp.resolve("one.out")));
      assertThat(printed.find()).isTrue();
      key = Http.mintKey(base, "admin", printed.group(1));
    } finally {
      server.destroy();
      assertThat(server.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(conf.resolve("data/sluice.mv.db")).exists();
    assertThat(first.resolve("data")).as("nothing in the working directory").doesNotExist();

    Path second = Files.createDirectories(tmp.resolve("two"));
    server = launchIn(second, tmp.resolve("two.out"), tmp.resolve("two.err"), Map.of(), "serve", "--config",
        config.toString());
    try {
      String base = awaitListening(tmp.resolve("two.out"), server);
      assertThat(Files.readString(tmp.resolve("two.out"))).as("the same store: no new admin password")
          .doesNotContain("with password");
      assertThat(Http.chatWithKey(base, "m", key).statusCode()).as("the key minted before").isEqualTo(200);
    } finally {
      server.destroy();
      assertThat(server.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(second.resolve("data")).doesNotExist();
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

  private static final java.util.regex.Pattern READY_ON_PORT = java.util.regex.Pattern.compile("Sluice is ready on port (\\d+)");

  /**
   * The base URL of a server started with {@code server.port: 0}, once it has printed the port it chose to its log
   * and answers ready. A port picked free beforehand can be taken by anything in between (another socket's
   * ephemeral port); one the server bound itself cannot.
   */
  static String awaitListening(Path log, Process server) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      java.util.regex.Matcher m = READY_ON_PORT.matcher(Files.exists(log) ? Files.readString(log) : "");
      if (m.find()) {
        String base = "http://127.0.0.1:" + m.group(1);
        waitUntilReady(base, server);
        return base;
      }
      if (!server.isAlive()) {
        String text = Files.exists(log) ? Files.readString(log) : "";
        throw new AssertionError("server process exited early; the end of " + log + ":\n"
            + text.substring(Math.max(0, text.length() - 3000)));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no 'Sluice is ready on port' in " + log + " within 60 s");
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
