package dev.sluice.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * How admission bounds a model's prompt tokens ({@code models[].tokenizer} and {@code models[].imageTokens}; ADR
 * 033). The tokenizer file is only located here, when the gateway starts ({@link #locate}), never while the file
 * is read: a configuration can be validated (e.g. by the operator) where the tokenizer does not live.
 *
 * @param kind where the counter comes from
 * @param source the value as written ({@code ""} when absent)
 * @param file for {@link Kind#FILE}: the path, resolved against the configuration file's directory
 * @param where the file, line and key, so a tokenizer missing at start is reported like any configuration error
 * @param chatTemplate {@code models[].chatTemplate}: the Jinja chat template the engine renders with (vLLM's
 *     {@code --chat-template}), resolved against the configuration file's directory; when absent, the one beside
 *     the tokenizer file (ADR 112)
 * @param chatTemplateWhere the file, line and key of {@code chatTemplate}
 * @param imageTokens the bound charged per image (a model's vision encoder turns an image into at most this many
 *     tokens), instead of the bytes of its URL or data
 */
public record TokenizerConfig(Kind kind, String source, Optional<Path> file, String where, int imageTokens,
    Optional<Path> chatTemplate, String chatTemplateWhere) {

  /** Without {@code chatTemplate}: the template, if any, is found beside the tokenizer file. */
  public TokenizerConfig(Kind kind, String source, Optional<Path> file, String where, int imageTokens) {
    this(kind, source, file, where, imageTokens, Optional.empty(), "");
  }

  /** Generous for common vision models (GPT-4o high detail ≤ 1,445, Claude ≤ ~1,600, Llama 3.2 Vision 1,601). */
  public static final int DEFAULT_IMAGE_TOKENS = 2048;

  public enum Kind {
    /** Not configured: the simulator's tokenizer for {@code upstream.simulator} models, else the byte bound. */
    DEFAULT,
    /** {@code bytes}: the UTF-8 byte bound, which needs no tokenizer. */
    BYTES,
    /** {@code simulator}: the built-in simulator's tokenizer (also for a simulator run as a separate process). */
    SIMULATOR,
    /** A path to a Hugging Face {@code tokenizer.json} (or a directory holding one). */
    FILE,
    /** A Hugging Face repository name ({@code org/name}), looked up in the local Hugging Face cache only. */
    HUB
  }

  public static TokenizerConfig defaults() {
    return new TokenizerConfig(Kind.DEFAULT, "", Optional.empty(), "", DEFAULT_IMAGE_TOKENS);
  }

  /**
   * The {@code tokenizer.json} to load, for {@link Kind#FILE} and {@link Kind#HUB}. A repository is looked up in
   * the local Hugging Face cache only ({@code HF_HUB_CACHE}, else {@code HF_HOME/hub}, else
   * {@code XDG_CACHE_HOME/huggingface/hub}, else {@code ~/.cache/huggingface/hub}): Sluice never downloads one,
   * so an air-gapped gateway behaves like a connected one.
   *
   * @param env environment lookup (System::getenv in production)
   * @throws ConfigException naming the key and what was searched, when there is no readable file
   */
  public Path locate(Function<String, String> env) {
    return switch (kind) {
      case FILE -> readable(file.orElseThrow());
      case HUB -> fromHubCache(env);
      default -> throw new IllegalStateException(kind + " has no tokenizer file");
    };
  }

  private Path readable(Path path) {
    Path json = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
    if (!Files.isRegularFile(json)) {
      throw new ConfigException(where + ": no tokenizer file at " + json.toAbsolutePath());
    }
    if (!Files.isReadable(json)) {
      throw new ConfigException(where + ": cannot read the tokenizer file " + json.toAbsolutePath());
    }
    return json;
  }

  private Path fromHubCache(Function<String, String> env) {
    Path repo = hubCache(env).resolve("models--" + source.replace("/", "--"));
    Path snapshots = repo.resolve("snapshots");
    // refs/main names the snapshot the last download resolved; without it, the newest snapshot with the file.
    List<Path> candidates = new ArrayList<>();
    try {
      String main = Files.readString(repo.resolve("refs").resolve("main")).trim();
      candidates.add(snapshots.resolve(main).resolve("tokenizer.json"));
    } catch (IOException | RuntimeException e) {
      // no refs/main: fall through to the snapshots
    }
    if (Files.isDirectory(snapshots)) {
      try (Stream<Path> dirs = Files.list(snapshots)) {
        dirs.map(d -> d.resolve("tokenizer.json")).filter(Files::isRegularFile)
            .sorted(Comparator.comparing(TokenizerConfig::modified).reversed()).forEach(candidates::add);
      } catch (IOException e) {
        throw new ConfigException(where + ": cannot list " + snapshots + ": " + e.getMessage());
      }
    }
    return candidates.stream().filter(Files::isRegularFile).findFirst().map(this::readable)
        .orElseThrow(() -> new ConfigException(where + ": '" + source + "' has no tokenizer.json in the local "
            + "Hugging Face cache (searched " + snapshots + "/*/tokenizer.json; Sluice never downloads one: run "
            + "`huggingface-cli download " + source + " tokenizer.json` where the gateway's cache is, or give a path)"));
  }

  /** The hub cache directory, by huggingface_hub's own rules. */
  static Path hubCache(Function<String, String> env) {
    String hubCache = env.apply("HF_HUB_CACHE");
    if (hubCache != null && !hubCache.isBlank()) {
      return Path.of(hubCache);
    }
    String home = env.apply("HF_HOME");
    if (home != null && !home.isBlank()) {
      return Path.of(home, "hub");
    }
    String xdg = env.apply("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "huggingface", "hub");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
  }

  private static long modified(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }
}
