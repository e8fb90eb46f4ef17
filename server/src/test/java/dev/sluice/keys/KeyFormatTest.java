package dev.sluice.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyFormatTest {
  @Test
  void aMintedKeyHasTheDocumentedShapeAndEntropy() {
    KeyFormat.Minted minted = KeyFormat.mint();
    assertThat(minted.key()).matches("sk-sluice-[0-9A-Za-z]{17}_[0-9A-Za-z]{44}");
    assertThat(minted.key()).startsWith("sk-sluice-" + minted.keyId() + "_");
    // 17 base62 characters carry 101 bits (>= 96), 44 carry 261 bits (>= 256).
    assertThat(17 * Math.log(62) / Math.log(2)).isGreaterThanOrEqualTo(96);
    assertThat(44 * Math.log(62) / Math.log(2)).isGreaterThanOrEqualTo(256);
    assertThat(minted.prefix()).isEqualTo("sk-sluice-" + minted.keyId()).doesNotContain(minted.key().substring(28));
  }

  @Test
  void mintedKeysDoNotRepeat() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      assertThat(ids.add(KeyFormat.mint().keyId())).isTrue();
    }
  }

  @Test
  void onlyTheHashIsKeptAndItVerifiesOnlyTheExactKey() {
    KeyFormat.Minted minted = KeyFormat.mint();
    KeyFormat.Parsed parsed = KeyFormat.parse(minted.key()).orElseThrow();
    assertThat(parsed.keyId()).isEqualTo(minted.keyId());
    assertThat(KeyFormat.matches(parsed, minted.hash())).isTrue();
    assertThat(minted.hash()).hasSize(32);
    assertThat(KeyFormat.hex(minted.hash())).doesNotContain(parsed.secret());

    String secret = parsed.secret();
    char last = secret.charAt(secret.length() - 1);
    String oneCharOff = secret.substring(0, secret.length() - 1) + (last == 'a' ? 'b' : 'a');
    assertThat(KeyFormat.matches(new KeyFormat.Parsed(parsed.keyId(), oneCharOff), minted.hash())).isFalse();
    // The key id is part of the hashed input: a secret moved to another id does not verify.
    assertThat(KeyFormat.matches(new KeyFormat.Parsed(KeyFormat.mint().keyId(), secret), minted.hash())).isFalse();
    assertThat(parsed.toString()).doesNotContain(secret);
  }

  @Test
  void anythingNotExactlyOfTheFormatIsRefusedBeforeAnyLookup() {
    String good = KeyFormat.mint().key();
    assertThat(KeyFormat.parse(good)).isPresent();
    assertThat(KeyFormat.parse(good + "x")).isEmpty();
    assertThat(KeyFormat.parse(good.substring(1))).isEmpty();
    assertThat(KeyFormat.parse(good.replace('_', '-'))).isEmpty();
    assertThat(KeyFormat.parse("sk-sluice-' OR 1=1 --_" + "a".repeat(44))).isEmpty();
    assertThat(KeyFormat.parse("sk-sluice-ééééééééééééééééé_" + "a".repeat(44))).isEmpty();
    assertThat(KeyFormat.parse("")).isEmpty();
    assertThat(KeyFormat.parse("sk-proj-abc")).isEmpty();
  }
}
