package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Whatever a client gets wrong, the answer is an OpenAI-shaped error with the right status. */
class BadInputTest {

  static SimHttp sim;

  @BeforeAll
  static void start() {
    // Failures at rate 1: validation must still win, a bad request stays a 400.
    sim = SimHttp.start(SimHttp.config().withFailures(1.0,
        java.util.List.of(SimConfig.FailureKind.HTTP_500)));
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "/v1/chat/completions | {not json                                      | Invalid JSON body",
      "/v1/chat/completions | []                                             | must be a JSON object",
      "/v1/chat/completions | ''                                             | must be a JSON object",
      "/v1/chat/completions | {\"model\":\"sim-model\"}                       | 'messages'",
      "/v1/chat/completions | {\"messages\":[]}                               | 'messages'",
      "/v1/chat/completions | {\"messages\":[{\"content\":\"x\"}]}            | 'role'",
      "/v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":5}]} | 'content'",
      "/v1/chat/completions | {\"model\":7,\"messages\":[{\"role\":\"user\"}]} | 'model'",
      "/v1/chat/completions | {\"messages\":[{\"role\":\"user\"}],\"max_tokens\":0} | 'max_tokens'",
      "/v1/chat/completions | {\"messages\":[{\"role\":\"user\"}],\"max_tokens\":\"9\"} | 'max_tokens'",
      "/v1/chat/completions | {\"messages\":[{\"role\":\"user\"}],\"max_tokens\":1.5} | 'max_tokens'",
      "/v1/completions      | {\"model\":\"sim-model\"}                       | 'prompt'",
      "/v1/completions      | {\"prompt\":[]}                                 | 'prompt'",
      "/v1/completions      | {\"prompt\":[1,\"a\"]}                          | 'prompt'",
      "/v1/embeddings       | {\"input\":{}}                                  | 'input'",
      "/v1/embeddings       | {\"input\":\"x\",\"encoding_format\":\"hex\"}   | 'encoding_format'",
  })
  void malformedRequestsGetAnOpenAiShaped400(String path, String body, String mentions) {
    HttpResponse<String> r = sim.post(path, body);

    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode error = openAiError(r);
    assertThat(error.path("type").asText()).isEqualTo("BadRequestError");
    assertThat(error.path("message").asText()).contains(mentions);
    assertThat(error.path("code").asInt()).isEqualTo(400);
  }

  @Test
  void anUnknownModelIs404NamingTheModel() {
    HttpResponse<String> r = sim.post("/v1/chat/completions",
        "{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(openAiError(r).path("message").asText()).contains("gpt-9");
  }

  @Test
  void anUnknownPathIs404() {
    HttpResponse<String> r = sim.get("/v2/nothing");

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(openAiError(r).path("message").asText()).contains("/v2/nothing");
  }

  @Test
  void theWrongMethodIs405WithAllow() {
    HttpResponse<String> get = sim.get("/v1/chat/completions");
    HttpResponse<String> post = sim.post("/v1/models", "{}");

    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("allow")).hasValue("POST");
    openAiError(get);
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET");
    openAiError(post);
  }

  @Test
  void badRequestsAreNotCountedAsInjectedFailures() {
    long before = sim.sim.stats().failuresInjected();

    sim.post("/v1/chat/completions", "{oops");

    assertThat(sim.sim.stats().failuresInjected()).isEqualTo(before);
  }

  private static JsonNode openAiError(HttpResponse<String> r) {
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode body = SimHttp.json(r.body());
    JsonNode error = body.path("error");
    assertThat(error.isObject()).as("error object in %s", r.body()).isTrue();
    assertThat(error.path("message").isTextual()).isTrue();
    assertThat(error.path("type").isTextual()).isTrue();
    assertThat(error.has("param")).isTrue();
    assertThat(error.has("code")).isTrue();
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
    return error;
  }
}
