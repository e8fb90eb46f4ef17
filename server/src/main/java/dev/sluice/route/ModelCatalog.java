package dev.sluice.route;

import dev.sluice.config.DataClassConfig;
import dev.sluice.front.ApiException;
import io.vertx.core.MultiMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The models clients can name, by name. Built once at start-up; read by every request. */
public final class ModelCatalog {
  private final Map<String, ModelPool> pools = new LinkedHashMap<>();
  private final DataClassPolicy dataClasses;

  public ModelCatalog(List<ModelPool> pools) {
    this(pools, DataClassConfig.defaults());
  }

  public ModelCatalog(List<ModelPool> pools, DataClassConfig dataClasses) {
    for (ModelPool pool : pools) {
      this.pools.put(pool.name(), pool);
    }
    this.dataClasses = new DataClassPolicy(dataClasses);
  }

  /** @return the pool, or {@code null} when no model has this name */
  public ModelPool pool(String model) {
    return pools.get(model);
  }

  public List<ModelPool> all() {
    return List.copyOf(pools.values());
  }

  /** The pools that may serve a request to {@code pool}, fallbacks included (see {@link DataClassPolicy}). */
  public List<ModelPool> chain(ModelPool pool, MultiMap headers) throws ApiException {
    return dataClasses.chain(pool, this, headers);
  }
}
