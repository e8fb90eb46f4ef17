package dev.sluice.route;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The models clients can name, by name. Built once at start-up; read by every request. */
public final class ModelCatalog {
  private final Map<String, ModelPool> pools = new LinkedHashMap<>();

  public ModelCatalog(List<ModelPool> pools) {
    for (ModelPool pool : pools) {
      this.pools.put(pool.name(), pool);
    }
  }

  /** @return the pool, or {@code null} when no model has this name */
  public ModelPool pool(String model) {
    return pools.get(model);
  }

  public List<ModelPool> all() {
    return List.copyOf(pools.values());
  }
}
