package dev.sluice.operator.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.operator.crd.LLMModelStatus.Download;
import java.io.IOException;
import java.util.Optional;

/** The downloader's machine line (contract 2): {@code sluice-download progress {json}}; the last one in a log wins. */
public final class DownloadProgressLine {
  public static final String PREFIX = "sluice-download progress ";
  private static final ObjectMapper JSON = new ObjectMapper();

  private DownloadProgressLine() {
  }

  public static Optional<Download> lastIn(String log) {
    if (log == null) {
      return Optional.empty();
    }
    String[] lines = log.split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      int at = lines[i].indexOf(PREFIX);
      if (at < 0) {
        continue;
      }
      try {
        JsonNode n = JSON.readTree(lines[i].substring(at + PREFIX.length()).trim());
        if (n == null || !n.isObject()) {
          continue;
        }
        Long bytes = n.hasNonNull("bytes") ? n.get("bytes").asLong() : null;
        Long total = n.hasNonNull("totalBytes") ? n.get("totalBytes").asLong() : null;
        Double percent = n.hasNonNull("percent") ? n.get("percent").asDouble() : null;
        return Optional.of(new Download(bytes, total, percent));
      } catch (IOException e) {
        // A line cut off by the tail or mixed with another write: look at the one before.
      }
    }
    return Optional.empty();
  }
}
