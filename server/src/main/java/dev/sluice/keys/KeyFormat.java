package dev.sluice.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The API key format {@code sk-sluice-<keyId>_<secret>}: a 17-character base62 key id (101 random bits),
 * the public half used to look the key up, and a 44-character base62 secret (261 random bits). Only
 * SHA-256 over {@code keyId ':' secret} is stored: the secret has enough entropy that a slow hash would
 * add nothing but latency, and the key id in the input ties the hash to its row.
 */
public final class KeyFormat {
  public static final String PREFIX = "sk-sluice-";
  public static final int ID_LENGTH = 17;
  public static final int SECRET_LENGTH = 44;
  public static final int KEY_LENGTH = PREFIX.length() + ID_LENGTH + 1 + SECRET_LENGTH;
  private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyFormat() {
  }

  /** A key as presented: its id and secret. */
  public record Parsed(String keyId, String secret) {
    @Override
    public String toString() {
      return "Parsed[keyId=" + keyId + "]";
    }
  }

  /** A new key, shown once to its creator. */
  public record Minted(String keyId, String key, byte[] hash) {
    public String prefix() {
      return displayPrefix(keyId);
    }

    @Override
    public String toString() {
      return "Minted[keyId=" + keyId + "]";
    }
  }

  public static Minted mint() {
    String keyId = random(ID_LENGTH);
    String secret = random(SECRET_LENGTH);
    return new Minted(keyId, PREFIX + keyId + "_" + secret, hash(keyId, secret));
  }

  /** What the key API shows after creation: enough to recognise a key, nothing of its secret. */
  public static String displayPrefix(String keyId) {
    return PREFIX + keyId;
  }

  public static boolean looksLikeKey(String value) {
    return value.startsWith(PREFIX);
  }

  /** Strict parse; anything not exactly of the format is empty. */
  public static Optional<Parsed> parse(String value) {
    if (value.length() != KEY_LENGTH || !value.startsWith(PREFIX) || value.charAt(PREFIX.length() + ID_LENGTH) != '_') {
      return Optional.empty();
    }
    String keyId = value.substring(PREFIX.length(), PREFIX.length() + ID_LENGTH);
    String secret = value.substring(PREFIX.length() + ID_LENGTH + 1);
    if (!base62(keyId) || !base62(secret)) {
      return Optional.empty();
    }
    return Optional.of(new Parsed(keyId, secret));
  }

  public static boolean validKeyId(String keyId) {
    return keyId.length() == ID_LENGTH && base62(keyId);
  }

  /** Every request hashes the key it presents; a digest per thread spares the provider lookup each time. */
  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  public static byte[] hash(String keyId, String secret) {
    MessageDigest sha = SHA_256.get();
    sha.update(keyId.getBytes(StandardCharsets.US_ASCII));
    sha.update((byte) ':');
    return sha.digest(secret.getBytes(StandardCharsets.US_ASCII)); // digest() also resets it for the next use
  }

  /** Constant-time: the time taken does not depend on where the hashes differ. */
  public static boolean matches(Parsed presented, byte[] storedHash) {
    return MessageDigest.isEqual(hash(presented.keyId(), presented.secret()), storedHash);
  }

  public static String hex(byte[] hash) {
    return HexFormat.of().formatHex(hash);
  }

  public static byte[] unhex(String hex) {
    return HexFormat.of().parseHex(hex);
  }

  private static String random(int length) {
    char[] out = new char[length];
    for (int i = 0; i < length; i++) {
      out[i] = BASE62[RANDOM.nextInt(BASE62.length)];
    }
    return new String(out);
  }

  private static boolean base62(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
        return false;
      }
    }
    return true;
  }
}
