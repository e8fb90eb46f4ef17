package dev.sluice.sim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * vLLM's prefix-cache block hashes with {@code --prefix-caching-hash-algo sha256_cbor}: block i is
 * {@code sha256(cbor((parent, (token ids of block i), extra_keys)))} where the parent is block i-1's digest, or for
 * block 0 {@code NONE_HASH = sha256(cbor(PYTHONHASHSEED))}; the CBOR is canonical ({@code cbor2.dumps(...,
 * canonical=True)}). The extra keys are vLLM's {@code generate_block_hash_extra_keys}: the LoRA adapter's name on
 * every block, then the multimodal inputs' keys (not computed here: a gateway cannot hash an image as the engine
 * does), then the request's {@code cache_salt} on block 0 only, as a tuple; {@code None} when there are none. So a
 * salt changes block 0, and through the chain every block after it. What an engine publishes in its KV events,
 * and what a router must compute from a prompt to look those events up, is the digest's low 64 bits
 * ({@code int.from_bytes(digest, "big") & (2**64 - 1)}, vLLM's default {@code VLLM_KV_EVENTS_USE_INT_BLOCK_HASHES}),
 * here as a Java {@code long}.
 *
 * <p>The CBOR is written by hand rather than with a library because the input has one fixed shape (a byte
 * string, an array of non-negative integers, null or an array of text strings) and canonical form is then only
 * "shortest heads", which is a few lines; a general encoder would have to be trusted to choose definite lengths
 * and minimal heads.
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
    Chain chain = chain(tokenIds, blockSize);
    if (chain.blocks() > 0) {
      chain.hash(chain.blocks() - 1);
    }
    return chain.hashes;
  }

  /** The same for a request with a {@code cache_salt} (null or empty: none, as vLLM tests it). */
  public long[] blockHashes(int[] tokenIds, int blockSize, String cacheSalt) {
    Chain chain = chain(tokenIds, blockSize, null, cacheSalt);
    if (chain.blocks() > 0) {
      chain.hash(chain.blocks() - 1);
    }
    return chain.hashes;
  }

  /** The same hashes, each computed when first asked for (a router stops at the first block nobody holds). */
  public Chain chain(int[] tokenIds, int blockSize) {
    return new Chain(tokenIds, blockSize, null, null);
  }

  /** The chain of a request with a {@code cache_salt}; null or empty is no salt. */
  public Chain chain(int[] tokenIds, int blockSize, String cacheSalt) {
    return new Chain(tokenIds, blockSize, null, cacheSalt);
  }

  /**
   * The chain of a request served by a LoRA adapter (its {@code lora_name}, null for the base model) and with a
   * {@code cache_salt} (null or empty for none).
   */
  public Chain chain(int[] tokenIds, int blockSize, String loraName, String cacheSalt) {
    return new Chain(tokenIds, blockSize, loraName, cacheSalt);
  }

  /** One prompt's chain of block hashes, computed front to back on demand. Not thread-safe. */
  public final class Chain {
    private final int[] tokenIds;
    private final int blockSize;
    private final long[] hashes;
    /** UTF-8 of the LoRA name and of the salt; null when absent. */
    private final byte[] lora;
    private final byte[] salt;
    private int computed;
    private byte[] parent = noneHash;
    private MessageDigest sha;
    private ByteArrayOutputStream cbor;

    private Chain(int[] tokenIds, int blockSize, String loraName, String cacheSalt) {
      this.tokenIds = tokenIds;
      this.blockSize = blockSize;
      // Python's truthiness, as vLLM tests them: an empty name or salt adds no key.
      this.lora = loraName == null || loraName.isEmpty() ? null : loraName.getBytes(StandardCharsets.UTF_8);
      this.salt = cacheSalt == null || cacheSalt.isEmpty() ? null : cacheSalt.getBytes(StandardCharsets.UTF_8);
      this.hashes = tokenIds.length < blockSize ? NONE : new long[tokenIds.length / blockSize];
    }

    /** Full blocks of the prompt. */
    public int blocks() {
      return hashes.length;
    }

    /** The hash of block {@code k} (0-based, below {@link #blocks()}). */
    public long hash(int k) {
      if (k >= computed) {
        if (sha == null) {
          sha = sha256();
          cbor = new ByteArrayOutputStream(48 + blockSize * 5);
        }
        while (computed <= k) {
          next();
        }
      }
      return hashes[k];
    }

    private void next() {
      int b = computed;
      cbor.reset();
      cbor.write(0x83);                       // array(3): (parent, tokens, extra_keys)
      head(cbor, 2, parent.length);           // bytes(32)
      cbor.writeBytes(parent);
      head(cbor, 4, blockSize);               // array(blockSize)
      for (int t = b * blockSize, end = t + blockSize; t < end; t++) {
        head(cbor, 0, Integer.toUnsignedLong(tokenIds[t]));
      }
      byte[] blockSalt = b == 0 ? salt : null;
      int keys = (lora == null ? 0 : 1) + (blockSalt == null ? 0 : 1);
      if (keys == 0) {
        cbor.write(0xf6);                     // None: no LoRA, no multimodal input, no cache salt
      } else {
        head(cbor, 4, keys);                  // (lora_name?, cache_salt?): a tuple of text strings
        for (byte[] key : new byte[][] {lora, blockSalt}) {
          if (key != null) {
            head(cbor, 3, key.length);
            cbor.writeBytes(key);
          }
        }
      }
      parent = sha.digest(cbor.toByteArray());
      hashes[b] = low64(parent);
      computed++;
    }
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
