package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The stand-in tokenizer: words and single marks, counted and split the same way everywhere. */
class TokenizerTest {

  @Test
  void splitsWordRunsAndSingleMarks() {
    assertThat(Tokenizer.tokenize("Hello, world! x_1 (ok)"))
        .containsExactly("Hello", ",", "world", "!", "x_1", "(", "ok", ")");
    assertThat(Tokenizer.tokenize("caf\u00e9 \uD83D\uDE00")).as("one token per non-ASCII code point")
        .containsExactly("caf", "\u00e9", "\uD83D\uDE00");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "one", "  lead and trail  ", "a\tb\nc", "\uD83D\uDE00!x", "it's 4.5%"})
  void countPiecesAndTokensAgreeAndPiecesRebuildTheText(String text) {
    assertThat(Tokenizer.count(text)).isEqualTo(Tokenizer.tokenize(text).size());
    assertThat(Tokenizer.pieces(text)).hasSize(Tokenizer.count(text));
    assertThat(String.join("", Tokenizer.pieces(text))).isEqualTo(text.stripTrailing());
  }
}
