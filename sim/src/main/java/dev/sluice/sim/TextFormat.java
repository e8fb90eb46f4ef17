package dev.sluice.sim;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Bodies of /v1/chat/completions and /v1/completions, in vLLM's shapes. The two differ only in
 * object names and where the text goes ({@code message}/{@code delta} vs {@code text}), so one
 * class with a flag. The invariant part of every chunk is rendered once per stream.
 *
 * <p>A chat answer may be tool calls instead of text ({@link Shape#calls}): the planned output is
 * then the calls' arguments one after the other, streamed as {@code tool_calls} argument
 * fragments as vLLM streams them (the first fragment of each call carries its id and name). With
 * {@code n} choices, each token step renders one event per choice; choices other than the first
 * draw their own tokens from {@link Shape#others}. With logprobs, each token carries a
 * deterministic log probability (and the top alternatives asked for).
 */
final class TextFormat implements ResponseFormat {

  static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  /** One planned tool call: its arguments are the next {@code argumentChars} characters of output. */
  record Call(String id, String name, int argumentChars) {
  }

  /**
   * What a response holds besides one choice of text.
   *
   * @param calls tool calls (chat), or empty for a text answer
   * @param others the outputs of choices 1..n-1 (same length as the first)
   * @param logprobs -1 for none, else how many top alternatives each token lists
   */
  record Shape(List<Call> calls, List<Generator.Output> others, int logprobs) {
    static final Shape PLAIN = new Shape(List.of(), List.of(), -1);
  }

  private final boolean chat;
  private final boolean includeUsage;
  private final Shape shape;
  /** {@code {"id":..,"object":..,"created":..,"model":..,} } up to and including the comma. */
  private final String head;
  private final String chunkHead;
  /** Characters of output streamed so far (of the first choice; the others' calls are alike). */
  private int streamedChars;

  TextFormat(boolean chat, String id, long created, String model, boolean includeUsage) {
    this(chat, id, created, model, includeUsage, Shape.PLAIN);
  }

  TextFormat(boolean chat, String id, long created, String model, boolean includeUsage, Shape shape) {
    this.chat = chat;
    this.includeUsage = includeUsage;
    this.shape = shape;
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

  private int choices() {
    return 1 + shape.others().size();
  }

  @Override
  public Buffer full(Generator.Output out, int promptTokens, int cachedTokens) {
    StringBuilder sb = new StringBuilder(head.length() + 256);
    sb.append(head).append("\"choices\":[");
    int produced = 0;
    for (int c = 0; c < choices(); c++) {
      Generator.Output o = c == 0 ? out : shape.others().get(c - 1);
      StringBuilder text = new StringBuilder(o.count() * 7);
      List<String> tokens = new ArrayList<>(o.count());
      while (o.hasNext()) {
        String token = o.next();
        tokens.add(token);
        text.append(token);
      }
      produced += o.produced();
      sb.append(c == 0 ? "" : ",").append("{\"index\":").append(c).append(',');
      if (chat && !shape.calls().isEmpty()) {
        sb.append("\"message\":{\"role\":\"assistant\",\"content\":null,\"refusal\":null,\"tool_calls\":[");
        int at = 0;
        for (int i = 0; i < shape.calls().size() && at <= text.length(); i++) {
          Call call = shape.calls().get(i);
          int end = Math.min(text.length(), at + call.argumentChars());
          sb.append(i == 0 ? "" : ",").append("{\"id\":\"").append(call.id())
              .append("\",\"type\":\"function\",\"function\":{\"name\":");
          Json.quote(sb, call.name()).append(",\"arguments\":");
          Json.quote(sb, text.substring(at, end)).append("}}");
          at = end;
          if (end == text.length()) {
            break;
          }
        }
        sb.append("]},");
      } else if (chat) {
        sb.append("\"message\":{\"role\":\"assistant\",\"content\":");
        Json.quote(sb, text.toString()).append(",\"refusal\":null,\"tool_calls\":[]},");
      } else {
        sb.append("\"text\":");
        Json.quote(sb, text.toString()).append(',');
      }
      sb.append("\"logprobs\":");
      logprobs(sb, shape.logprobs() >= 0 ? tokens : null, 0);
      sb.append(",\"finish_reason\":\"").append(finishReason(o.finishReason()))
          .append("\",\"stop_reason\":null}");
    }
    sb.append("],");
    usage(sb, promptTokens, produced, cachedTokens).append('}');
    return Json.buffer(sb);
  }

  @Override
  public Buffer streamStart() {
    if (!chat) {
      return null;
    }
    StringBuilder sb = new StringBuilder(chunkHead.length() + 160);
    for (int c = 0; c < choices(); c++) {
      sb.append(chunkHead).append("\"choices\":[{\"index\":").append(c).append(',')
          .append("\"delta\":{\"role\":\"assistant\",\"content\":\"\"},")
          .append("\"logprobs\":null,\"finish_reason\":null}]");
      end(sb);
    }
    return Json.buffer(sb);
  }

  @Override
  public Buffer streamToken(String text, String finishReason) {
    int at = streamedChars;
    streamedChars += text.length();
    StringBuilder sb = new StringBuilder(chunkHead.length() + text.length() + 128);
    token(sb, 0, text, at, finishReason);
    for (int c = 1; c < choices(); c++) {
      Generator.Output o = shape.others().get(c - 1);
      String t = o.hasNext() ? o.next() : "";
      token(sb, c, t, at, finishReason == null ? null : o.finishReason());
    }
    return Json.buffer(sb);
  }

  private void token(StringBuilder sb, int choice, String text, int at, String finishReason) {
    sb.append(chunkHead).append("\"choices\":[{\"index\":").append(choice).append(',');
    if (chat && !shape.calls().isEmpty()) {
      sb.append("\"delta\":{\"tool_calls\":[");
      callFragment(sb, at, text);
      sb.append("]},");
    } else if (chat) {
      sb.append("\"delta\":{\"content\":");
      Json.quote(sb, text).append("},");
    } else {
      sb.append("\"text\":");
      Json.quote(sb, text).append(',');
    }
    sb.append("\"logprobs\":");
    logprobs(sb, shape.logprobs() >= 0 && !text.isEmpty() ? List.of(text) : null, at);
    sb.append(",\"finish_reason\":");
    if (finishReason == null) {
      sb.append("null");
    } else {
      sb.append('"').append(finishReason(finishReason)).append('"');
    }
    sb.append(",\"stop_reason\":null}]");
    end(sb);
  }

  /** The tool-call delta for output characters {@code [at, at + text.length())}; a call's first carries id and name. */
  private void callFragment(StringBuilder sb, int at, String text) {
    int start = 0;
    for (int i = 0; i < shape.calls().size(); i++) {
      Call call = shape.calls().get(i);
      if (at < start + call.argumentChars() || i == shape.calls().size() - 1) {
        sb.append("{\"index\":").append(i);
        if (at == start) {
          sb.append(",\"id\":\"").append(call.id()).append("\",\"type\":\"function\",\"function\":{\"name\":");
          Json.quote(sb, call.name()).append(",\"arguments\":");
        } else {
          sb.append(",\"function\":{\"arguments\":");
        }
        Json.quote(sb, text).append("}}");
        return;
      }
      start += call.argumentChars();
    }
  }

  /** vLLM's reasons, with "stop" meaning "tool_calls" when the answer is tool calls. */
  private String finishReason(String reason) {
    return chat && !shape.calls().isEmpty() && reason.equals("stop") ? "tool_calls" : reason;
  }

  /**
   * The logprobs of consecutive tokens starting at character {@code offset} of the output, or {@code null}: chat's
   * {@code {"content":[{"token","logprob","bytes","top_logprobs"}]}} or the completions form's parallel arrays.
   * The log probability is a function of the token alone, so the same text always scores the same; the
   * alternatives are placeholders scoring lower.
   */
  private void logprobs(StringBuilder sb, List<String> tokens, int offset) {
    if (tokens == null) {
      sb.append("null");
      return;
    }
    if (chat) {
      sb.append("{\"content\":[");
      for (int t = 0; t < tokens.size(); t++) {
        String token = tokens.get(t);
        sb.append(t == 0 ? "" : ",").append("{\"token\":");
        Json.quote(sb, token).append(",\"logprob\":").append(logprobOf(token)).append(",\"bytes\":[");
        byte[] bytes = token.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
          sb.append(i == 0 ? "" : ",").append(bytes[i] & 0xff);
        }
        sb.append("],\"top_logprobs\":[");
        for (int k = 0; k < shape.logprobs(); k++) {
          sb.append(k == 0 ? "" : ",").append("{\"token\":");
          Json.quote(sb, alternative(token, k)).append(",\"logprob\":").append(logprobOf(token) - k).append('}');
        }
        sb.append("]}");
      }
      sb.append("]}");
      return;
    }
    StringBuilder tokenList = new StringBuilder();
    StringBuilder scores = new StringBuilder();
    StringBuilder tops = new StringBuilder();
    StringBuilder offsets = new StringBuilder();
    for (int t = 0; t < tokens.size(); t++) {
      String token = tokens.get(t);
      String sep = t == 0 ? "" : ",";
      Json.quote(tokenList.append(sep), token);
      scores.append(sep).append(logprobOf(token));
      offsets.append(sep).append(offset);
      offset += token.length();
      tops.append(sep).append('{');
      for (int k = 0; k < shape.logprobs(); k++) {
        Json.quote(tops.append(k == 0 ? "" : ","), alternative(token, k)).append(':').append(logprobOf(token) - k);
      }
      tops.append('}');
    }
    sb.append("{\"tokens\":[").append(tokenList).append("],\"token_logprobs\":[").append(scores)
        .append("],\"top_logprobs\":[").append(tops).append("],\"text_offset\":[").append(offsets).append("]}");
  }

  private static String alternative(String token, int k) {
    return k == 0 ? token : "alt" + k;
  }

  static double logprobOf(String token) {
    return -Math.round((Math.floorMod(token.hashCode(), 2000) + 1) / 2.0) / 1000.0;
  }

  @Override
  public Buffer streamUsage(int promptTokens, int completionTokens, int cachedTokens) {
    if (!includeUsage) {
      return null;
    }
    int total = completionTokens;
    for (Generator.Output o : shape.others()) {
      total += o.produced();
    }
    StringBuilder sb = new StringBuilder(chunkHead.length() + 128);
    sb.append(chunkHead).append("\"choices\":[],");
    usage(sb, promptTokens, total, cachedTokens).append("}\n\n");
    return Json.buffer(sb);
  }

  /** Closes a chunk; with include_usage every chunk but the last carries "usage":null, as in vLLM. */
  private void end(StringBuilder sb) {
    if (includeUsage) {
      sb.append(",\"usage\":null");
    }
    sb.append("}\n\n");
  }

  /** vLLM's usage object, as it writes it with {@code --enable-prompt-tokens-details}. */
  static StringBuilder usage(StringBuilder sb, int prompt, int completion, int cached) {
    return sb.append("\"usage\":{\"prompt_tokens\":").append(prompt)
        .append(",\"total_tokens\":").append(prompt + completion)
        .append(",\"completion_tokens\":").append(completion)
        .append(",\"prompt_tokens_details\":{\"cached_tokens\":").append(cached).append("}}");
  }
}
