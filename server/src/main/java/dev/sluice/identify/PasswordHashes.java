package dev.sluice.identify;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Password hashes of local users: bcrypt ({@code $2a$/$2b$/$2y$}, as htpasswd and most tools write them)
 * and Argon2 in the PHC string format ({@code $argon2id$v=19$m=...,t=...,p=...$salt$hash}). Deliberately
 * slow; call from a worker.
 */
public final class PasswordHashes {
  private static final Pattern ARGON2 = Pattern.compile(
      "\\$(argon2id|argon2i|argon2d)\\$v=(\\d+)\\$m=(\\d+),t=(\\d+),p=(\\d+)\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
  private static final SecureRandom RANDOM = new SecureRandom();
  static final int BCRYPT_COST = 10;

  private PasswordHashes() {
  }

  public static String bcrypt(char[] password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return OpenBSDBCrypt.generate("2b", password, salt, BCRYPT_COST);
  }

  /** False for a wrong password and for a hash this class cannot read. */
  public static boolean verify(String hash, char[] password) {
    if (hash.startsWith("$2")) {
      try {
        return OpenBSDBCrypt.checkPassword(hash, password);
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
    Matcher m = ARGON2.matcher(hash);
    if (!m.matches()) {
      return false;
    }
    int type = switch (m.group(1)) {
      case "argon2id" -> Argon2Parameters.ARGON2_id;
      case "argon2i" -> Argon2Parameters.ARGON2_i;
      default -> Argon2Parameters.ARGON2_d;
    };
    Base64.Decoder b64 = Base64.getDecoder();
    byte[] salt = b64.decode(m.group(6));
    byte[] expected = b64.decode(m.group(7));
    Argon2Parameters params = new Argon2Parameters.Builder(type)
        .withVersion(Integer.parseInt(m.group(2)))
        .withMemoryAsKB(Integer.parseInt(m.group(3)))
        .withIterations(Integer.parseInt(m.group(4)))
        .withParallelism(Integer.parseInt(m.group(5)))
        .withSalt(salt)
        .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(params);
    byte[] actual = new byte[expected.length];
    generator.generateBytes(new String(password).getBytes(StandardCharsets.UTF_8), actual);
    return MessageDigest.isEqual(actual, expected);
  }

  /** Argon2id in PHC format (m=19 MiB, t=2, p=1: OWASP's minimum), for tests and tools. */
  public static String argon2id(char[] password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13).withMemoryAsKB(19456).withIterations(2).withParallelism(1)
        .withSalt(salt).build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(params);
    byte[] out = new byte[32];
    generator.generateBytes(new String(password).getBytes(StandardCharsets.UTF_8), out);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return "$argon2id$v=19$m=19456,t=2,p=1$" + b64.encodeToString(salt) + "$" + b64.encodeToString(out);
  }
}
