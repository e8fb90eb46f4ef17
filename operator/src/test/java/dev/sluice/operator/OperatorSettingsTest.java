package dev.sluice.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperatorSettingsTest {
  @Test
  void defaultsFollowTheContractsAndTheServiceAccountsNamespace(@TempDir Path dir) throws Exception {
    Path ns = Files.writeString(dir.resolve("namespace"), "sluice-system\n");
    OperatorSettings s = OperatorSettings.from(name -> null, ns);
    assertThat(s.namespace()).isEqualTo("sluice-system");
    assertThat(s.watchNamespaces()).isEmpty();
    assertThat(s.gatewayNamespaces()).containsExactly("sluice-system");
    assertThat(s.monitoringLabel()).isEqualTo("sluice.dev/monitoring=true");
    assertThat(s.gatewayConfigSecret()).isEqualTo("sluice-gateway-config");
    assertThat(s.gatewayBaseConfigMap()).isEqualTo("sluice-gateway-base");
    assertThat(s.vllmImage()).isEqualTo("vllm/vllm-openai:v0.11.0");
  }

  @Test
  void withoutANamespaceFileTheNamespaceIsDefault() {
    assertThat(OperatorSettings.from(name -> null, Path.of("/nonexistent/namespace")).namespace()).isEqualTo("default");
  }

  @Test
  void environmentListsAreCommaSeparatedAndTrimmed() {
    Map<String, String> env = Map.of("SLUICE_NAMESPACE", "ops", "SLUICE_WATCH_NAMESPACES", "team-a, team-b,,",
        "SLUICE_GATEWAY_NAMESPACE", "gw1,gw2", "SLUICE_DOWNLOADER_IMAGE", "registry.local/sluice:1");
    OperatorSettings s = OperatorSettings.from(env::get, Path.of("/nonexistent"));
    assertThat(s.namespace()).isEqualTo("ops");
    assertThat(s.watchNamespaces()).containsExactly("team-a", "team-b");
    assertThat(s.gatewayNamespaces()).containsExactly("gw1", "gw2");
    assertThat(s.downloaderImage()).isEqualTo("registry.local/sluice:1");
  }
}
