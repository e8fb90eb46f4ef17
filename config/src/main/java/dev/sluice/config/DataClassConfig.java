package dev.sluice.config;

import java.util.Locale;
import java.util.Set;

/**
 * The data-classification rule: requests whose {@code header} names a sensitive class may only be served by
 * {@code tier: local} models.
 *
 * @param header the request header carrying the class (matched case-insensitively, as HTTP headers are)
 * @param sensitive the classes that must stay local, lower case
 */
public record DataClassConfig(String header, Set<String> sensitive) {
  public DataClassConfig {
    sensitive = Set.copyOf(sensitive.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList());
  }

  public static DataClassConfig defaults() {
    return new DataClassConfig("X-Sluice-Data-Class", Set.of("pii", "phi"));
  }
}
