package dev.sluice.admit.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.admit.PromptEstimate;
import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Operation;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which counter each model gets from its configuration, what a missing tokenizer says, and where counting runs. */
class PromptCountersTest {
  private static final String SHORT = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi there\"}]}";
  private static final String LONG = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\""
      + "the quick brown fox jumps over the lazy dog ".repeat(500) + "\"}]}";

  @TempDir
  Path dir;

  private SluiceConfig config(String models, Function<String, String> env) throws Exception {
    Path file = dir.resolve("conf").resolve("sluice.yaml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "models:\n" + models);
    return new ConfigLoader(env).read(file);
  }

  private static String model(String name, String extra) {
    return "  - name: " + name + "\n    upstream: {endpoints: [\"http://127.0.0.1:9\"]}\n" + extra;
  }

  @Test
  void modelsWithoutATokenizerKeepTheByteBound() throws Exception {
    SluiceConfig config = config(model("plain", "") + model("forced", "    tokenizer: bytes\n"), System::getenv);
    try (PromptCounters counters = PromptCounters.of(null, config.models(), System::getenv)) {
      ApiRequest request = Prompts.parse(Operation.CHAT, SHORT);
      assertThat(counters.counter("plain").count(request)).isEqualTo(PromptEstimate.of(request));
      assertThat(counters.counter("forced").count(request)).isEqualTo(PromptEstimate.of(request));
      assertThat(counters.counter("unknown-model").count(request)).isEqualTo(PromptEstimate.of(request));
    }
  }

  @Test
  void simulatedModelsUseTheSimulatorsTokenizerByDefault() throws Exception {
    SluiceConfig config = config("  - name: sim\n    upstream: {simulator: {replicas: 1}}\n"
        + model("remote-sim", "    tokenizer: simulator\n"), System::getenv);
    try (PromptCounters counters = PromptCounters.of(null, config.models(), System::getenv)) {
      ApiRequest request = Prompts.parse(Operation.CHAT, SHORT);
      long simulators = new SimulatorPromptCounter().count(request);
      assertThat(counters.counter("sim").count(request)).isEqualTo(simulators).isEqualTo(4); // user : Hi there
      assertThat(counters.counter("remote-sim").count(request)).isEqualTo(simulators);
    }
  }

  @Test
  void aTokenizerPathIsResolvedAgainstTheConfigFilesDirectory() throws Exception {
    Files.createDirectories(dir.resolve("conf/tok"));
    Files.copy(Prompts.tinyBpe(), dir.resolve("conf/tok/tokenizer.json"));
    SluiceConfig config = config(model("file", "    tokenizer: tok/tokenizer.json\n")
        + model("directory", "    tokenizer: ./tok\n"), System::getenv);
    try (PromptCounters counters = PromptCounters.of(null, config.models(), System::getenv)) {
      ApiRequest request = Prompts.parse(Operation.CHAT, LONG);
      assertThat(counters.counter("file").heavy()).isTrue();
      assertThat(counters.counter("file").count(request)).isEqualTo(counters.counter("directory").count(request))
          .isLessThan(PromptEstimate.of(request) / 2);
    }
  }

  @Test
  void aMissingTokenizerFileIsAConfigErrorNamingTheKeyAndLine() throws Exception {
    SluiceConfig config = config(model("a", "") + model("b", "    tokenizer: ./nowhere/tokenizer.json\n"),
        System::getenv);
    assertThatThrownBy(() -> PromptCounters.check(config.models(), System::getenv))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sluice.yaml:6: models[1].tokenizer")
        .hasMessageContaining(dir.resolve("conf/nowhere/tokenizer.json").toString());
  }

  @Test
  void anUnreadableTokenizerIsAConfigErrorNamingTheKey() throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/broken.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": ");
    SluiceConfig config = config(model("a", "    tokenizer: broken.json\n"), System::getenv);
    assertThatThrownBy(() -> PromptCounters.check(config.models(), System::getenv))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("models[0].tokenizer")
        .hasMessageContaining("cannot load the tokenizer");
  }

  @Test
  void aRepoNotInTheLocalHuggingFaceCacheSaysSoAndNamesThePathSearched() throws Exception {
    Path cache = dir.resolve("hf-hub");
    Map<String, String> env = Map.of("HF_HUB_CACHE", cache.toString());
    SluiceConfig config = config(model("a", "    tokenizer: acme/tiny-chat\n"), env::get);
    assertThatThrownBy(() -> PromptCounters.check(config.models(), env::get))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("models[0].tokenizer")
        .hasMessageContaining("local Hugging Face cache")
        .hasMessageContaining(cache.resolve("models--acme--tiny-chat").resolve("snapshots") + "/*/tokenizer.json")
        .hasMessageContaining("never downloads");
  }

  @Test
  void aRepoInTheLocalHuggingFaceCacheIsFoundThroughRefsMain() throws Exception {
    Path repo = dir.resolve("hf-home/hub/models--acme--tiny-chat");
    Files.createDirectories(repo.resolve("refs"));
    Files.createDirectories(repo.resolve("snapshots/0123abcd"));
    Files.createDirectories(repo.resolve("snapshots/ffff0000")); // an older snapshot without the file
    Files.writeString(repo.resolve("refs/main"), "0123abcd\n");
    Files.copy(Prompts.tinyBpe(), repo.resolve("snapshots/0123abcd/tokenizer.json"));
    Map<String, String> env = Map.of("HF_HOME", dir.resolve("hf-home").toString());
    SluiceConfig config = config(model("a", "    tokenizer: acme/tiny-chat\n    imageTokens: 300\n"), env::get);
    try (PromptCounters counters = PromptCounters.of(null, config.models(), env::get)) {
      assertThat(counters.counter("a").heavy()).isTrue();
      assertThat(config.models().get(0).tokenizer().imageTokens()).isEqualTo(300);
    }
  }

  @Test
  void aModelWithFallbacksIsBoundedByTheLargestOfTheirCounts() throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.copy(Prompts.tinyBpe(), dir.resolve("conf/tokenizer.json"));
    SluiceConfig config = config(model("tight", "    tokenizer: tokenizer.json\n    fallbacks: [loose]\n")
        + model("loose", ""), System::getenv);
    try (PromptCounters counters = PromptCounters.of(null, config.models(), System::getenv)) {
      ApiRequest request = Prompts.parse(Operation.CHAT, LONG);
      assertThat(counters.counter("tight").count(request)).isEqualTo(PromptEstimate.of(request));
      assertThat(counters.counter("loose").count(request)).isEqualTo(PromptEstimate.of(request));
    }
  }

  @Test
  void aLongPromptIsCountedOnAWorkerAndAnsweredOnTheCallersLoopAShortOneInline() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TokenizerPromptCounter real = TokenizerPromptCounter.load(Prompts.tinyBpe(), 256)) {
      Map<String, Thread> countedOn = new java.util.concurrent.ConcurrentHashMap<>();
      PromptCounter recording = new PromptCounter() {
        @Override
        public long count(ApiRequest request) {
          countedOn.put(request.raw().length() > PromptCounters.INLINE_BYTES ? "long" : "short", Thread.currentThread());
          return real.count(request);
        }

        @Override
        public boolean heavy() {
          return true;
        }
      };
      PromptCounters counters = new PromptCounters(vertx, Map.of("m", recording));
      Context loop = vertx.getOrCreateContext();
      CompletableFuture<Thread> caller = new CompletableFuture<>();
      CompletableFuture<Thread> answeredOn = new CompletableFuture<>();
      CompletableFuture<Long> longBound = new CompletableFuture<>();
      CompletableFuture<Long> shortBound = new CompletableFuture<>();
      loop.runOnContext(v -> {
        caller.complete(Thread.currentThread());
        counters.bound("m", Prompts.parse(Operation.CHAT, SHORT)).onSuccess(shortBound::complete);
        counters.bound("m", Prompts.parse(Operation.CHAT, LONG)).onSuccess(n -> {
          answeredOn.complete(Thread.currentThread());
          longBound.complete(n);
        });
      });
      Thread loopThread = caller.get(10, TimeUnit.SECONDS);
      assertThat(longBound.get(10, TimeUnit.SECONDS)).isEqualTo(real.count(Prompts.parse(Operation.CHAT, LONG)));
      assertThat(shortBound.get(10, TimeUnit.SECONDS)).isEqualTo(real.count(Prompts.parse(Operation.CHAT, SHORT)));
      assertThat(countedOn.get("short")).isSameAs(loopThread);
      assertThat(countedOn.get("long")).isNotSameAs(loopThread);
      assertThat(countedOn.get("long").getName()).contains("worker");
      assertThat(answeredOn.get(10, TimeUnit.SECONDS)).isSameAs(loopThread);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aClosedTokenizerIsNeverCalledIntoAndTheByteBoundStandsIn() throws Exception {
    TokenizerPromptCounter real = TokenizerPromptCounter.load(Prompts.tinyBpe(), 256);
    PromptCounters counters = new PromptCounters(null, Map.of("m", real));
    ApiRequest request = Prompts.parse(Operation.CHAT, LONG);
    assertThat(counters.bound("m", request).result()).isLessThan(PromptEstimate.of(request));
    real.close();
    real.close(); // idempotent: a reload and a shutdown may both close
    assertThat(counters.bound("m", request).result()).isEqualTo(PromptEstimate.of(request));
  }

  @Test
  void aTokenizerThatThrowsLeavesTheByteBoundNotAStuckRequest() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      PromptCounter failing = new PromptCounter() {
        @Override
        public long count(ApiRequest request) {
          throw new IllegalStateException("native tokenizer failed");
        }

        @Override
        public boolean heavy() {
          return true;
        }
      };
      PromptCounters counters = new PromptCounters(vertx, Map.of("m", failing));
      for (String body : new String[] {SHORT, LONG}) {
        ApiRequest request = Prompts.parse(Operation.CHAT, body);
        assertThat(counters.bound("m", request).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
            .isEqualTo(PromptEstimate.of(request));
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
