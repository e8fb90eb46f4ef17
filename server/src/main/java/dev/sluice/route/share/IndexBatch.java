package dev.sluice.route.share;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One gateway's routing decisions of one interval for one model, as published to the others: per endpoint, the
 * prompt-block hashes of each decision in prompt order. Binary, because a decision is mostly 8-byte hashes and
 * text would triple them. Layout (big-endian): version byte, origin (long), model (short length + UTF-8), number
 * of endpoints (short), then per endpoint its id (short length + UTF-8), its number of decisions (int) and per
 * decision the number of hashes (short) and the hashes.
 */
public final class IndexBatch {
  static final byte VERSION = 1;
  /** A decision longer than this is cut: one prompt of ~2 million characters at 64 per block. */
  static final int MAX_BLOCKS_PER_DECISION = Short.MAX_VALUE;

  /** @param decisions per endpoint id, the hashes of each decision */
  public record Decoded(long origin, String model, Map<String, List<long[]>> decisions) {
  }

  private final long origin;
  private final String model;
  private final Map<String, List<long[]>> decisions = new LinkedHashMap<>();
  private int blocks;

  IndexBatch(long origin, String model) {
    this.origin = origin;
    this.model = model;
  }

  void add(String endpointId, long[] hashes) {
    long[] kept = hashes.length > MAX_BLOCKS_PER_DECISION ? java.util.Arrays.copyOf(hashes, MAX_BLOCKS_PER_DECISION)
        : hashes;
    decisions.computeIfAbsent(endpointId, k -> new ArrayList<>()).add(kept);
    blocks += kept.length;
  }

  int blocks() {
    return blocks;
  }

  boolean isEmpty() {
    return blocks == 0;
  }

  Buffer encode() {
    Buffer b = Buffer.buffer(32 + blocks * 8 + decisions.size() * 64);
    b.appendByte(VERSION).appendLong(origin);
    text(b, model);
    b.appendShort((short) decisions.size());
    for (Map.Entry<String, List<long[]>> e : decisions.entrySet()) {
      text(b, e.getKey());
      b.appendInt(e.getValue().size());
      for (long[] hashes : e.getValue()) {
        b.appendShort((short) hashes.length);
        for (long h : hashes) {
          b.appendLong(h);
        }
      }
    }
    return b;
  }

  private static void text(Buffer b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    b.appendShort((short) bytes.length).appendBytes(bytes);
  }

  /**
   * The batch in {@code b}, or empty when it is not one (another version, truncated, or holding more than
   * {@code maxBlocks} hashes: what a peer may send is bounded like what this gateway sends).
   */
  public static Optional<Decoded> decode(Buffer b, int maxBlocks) {
    try {
      int[] at = {0};
      if (b.length() < 9 || b.getByte(0) != VERSION) {
        return Optional.empty();
      }
      long origin = b.getLong(1);
      at[0] = 9;
      String model = text(b, at);
      int endpoints = b.getUnsignedShort(at[0]);
      at[0] += 2;
      Map<String, List<long[]>> decisions = new LinkedHashMap<>();
      int total = 0;
      for (int i = 0; i < endpoints; i++) {
        String id = text(b, at);
        int n = b.getInt(at[0]);
        at[0] += 4;
        if (n < 0) {
          return Optional.empty();
        }
        List<long[]> list = new ArrayList<>(Math.min(n, 1024));
        for (int d = 0; d < n; d++) {
          int count = b.getUnsignedShort(at[0]);
          at[0] += 2;
          total += count;
          if (total > maxBlocks || at[0] + count * 8L > b.length()) {
            return Optional.empty();
          }
          long[] hashes = new long[count];
          for (int k = 0; k < count; k++) {
            hashes[k] = b.getLong(at[0]);
            at[0] += 8;
          }
          list.add(hashes);
        }
        decisions.put(id, list);
      }
      return at[0] == b.length() ? Optional.of(new Decoded(origin, model, decisions)) : Optional.empty();
    } catch (IndexOutOfBoundsException e) {
      return Optional.empty();
    }
  }

  private static String text(Buffer b, int[] at) {
    int n = b.getUnsignedShort(at[0]);
    String s = b.getString(at[0] + 2, at[0] + 2 + n, "UTF-8");
    at[0] += 2 + n;
    return s;
  }
}
