package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard is valid JSON, shipped verbatim in a ConfigMap Grafana's sidecar picks up, and queries only
 * the gateway's own metrics (which exist: server's DashboardMetricsTest scrapes a running gateway for them).
 */
class DashboardTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode dashboard() throws Exception {
    return JSON.readTree(Files.readString(Chart.dir().resolve("dashboards/sluice.json")));
  }

  static List<String> expressions(JsonNode dashboard) {
    List<String> exprs = new ArrayList<>();
    dashboard.get("panels").forEach(p -> p.path("targets").forEach(t -> exprs.add(t.get("expr").asText())));
    return exprs;
  }

  @Test
  void theConfigMapCarriesTheDashboardVerbatimWithTheSidecarLabel() throws Exception {
    ConfigMap cm = Chart.defaults().one(ConfigMap.class, "sluice-dashboard");
    assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(JSON.readTree(cm.getData().get("sluice.json"))).isEqualTo(dashboard());
  }

  @Test
  void everyPanelQueriesAtLeastOneSluiceMetricAndNothingElse() throws Exception {
    JsonNode d = dashboard();
    assertThat(d.get("uid").asText()).isEqualTo("sluice-gateway");
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : d.get("panels")) {
      assertThat(ids.add(panel.get("id").asInt())).as("unique panel id").isTrue();
      if (panel.get("type").asText().equals("row")) {
        continue;
      }
      assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
      for (JsonNode target : panel.get("targets")) {
        String expr = target.get("expr").asText();
        assertThat(expr).as(panel.get("title").asText()).containsPattern("\\bsluice_[a-z_]+");
        // Every other identifier followed by { or [ would be a metric this test does not vouch for.
        assertThat(expr.replaceAll("\\bsluice_[a-z_]+", "")).doesNotContainPattern("[a-zA-Z_:][a-zA-Z0-9_:]*\\s*[{\\[]");
      }
    }
    assertThat(expressions(d)).hasSizeGreaterThanOrEqualTo(10);
  }

  @Test
  void thePanelsTheIssueAsksForAreThere() throws Exception {
    List<String> titles = new ArrayList<>();
    dashboard().get("panels").forEach(p -> titles.add(p.get("title").asText()));
    assertThat(titles).contains("Requests by model", "Error ratio (5xx)", "Time to first token", "Tokens by model",
        "Tokens by plan", "Quota rejections", "Endpoints in rotation", "Prefix cache hit rate");
  }
}
