package dev.sluice.gateway;

import dev.sluice.admit.Admission;
import dev.sluice.admit.QuotaView;
import dev.sluice.config.ModelConfig;
import dev.sluice.config.SluiceConfig;
import dev.sluice.route.ModelCatalog;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One version of everything a request reads from the configuration: the models and their pools (access and
 * data tiers ride on each model's configuration), and admission with its plans. Immutable apart from the
 * count of requests running on it, by which a replaced version knows when its last request has ended.
 *
 * @param hash SHA-256 of the file this version was read from (hex), or {@code "-"} when it was not read from one
 */
public final class CatalogSnapshot {
  private final SluiceConfig config;
  private final ModelCatalog catalog;
  private final Admission admission;
  private final QuotaView quota;
  private final String hash;
  private final Instant loadedAt;
  private final AtomicLong running = new AtomicLong();

  public CatalogSnapshot(SluiceConfig config, ModelCatalog catalog, Admission admission, String hash, Instant loadedAt) {
    this.config = config;
    this.catalog = catalog;
    this.admission = admission;
    this.quota = new QuotaView(admission, System::currentTimeMillis);
    this.hash = hash;
    this.loadedAt = loadedAt;
  }

  public SluiceConfig config() {
    return config;
  }

  public ModelCatalog catalog() {
    return catalog;
  }

  public Admission admission() {
    return admission;
  }

  public QuotaView quota() {
    return quota;
  }

  public List<String> modelNames() {
    return config.models().stream().map(ModelConfig::name).toList();
  }

  public String hash() {
    return hash;
  }

  public Instant loadedAt() {
    return loadedAt;
  }

  /** Requests that started on this version and have not ended. */
  public long running() {
    return running.get();
  }

  void enter() {
    running.incrementAndGet();
  }

  void leave() {
    running.decrementAndGet();
  }
}
