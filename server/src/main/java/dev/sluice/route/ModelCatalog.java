package dev.sluice.route;

import dev.sluice.config.DataClassConfig;
import dev.sluice.front.ApiException;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

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

  /**
   * The same, keeping only the fallbacks the caller may use too, so that a fallback is served under the same
   * access rules as the model asked for.
   */
  public List<ModelPool> chain(ModelPool pool, MultiMap headers, Predicate<ModelPool> mayUse) throws ApiException {
    List<ModelPool> chain = chain(pool, headers);
    if (chain.size() == 1) {
      return chain;
    }
    List<ModelPool> allowed = new ArrayList<>(chain.size());
    allowed.add(pool);
    for (int i = 1; i < chain.size(); i++) {
      if (mayUse.test(chain.get(i))) {
        allowed.add(chain.get(i));
      }
    }
    return allowed;
  }
}
