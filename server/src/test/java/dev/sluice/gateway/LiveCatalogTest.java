package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.admit.Admission;
import dev.sluice.admit.LocalCounterStore;
import dev.sluice.admit.PlanResolver;
import dev.sluice.admit.QuotaMetrics;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
import dev.sluice.route.ModelCatalog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A request runs on the version it pinned; a replaced version knows when its last request has ended. */
class LiveCatalogTest {
  private static CatalogSnapshot version(String hash) {
    SluiceConfig config = new ConfigLoader(Map.<String, String>of()::get).parse("""
        models:
          - name: m
            upstream: {endpoints: [http://10.0.0.1:8000]}
        """, "sluice.yaml");
    return new CatalogSnapshot(config, new ModelCatalog(List.of()), new Admission(new PlanResolver(List.of(),
        config.models()), new LocalCounterStore(), 4096, new QuotaMetrics(new SimpleMeterRegistry()),
        System::currentTimeMillis), hash, Instant.now());
  }

  @Test
  void aRequestKeepsTheVersionItPinnedAcrossASwapAndReleasesIt() {
    LiveCatalog live = new LiveCatalog();
    CatalogSnapshot first = version("1");
    live.swap(first);
    CatalogSnapshot pinned = live.acquire();
    assertThat(pinned).isSameAs(first);

    CatalogSnapshot second = version("2");
    assertThat(live.swap(second)).isSameAs(first);
    assertThat(live.get()).isSameAs(second);
    assertThat(first.running()).isEqualTo(1);              // still serving the request that pinned it
    assertThat(live.acquire()).isSameAs(second);           // new requests get the new version
    live.release(pinned);
    assertThat(first.running()).isZero();                  // now it may be retired
    assertThat(second.running()).isEqualTo(1);
  }
}
