package dev.sluice.sim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * vLLM's prefix-cache block hashes with {@code --prefix-caching-hash-algo sha256_cbor}: block i is
 * {@code sha256(cbor((parent, (token ids of block i), None)))} where the parent is block i-1's digest, or for
 * block 0 {@code NONE_HASH = sha256(cbor(PYTHONHASHSEED))}; the CBOR is canonical ({@code cbor2.dumps(...,
 * canonical=True)}). What an engine publishes in its KV events, and what a router must compute from a prompt to
 * look those events up, is the digest's low 64 bits ({@code int.from_bytes(digest, "big") & (2**64 - 1)},
 * vLLM's default {@code VLLM_KV_EVENTS_USE_INT_BLOCK_HASHES}), here as a Java {@code long}.
 *
 * <p>The CBOR is written by hand rather than with a library because the input has one fixed shape (a byte
 * string, an array of non-negative integers, null) and canonical form is then only "shortest integer heads",
 * which is a few lines; a general encoder would have to be trusted to choose definite lengths and minimal heads.
 * Public and stateless so the gateway computes exactly the hashes the simulator publishes.
 */
public final class VllmBlockHash {
  private static final long[] NONE = new long[0];

  private final byte[] noneHash;

  /** @param hashSeed the engine's {@code PYTHONHASHSEED} (vLLM draws a random root when it is unset) */
  public VllmBlockHash(String hashSeed) {
    ByteArrayOutputStream cbor = new ByteArrayOutputStream(8 + hashSeed.length());
    byte[] utf8 = hashSeed.getBytes(StandardCharsets.UTF_8);
    head(cbor, 3, utf8.length);
    cbor.writeBytes(utf8);
    this.noneHash = sha256().digest(cbor.toByteArray());
  }

  /**
   * The hashes of the full blocks of {@code tokenIds}; a trailing partial block is never cached, so it has none.
   */
  public long[] blockHashes(int[] tokenIds, int blockSize) {
    int blocks = tokenIds.length / blockSize;
    if (blocks == 0) {
      return NONE;
    }
    long[] out = new long[blocks];
    MessageDigest sha = sha256();
    ByteArrayOutputStream cbor = new ByteArrayOutputStream(48 + blockSize * 5);
    byte[] parent = noneHash;
    for (int b = 0; b < blocks; b++) {
      cbor.reset();
      cbor.write(0x83);                       // array(3): (parent, tokens, extra_keys)
      head(cbor, 2, parent.length);           // bytes(32)
      cbor.writeBytes(parent);
      head(cbor, 4, blockSize);               // array(blockSize)
      for (int t = b * blockSize, end = t + blockSize; t < end; t++) {
        head(cbor, 0, Integer.toUnsignedLong(tokenIds[t]));
      }
      cbor.write(0xf6);                       // None: no LoRA, no multimodal input, no cache salt
      parent = sha.digest(cbor.toByteArray());
      out[b] = low64(parent);
    }
    return out;
  }

  /** The last eight bytes of the digest, big-endian: the integer an engine publishes for the block. */
  static long low64(byte[] digest) {
    long v = 0;
    for (int i = digest.length - 8; i < digest.length; i++) {
      v = (v << 8) | (digest[i] & 0xff);
    }
    return v;
  }

  /** A CBOR head in its shortest form, as canonical encoding requires. */
  private static void head(ByteArrayOutputStream out, int major, long value) {
    int m = major << 5;
    if (value < 24) {
      out.write(m | (int) value);
    } else if (value < 0x100) {
      out.write(m | 24);
      out.write((int) value);
    } else if (value < 0x10000) {
      out.write(m | 25);
      out.write((int) (value >>> 8));
      out.write((int) value);
    } else if (value < 0x1_0000_0000L) {
      out.write(m | 26);
      for (int s = 24; s >= 0; s -= 8) {
        out.write((int) (value >>> s));
      }
    } else {
      out.write(m | 27);
      for (int s = 56; s >= 0; s -= 8) {
        out.write((int) (value >>> s));
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
