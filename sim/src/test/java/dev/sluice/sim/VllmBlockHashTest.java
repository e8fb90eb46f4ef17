package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * vLLM's block hashes with LoRA names and cache salts, against values computed apart from this code: cbor2 and
 * hashlib in {@code vllm-block-hashes.py} (test resources), the way vLLM's {@code kv_cache_utils} hashes.
 */
class VllmBlockHashTest {
  private static final int[] TOKENS = {1, 2, 3, 300, 70000, 5, 6, Integer.MAX_VALUE, 9};

  private record Case(String seed, int blockSize, int[] tokens, String lora, String salt, long[] hashes) {
  }

  private static List<Case> cases() throws IOException {
    List<Case> out = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        VllmBlockHashTest.class.getResourceAsStream("/vllm-block-hashes.jsonl"), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        JsonNode c = Json.MAPPER.readTree(line);
        List<Integer> tokens = new ArrayList<>();
        c.get("tokens").forEach(t -> tokens.add(t.asInt()));
        List<Long> hashes = new ArrayList<>();
        c.get("hashes").forEach(h -> hashes.add(HexFormat.fromHexDigitsToLong(h.asText())));
        out.add(new Case(c.get("seed").asText(), c.get("blockSize").asInt(),
            tokens.stream().mapToInt(Integer::intValue).toArray(),
            c.get("lora").isNull() ? null : c.get("lora").asText(),
            c.get("salt").isNull() ? null : c.get("salt").asText(),
            hashes.stream().mapToLong(Long::longValue).toArray()));
      }
    }
    return out;
  }

  @Test
  void hashesWithLoraNamesAndCacheSaltsAreThoseAnIndependentCborComputationGives() throws IOException {
    List<Case> cases = cases();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(7);
    for (Case c : cases) {
      VllmBlockHash.Chain chain = new VllmBlockHash(c.seed()).chain(c.tokens(), c.blockSize(), c.lora(), c.salt());
      long[] actual = new long[chain.blocks()];
      for (int i = 0; i < actual.length; i++) {
        actual[i] = chain.hash(i);
      }
      assertThat(actual).as("seed %s, lora %s, salt %s", c.seed(), c.lora(), c.salt()).containsExactly(c.hashes());
    }
  }

  @Test
  void aSaltedPromptSharesNoBlockWithTheUnsaltedOneNorWithAnotherSalt() {
    VllmBlockHash vllm = new VllmBlockHash("0");
    long[] plain = vllm.blockHashes(TOKENS, 4);
    long[] a = vllm.blockHashes(TOKENS, 4, "tenant-a");
    long[] b = vllm.blockHashes(TOKENS, 4, "tenant-b");
    for (long h : a) {
      assertThat(plain).doesNotContain(h);
      assertThat(b).doesNotContain(h);
    }
    assertThat(vllm.blockHashes(TOKENS, 4, "tenant-a")).as("the same salt, the same blocks").containsExactly(a);
  }

  @Test
  void anEmptySaltIsNoSaltAsVllmTestsItsTruthiness() {
    VllmBlockHash vllm = new VllmBlockHash("0");
    assertThat(vllm.blockHashes(TOKENS, 4, "")).containsExactly(vllm.blockHashes(TOKENS, 4));
    assertThat(vllm.blockHashes(TOKENS, 4, null)).containsExactly(vllm.blockHashes(TOKENS, 4));
  }

  @Test
  void theSaltEntersOnlyTheFirstBlockSoALaterBlockDiffersOnlyThroughItsParent() {
    // Same salt, prompts that differ after block 0: block 0 is shared, block 1 is not.
    VllmBlockHash vllm = new VllmBlockHash("0");
    int[] other = Arrays.copyOf(TOKENS, TOKENS.length);
    other[5] = 77;
    long[] a = vllm.blockHashes(TOKENS, 4, "s");
    long[] b = vllm.blockHashes(other, 4, "s");
    assertThat(b[0]).isEqualTo(a[0]);
    assertThat(b[1]).isNotEqualTo(a[1]);
  }
}
