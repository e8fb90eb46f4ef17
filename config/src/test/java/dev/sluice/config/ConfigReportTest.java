package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code sluice check} prints: the catalog, the plans and who may call what, and never a secret. */
class ConfigReportTest {

  @Test
  void theShippedConfigurationShowsBothDemoModelsTheirPlanAndThatEveryIdentifiedCallerMayUseThem() {
    String report = ConfigReport.render(ConfigLoader.load(Path.of("../sluice.yaml")));
    assertThat(report).contains("models (2):")
        .contains("  demo-chat  \"SIMULATED")
        .contains("built-in simulator, 2 replica(s), random, 15ms per token, answers about 60 tokens, 400 at most, "
            + "sent as sim/qwen3-8b")
        .contains("timeouts: request 600s, first byte 60s, connect 5s")
        .contains("plans: demo; a caller no plan matches: deny")
        .contains("  demo: for everyone; models *; counted per user")
        .contains("limits: 20000 tokens/minute, 120 requests/minute, 512 tokens/request")
        .contains("who may call what:\n  demo-chat: every identified caller")
        .contains("  demo-echo: every identified caller")
        .contains("the local user 'admin'");
  }

  @Test
  void accessNamesGroupsAndUsersAndAModelWithoutAccessIsOpenToNobody() {
    SluiceConfig c = new ConfigLoader(Map.of("KEY", "s3cret", "PW", "hunter2")::get).parse("""
        storage: {url: "jdbc:postgresql://db:5432/sluice?user=sluice&password=${PW}"}
        models:
          - name: team
            upstream: {endpoints: ["http://10.0.0.1:8000", "http://10.0.0.2:8000"], apiKey: "${KEY}"}
            access: {groups: [ml, research], users: [bob]}
            fallbacks: [closed]
          - name: closed
            upstream: {provider: anthropic, endpoints: ["https://api.anthropic.com"], apiKey: "${KEY}"}
        """, "/etc/sluice/sluice.yaml");
    String report = ConfigReport.render(c);
    assertThat(report).contains("  team: users bob; groups ml, research")
        .contains("  closed: nobody (no access configured)")
        .contains("openai, http://10.0.0.1:8000 http://10.0.0.2:8000, key set")
        .contains("anthropic, https://api.anthropic.com, key set")
        .contains("fallbacks closed")
        .contains("plans (0): none")
        .contains("store: PostgreSQL jdbc:postgresql://db:5432/sluice?user=sluice&password=***")
        .contains("data directory: /etc/sluice/data (the usage spool)\n")
        .doesNotContain("s3cret").doesNotContain("hunter2");
  }
}
