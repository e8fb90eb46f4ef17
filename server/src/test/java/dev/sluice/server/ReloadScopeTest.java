package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ModelConfig;
import dev.sluice.config.SluiceConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a reload takes from the new file, what it leaves for a restart, and which models keep their endpoints. */
class ReloadScopeTest {
  private static SluiceConfig parse(String yaml) {
    return new ConfigLoader(Map.of("PW", "hunter2", "PW2", "hunter3")::get).parse(yaml, "sluice.yaml");
  }

  private static final String BASE = """
      server: {port: 8080}
      storage: {url: "jdbc:postgresql://db/sluice", password: "${PW}"}
      models:
        - name: m
          access: {public: true}
          upstream: {endpoints: [http://10.0.0.1:8000]}
      """;

  @Test
  void theManagementPortAndTheTlsFilesNeedARestartAndTheTokenIsNeverNamed() {
    SluiceConfig running = parse(BASE);
    SluiceConfig next = parse(BASE.replace("server: {port: 8080}", "server: {port: 8080, management: {port: 9191, "
        + "auth: {bearerToken: \"${PW}-management-token\"}}, tls: {certificate: a.crt, key: a.key}}"));
    assertThat(ReloadScope.needsRestart(running, next)).containsExactly("server.management", "server.tls");
    assertThat(ReloadScope.apply(running, next).server()).isEqualTo(running.server());
  }

  @Test
  void modelsPlansAndDataClassesReloadWhileTheListenerAndStoreStayAsStarted() {
    SluiceConfig running = parse(BASE);
    SluiceConfig next = parse(BASE.replace("port: 8080", "port: 9000").replace("${PW}", "${PW2}")
        .replace("public: true", "groups: [staff]") + """
        plans:
          - name: p
            subjects: {users: ["*"]}
            limits: {requestsPerMinute: 5}
        dataClasses: {sensitive: [secret]}
        """);
    SluiceConfig applied = ReloadScope.apply(running, next);
    assertThat(applied.server()).isEqualTo(running.server());
    assertThat(applied.storage()).isEqualTo(running.storage());
    assertThat(applied.models()).isEqualTo(next.models());
    assertThat(applied.quota().plans()).isEqualTo(next.quota().plans());
    assertThat(applied.dataClasses()).isEqualTo(next.dataClasses());
    assertThat(ReloadScope.needsRestart(running, next)).containsExactly("server.port", "storage")
        .noneMatch(s -> s.contains("hunter"));
  }

  @Test
  void anUnchangedFileNeedsNoRestart() {
    assertThat(ReloadScope.needsRestart(parse(BASE), parse(BASE))).isEmpty();
  }

  private static ModelConfig model(String upstreamAndRouting) {
    return parse("""
        models:
          - name: m
            access: {public: true}
        %s""".formatted(upstreamAndRouting.indent(4))).models().get(0);
  }

  @Test
  void aModelKeepsItsEndpointsWhenOnlyWhatIsReadPerRequestChanges() {
    ModelConfig before = model("upstream: {endpoints: [http://10.0.0.1:8000]}");
    assertThat(PoolBuilder.keepsEndpoints(before, model("""
        upstream: {endpoints: [http://10.0.0.1:8000, http://10.0.0.2:8000], apiKey: k}
        timeouts: {request: 300s}
        """))).as("URLs are updated in place; the key and timeouts are read per request").isTrue();
  }

  @Test
  void aModelStartsItsEndpointsAfreshWhenTheirSourceOrRoutingChanges() {
    ModelConfig urls = model("upstream: {endpoints: [http://10.0.0.1:8000]}");
    assertThat(PoolBuilder.keepsEndpoints(urls, model("""
        upstream: {endpoints: [http://10.0.0.1:8000]}
        routing: {policy: round-robin}
        """))).isFalse();
    assertThat(PoolBuilder.keepsEndpoints(urls, model("""
        upstream: {endpoints: [http://10.0.0.1:8000]}
        health: {ejectAfter: 1}
        """))).isFalse();
    assertThat(PoolBuilder.keepsEndpoints(urls, model("upstream: {discovery: {dns: pods, port: 8000}}"))).isFalse();
    ModelConfig dns = model("upstream: {discovery: {dns: pods, port: 8000}}");
    assertThat(PoolBuilder.keepsEndpoints(dns, model("upstream: {discovery: {dns: pods, port: 8001}}"))).isFalse();
    ModelConfig sim = model("upstream: {simulator: {replicas: 1}}");
    assertThat(PoolBuilder.keepsEndpoints(sim, model("upstream: {simulator: {replicas: 2}}"))).isFalse();
    assertThat(PoolBuilder.keepsEndpoints(sim, model("upstream: {simulator: {replicas: 1}, model: other}")))
        .as("a simulator serves the name it was started with").isFalse();
    assertThat(PoolBuilder.keepsEndpoints(sim, model("upstream: {simulator: {replicas: 1}}"))).isTrue();
  }
}
