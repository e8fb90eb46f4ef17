package dev.sluice.sim;

import io.vertx.core.buffer.Buffer;

/**
 * Bodies of /v1/chat/completions and /v1/completions, in vLLM's shapes. The two differ only in
 * object names and where the text goes ({@code message}/{@code delta} vs {@code text}), so one
 * class with a flag. The invariant part of every chunk is rendered once per stream.
 */
final class TextFormat implements ResponseFormat {

  static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  private final boolean chat;
  private final boolean includeUsage;
  /** {@code {"id":..,"object":..,"created":..,"model":..,} } up to and including the comma. */
  private final String head;
  private final String chunkHead;

  TextFormat(boolean chat, String id, long created, String model, boolean includeUsage) {
    this.chat = chat;
    this.includeUsage = includeUsage;
    this.head = head(id, chat ? "chat.completion" : "text_completion", created, model);
    this.chunkHead = "data: " + head(id, chat ? "chat.completion.chunk" : "text_completion",
        created, model);
  }

  private static String head(String id, String object, long created, String model) {
    StringBuilder sb = new StringBuilder(96);
    sb.append("{\"id\":\"").append(id).append("\",\"object\":\"").append(object)
        .append("\",\"created\":").append(created).append(",\"model\":");
    Json.quote(sb, model).append(',');
    return sb.toString();
  }

  @Override
  public Buffer full(Generator.Output out, int promptTokens, int cachedTokens) {
    String text = out.rest();
    StringBuilder sb = new StringBuilder(head.length() + text.length() + 256);
    sb.append(head).append("\"choices\":[{\"index\":0,");
    if (chat) {
      sb.append("\"message\":{\"role\":\"assistant\",\"content\":");
      Json.quote(sb, text).append(",\"refusal\":null,\"tool_calls\":[]},");
    } else {
      sb.append("\"text\":");
      Json.quote(sb, text).append(',');
    }
    sb.append("\"logprobs\":null,\"finish_reason\":\"").append(out.finishReason())
        .append("\",\"stop_reason\":null}],");
    usage(sb, promptTokens, out.produced(), cachedTokens).append('}');
    return Json.buffer(sb);
  }

  @Override
  public Buffer streamStart() {
    if (!chat) {
      return null;
    }
    StringBuilder sb = new StringBuilder(chunkHead.length() + 160);
    sb.append(chunkHead).append("\"choices\":[{\"index\":0,")
        .append("\"delta\":{\"role\":\"assistant\",\"content\":\"\"},")
        .append("\"logprobs\":null,\"finish_reason\":null}]");
    return end(sb);
  }

  @Override
  public Buffer streamToken(String text, String finishReason) {
    StringBuilder sb = new StringBuilder(chunkHead.length() + text.length() + 128);
    sb.append(chunkHead).append("\"choices\":[{\"index\":0,");
    if (chat) {
      sb.append("\"delta\":{\"content\":");
      Json.quote(sb, text).append("},");
    } else {
      sb.append("\"text\":");
      Json.quote(sb, text).append(',');
    }
    sb.append("\"logprobs\":null,\"finish_reason\":");
    if (finishReason == null) {
      sb.append("null");
    } else {
      sb.append('"').append(finishReason).append('"');
    }
    sb.append(",\"stop_reason\":null}]");
    return end(sb);
  }

  @Override
  public Buffer streamUsage(int promptTokens, int completionTokens, int cachedTokens) {
    if (!includeUsage) {
      return null;
    }
    StringBuilder sb = new StringBuilder(chunkHead.length() + 128);
    sb.append(chunkHead).append("\"choices\":[],");
    usage(sb, promptTokens, completionTokens, cachedTokens).append("}\n\n");
    return Json.buffer(sb);
  }

  /** Closes a chunk; with include_usage every chunk but the last carries "usage":null, as in vLLM. */
  private Buffer end(StringBuilder sb) {
    if (includeUsage) {
      sb.append(",\"usage\":null");
    }
    sb.append("}\n\n");
    return Json.buffer(sb);
  }

  /** vLLM's usage object, as it writes it with {@code --enable-prompt-tokens-details}. */
  static StringBuilder usage(StringBuilder sb, int prompt, int completion, int cached) {
    return sb.append("\"usage\":{\"prompt_tokens\":").append(prompt)
        .append(",\"total_tokens\":").append(prompt + completion)
        .append(",\"completion_tokens\":").append(completion)
        .append(",\"prompt_tokens_details\":{\"cached_tokens\":").append(cached).append("}}");
  }
}
