package dev.sluice.keys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What crosses the bus: another replica's invalidations are applied, a replica's own echo and garbage are not. */
class InvalidationTest {
  private final String self = Invalidation.newOrigin();
  private final String other = Invalidation.newOrigin();

  @Test
  void anotherReplicasInvalidationArrivesAsSent() {
    assertThat(Invalidation.fromOther(Invalidation.key("k1").message(other), self)).contains(Invalidation.key("k1"));
    assertThat(Invalidation.fromOther(Invalidation.owner("oidc|a:b").message(other), self))
        .contains(Invalidation.owner("oidc|a:b"));
  }

  @Test
  void aReplicaIgnoresTheEchoOfWhatItAlreadyApplied() {
    assertThat(Invalidation.fromOther(Invalidation.key("k1").message(self), self)).isEmpty();
  }

  @Test
  void malformedMessagesAreIgnored() {
    assertThat(Invalidation.fromOther(null, self)).isEmpty();
    assertThat(Invalidation.fromOther("key:k1", self)).isEmpty();
    assertThat(Invalidation.fromOther(other + "|nonsense", self)).isEmpty();
  }
}
