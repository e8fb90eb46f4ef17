package dev.sluice.route;

import dev.sluice.config.DataClassConfig;
import dev.sluice.config.RoutingConfig.Tier;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keeps sensitive data on local models (LLMKube's ModelRouter rule, enforced in the gateway). A request whose
 * data-class header names a sensitive class may only be served by {@code tier: local} models: naming an
 * external model fails closed with 403 before anything is sent, and external fallbacks are left out of its
 * chain. Requests without the header, or with other classes, may go anywhere they are otherwise allowed.
 */
public final class DataClassPolicy {
  private final DataClassConfig config;

  public DataClassPolicy(DataClassConfig config) {
    this.config = config;
  }

  public DataClassConfig config() {
    return config;
  }

  /**
   * The pools that may serve the request, in the order to try them: the model's own pool, then its fallbacks.
   *
   * @throws ApiException 403 when the data is sensitive and the model is external
   */
  public List<ModelPool> chain(ModelPool pool, ModelCatalog catalog, MultiMap headers) throws ApiException {
    String sensitive = sensitiveClass(headers);
    if (sensitive != null && pool.routing().tier() != Tier.LOCAL) {
      throw new ApiException(new ApiError(403, "permission_error", "data_class_forbidden", null,
          "Requests marked " + config.header() + ": " + sensitive + " may only be served by local models; model `"
              + pool.name() + "` is external. Use a local model, or leave the data unmarked only if it is not "
              + sensitive + "."));
    }
    List<String> fallbacks = pool.routing().fallbacks();
    if (fallbacks.isEmpty()) {
      return List.of(pool);
    }
    List<ModelPool> chain = new ArrayList<>(1 + fallbacks.size());
    chain.add(pool);
    for (String name : fallbacks) {
      ModelPool fallback = catalog.pool(name);
      if (fallback != null && (sensitive == null || fallback.routing().tier() == Tier.LOCAL)) {
        chain.add(fallback);
      }
    }
    return chain;
  }

  /** The first sensitive class the request carries (the header may repeat or list classes), or null. */
  private String sensitiveClass(MultiMap headers) {
    for (String value : headers.getAll(config.header())) {
      for (String part : value.split(",")) {
        String dataClass = part.trim().toLowerCase(Locale.ROOT);
        if (config.sensitive().contains(dataClass)) {
          return dataClass;
        }
      }
    }
    return null;
  }
}
