package dev.sluice.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Human units in the config file: durations like {@code 600s}, {@code 1.5m}, {@code 250ms}; sizes like {@code 16MiB}. */
public final class Units {
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(us|ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(b|kb|kib|mb|mib|gb|gib)?");

  private Units() {
  }

  public static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("expected a duration such as 250ms, 30s, 5m or 1h, got '" + text.trim() + "'");
    }
    double amount = Double.parseDouble(m.group(1));
    double nanosPerUnit = switch (m.group(2)) {
      case "us" -> 1e3;
      case "ms" -> 1e6;
      case "s" -> 1e9;
      case "m" -> 60e9;
      case "h" -> 3600e9;
      default -> 86400e9;
    };
    return Duration.ofNanos(Math.round(amount * nanosPerUnit));
  }

  public static long parseSize(String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("expected a size such as 512KiB or 16MiB, got '" + text.trim() + "'");
    }
    double amount = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    long multiplier = switch (unit) {
      case "kb" -> 1000L;
      case "kib" -> 1024L;
      case "mb" -> 1000L * 1000;
      case "mib" -> 1024L * 1024;
      case "gb" -> 1000L * 1000 * 1000;
      case "gib" -> 1024L * 1024 * 1024;
      default -> 1L;
    };
    return Math.round(amount * multiplier);
  }
}
