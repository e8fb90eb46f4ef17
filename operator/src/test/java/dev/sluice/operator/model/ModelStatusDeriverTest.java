package dev.sluice.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.operator.Fixtures;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.LLMModelStatus;
import dev.sluice.operator.crd.LLMModelStatus.Phase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The phase rules that the mock-server test does not walk through. */
class ModelStatusDeriverTest {
  private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");

  private static Deployment ready(int n) {
    return new DeploymentBuilder().withNewStatus().withReadyReplicas(n).endStatus().build();
  }

  private static LLMModelStatus derive(LLMModel m, Deployment d, List<Pod> pods) {
    return ModelStatusDeriver.derive(m, new ModelStatusDeriver.Observed(d, pods, Optional.empty(), Optional.empty(), true), T0);
  }

  @Test
  void firstPodsReadyWhileOthersStillLoadIsStartingNotDegraded() {
    LLMModel m = Fixtures.llm("ns", "m");
    assertThat(derive(m, ready(1), List.of()).phase).isEqualTo(Phase.STARTING);
    m.setStatus(new LLMModelStatus());
    m.getStatus().phase = Phase.READY;
    assertThat(derive(m, ready(1), List.of()).phase).isEqualTo(Phase.DEGRADED);
  }

  @Test
  void aDownloaderWaitingToRetryAfterAFailureIsStillDownloading() {
    Pod pod = new PodBuilder().withNewStatus().withInitContainerStatuses(new ContainerStatusBuilder()
        .withName(ModelDeployment.DOWNLOADER)
        .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
        .withNewLastState().withNewTerminated().withExitCode(1).endTerminated().endLastState().build())
        .endStatus().build();
    LLMModelStatus s = derive(Fixtures.llm("ns", "m"), ready(0), List.of(pod));
    assertThat(s.phase).isEqualTo(Phase.DOWNLOADING);
  }

  @Test
  void exitThreeInTheLastStateIsFinalEvenWhileTheKubeletWaitsToRetry() {
    Pod pod = new PodBuilder().withNewStatus().withInitContainerStatuses(new ContainerStatusBuilder()
        .withName(ModelDeployment.DOWNLOADER)
        .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
        .withNewLastState().withNewTerminated().withExitCode(3).endTerminated().endLastState().build())
        .endStatus().build();
    assertThat(derive(Fixtures.llm("ns", "m"), ready(0), List.of(pod)).phase).isEqualTo(Phase.FAILED);
  }

  @Test
  void scaledToZeroIsPendingAndSaysSo() {
    LLMModel m = Fixtures.llm("ns", "m");
    m.getSpec().serving.replicas = 0;
    LLMModelStatus s = derive(m, ready(0), List.of());
    assertThat(s.phase).isEqualTo(Phase.PENDING);
    assertThat(s.conditions.get(0).getReason()).isEqualTo("ScaledToZero");
  }

  @Test
  void aConditionKeepsItsTransitionTimeWhileItsStatusDoesNotChange() {
    LLMModel m = Fixtures.llm("ns", "m");
    LLMModelStatus first = derive(m, ready(2), List.of());
    m.setStatus(first);
    LLMModelStatus later = ModelStatusDeriver.derive(m, new ModelStatusDeriver.Observed(ready(2), List.of(),
        Optional.empty(), Optional.empty(), true), T0.plusSeconds(60));
    Condition readyBefore = first.conditions.get(0);
    Condition readyAfter = later.conditions.get(0);
    assertThat(readyAfter.getLastTransitionTime()).isEqualTo(readyBefore.getLastTransitionTime()).isEqualTo(T0.toString());
  }

  @Test
  void aGatewayConfigProblemShowsInTheConfiguredCondition() {
    LLMModelStatus s = ModelStatusDeriver.derive(Fixtures.llm("ns", "m"), new ModelStatusDeriver.Observed(ready(0),
        List.of(), Optional.empty(), Optional.of("models[1]: defaultPlan 'x' is not deny, unlimited or the name of a plan"),
        false), T0);
    Condition configured = s.conditions.get(3);
    assertThat(configured.getType()).isEqualTo("Configured");
    assertThat(configured.getStatus()).isEqualTo("False");
    assertThat(configured.getReason()).isEqualTo("InvalidGatewayConfig");
    assertThat(configured.getMessage()).contains("defaultPlan 'x'");
  }
}
