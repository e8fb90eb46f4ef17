package dev.sluice.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every example of README.md, run as printed against {@code bin/sluice serve} with the shipped {@code sluice.yaml}, so
 * the README cannot drift from what Sluice does. The only substitutions are a user's own: the printed password for
 * THE-PRINTED-PASSWORD, the minted key in {@code $SLUICE_KEY} (an environment variable, as the README exports it),
 * and, because tests share this machine, the port: the server listens on an ephemeral port instead of 8080, and
 * {@code localhost:8080} in the examples is rewritten to it. A new fenced block in the README that no check here
 * claims fails {@link #everyExampleInTheReadmeIsRunHere}.
 */
class ReadmeExamplesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path README = LauncherIT.ROOT.resolve("README.md");
  private static final Path TARGET = LauncherIT.ROOT.resolve("server/target");
  private static final Pattern FENCE = Pattern.compile("(?m)^```(\\w*)\\n(.*?)^```", Pattern.DOTALL);

  record Block(String language, String text) {
  }

  /** A README block and what running it must show. */
  record Check(String name, Predicate<Block> claims, Consumer<Block> run) {
  }

  private static Path dir;
  private static Process server;
  private static int port;
  private static String password;
  private static String key;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("readme-it");
    Path config = dir.resolve("sluice.yaml");
    Files.writeString(config, Files.readString(LauncherIT.ROOT.resolve("sluice.yaml"))
        .replace("port: 8080", "port: 0"));
    // The README's run command, with the copied configuration (its data directory is beside it, in dir).
    server = new ProcessBuilder(LauncherIT.ROOT.resolve("bin/sluice").toString(), "serve", "--config", config.toString())
        .directory(dir.toFile())
        .redirectOutput(dir.resolve("stdout.log").toFile())
        .redirectError(dir.resolve("stderr.log").toFile())
        .start();
    String base = LauncherIT.awaitListening(dir.resolve("stdout.log"), server);
    port = Integer.parseInt(base.substring(base.lastIndexOf(':') + 1));
    Matcher printed = Pattern.compile("user 'admin' with password: (\\S+)").matcher(Files.readString(dir.resolve("stdout.log")));
    assertThat(printed.find()).as("the first start prints the admin password").isTrue();
    password = printed.group(1);
    key = mintKeyAsPrinted();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  static List<Block> blocks() throws IOException {
    List<Block> out = new ArrayList<>();
    Matcher m = FENCE.matcher(Files.readString(README));
    while (m.find()) {
      out.add(new Block(m.group(1), m.group(2)));
    }
    return out;
  }

  /** The README's blocks, each claimed by exactly one check. */
  static List<Check> checks() {
    return List.of(
        new Check("the run command", b -> b.text().trim().equals("bin/sluice serve"),
            b -> { /* what started the server in start(), with --config for the ephemeral port */ }),
        new Check("the test command", b -> b.text().trim().equals("./mvnw verify"),
            b -> { /* the build that runs this test */ }),
        new Check("the first-start banner", b -> b.language().isEmpty() && b.text().contains("Sluice created the local user"),
            ReadmeExamplesIT::banner),
        new Check("minting a key", b -> b.text().contains("/api/keys"), b -> { /* run in start(): mintKeyAsPrinted */ }),
        new Check("a chat completion", b -> b.language().equals("sh") && b.text().contains("/v1/chat/completions")
            && !b.text().contains("\"stream\": true"), ReadmeExamplesIT::chat),
        new Check("a streamed chat completion", b -> b.language().equals("sh") && b.text().contains("\"stream\": true"),
            ReadmeExamplesIT::stream),
        new Check("a response", b -> b.text().contains("/v1/responses"), ReadmeExamplesIT::response),
        new Check("usage and quota", b -> b.text().contains("/api/usage") && b.text().contains("/api/quota"),
            ReadmeExamplesIT::usageAndQuota),
        new Check("the Python SDK", b -> b.language().equals("python"), ReadmeExamplesIT::python),
        new Check("the JavaScript SDK", b -> b.language().equals("js"), ReadmeExamplesIT::javascript));
  }

  @Test
  void everyExampleInTheReadmeIsRunHere() throws Exception {
    List<String> problems = new ArrayList<>();
    for (Block b : blocks()) {
      long claimed = checks().stream().filter(c -> c.claims().test(b)).count();
      if (claimed != 1) {
        problems.add(claimed + " checks claim the block:\n" + b.text());
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void theCurlExamplesAnswerAsDocumented() throws Exception {
    run("a chat completion");
    run("a streamed chat completion");
    run("a response");
    run("usage and quota");
  }

  @Test
  void theJavaScriptExampleRunsAsAFileInAFreshNpmProject() throws Exception {
    run("the JavaScript SDK");
  }

  @Test
  void thePythonExampleRunsWithTheOpenAiPackage() throws Exception {
    run("the Python SDK");
  }

  private static void run(String check) throws Exception {
    Check c = checks().stream().filter(x -> x.name().equals(check)).findFirst().orElseThrow();
    List<Block> claimed = blocks().stream().filter(c.claims()).toList();
    assertThat(claimed).as("README blocks for " + check).isNotEmpty();
    claimed.forEach(c.run());
  }

  // ---- the checks

  /** The first curl: run as printed up to the documented answer, which must have the documented fields. */
  private static String mintKeyAsPrinted() throws Exception {
    Block block = blocks().stream().filter(b -> b.text().contains("/api/keys")).findFirst().orElseThrow();
    StringBuilder command = new StringBuilder();
    String documented = null;
    for (String line : block.text().split("\n")) {
      if (line.startsWith("# {")) {
        documented = line.substring(2);
        break;
      }
      command.append(line).append('\n');
    }
    assertThat(documented).as("the README shows the answer").isNotNull();
    Result r = bash(command.toString(), Map.of());
    JsonNode answer = JSON.readTree(r.stdout());
    Matcher fields = Pattern.compile("\"(\\w+)\":").matcher(documented);
    while (fields.find()) {
      assertThat(answer.has(fields.group(1))).as("documented field %s in %s", fields.group(1), r.stdout()).isTrue();
    }
    assertThat(answer.path("key").asText()).startsWith("sk-sluice-");
    assertThat(block.text()).contains("export SLUICE_KEY=sk-sluice-...");
    return answer.path("key").asText();
  }

  private static void banner(Block b) {
    String shown = b.text().strip();
    String prefix = shown.substring(0, shown.indexOf(": ") + 2);
    try {
      assertThat(Files.readString(dir.resolve("stdout.log"))).contains("  " + prefix.strip());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static void chat(Block b) {
    JsonNode answer = json(curl(b));
    assertThat(answer.path("object").asText()).as(answer.toString()).isEqualTo("chat.completion");
    assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isNotBlank();
    assertThat(answer.path("usage").path("completion_tokens").asInt()).isBetween(1, 20);
  }

  /** Without max_tokens: a demo-sized answer that ends by itself, then [DONE]. */
  private static void stream(Block b) {
    String out = curl(b);
    List<JsonNode> events = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("data: {")) {
        events.add(json(line.substring(6)));
      }
    }
    assertThat(out.strip()).startsWith("data: {").endsWith("data: [DONE]");
    assertThat(events).hasSizeBetween(2, 402);
    assertThat(events).anySatisfy(e -> assertThat(e.path("choices").path(0).path("finish_reason").asText())
        .isEqualTo("stop"));
  }

  private static void response(Block b) {
    JsonNode answer = json(curl(b));
    assertThat(answer.path("object").asText()).as(answer.toString()).isEqualTo("response");
    assertThat(answer.path("status").asText()).isIn("completed", "incomplete");
    assertThat(answer.path("output").get(0).path("content").get(0).path("text").asText()).isNotBlank();
  }

  private static void usageAndQuota(Block b) {
    try {
      List<JsonNode> docs = JSON.readerFor(JsonNode.class).<JsonNode>readValues(curl(b)).readAll();
      assertThat(docs).hasSize(2);
      assertThat(docs.get(0).has("data")).as(docs.get(0).toString()).isTrue();
      assertThat(docs.get(1).toString()).contains("demo-chat").contains("demo");
      docs.forEach(d -> assertThat(d.has("error")).as(d.toString()).isFalse());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static void javascript(Block b) {
    Assumptions.assumeTrue(onPath("node") && onPath("npm"),
        "node and npm are not installed: the README's JavaScript example is not run (install Node.js 18+ to run it)");
    try {
      Path project = Files.createTempDirectory(dir, "first-js");
      // The README's setup in a fresh project: npm install openai, with npm's cache under target/ so that after the
      // first run the test needs no network.
      Path cache = TARGET.resolve("npm-cache");
      Result init = exec(project, Map.of(), "npm", "init", "-y");
      assertThat(init.status()).as(init.stderr()).isZero();
      Result install = exec(project, Map.of(), "npm", "install", "--no-audit", "--no-fund", "--prefer-offline",
          "--cache", cache.toString(), "openai");
      assertThat(install.status()).as("npm install openai: %s", install.stderr()).isZero();
      String file = fileNameFromReadme();
      Files.writeString(project.resolve(file), localPort(b.text()));
      Result r = exec(project, Map.of("SLUICE_KEY", key), "node", file);
      assertThat(r.status()).as(r.stderr()).isZero();
      assertThat(r.stdout()).contains("completion_tokens").contains("prompt_tokens");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** The file name the README tells a user to save the snippet as. */
  private static String fileNameFromReadme() throws IOException {
    Matcher m = Pattern.compile("save it as `([\\w.-]+\\.mjs)`").matcher(Files.readString(README));
    assertThat(m.find()).as("the README names the file to save the JavaScript example as").isTrue();
    return m.group(1);
  }

  private static void python(Block b) {
    Assumptions.assumeTrue(onPath("python3"), "python3 is not installed: the README's Python example is not run");
    try {
      // The README's setup (pip install openai), in a virtual environment of its own under target/ so that the
      // machine's Python stays as it was; kept between runs.
      Path venv = TARGET.resolve("py-venv");
      Path python = venv.resolve("bin/python");
      if (!Files.isExecutable(python) || exec(dir, Map.of(), python.toString(), "-c", "import openai").status() != 0) {
        Result made = exec(dir, Map.of(), "python3", "-m", "venv", venv.toString());
        Assumptions.assumeTrue(made.status() == 0, "python3 -m venv failed: " + made.stderr());
        Result install = exec(dir, Map.of(), python.toString(), "-m", "pip", "install", "-q", "--retries", "0", "openai");
        Assumptions.assumeTrue(install.status() == 0,
            "pip install openai failed (no package index reachable?): " + install.stderr());
      }
      Path script = dir.resolve("first.py");
      Files.writeString(script, localPort(b.text()));
      Result r = exec(dir, Map.of("SLUICE_KEY", key), python.toString(), script.toString());
      assertThat(r.status()).as(r.stderr()).isZero();
      assertThat(r.stdout()).contains("completion_tokens");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  // ---- running things

  record Result(int status, String stdout, String stderr) {
  }

  private static String curl(Block b) {
    Result r = bash(b.text(), Map.of("SLUICE_KEY", key));
    assertThat(r.status()).as(r.stderr()).isZero();
    return r.stdout();
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }

  /** A block as a user pastes it: their password for the placeholder, and this test's port for 8080. */
  private static Result bash(String script, Map<String, String> env) {
    return exec(dir, env, "bash", "-e", "-c", localPort(script.replace("THE-PRINTED-PASSWORD", password)));
  }

  private static String localPort(String text) {
    return text.replace("localhost:8080", "localhost:" + port);
  }

  private static boolean onPath(String program) {
    return exec(dir, Map.of(), "sh", "-c", "command -v " + program).status() == 0;
  }

  private static Result exec(Path cwd, Map<String, String> env, String... command) {
    try {
      Path out = Files.createTempFile(dir, "out", ".log");
      Path err = Files.createTempFile(dir, "err", ".log");
      ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(String.join(" ", command) + " did not finish in 300 s");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
