package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.models.Model;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, unchanged, against the assembled Quarkus server. */
@QuarkusTest
class OpenAiSdkTest {
  @TestHTTPResource("/v1")
  URL v1;

  static String key;

  /** A key minted as the README tells a newcomer to, with the local user's password. */
  OpenAIClient client() {
    if (key == null) {
      key = dev.sluice.support.Http.mintKey(v1.toString().replaceAll("/v1/?$", ""), "tester", "test-password");
    }
    return OpenAIOkHttpClient.builder().baseUrl(v1.toString()).apiKey(key).maxRetries(0).build();
  }

  ChatCompletionCreateParams.Builder params() {
    return ChatCompletionCreateParams.builder()
        .model("test-chat")
        .addUserMessage("Sluice echoes this back")
        .maxCompletionTokens(16);
  }

  @Test
  void aChatCompletionReturnsTheAnswerAndUsage() {
    ChatCompletion completion = client().chat().completions().create(params().build());
    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().get(0).message().content()).hasValueSatisfying(text -> assertThat(text).contains("echoes"));
    assertThat(completion.usage()).hasValueSatisfying(u -> {
      assertThat(u.promptTokens()).isPositive();
      assertThat(u.completionTokens()).isPositive();
    });
  }

  @Test
  void aStreamedChatCompletionArrivesAsChunksWithUsageAtTheEnd() {
    ChatCompletionCreateParams streaming = params()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    List<ChatCompletionChunk> chunks;
    try (StreamResponse<ChatCompletionChunk> stream = client().chat().completions().createStreaming(streaming)) {
      chunks = stream.stream().collect(Collectors.toList());
    }
    assertThat(chunks.size()).isGreaterThan(3);
    String text = chunks.stream().flatMap(c -> c.choices().stream())
        .map(choice -> choice.delta().content().orElse("")).collect(Collectors.joining());
    assertThat(text).contains("echoes");
    assertThat(chunks.get(chunks.size() - 1).usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isPositive());
  }

  @Test
  void modelsAreListedAndAnUnknownModelIsNotFound() {
    List<String> ids = client().models().list().data().stream().map(Model::id).toList();
    assertThat(ids).containsExactly("test-chat");
    assertThatThrownBy(() -> client().chat().completions().create(params().model("missing").build()))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("missing");
  }

  @Test
  void theResponsesApiAnswersAndContinuesAConversationOnTheAssembledServer() {
    com.openai.models.responses.Response first = client().responses().create(
        com.openai.models.responses.ResponseCreateParams.builder().model("test-chat").input("Sluice keeps this")
            .maxOutputTokens(16).build());
    com.openai.models.responses.Response second = client().responses().create(
        com.openai.models.responses.ResponseCreateParams.builder().model("test-chat").input("and this")
            .previousResponseId(first.id()).maxOutputTokens(16).build());
    assertThat(second.output().get(0).asMessage().content().get(0).asOutputText().text()).isEqualTo("and this");
    assertThat(client().responses().inputItems().list(second.id()).data()).hasSize(3);
    assertThat(client().responses().retrieve(first.id()).id()).isEqualTo(first.id());
  }

  @Test
  void aWrongKeyIsAnAuthenticationErrorTheSdkRecognises() {
    OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl(v1.toString())
        .apiKey("sk-sluice-00000000000000000_0000000000000000000000000000000000000000000").maxRetries(0).build();
    assertThatThrownBy(() -> wrong.chat().completions().create(params().build()))
        .isInstanceOf(com.openai.errors.UnauthorizedException.class).hasMessageContaining("Incorrect API key");
  }
}
