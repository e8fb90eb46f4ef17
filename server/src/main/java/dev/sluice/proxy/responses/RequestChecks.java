package dev.sluice.proxy.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import java.util.Iterator;
import java.util.Set;

/**
 * What a {@code POST /v1/responses} may ask for: types checked, and what Sluice cannot serve refused with a 400 naming
 * the parameter (the table in docs/responses-api.md), before anything is read from the store or reserved.
 */
public final class RequestChecks {
  /** Parameters Sluice reads and translates, or keeps for itself (store, previous_response_id, metadata). */
  private static final Set<String> KNOWN = Set.of("model", "input", "instructions", "max_output_tokens", "temperature",
      "top_p", "tools", "tool_choice", "parallel_tool_calls", "text", "reasoning", "user", "safety_identifier",
      "metadata", "store", "stream", "stream_options", "previous_response_id", "include", "truncation", "background",
      "service_tier", "prompt_cache_key", "conversation", "prompt", "top_logprobs", "max_tool_calls");

  private RequestChecks() {
  }

  /**
   * An error about the chat translation (admission bounds its {@code max_tokens}), told in the parameter names
   * the Responses client used.
   */
  public static ApiError inClientTerms(ApiError error) {
    if (!"max_tokens".equals(error.param())) {
      return error;
    }
    return new ApiError(error.status(), error.type(), error.code(), "max_output_tokens",
        error.message().replace("max_tokens", "max_output_tokens"));
  }

  /**
   * Refuses what cannot be served, before anything is looked up or reserved.
   *
   * @param translated the request will be translated to chat completions; otherwise it goes to an upstream that
   *     speaks the Responses API, which is left to judge what it serves (only what would move the conversation's
   *     state out of Sluice, {@code background} and {@code conversation}, is refused)
   */
  public static void check(ObjectNode body, boolean translated) throws ApiException {
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (translated && !KNOWN.contains(field)) {
        throw ResponsesRequests.bad("unknown_parameter", field, "Unrecognized request argument supplied: " + field);
      }
    }
    JsonNode input = body.get("input");
    if (input == null || input.isNull() || !(input.isTextual() || input.isArray())) {
      throw ResponsesRequests.bad("missing_required_parameter", "input", "'input' must be a string or an array of input items.");
    }
    optionalText(body, "instructions");
    optionalText(body, "previous_response_id");
    optionalText(body, "user");
    optionalText(body, "safety_identifier");
    optionalText(body, "prompt_cache_key");
    JsonNode max = body.get("max_output_tokens");
    if (ResponsesRequests.present(max) && (!max.isIntegralNumber() || !max.canConvertToInt() || max.asInt() < 1)) {
      throw ResponsesRequests.bad("invalid_value", "max_output_tokens", "'max_output_tokens' must be a whole number from 1 to "
          + Integer.MAX_VALUE + ".");
    }
    for (String number : new String[] {"temperature", "top_p"}) {
      JsonNode v = body.get(number);
      if (ResponsesRequests.present(v) && !v.isNumber()) {
        throw ResponsesRequests.bad("invalid_type", number, "'" + number + "' must be a number.");
      }
    }
    for (String flag : new String[] {"store", "parallel_tool_calls", "background"}) {
      JsonNode v = body.get(flag);
      if (ResponsesRequests.present(v) && !v.isBoolean()) {
        throw ResponsesRequests.bad("invalid_type", flag, "'" + flag + "' must be true or false.");
      }
    }
    JsonNode metadata = body.get("metadata");
    if (ResponsesRequests.present(metadata) && (!metadata.isObject() || metadata.size() > 16)) {
      throw ResponsesRequests.bad("invalid_value", "metadata", "'metadata' must be an object of at most 16 string values.");
    }
    if (ResponsesRequests.present(metadata)) {
      for (JsonNode v : metadata) {
        if (!v.isTextual() || v.asText().length() > 512) {
          throw ResponsesRequests.bad("invalid_value", "metadata", "'metadata' values must be strings of at most 512 characters.");
        }
      }
    }
    if (body.path("background").asBoolean(false)) {
      throw ResponsesRequests.refused("background", "Background responses are not supported: Sluice answers while the client waits.");
    }
    if (ResponsesRequests.present(body.get("conversation"))) {
      throw ResponsesRequests.refused("conversation", "'conversation' is not supported: continue a conversation by "
          + "'previous_response_id'.");
    }
    if (!translated) {
      return;
    }
    for (String unsupported : new String[] {"prompt", "top_logprobs", "max_tool_calls"}) {
      if (ResponsesRequests.present(body.get(unsupported))) {
        throw ResponsesRequests.refused(unsupported, "'" + unsupported + "' is not supported by this gateway's Responses API.");
      }
    }
    JsonNode truncation = body.get("truncation");
    if (ResponsesRequests.present(truncation) && !"disabled".equals(truncation.asText())) {
      throw ResponsesRequests.refused("truncation", "Only truncation 'disabled' is supported: Sluice does not cut conversations to fit "
          + "the model's context.");
    }
    JsonNode include = body.get("include");
    if (ResponsesRequests.present(include) && (!include.isArray() || !include.isEmpty())) {
      throw ResponsesRequests.refused("include", "'include' is not supported: none of its extra outputs can be produced.");
    }
    JsonNode serviceTier = body.get("service_tier");
    if (ResponsesRequests.present(serviceTier) && !Set.of("auto", "default").contains(serviceTier.asText())) {
      throw ResponsesRequests.refused("service_tier", "Only service_tier 'auto' or 'default' is supported.");
    }
    JsonNode text = body.get("text");
    if (ResponsesRequests.present(text) && (!text.isObject() || ResponsesRequests.present(text.get("verbosity")))) {
      throw ResponsesRequests.refused("text", "Only 'text.format' is supported ('text.verbosity' is not).");
    }
    JsonNode reasoning = body.get("reasoning");
    if (ResponsesRequests.present(reasoning) && (!reasoning.isObject() || ResponsesRequests.present(reasoning.get("summary"))
        || ResponsesRequests.present(reasoning.get("generate_summary")))) {
      throw ResponsesRequests.refused("reasoning", "Only 'reasoning.effort' is supported: reasoning summaries cannot be produced.");
    }
  }

  private static void optionalText(ObjectNode body, String field) throws ApiException {
    JsonNode v = body.get(field);
    if (ResponsesRequests.present(v) && !v.isTextual()) {
      throw ResponsesRequests.bad("invalid_type", field, "'" + field + "' must be a string.");
    }
  }
}
