package dev.sluice.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
import io.vertx.core.MultiMap;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelCatalogTest {
  @Test
  void theChainKeepsOnlyFallbacksTheCallerMayUseAndThatSuitTheDataClass() throws Exception {
    SluiceConfig config = new ConfigLoader(Map.<String, String>of()::get).parse("""
        models:
          - name: main
            upstream: {endpoints: [http://h:1]}
            fallbacks: [cloud, team-only, spare]
          - name: cloud
            tier: external
            upstream: {endpoints: [http://h:2]}
          - name: team-only
            upstream: {endpoints: [http://h:3]}
          - name: spare
            upstream: {endpoints: [http://h:4]}
        """, "t.yaml");
    ModelCatalog catalog = new ModelCatalog(config.models().stream()
        .map(m -> ModelPool.of(m, List.of(URI.create("http://h:1")))).toList(), config.dataClasses());
    ModelPool main = catalog.pool("main");
    MultiMap none = MultiMap.caseInsensitiveMultiMap();
    MultiMap pii = MultiMap.caseInsensitiveMultiMap().add("x-sluice-data-class", "PII");
    assertThat(catalog.chain(main, none).stream().map(ModelPool::name)).containsExactly("main", "cloud", "team-only", "spare");
    assertThat(catalog.chain(main, pii).stream().map(ModelPool::name)).containsExactly("main", "team-only", "spare");
    assertThat(catalog.chain(main, pii, p -> !p.name().equals("team-only")).stream().map(ModelPool::name))
        .containsExactly("main", "spare");
  }
}
