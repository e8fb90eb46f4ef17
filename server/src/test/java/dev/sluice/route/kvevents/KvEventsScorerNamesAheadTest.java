package dev.sluice.route.kvevents;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.front.Operation;
import dev.sluice.route.Endpoint;
import dev.sluice.route.PrefixScorer;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.kvevents.chat.ChatTemplate;
import dev.sluice.route.kvevents.chat.EngineTokenizer;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The KV-event scorer of a templated model names a request's blocks on a worker ahead of routing, and routing finds them. */
class KvEventsScorerNamesAheadTest {
  private static final Path TEMPLATES = Path.of("src/test/resources/chat-templates");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void blocksAreNamedOnAWorkerAndTheAnswerComesBackOnTheCallersEventLoop() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (EngineTokenizer tokenizer = EngineTokenizer.load(TEMPLATES.resolve("qwen/tokenizer.json"))) {
      TemplatePrompts prompts = new TemplatePrompts(ChatTemplate.beside(TEMPLATES.resolve("qwen/tokenizer.json"),
          null), tokenizer, 16, "0");
      List<String> threads = new CopyOnWriteArrayList<>();
      prompts.countUnhashed(reason -> threads.add(reason + "@" + Thread.currentThread().getName()));
      Endpoint e = new Endpoint(URI.create("http://127.0.0.1:1"));
      KvEventsScorer scorer = new KvEventsScorer("m", "", 1000, x -> null, List.of(e),
          new PrefixScorer(List.of(e), 100), prompts);
      RouteRequest image = new RouteRequest(Operation.CHAT, JSON.readTree("""
          {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}"""));
      RouteRequest text = new RouteRequest(Operation.CHAT, JSON.readTree("""
          {"messages": [{"role": "user", "content": "a prompt of some length, long enough for blocks"}]}"""));

      CompletableFuture<String> completedOn = new CompletableFuture<>();
      Context loop = vertx.getOrCreateContext();
      loop.runOnContext(v -> scorer.nameAhead(image).compose(x -> scorer.nameAhead(text))
          .onComplete(x -> completedOn.complete(Thread.currentThread().getName())));

      assertThat(completedOn.get(10, TimeUnit.SECONDS)).startsWith("vert.x-eventloop-thread");
      assertThat(threads).singleElement().asString().startsWith("media@vert.x-worker-thread");
      java.util.function.Function<RouteRequest, Object> again = r -> {
        throw new AssertionError("named again: the worker's result was not kept for routing");
      };
      Object blocks = text.engineBlocks(scorer, again);
      assertThat(blocks).isNotNull();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
