package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard the Helm chart ships (deploy/helm/sluice/dashboards/sluice.json) queries only metrics, and
 * labels, that a running gateway exposes on /metrics once it has served the traffic the panels are about.
 */
class DashboardMetricsTest {
  static final Path DASHBOARD = Path.of("../deploy/helm/sluice/dashboards/sluice.json");
  static final Pattern METRIC = Pattern.compile("\\bsluice_[a-z_]+\\b");
  static final Pattern BY = Pattern.compile("\\bby\\s*\\(([^)]*)\\)");
  static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"");

  static List<String> queries() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
    List<String> queries = new ArrayList<>();
    dashboard.get("panels").forEach(p -> p.path("targets").forEach(t -> queries.add(t.get("expr").asText())));
    dashboard.path("templating").path("list").forEach(v -> {
      if (v.has("definition")) {
        queries.add(v.get("definition").asText());
      }
    });
    return queries;
  }

  static Set<String> all(Pattern pattern, String text, int group) {
    Set<String> found = new TreeSet<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      found.add(m.group(group));
    }
    return found;
  }

  /**
   * Serves a success, a stream of the same long prompt (so the simulator's prefix cache serves part of it), a quota
   * refusal, an upstream failure, a fallback and a request routed by KV events: every series the dashboard reads.
   */
  static String metricsAfterRepresentativeTraffic() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start("""
             plans:
               - name: everyone
                 subjects: {users: ["*"]}
                 models: [m]
                 limits: {requestsPerMinute: 2}
             models:
               - name: m
                 access: {public: true}
                 upstream:
                   endpoints: [%s]
               - name: down
                 access: {public: true}
                 defaultPlan: unlimited
                 health: {check: "off"}
                 upstream:
                   endpoints: ["http://127.0.0.1:%2$d"]
               - name: flaky
                 access: {public: true}
                 defaultPlan: unlimited
                 health: {check: "off"}
                 fallbacks: [m]
                 upstream:
                   endpoints: ["http://127.0.0.1:%2$d"]
               - name: kv
                 access: {public: true}
                 defaultPlan: unlimited
                 upstream:
                   simulator: {replicas: 1, prefillOverhead: 0ms, prefillPerToken: 0ms, interTokenLatency: 0ms}
                 routing:
                   kvEvents: {blockSize: 4}
             """.formatted(sim.baseUrl(), Sims.refusingPort()))) {
      String chat = gw.baseUrl() + "/v1/chat/completions";
      String prompt = "Summarise the quarterly report for the board. ".repeat(20);
      String request = "{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]";
      assertThat(Http.postJson(chat, request + "}").statusCode()).isEqualTo(200);
      assertThat(Http.postJson(chat, request + ",\"stream\":true}").statusCode()).isEqualTo(200);
      assertThat(Http.postJson(chat, Http.chat("m", false)).statusCode()).isEqualTo(429);
      assertThat(Http.postJson(chat, Http.chat("down", false)).statusCode()).isGreaterThanOrEqualTo(500);
      assertThat(Http.postJson(chat, Http.chat("flaky", false)).statusCode()).as("served by its fallback").isEqualTo(200);
      assertThat(Http.postJson(chat, Http.chat("kv", false)).statusCode()).isEqualTo(200);
      return gw.metrics();
    }
  }

  @Test
  void everyMetricTheDashboardQueriesIsExposedByARunningGateway() throws Exception {
    List<String> queries = queries();
    Set<String> referenced = new TreeSet<>();
    queries.forEach(q -> referenced.addAll(all(METRIC, q, 0)));
    assertThat(referenced).as("metrics in the dashboard").hasSizeGreaterThanOrEqualTo(8);

    String metrics = metricsAfterRepresentativeTraffic();
    for (String metric : referenced) {
      assertThat(metrics).as("/metrics exposes " + metric).containsPattern("(?m)^" + metric + "[{ ]");
    }
  }

  @Test
  void everyLabelTheDashboardGroupsOrFiltersByIsOnTheMetricItQueries() throws Exception {
    String metrics = metricsAfterRepresentativeTraffic();
    for (String query : queries()) {
      Set<String> labels = new TreeSet<>();
      all(BY, query, 1).forEach(list -> {
        for (String label : list.split(",")) {
          labels.add(label.trim());
        }
      });
      labels.addAll(all(MATCHER, query, 1));
      for (String label : labels) {
        boolean onSomeSeries = all(METRIC, query, 0).stream()
            .anyMatch(metric -> Pattern.compile("(?m)^" + metric + "\\{[^}]*\\b" + label + "=").matcher(metrics).find());
        assertThat(onSomeSeries).as("label '" + label + "' of " + query).isTrue();
      }
    }
  }
}
