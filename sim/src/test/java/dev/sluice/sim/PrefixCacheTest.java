package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The prefix cache's bookkeeping: chained block hashes and LRU eviction at capacity. */
class PrefixCacheTest {

  /** Blocks of 2 tokens, room for 4 blocks. */
  private final PrefixCache cache = new PrefixCache(2, 4);

  @Test
  void onlyFullBlocksAreHashed() {
    assertThat(cache.blockHashes(tokens("a"))).isEmpty();
    assertThat(cache.blockHashes(tokens("a b c"))).hasSize(1);
    assertThat(cache.blockHashes(tokens("a b c d"))).hasSize(2);
  }

  @Test
  void aBlockMatchesOnlyWhenEverythingBeforeItMatches() {
    long[] abcd = cache.blockHashes(tokens("a b c d"));
    long[] xycd = cache.blockHashes(tokens("x y c d"));

    assertThat(xycd[1]).as("same tokens, different prefix").isNotEqualTo(abcd[1]);
    assertThat(cache.blockHashes(tokens("a b c d e"))).startsWith(abcd);
  }

  @Test
  void aRepeatedPromptHitsEveryFullBlockAndASharedPrefixHitsItsBlocks() {
    assertThat(cache.lookupAndInsert(cache.blockHashes(tokens("a b c d")))).isZero();

    assertThat(cache.lookupAndInsert(cache.blockHashes(tokens("a b c d")))).isEqualTo(2);
    assertThat(cache.lookupAndInsert(cache.blockHashes(tokens("a b c x")))).isEqualTo(1);
    assertThat(cache.lookupAndInsert(cache.blockHashes(tokens("b a c d")))).isZero();
  }

  @Test
  void theLeastRecentlyUsedBlocksAreEvictedAtCapacity() {
    long[] first = cache.blockHashes(tokens("a b c d"));
    long[] second = cache.blockHashes(tokens("e f g h"));
    long[] third = cache.blockHashes(tokens("i j k l"));
    cache.lookupAndInsert(first);
    cache.lookupAndInsert(second);
    cache.lookupAndInsert(first); // first is now the most recently used

    cache.lookupAndInsert(third);

    assertThat(cache.size()).isEqualTo(4);
    assertThat(cache.cachedBlocks(first)).isEqualTo(2);
    assertThat(cache.cachedBlocks(third)).isEqualTo(2);
    assertThat(cache.cachedBlocks(second)).isZero();
  }

  @Test
  void losingALeadingBlockLosesTheWholePrefix() {
    long[] longPrompt = cache.blockHashes(tokens("a b c d e f g h"));
    cache.lookupAndInsert(longPrompt);

    cache.lookupAndInsert(cache.blockHashes(tokens("x y"))); // evicts block 0 of the long prompt

    assertThat(cache.cachedBlocks(longPrompt)).isZero();
  }

  @Test
  void askingWhatIsCachedDoesNotRefreshIt() {
    long[] first = cache.blockHashes(tokens("a b c d"));
    long[] second = cache.blockHashes(tokens("e f g h"));
    cache.lookupAndInsert(first);
    cache.lookupAndInsert(second);

    assertThat(cache.cachedBlocks(first)).isEqualTo(2);
    cache.lookupAndInsert(cache.blockHashes(tokens("i j k l")));

    assertThat(cache.cachedBlocks(first)).as("a peek is not a use").isZero();
    assertThat(cache.cachedBlocks(second)).isEqualTo(2);
  }

  private static List<String> tokens(String text) {
    return Tokenizer.tokenize(text);
  }
}
