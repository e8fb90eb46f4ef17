package dev.sluice.proxy.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Metering.Row;
import dev.sluice.support.ScriptedUpstream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code provider: azure-openai} against a local imitation of Azure OpenAI's data plane, which checks what Azure
 * checks (the deployment in the path, {@code api-version}, the {@code api-key} header) and answers in the shapes
 * of Azure's REST reference: content-filter annotations, the model behind the deployment, usage, and its errors.
 */
class AzureOpenAiTest {
  private static final String KEY = "azure-key-0123456789abcdef";
  private static final Pattern PATH = Pattern.compile("/openai/deployments/([^/]+)/(chat/completions|embeddings)");
  private static final String ASK = "{\"model\":\"%s\",\"max_tokens\":12,\"stream\":%s,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";

  /** Azure OpenAI as its REST reference describes it, with one deployment per behaviour a test needs. */
  static final class AzureImitation implements AutoCloseable {
    final List<HttpServerRequest> seen = new CopyOnWriteArrayList<>();
    final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    final ScriptedUpstream server;

    AzureImitation() throws Exception {
      server = new ScriptedUpstream(this::answer);
    }

    private void answer(HttpServerRequest req, Buffer body) {
      seen.add(req);
      String key = req.getHeader("api-key");
      if (key == null) {
        json(req, 401, "{\"statusCode\":401,\"message\":\"Unauthorized. Access token is missing, invalid, audience is"
            + " incorrect (https://cognitiveservices.azure.com), or have expired.\"}");
        return;
      }
      if (!key.equals(KEY)) {
        json(req, 401, "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid subscription key or"
            + " wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct"
            + " regional API endpoint for your resource.\"}}");
        return;
      }
      Matcher m = PATH.matcher(req.path());
      if (!m.matches() || !"2024-10-21".equals(req.getParam("api-version"))) {
        json(req, 404, "{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}");
        return;
      }
      JsonNode ask;
      try {
        ask = Json.MAPPER.readTree(body.getBytes());
      } catch (java.io.IOException e) {
        json(req, 400, "{\"error\":{\"code\":\"BadRequest\",\"message\":\"not JSON\"}}");
        return;
      }
      bodies.add(ask);
      switch (m.group(1)) {
        case "prod-gpt4o" -> {
          if (m.group(2).equals("embeddings")) {
            json(req, 200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":"
                + "[0.0023,-0.0094]}],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":4,"
                + "\"total_tokens\":4}}");
          } else if (ask.path("stream").asBoolean()) {
            stream(req, ask.path("stream_options").path("include_usage").asBoolean());
          } else {
            json(req, 200, COMPLETION);
          }
        }
        case "busy" -> {
          req.response().putHeader("retry-after", "6");
          json(req, 429, "{\"error\":{\"code\":\"429\",\"message\":\"Requests to the ChatCompletions_Create Operation"
              + " under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0"
              + " pricing tier. Please retry after 6 seconds.\"}}");
        }
        default -> json(req, 404, "{\"error\":{\"code\":\"DeploymentNotFound\",\"message\":\"The API deployment for"
            + " this resource does not exist. If you created the deployment within the last 5 minutes, please wait"
            + " a moment and try again.\"}}");
      }
    }

    private static void stream(HttpServerRequest req, boolean usage) {
      String id = "\"id\":\"chatcmpl-AZ1\",\"object\":\"chat.completion.chunk\",\"created\":1733040000,"
          + "\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_04751d0b65\"";
      StringBuilder out = new StringBuilder()
          .append("data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",")
          .append("\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":")
          .append("{\"filtered\":false,\"severity\":\"safe\"}}}]}\n\n");
      for (String piece : new String[] {"Hello", "!", " How", " can", " I help?"}) {
        out.append("data: {").append(id).append(",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"")
            .append(piece).append("\"},\"finish_reason\":null,\"content_filter_results\":{}}]")
            .append(usage ? ",\"usage\":null" : "").append("}\n\n");
      }
      out.append("data: {").append(id).append(",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]")
          .append(usage ? ",\"usage\":null" : "").append("}\n\n");
      if (usage) {
        out.append("data: {").append(id).append(",\"choices\":[],\"usage\":{\"prompt_tokens\":11,")
            .append("\"completion_tokens\":9,\"total_tokens\":20}}\n\n");
      }
      out.append("data: [DONE]\n\n");
      req.response().putHeader("content-type", "text/event-stream").end(out.toString());
    }

    private static void json(HttpServerRequest req, int status, String body) {
      req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
    }

    String baseUrl() {
      return server.baseUrl();
    }

    @Override
    public void close() throws Exception {
      server.close();
    }
  }

  private static final String COMPLETION = "{\"choices\":[{\"content_filter_results\":{\"hate\":{\"filtered\":false,"
      + "\"severity\":\"safe\"}},\"finish_reason\":\"stop\",\"index\":0,\"logprobs\":null,\"message\":{\"content\":"
      + "\"Hello! How can I help?\",\"refusal\":null,\"role\":\"assistant\"}}],\"created\":1733040000,"
      + "\"id\":\"chatcmpl-AZ0\",\"model\":\"gpt-4o-2024-08-06\",\"object\":\"chat.completion\","
      + "\"prompt_filter_results\":[{\"prompt_filter_results\":{},\"prompt_index\":0}],\"system_fingerprint\":"
      + "\"fp_04751d0b65\",\"usage\":{\"completion_tokens\":7,\"prompt_tokens\":10,\"total_tokens\":17}}";

  private static String config(String azure) {
    return """
        usage: {flushInterval: 1h}
        models:
          - name: gpt-4o
            access: {public: true}
            upstream: {provider: azure-openai, endpoints: [%1$s], apiKey: "${AZ}", deployment: prod-gpt4o}
          - name: prod-gpt4o
            access: {public: true}
            upstream: {provider: azure-openai, endpoints: [%1$s], apiKey: "${AZ}"}
          - name: gone
            access: {public: true}
            upstream: {provider: azure-openai, endpoints: [%1$s], apiKey: "${AZ}"}
          - name: busy
            access: {public: true}
            upstream: {provider: azure-openai, endpoints: [%1$s], apiKey: "${AZ}"}
          - name: wrong-key
            access: {public: true}
            upstream: {provider: azure-openai, endpoints: [%1$s], apiKey: "not-the-key", deployment: prod-gpt4o}
        """.formatted(azure);
  }

  @Test
  void chatReachesTheDeploymentWithItsKeyAndVersionAndIsChargedWhatAzureReported() throws Exception {
    try (AzureImitation azure = new AzureImitation();
         GatewayHarness gw = GatewayHarness.start(config(azure.baseUrl()), Map.of("AZ", KEY))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", ASK.formatted("gpt-4o", false),
          "api-key", "client-supplied-key");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode answer = Json.MAPPER.readTree(r.body());
      assertThat(answer.path("choices").path(0).path("message").path("content").asText()).isEqualTo("Hello! How can I help?");
      assertThat(answer.path("model").asText()).isEqualTo("gpt-4o"); // the name asked for, not Azure's
      assertThat(answer.path("usage").path("total_tokens").asInt()).isEqualTo(17);

      HttpServerRequest seen = azure.seen.get(0);
      assertThat(seen.path()).isEqualTo("/openai/deployments/prod-gpt4o/chat/completions");
      assertThat(seen.getParam("api-version")).isEqualTo("2024-10-21");
      assertThat(seen.getHeader("api-key")).isEqualTo(KEY); // the pool's key, never the client's
      assertThat(seen.getHeader("authorization")).isNull();

      Row row = flushed(gw, 1).get(0);
      assertThat(row.estimated()).isFalse();
      assertThat(row.prompt()).isEqualTo(10);
      assertThat(row.completion()).isEqualTo(7);
    }
  }

  @Test
  void streamsArriveInOpenAisShapeAndAreMeteredFromAzuresUsageChunk() throws Exception {
    try (AzureImitation azure = new AzureImitation();
         GatewayHarness gw = GatewayHarness.start(config(azure.baseUrl()), Map.of("AZ", KEY))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", ASK.formatted("gpt-4o", true));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("\"content\":\" How\"").endsWith("data: [DONE]\n\n")
          .doesNotContain("gpt-4o-2024-08-06")
          .doesNotContain("\"prompt_tokens\""); // the client did not ask for usage; the gateway did, for itself
      assertThat(azure.bodies.get(0).path("stream_options").path("include_usage").asBoolean()).isTrue();

      Row row = flushed(gw, 1).get(0);
      assertThat(row.estimated()).isFalse();
      assertThat(row.prompt()).isEqualTo(11);
      assertThat(row.completion()).isEqualTo(9);
    }
  }

  @Test
  void theDeploymentDefaultsToTheUpstreamModelNameAndServesEmbeddings() throws Exception {
    try (AzureImitation azure = new AzureImitation();
         GatewayHarness gw = GatewayHarness.start(config(azure.baseUrl()), Map.of("AZ", KEY))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/embeddings",
          "{\"model\":\"prod-gpt4o\",\"input\":\"hello\"}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(Json.MAPPER.readTree(r.body()).path("data").path(0).path("embedding").size()).isEqualTo(2);
      assertThat(azure.seen.get(0).path()).isEqualTo("/openai/deployments/prod-gpt4o/embeddings");
      assertThat(flushed(gw, 1).get(0).prompt()).isEqualTo(4);
    }
  }

  @Test
  void anthropicClientsOfAnAzureDeploymentAreTranslatedAndChargedExactly() throws Exception {
    try (AzureImitation azure = new AzureImitation();
         GatewayHarness gw = GatewayHarness.start(config(azure.baseUrl()), Map.of("AZ", KEY))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/messages", ASK.formatted("gpt-4o", false));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode answer = Json.MAPPER.readTree(r.body());
      assertThat(answer.path("type").asText()).isEqualTo("message");
      assertThat(answer.path("content").path(0).path("text").asText()).isEqualTo("Hello! How can I help?");
      assertThat(azure.seen.get(0).path()).isEqualTo("/openai/deployments/prod-gpt4o/chat/completions");
      Row row = flushed(gw, 1).get(0);
      assertThat(row.prompt()).isEqualTo(10);
      assertThat(row.completion()).isEqualTo(7);
    }
  }

  @Test
  void azuresErrorsReachTheClientInOpenAisShapeWithTheirStatusAndRetryAfter() throws Exception {
    try (AzureImitation azure = new AzureImitation();
         GatewayHarness gw = GatewayHarness.start(config(azure.baseUrl()), Map.of("AZ", KEY))) {
      HttpResponse<String> gone = Http.postJson(gw.baseUrl() + "/v1/chat/completions", ASK.formatted("gone", false));
      assertThat(gone.statusCode()).isEqualTo(404);
      JsonNode error = openAiError(gone);
      assertThat(error.path("code").asText()).isEqualTo("DeploymentNotFound");
      assertThat(error.path("type").asText()).isEqualTo("not_found_error");
      assertThat(error.path("message").asText()).contains("deployment for this resource does not exist");

      HttpResponse<String> busy = Http.postJson(gw.baseUrl() + "/v1/chat/completions", ASK.formatted("busy", false));
      assertThat(busy.statusCode()).isEqualTo(429);
      assertThat(busy.headers().firstValue("retry-after")).hasValue("6");
      assertThat(openAiError(busy).path("type").asText()).isEqualTo("rate_limit_error");

      HttpResponse<String> refused = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          ASK.formatted("wrong-key", true));
      assertThat(refused.statusCode()).isEqualTo(401);
      JsonNode denied = openAiError(refused);
      assertThat(denied.path("type").asText()).isEqualTo("authentication_error");
      assertThat(denied.path("message").asText()).startsWith("Azure OpenAI refused the gateway's credential")
          .doesNotContain("not-the-key");

      HttpResponse<String> messages = Http.postJson(gw.baseUrl() + "/v1/messages", ASK.formatted("gone", false));
      assertThat(messages.statusCode()).isEqualTo(404);
      assertThat(Json.MAPPER.readTree(messages.body()).path("type").asText()).isEqualTo("error"); // Anthropic's shape

      assertThat(flushed(gw, 4)).hasSize(4).allSatisfy(row -> assertThat(row.completion()).isZero());
    }
  }

  @Test
  void completionsGoToTheDeploymentsCompletionsPathAndAzuresNotFoundKeepsOpenAisShape() throws Exception {
    try (AzureImitation azure = new AzureImitation();
         GatewayHarness gw = GatewayHarness.start(config(azure.baseUrl()), Map.of("AZ", KEY))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/completions",
          "{\"model\":\"gpt-4o\",\"prompt\":\"hi\",\"max_tokens\":3}");
      assertThat(azure.seen).hasSize(1);
      assertThat(azure.seen.get(0).path()).isEqualTo("/openai/deployments/prod-gpt4o/completions");
      assertThat(r.statusCode()).isEqualTo(404); // the imitation serves chat and embeddings only
      assertThat(openAiError(r).path("message").asText()).isEqualTo("Resource not found");
    }
  }

  private static JsonNode openAiError(HttpResponse<String> r) throws Exception {
    JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(error.has("message") && error.has("type") && error.has("param") && error.has("code")).as(r.body())
        .isTrue();
    return error;
  }

  private static List<Row> flushed(GatewayHarness gw, int expected) throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      gw.runtime().usage().flush();
      return Metering.records(gw.runtime().database().dataSource()).size() >= expected;
    });
    return Metering.records(gw.runtime().database().dataSource());
  }
}
