package dev.sluice.operator.render;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rendered gateway configuration and what was left out of it.
 *
 * @param yaml the whole sluice.yaml; empty when nothing valid could be rendered (see {@code fatal})
 * @param included the resources whose entries are in it
 * @param rejected resources left out, each with the reason (shown in its status)
 * @param fatal why no configuration could be rendered at all (a broken base, no model anywhere)
 */
public record RenderResult(Optional<String> yaml, Set<ResourceRef> included, Map<ResourceRef, String> rejected,
    Optional<String> fatal) {
  public RenderResult {
    included = Set.copyOf(included);
    rejected = Map.copyOf(rejected);
  }
}
