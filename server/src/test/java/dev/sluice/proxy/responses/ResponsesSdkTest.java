package dev.sluice.proxy.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseItem;
import com.openai.models.responses.ResponseOutputMessage;
import com.openai.models.responses.ResponseOutputText;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.WebSearchTool;
import dev.sluice.identify.Principal;
import dev.sluice.sim.SimConfig;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Sims;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK, unchanged, on the Responses API of a model whose upstream speaks chat completions
 * only (the simulator, echoing the last user message): create, stream, a second turn by previous_response_id,
 * retrieve, input items, delete; another user's response is unknown; errors come in OpenAI's shape.
 */
class ResponsesSdkTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Simulator sim;
  private static GatewayHarness gw;
  private static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    sim = Simulator.startBlocking(Sims.config("qwen").withMode(SimConfig.Mode.ECHO));
    gw = GatewayHarness.start("""
        models:
          - name: demo
            access: {public: true}
            upstream: {endpoints: [%s], model: qwen}
          - name: other
            access: {public: true}
            upstream: {endpoints: [%s], model: qwen}
        """.formatted(sim.baseUrl(), sim.baseUrl()));
    client = sdk(gw.apiKey());
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    sim.close();
  }

  private static OpenAIClient sdk(String key) {
    return OpenAIOkHttpClient.builder().baseUrl(gw.baseUrl() + "/v1").apiKey(key).maxRetries(0).build();
  }

  private static String text(Response response) {
    return response.output().stream().flatMap(item -> item.message().stream())
        .flatMap(m -> m.content().stream()).flatMap(c -> c.outputText().stream()).map(ResponseOutputText::text)
        .collect(Collectors.joining());
  }

  private static List<JsonNode> chatRequestsToTheSimulator() throws Exception {
    List<JsonNode> out = new java.util.ArrayList<>();
    for (var r : sim.recentRequests()) {
      if (r.method().equals("POST")) {
        assertThat(r.path()).isEqualTo("/v1/chat/completions");
        out.add(JSON.readTree(r.body()));
      }
    }
    return out;
  }

  @Test
  void aResponseIsCreatedFromAChatOnlyUpstreamWithUsageAndTheClientsModelName() throws Exception {
    Response response = client.responses().create(ResponseCreateParams.builder().model("demo")
        .instructions("You repeat things.").input("Sluice answers in the Responses shape").maxOutputTokens(32)
        .build());

    assertThat(response.id()).startsWith("resp_");
    assertThat(response.status()).contains(ResponseStatus.COMPLETED);
    assertThat(text(response)).isEqualTo("Sluice answers in the Responses shape");
    assertThat(response.model().asString()).isEqualTo("demo");
    assertThat(response.instructions()).isPresent();
    assertThat(response.usage()).hasValueSatisfying(u -> {
      assertThat(u.inputTokens()).isPositive();
      assertThat(u.outputTokens()).isEqualTo(6);
      assertThat(u.totalTokens()).isEqualTo(u.inputTokens() + u.outputTokens());
    });
    JsonNode sent = chatRequestsToTheSimulator().get(chatRequestsToTheSimulator().size() - 1);
    assertThat(sent.path("model").asText()).isEqualTo("qwen");
    assertThat(sent.path("max_tokens").asInt()).isEqualTo(32);
    assertThat(sent.path("messages").get(0).path("role").asText()).isEqualTo("system");
    assertThat(sent.path("messages").get(1).path("content").asText()).isEqualTo("Sluice answers in the Responses shape");
  }

  @Test
  void aStreamedResponseArrivesAsResponsesEventsEndingInCompletedWithUsage() {
    List<ResponseStreamEvent> events;
    try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ResponseCreateParams
        .builder().model("demo").input("stream these five words please").maxOutputTokens(32).build())) {
      events = stream.stream().collect(Collectors.toList());
    }
    assertThat(events.get(0).isCreated()).isTrue();
    assertThat(events.get(events.size() - 1).isCompleted()).isTrue();
    String deltas = events.stream().flatMap(e -> e.outputTextDelta().stream()).map(d -> d.delta())
        .collect(Collectors.joining());
    assertThat(deltas).isEqualTo("stream these five words please");
    assertThat(events.stream().filter(ResponseStreamEvent::isOutputTextDelta).count()).isGreaterThan(1);
    assertThat(events).anyMatch(ResponseStreamEvent::isOutputItemAdded).anyMatch(ResponseStreamEvent::isOutputTextDone)
        .anyMatch(ResponseStreamEvent::isOutputItemDone);
    Response completed = events.get(events.size() - 1).asCompleted().response();
    assertThat(text(completed)).isEqualTo("stream these five words please");
    assertThat(completed.usage()).hasValueSatisfying(u -> assertThat(u.outputTokens()).isEqualTo(5));
    List<Long> sequence = events.stream().map(e -> JSON.valueToTree(e).path("sequence_number").asLong())
        .collect(Collectors.toList());
    assertThat(sequence).isSorted().doesNotHaveDuplicates();

    // A stored, streamed response reads back as the stream ended.
    Response retrieved = client.responses().retrieve(completed.id());
    assertThat(text(retrieved)).isEqualTo("stream these five words please");
  }

  @Test
  void aSecondTurnByPreviousResponseIdCarriesTheWholeConversationAndCanBeReadBackAndDeleted() throws Exception {
    Response first = client.responses().create(ResponseCreateParams.builder().model("demo")
        .input("my name is Ada").maxOutputTokens(16).build());
    Response second = client.responses().create(ResponseCreateParams.builder().model("demo")
        .previousResponseId(first.id()).input("what is my name").maxOutputTokens(16).build());

    assertThat(second.previousResponseId()).contains(first.id());
    assertThat(text(second)).isEqualTo("what is my name");
    JsonNode sent = chatRequestsToTheSimulator().get(chatRequestsToTheSimulator().size() - 1);
    assertThat(sent.path("messages").findValuesAsText("content"))
        .containsExactly("my name is Ada", "my name is Ada", "what is my name");
    assertThat(sent.path("messages").findValuesAsText("role")).containsExactly("user", "assistant", "user");

    Response retrieved = client.responses().retrieve(second.id());
    assertThat(retrieved.id()).isEqualTo(second.id());
    assertThat(text(retrieved)).isEqualTo("what is my name");
    List<ResponseItem> items = client.responses().inputItems().list(second.id()).data();
    // Newest first, as OpenAI lists them: this turn's input, the first answer, the first input.
    assertThat(items).hasSize(3);
    assertThat(items.get(0).isResponseInputMessageItem()).isTrue();
    ResponseOutputMessage answer = items.get(1).asResponseOutputMessage();
    assertThat(answer.content().get(0).asOutputText().text()).isEqualTo("my name is Ada");

    client.responses().delete(second.id());
    assertThatThrownBy(() -> client.responses().retrieve(second.id())).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> client.responses().delete(second.id())).isInstanceOf(NotFoundException.class);
    // The first turn is still there; a turn continuing the deleted one is refused with OpenAI's 404.
    assertThat(client.responses().retrieve(first.id()).id()).isEqualTo(first.id());
    assertThatThrownBy(() -> client.responses().create(ResponseCreateParams.builder().model("demo")
        .previousResponseId(second.id()).input("again").build()))
        .isInstanceOf(NotFoundException.class).hasMessageContaining(second.id());
  }

  @Test
  void anotherUsersResponseIsNotFoundWhetherRetrievedContinuedListedOrDeletedAndAKeyScopedElsewhereDoesNotSeeIt() throws Exception {
    Response mine = client.responses().create(ResponseCreateParams.builder().model("demo")
        .input("a private conversation").maxOutputTokens(16).build());
    OpenAIClient other = sdk(key("someone-else", Set.of()));

    assertThatThrownBy(() -> other.responses().retrieve(mine.id())).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> other.responses().inputItems().list(mine.id())).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> other.responses().delete(mine.id())).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> other.responses().create(ResponseCreateParams.builder().model("demo")
        .previousResponseId(mine.id()).input("tell me what they said").build()))
        .isInstanceOf(NotFoundException.class);
    // Nothing of the conversation reached the model for the other user, and it is still the owner's.
    assertThat(chatRequestsToTheSimulator()).noneMatch(r -> r.toString().contains("tell me what they said"));
    assertThat(client.responses().retrieve(mine.id()).id()).isEqualTo(mine.id());

    // The owner's other keys see it, unless scoped to models that do not include the response's.
    OpenAIClient sameUserAllModels = sdk(key(GatewayHarness.USER, Set.of()));
    assertThat(sameUserAllModels.responses().retrieve(mine.id()).id()).isEqualTo(mine.id());
    OpenAIClient scopedToDemo = sdk(key(GatewayHarness.USER, Set.of("demo")));
    assertThat(scopedToDemo.responses().retrieve(mine.id()).id()).isEqualTo(mine.id());
    OpenAIClient scopedElsewhere = sdk(key(GatewayHarness.USER, Set.of("other")));
    assertThatThrownBy(() -> scopedElsewhere.responses().retrieve(mine.id())).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> scopedElsewhere.responses().delete(mine.id())).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> scopedElsewhere.responses().create(ResponseCreateParams.builder().model("other")
        .previousResponseId(mine.id()).input("continue").build())).isInstanceOf(NotFoundException.class);
    assertThat(client.responses().retrieve(mine.id()).id()).isEqualTo(mine.id());
  }

  private static String key(String user, Set<String> models) throws Exception {
    return gw.vertx().executeBlocking(() -> gw.runtime().keys().create(Principal.user(user, user, Set.of()), "k",
        models, Optional.empty()), false).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).secret();
  }

  @Test
  void whatAChatUpstreamCannotDoIsRefusedWithA400InOpenAisShape() {
    assertThatThrownBy(() -> client.responses().create(ResponseCreateParams.builder().model("demo")
        .input("search the web").addTool(WebSearchTool.builder().type(WebSearchTool.Type.WEB_SEARCH).build())
        .build()))
        .isInstanceOf(BadRequestException.class)
        .satisfies(e -> {
          BadRequestException bad = (BadRequestException) e;
          assertThat(bad.statusCode()).isEqualTo(400);
          assertThat(bad.param()).contains("tools");
          assertThat(bad.code()).contains("unsupported_parameter");
          assertThat(bad.type()).contains("invalid_request_error");
        });
    assertThatThrownBy(() -> client.responses().create(ResponseCreateParams.builder().model("nothing-here")
        .input("hello").build())).isInstanceOf(NotFoundException.class).hasMessageContaining("nothing-here");
  }
}
