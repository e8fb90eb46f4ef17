package dev.sluice.route.kvevents.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template, rendered as transformers renders it for vLLM: Jinja with {@code trim_blocks} and
 * {@code lstrip_blocks}, loop controls, {@code raise_exception}, {@code strftime_now}, transformers' {@code tojson}
 * (Python's {@code json.dumps}, non-ASCII kept), the tokenizer's special tokens ({@code bos_token}, ...) and
 * {@code messages}, {@code tools}, {@code add_generation_prompt}. Jinjava runs the template; what Jinja does
 * differently for the Python-isms templates use (string and dict methods, {@code is iterable} of a string) is
 * put back here ({@link PythonMethods}, the filters and tests registered below). Thread-safe.
 */
public final class ChatTemplate {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> SPECIAL = List.of("bos_token", "eos_token", "unk_token", "sep_token",
      "pad_token", "cls_token", "mask_token");
  /** vLLM's "openai" content format: the template loops over a message's content parts. */
  private static final Pattern LOOPS_OVER_CONTENT = Pattern.compile(
      "for\\s+\\w+\\s+in\\s+\\w+\\s*(\\.\\s*content\\b|\\[\\s*['\"]content['\"]\\s*\\])");

  /**
   * {@code not x is defined} is {@code not (x is defined)} in Jinja, but {@code (not x) is defined} in Jinjava; the
   * test is put in parentheses (tests without arguments, which is how templates use them).
   */
  private static final Pattern NOT_IS = Pattern.compile(
      "\\bnot\\s+([A-Za-z_]\\w*(?:\\.[A-Za-z_]\\w*|\\[[^\\[\\]]*\\])*)\\s+is\\s+(not\\s+)?([A-Za-z_]\\w*)\\b");

  private final String source;
  private final String origin;
  private final Map<String, Object> specialTokens;
  private final boolean openAiContent;
  private final Jinjava jinjava;

  ChatTemplate(String source, String origin, Map<String, Object> specialTokens) {
    // Jinja's lexer reads every newline as \n (keep_trailing_newline=False drops one at the end, below).
    String text = source.replace("\r\n", "\n").replace('\r', '\n');
    text = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    this.source = NOT_IS.matcher(text).replaceAll("not ($1 is $2$3)");
    this.origin = origin;
    this.specialTokens = Map.copyOf(specialTokens);
    this.openAiContent = LOOPS_OVER_CONTENT.matcher(this.source).find();
    this.jinjava = jinjava();
  }

  /**
   * The chat template that goes with a {@code tokenizer.json}, found as transformers finds it: {@code explicit}
   * (like vLLM's {@code --chat-template}) when given, else {@code chat_template.jinja} beside it, else
   * {@code tokenizer_config.json}'s {@code chat_template} (a string, or named templates of which "default").
   *
   * @return null when there is none
   * @throws IOException when a file that exists cannot be read or parsed
   */
  public static ChatTemplate beside(Path tokenizerJson, Path explicit) throws IOException {
    Path dir = tokenizerJson.toAbsolutePath().getParent();
    Path config = dir.resolve("tokenizer_config.json");
    JsonNode tc = Files.isRegularFile(config) ? JSON.readTree(config.toFile()) : JSON.createObjectNode();
    Map<String, Object> special = specialTokens(tc);
    if (explicit != null) {
      return new ChatTemplate(Files.readString(explicit), explicit.toString(), special);
    }
    Path jinja = dir.resolve("chat_template.jinja");
    if (Files.isRegularFile(jinja)) {
      return new ChatTemplate(Files.readString(jinja), jinja.toString(), special);
    }
    JsonNode t = tc.path("chat_template");
    if (t.isTextual()) {
      return new ChatTemplate(t.asText(), config.toString(), special);
    }
    if (t.isArray()) {
      for (JsonNode named : t) {
        if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
          return new ChatTemplate(named.path("template").asText(), config + "#default", special);
        }
      }
    }
    return null;
  }

  /** For tests and tools: a template given as text. */
  public static ChatTemplate of(String source, Map<String, Object> specialTokens) {
    return new ChatTemplate(source, "(text)", specialTokens);
  }

  private static Map<String, Object> specialTokens(JsonNode tc) {
    Map<String, Object> tokens = new HashMap<>();
    for (String name : SPECIAL) {
      JsonNode v = tc.path(name);
      String text = v.isTextual() ? v.asText() : v.path("content").isTextual() ? v.path("content").asText() : null;
      if (text != null) {
        tokens.put(name, text);
      }
    }
    JsonNode extra = tc.path("additional_special_tokens");
    if (extra.isArray()) {
      List<Object> list = new ArrayList<>();
      extra.forEach(v -> list.add(v.isTextual() ? v.asText() : v.path("content").asText()));
      tokens.put("additional_special_tokens", list);
    }
    return tokens;
  }

  /** Where the template came from (for logs). */
  public String origin() {
    return origin;
  }

  /** Whether vLLM would hand this template content as a list of parts ("openai" format) rather than a string. */
  public boolean openAiContent() {
    return openAiContent;
  }

  /**
   * @param messages the conversation as the engine hands it to the template ({@link ChatMessages})
   * @param tools the request's tools as the engine hands them, or null
   * @param extra the request's {@code chat_template_kwargs}
   * @throws RenderException when the template raises or fails
   */
  public String render(List<Object> messages, List<Object> tools, boolean addGenerationPrompt,
      Map<String, Object> extra) {
    Map<String, Object> vars = new LinkedHashMap<>(specialTokens);
    vars.put("messages", messages);
    vars.put("tools", tools);
    vars.put("add_generation_prompt", addGenerationPrompt);
    if (extra != null) {
      vars.putAll(extra);
    }
    RenderResult result;
    try {
      result = jinjava.renderForResult(source, vars);
    } catch (RuntimeException e) {
      throw new RenderException(e.getMessage(), e);
    }
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new RenderException(raised(error.getException(), error.getMessage()), null);
      }
    }
    return result.getOutput();
  }

  /** The message the template raised with, else Jinjava's. */
  private static String raised(Throwable t, String otherwise) {
    for (int depth = 0; t != null && depth < 10; t = t.getCause(), depth++) {
      if (t instanceof RenderException) {
        return t.getMessage();
      }
    }
    return otherwise;
  }

  /** The template raised ({@code raise_exception}) or could not be rendered for this conversation. */
  public static final class RenderException extends RuntimeException {
    RenderException(String message, Throwable cause) {
      super(message, cause, false, false);
    }
  }

  private static Jinjava jinjava() {
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonMethods());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    JinjavaConfig config = JinjavaConfig.newBuilder()
        .withTrimBlocks(true)
        .withLstripBlocks(true)
        .withKeepTrailingNewline(true)
        .withLegacyOverrides(LegacyOverrides.newBuilder()
            .withEvaluateMapKeys(true)
            .withIterateOverMapKeys(true)
            .withUseNaturalOperatorPrecedence(true)
            .withUseTrimmingForNotesAndExpressions(true)
            .withKeepNullableLoopValues(true)
            .withHandleBackslashInQuotesOnly(true)
            .withDefaultKeepTrailingNewlineBehavior(false)
            .build())
        .withElResolver(resolver)
        .withFailOnUnknownTokens(false)
        .build();
    Jinjava j = new Jinjava(config);
    j.getGlobalContext().registerFilter(new ToJson());
    j.getGlobalContext().registerExpTest(new Iterable());
    j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
        "raiseException", String.class));
    j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", ChatTemplate.class,
        "strftimeNow", String.class));
    return j;
  }

  /** {@code raise_exception(message)}: the template refuses the conversation. */
  public static Object raiseException(String message) {
    throw new RenderException(message, null);
  }

  /** {@code strftime_now(format)}: the local time now, formatted as Python's {@code strftime}. */
  public static String strftimeNow(String format) {
    return StrftimeFormatter.format(ZonedDateTime.now(), format);
  }

  /** transformers' {@code tojson}: {@code json.dumps(x, ensure_ascii=False, indent=indent)}. */
  private static final class ToJson implements Filter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      return PyJson.dumps(var, args.length > 0 && args[0] != null ? Integer.valueOf(args[0]) : null);
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : (args.length > 0 ? args[0] : null);
      return PyJson.dumps(var, indent == null ? null : ((Number) indent).intValue());
    }
  }

  /** Jinja's {@code iterable}: strings and mappings are iterable in Python (Llama 3.1's template relies on it). */
  private static final class Iterable implements ExpTest {
    @Override
    public String getName() {
      return "iterable";
    }

    @Override
    public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
      return var instanceof CharSequence || var instanceof java.lang.Iterable<?> || var instanceof Map<?, ?>
          || (var != null && var.getClass().isArray());
    }
  }
}
