package dev.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.directory.Directory;
import dev.sluice.directory.DirectorySweep;
import dev.sluice.identify.Principal;
import dev.sluice.identify.Subjects;
import dev.sluice.keys.KeyService;
import dev.sluice.sim.Simulator;
import dev.sluice.store.KeyStore;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Sims;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Keys suspended and resumed by the directory sweep are audited as the sweep's doing (ADR 102). */
class KeySuspensionAuditTest {

  @Test
  void theDirectorySweepsSuspensionAndResumptionAreAuditedWithTheSweepAsActor() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: chat
                 access: {groups: [llm]}
                 upstream: {endpoints: [%s], model: m}
             """.formatted(sim.baseUrl()))) {
      String subject = Subjects.oidc(URI.create("https://idp.example/realms/r"), "sub-sven");
      KeyService keys = gw.runtime().keys();
      KeyService.Created key = gw.vertx().executeBlocking(() -> keys.create(Principal.user(subject, "sven",
          Set.of("llm")), "k", Set.of(), Optional.empty()), false).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      Map<String, Directory.Person> people = new ConcurrentHashMap<>();
      Directory directory = sub -> Optional.ofNullable(people.get(sub));
      DirectorySweep sweep = new DirectorySweep(directory, new KeyStore(gw.runtime().database()), keys,
          Clock.systemUTC());

      people.put("sub-sven", new Directory.Person("sub-sven", "sven", Set.of(), true)); // left llm
      sweep.sweep();
      people.put("sub-sven", new Directory.Person("sub-sven", "sven", Set.of("llm"), true)); // back in llm
      sweep.sweep();

      gw.runtime().audit().flush();
      List<AuditStore.Stored> rows = new AuditStore(gw.runtime().database()).read(new AuditStore.Query(
          Optional.empty(), Optional.empty(), Optional.of("system:directory-sweep"), Optional.empty(),
          Optional.empty(), 10));
      assertThat(rows).extracting(r -> r.event().action()).containsExactly("key.resume", "key.suspend");
      AuditEvent suspended = rows.get(1).event();
      assertThat(suspended.targetId()).isEqualTo(key.key().id());
      assertThat(suspended.actor().method()).isEqualTo(Actor.SYSTEM);
      assertThat(suspended.reason()).contains(subject).contains("can no longer use its models");
    }
  }
}
