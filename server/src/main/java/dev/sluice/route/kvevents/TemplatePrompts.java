package dev.sluice.route.kvevents;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.kvevents.chat.ChatMessages;
import dev.sluice.route.kvevents.chat.ChatMessages.Conversation;
import dev.sluice.route.kvevents.chat.ChatMessages.Unhashable;
import dev.sluice.route.kvevents.chat.ChatTemplate;
import dev.sluice.route.kvevents.chat.EngineTokenizer;
import dev.sluice.sim.VllmBlockHash;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A prompt's blocks as a vLLM engine names them, for a model whose {@code tokenizer.json} and chat template the
 * gateway has (ADR 112): a chat request rendered by the template ({@link ChatTemplate}, the conversation as vLLM
 * hands it over, {@link ChatMessages}) and tokenized without special tokens; a completions prompt tokenized with
 * them, or taken as given when it is token ids; then vLLM's hash chain, salted with the request's
 * {@code cache_salt} as the engine salts it (ADR 113). A request the engine would name in a way
 * this does not reproduce gives null (the learned index scores it), counted by reason: {@code media} (images,
 * audio), {@code unsupported} (request options that change the rendering: {@code continue_final_message}, a
 * request's own template), {@code operation} (Anthropic Messages, Responses), {@code render} (the template
 * raised or failed).
 */
public final class TemplatePrompts implements Function<RouteRequest, VllmBlockHash.Chain> {
  private final ChatTemplate template;
  private final EngineTokenizer tokenizer;
  private final VllmBlockHash hash;
  private final int blockSize;
  private volatile Consumer<String> unhashed = reason -> { };

  public TemplatePrompts(ChatTemplate template, EngineTokenizer tokenizer, int blockSize, String hashSeed) {
    this.template = template;
    this.tokenizer = tokenizer;
    this.hash = new VllmBlockHash(hashSeed);
    this.blockSize = blockSize;
  }

  /** Where a request that could not be hashed is counted (its reason); by default nowhere. */
  public void countUnhashed(Consumer<String> counter) {
    this.unhashed = counter;
  }

  /** @return null when the engine's blocks cannot be named for this request */
  @Override
  public VllmBlockHash.Chain apply(RouteRequest request) {
    try {
      return hash.chain(ids(request), blockSize, request.cacheSalt());
    } catch (Unhashable e) {
      unhashed.accept(e.reason());
    } catch (RuntimeException e) {
      // The template raised or failed on this conversation (or the tokenizer did): never the request's failure.
      unhashed.accept("render");
    }
    return null;
  }

  /** The token ids the engine computes for the request's prompt. */
  public int[] ids(RouteRequest request) throws Unhashable {
    JsonNode body = request.body();
    if (body == null) {
      return tokenizer.ids(request.prompt(), true);
    }
    return switch (request.operation()) {
      case CHAT -> {
        Conversation c = ChatMessages.of(body, template.openAiContent());
        String text = template.render(c.messages(), c.tools(), c.addGenerationPrompt(), c.kwargs());
        yield tokenizer.ids(text, c.addSpecialTokens());
      }
      case COMPLETIONS -> completion(body);
      default -> throw new Unhashable("operation");
    };
  }

  /** vLLM's completions: a string tokenized with special tokens (unless the request says not), or token ids. */
  private int[] completion(JsonNode body) throws Unhashable {
    JsonNode prompt = body.path("prompt");
    if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
      prompt = prompt.get(0);
    }
    if (prompt.isTextual()) {
      return tokenizer.ids(prompt.asText(), body.path("add_special_tokens").asBoolean(true));
    }
    if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isIntegralNumber()) {
      int[] ids = new int[prompt.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = prompt.get(i).asInt();
      }
      return ids;
    }
    throw new Unhashable("unsupported");
  }
}
