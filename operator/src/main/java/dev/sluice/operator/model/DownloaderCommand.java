package dev.sluice.operator.model;

import dev.sluice.operator.crd.ModelSource;
import dev.sluice.operator.crd.ModelSource.Source;
import java.util.ArrayList;
import java.util.List;

/**
 * The init container's command line (contract 2) and the directory under {@code /models} the weights land in.
 * One directory per source, uri and revision, so models sharing a cache never overwrite each other and a new
 * revision never serves half of the old one.
 */
public final class DownloaderCommand {
  public static final String MOUNT = "/models";
  public static final String BINARY = "/opt/sluice/bin/sluice";

  private DownloaderCommand() {
  }

  /** The model's directory, relative to {@link #MOUNT}. For source pvc it is the uri itself: the weights are already there. */
  public static String directory(ModelSource model) {
    if (model.source == Source.PVC) {
      String path = model.uri.startsWith("pvc://") ? model.uri.substring("pvc://".length()) : model.uri;
      return path.replaceAll("/+$", "");
    }
    String uri = model.uri.replaceFirst("^[a-z0-9]+://", "");
    String dir = model.source.flag() + "/" + uri.replace("/", "--").replaceAll("[^A-Za-z0-9._-]", "_");
    if (model.revision != null && !model.revision.isBlank()) {
      dir += "@" + model.revision.replaceAll("[^A-Za-z0-9._-]", "_");
    }
    return dir;
  }

  public static String modelPath(ModelSource model) {
    return MOUNT + "/" + directory(model);
  }

  public static List<String> command(ModelSource model) {
    List<String> cmd = new ArrayList<>(List.of(BINARY, "download", "--source", model.source.flag(), "--uri", model.uri));
    if (model.revision != null && !model.revision.isBlank()) {
      cmd.add("--revision");
      cmd.add(model.revision);
    }
    if (model.sha256 != null) {
      for (String sha : model.sha256) {
        cmd.add("--sha256");
        cmd.add(sha);
      }
    }
    if (model.files != null) {
      for (String glob : model.files) {
        cmd.add("--files");
        cmd.add(glob);
      }
    }
    cmd.add("--dest");
    // A pvc source is verified in place: its uri is a path inside --dest (contract 2).
    cmd.add(model.source == Source.PVC ? MOUNT : modelPath(model));
    return cmd;
  }
}
