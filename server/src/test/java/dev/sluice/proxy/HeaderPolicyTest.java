package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

class HeaderPolicyTest {
  @Test
  void aUserNameGoesUpstreamAsAValidHeaderValue() {
    assertThat(HeaderPolicy.headerSafe("alice@example.com")).isEqualTo("alice@example.com");
    assertThat(HeaderPolicy.headerSafe("Zoë Ünal")).isEqualTo("Zo%C3%AB%20%C3%9Cnal");
    assertThat(HeaderPolicy.headerSafe("evil\r\nX-Injected: 1")).doesNotContain("\r").doesNotContain("\n");
    assertThat(HeaderPolicy.headerSafe("100%")).isEqualTo("100%25");
  }

  @Test
  void clientCredentialsAndSluiceHeadersNeverCross() {
    MultiMap from = MultiMap.caseInsensitiveMultiMap()
        .add("Authorization", "Bearer sk-sluice-x").add("X-Api-Key", "sk-sluice-y").add("api-key", "sk-sluice-z")
        .add("x-goog-api-key", "AIza-client")
        .add("X-Sluice-User", "forged").add("X-Sluice-Key-Id", "forged").add("X-Trace", "kept");
    MultiMap to = MultiMap.caseInsensitiveMultiMap();
    HeaderPolicy.copyRequestHeaders(from, to);
    assertThat(to.names()).containsExactly("X-Trace");
  }
}
