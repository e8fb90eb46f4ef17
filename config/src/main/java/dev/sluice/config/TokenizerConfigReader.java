package dev.sluice.config;

import dev.sluice.config.TokenizerConfig.Kind;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** A model's {@code tokenizer}, {@code imageTokens} and {@code chatTemplate} keys. Kept apart from {@link ConfigLoader}, one idea each. */
final class TokenizerConfigReader {
  static final Set<String> MODEL_KEYS = Set.of("tokenizer", "imageTokens", "chatTemplate");
  /** Exactly {@code org/name}: anything else (./x, /x, a/b/c, x.json) is a path. */
  private static final Pattern REPO = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");

  private TokenizerConfigReader() {
  }

  /**
   * @param model the model's fields; the keys of {@link #MODEL_KEYS} are read, the others ignored
   * @param baseDir the configuration file's directory, against which relative paths resolve
   */
  static TokenizerConfig read(Map<String, YamlNode> model, Path baseDir) {
    TokenizerConfig t = tokenizer(model, baseDir);
    YamlNode template = model.get("chatTemplate");
    if (template == null) {
      return t;
    }
    if (t.kind() != Kind.FILE && t.kind() != Kind.HUB) {
      throw template.error("chatTemplate needs the model's tokenizer.json (tokenizer: a path or org/name)");
    }
    String value = template.nonBlank();
    try {
      String expanded = value.startsWith("~/") ? System.getProperty("user.home") + value.substring(1) : value;
      return new TokenizerConfig(t.kind(), t.source(), t.file(), t.where(), t.imageTokens(),
          Optional.of(baseDir.resolve(expanded).normalize()), template.where());
    } catch (InvalidPathException e) {
      throw template.error("expected a path to a Jinja chat template, got '" + value + "'");
    }
  }

  private static TokenizerConfig tokenizer(Map<String, YamlNode> model, Path baseDir) {
    TokenizerConfig d = TokenizerConfig.defaults();
    int imageTokens = model.containsKey("imageTokens")
        ? model.get("imageTokens").integer(0, 1_000_000) : d.imageTokens();
    YamlNode node = model.get("tokenizer");
    if (node == null) {
      return new TokenizerConfig(Kind.DEFAULT, "", Optional.empty(), "", imageTokens);
    }
    String value = node.nonBlank();
    String where = node.where();
    if (value.equals("bytes") || value.equals("simulator")) {
      return new TokenizerConfig(value.equals("bytes") ? Kind.BYTES : Kind.SIMULATOR, value, Optional.empty(), where,
          imageTokens);
    }
    if (REPO.matcher(value).matches() && !value.endsWith(".json")) {
      return new TokenizerConfig(Kind.HUB, value, Optional.empty(), where, imageTokens);
    }
    try {
      String expanded = value.startsWith("~/") ? System.getProperty("user.home") + value.substring(1) : value;
      return new TokenizerConfig(Kind.FILE, value, Optional.of(baseDir.resolve(expanded).normalize()), where,
          imageTokens);
    } catch (InvalidPathException e) {
      throw node.error("expected bytes, simulator, a path to a tokenizer.json or a Hugging Face repository name "
          + "(org/name), got '" + value + "'");
    }
  }

  /** The directory of the configuration file named {@code fileName}, or the working directory. */
  static Path baseDir(String fileName) {
    try {
      Path parent = Path.of(fileName).toAbsolutePath().getParent();
      return parent != null ? parent : Path.of("").toAbsolutePath();
    } catch (InvalidPathException e) {
      return Path.of("").toAbsolutePath();
    }
  }
}
