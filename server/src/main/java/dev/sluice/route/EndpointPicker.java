package dev.sluice.route;

import java.util.List;
import java.util.Set;

/** Chooses the endpoint of a pool that serves the next attempt of a request. */
public interface EndpointPicker {

  /**
   * @param exclude endpoints this request already failed on
   * @return the chosen endpoint, or {@code null} when every candidate is excluded
   */
  Endpoint pick(List<Endpoint> candidates, Set<Endpoint> exclude);
}
