package dev.sluice.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyCacheTest {
  private static final Instant T = Instant.parse("2026-12-01T20:00:00.100Z");

  @Test
  void usesWithinOneSecondAreNotedOnceAndALaterSecondReplacesThem() {
    KeyCache cache = new KeyCache();
    cache.markUsed("k1", T);
    cache.markUsed("k1", T.plusMillis(500));
    assertThat(cache.pendingUse("k1")).contains(T);
    cache.markUsed("k1", T.plusMillis(900));
    assertThat(cache.pendingUse("k1")).contains(T.plusMillis(900));
    cache.markUsed("k2", T.minusSeconds(5));
    assertThat(cache.drainUsed()).isEqualTo(Map.of("k1", T.plusMillis(900), "k2", T.minusSeconds(5)));
  }

  @Test
  void aUseAfterTheBatchWasWrittenIsNotedAgain() {
    KeyCache cache = new KeyCache();
    cache.markUsed("k1", T);
    assertThat(cache.drainUsed()).containsEntry("k1", T);
    cache.markUsed("k1", T.plusMillis(10));
    assertThat(cache.pendingUse("k1")).contains(T.plusMillis(10));
    cache.markUsed("k1", T.minusSeconds(3)); // a clock that stepped back does not rewind the noted use
    assertThat(cache.drainUsed()).containsEntry("k1", T.plusMillis(10));
    assertThat(cache.drainUsed()).isEmpty();
  }
}
