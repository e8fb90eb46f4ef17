package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class LimitTest {
  static long at(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }

  @Test
  void theMonthWindowIsTheCalendarMonthInUtcWhateverItsLength() {
    Limit month = Limit.TOKENS_PER_MONTH;
    long feb = month.windowStart(at("2028-02-29T23:59:59.999Z"));
    assertThat(feb).isEqualTo(at("2028-02-01T00:00:00Z"));
    assertThat(month.windowEnd(feb)).isEqualTo(at("2028-03-01T00:00:00Z"));
    assertThat(month.windowStart(at("2028-03-01T00:00:00Z"))).isEqualTo(at("2028-03-01T00:00:00Z"));
    long dec = month.windowStart(at("2026-12-31T12:00:00Z"));
    assertThat(month.windowEnd(dec)).isEqualTo(at("2027-01-01T00:00:00Z"));
  }

  @Test
  void fixedWindowsAlignToTheEpochAndConcurrencyHasNone() {
    assertThat(Limit.TOKENS_PER_DAY.windowStart(at("2026-12-01T13:14:15Z"))).isEqualTo(at("2026-12-01T00:00:00Z"));
    assertThat(Limit.TOKENS_PER_MINUTE.windowEnd(at("2026-12-01T13:14:00Z"))).isEqualTo(at("2026-12-01T13:15:00Z"));
    assertThat(Limit.CONCURRENT.windowed()).isFalse();
    assertThat(Limit.CONCURRENT.windowStart(at("2026-12-01T13:14:15Z"))).isZero();
  }
}
