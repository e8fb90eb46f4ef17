package dev.sluice.operator.assembly;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Optional;

/** The tail of a pod's downloader log; an interface so that status tests need no log endpoint. */
@FunctionalInterface
public interface DownloadLogs {
  /** Empty when there is no log to read (yet), or it cannot be read. */
  Optional<String> tail(Pod pod);
}
