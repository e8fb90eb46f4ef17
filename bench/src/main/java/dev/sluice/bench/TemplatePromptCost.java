package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.front.Operation;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.kvevents.TemplatePrompts;
import dev.sluice.route.kvevents.chat.ChatMessages;
import dev.sluice.route.kvevents.chat.ChatTemplate;
import dev.sluice.route.kvevents.chat.EngineTokenizer;
import dev.sluice.sim.VllmBlockHash;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What naming a chat prompt's blocks as a vLLM engine does costs (ADR 112), per prompt size: vLLM's message
 * normalization and the chat template (Jinjava), the tokenizer (DJL), and vLLM's hash chain over every block (the
 * worst case: routing hashes only as far as some engine holds the prefix), each the median and p99 of many single
 * runs on one thread. Usage: {@code java -cp 'bench/target/sluice-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*'
 * dev.sluice.bench.TemplatePromptCost dir-with-tokenizer.json-and-chat-template [runs]}.
 */
public final class TemplatePromptCost {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROSE = "The quick brown fox jumps over the lazy dog; naïve café owners said 42 "
      + "times that it is good, and people wonder why. Summarise the plot of Hamlet in three sentences. ";
  private static final int BLOCK = 16;

  private TemplatePromptCost() {
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    System.out.printf("machine: %s%n", MachineInfo.collect());
    ChatTemplate template = ChatTemplate.beside(dir.resolve("tokenizer.json"), null);
    try (EngineTokenizer tokenizer = EngineTokenizer.load(dir.resolve("tokenizer.json"))) {
      TemplatePrompts prompts = new TemplatePrompts(template, tokenizer, BLOCK, "0");
      VllmBlockHash hash = new VllmBlockHash("0");
      System.out.printf("%-10s %8s %-22s %10s %10s%n", "prompt", "tokens", "stage", "median µs", "p99 µs");
      for (int chars : new int[] {200, 4_000, 16_000}) {
        JsonNode body = chat(chars);
        RouteRequest probe = new RouteRequest(Operation.CHAT, body);
        int[] ids = prompts.ids(probe);
        ChatMessages.Conversation conv = ChatMessages.of(body, template.openAiContent());
        String text = template.render(conv.messages(), conv.tools(), conv.addGenerationPrompt(), conv.kwargs());
        String label = chars + " ch";
        time(label, ids.length, "normalize + render", runs, () -> {
          ChatMessages.Conversation c = ChatMessages.of(body, template.openAiContent());
          return template.render(c.messages(), c.tools(), c.addGenerationPrompt(), c.kwargs()).length();
        });
        time(label, ids.length, "tokenize", runs, () -> tokenizer.ids(text, false).length);
        time(label, ids.length, "hash all blocks", runs, () -> {
          VllmBlockHash.Chain chain = hash.chain(ids, BLOCK);
          return chain.blocks() == 0 ? 0 : chain.hash(chain.blocks() - 1);
        });
        time(label, ids.length, "all (first block only)", runs, () -> {
          VllmBlockHash.Chain chain = prompts.apply(new RouteRequest(Operation.CHAT, body));
          return chain.blocks() == 0 ? 0 : chain.hash(0);
        });
      }
    }
  }

  interface Run {
    long run() throws Exception;
  }

  private static void time(String label, int tokens, String stage, int runs, Run run) throws Exception {
    long sink = 0;
    for (int i = 0; i < Math.max(200, runs / 4); i++) {
      sink += run.run();   // warm-up
    }
    long[] nanos = new long[runs];
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      sink += run.run();
      nanos[i] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    System.out.printf("%-10s %8d %-22s %10.1f %10.1f%s%n", label, tokens, stage, nanos[runs / 2] / 1e3,
        nanos[(int) (runs * 0.99)] / 1e3, sink == 42 ? " " : "");
  }

  /** A system prompt and a user turn of about {@code chars} characters. */
  static JsonNode chat(int chars) throws Exception {
    StringBuilder text = new StringBuilder(chars);
    while (text.length() + PROSE.length() < chars) {
      text.append(PROSE);
    }
    return JSON.readTree("{\"model\":\"m\",\"max_tokens\":256,\"messages\":[{\"role\":\"system\",\"content\":"
        + "\"You are a helpful assistant.\"},{\"role\":\"user\",\"content\":" + JSON.writeValueAsString(text.toString())
        + "}]}");
  }
}
