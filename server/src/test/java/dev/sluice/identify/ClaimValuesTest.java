package dev.sluice.identify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What the store's columns can hold is what a token may say; the rest is a 401 before the store sees it. */
class ClaimValuesTest {
  @Test
  void groupsWhoseJsonWouldOverflowTheColumnAreRefusedAndThoseThatFitPass() {
    Set<String> fits = IntStream.range(0, 30).mapToObj(i -> "g".repeat(250) + i).collect(Collectors.toCollection(LinkedHashSet::new));
    ClaimValues.checkGroups(fits, "groups"); // 30 × 255 = 7,650 characters of JSON
    Set<String> overflows = IntStream.range(0, 40).mapToObj(i -> "g".repeat(250) + i).collect(Collectors.toSet());
    assertThatThrownBy(() -> ClaimValues.checkGroups(overflows, "groups"))
        .isInstanceOfSatisfying(IdentificationException.class, e -> assertThat(e.error().status()).isEqualTo(401))
        .hasMessageContaining("'groups'").hasMessageContaining("8000");
    Set<String> quoted = IntStream.range(0, 30).mapToObj(i -> "\"".repeat(250) + i).collect(Collectors.toSet());
    assertThatThrownBy(() -> ClaimValues.checkGroups(quoted, "groups")).as("escaped quotes count twice")
        .isInstanceOf(IdentificationException.class);
  }

  @Test
  void namesAreOneTo255CharactersWithoutControlCharacters() {
    assertThat(ClaimValues.plausible("Zoë O'Brien")).isTrue();
    assertThat(ClaimValues.plausible("n".repeat(255))).isTrue();
    assertThat(ClaimValues.plausible("n".repeat(256))).isFalse();
    assertThat(ClaimValues.plausible("")).isFalse();
    assertThat(ClaimValues.plausible("a\u0000b")).isFalse();
    assertThat(ClaimValues.plausible("a\u007fb")).isFalse();
    assertThat(ClaimValues.plausible("a\u0085b")).isFalse();
  }
}
