package dev.sluice.identify;

import dev.sluice.config.AuthConfig;
import dev.sluice.config.AuthConfig.LocalUser;
import dev.sluice.store.LocalUserStore;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The local users in effect. With neither local users in the file nor an OIDC provider, nobody could sign
 * in, so the first start creates {@code admin} with a random password, prints it once and keeps only its
 * bcrypt hash in the store. There is no default password to forget to change.
 */
public final class LocalAdmin {
  private static final Logger LOG = Logger.getLogger(LocalAdmin.class);
  public static final String NAME = "admin";
  private static final char[] ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();

  private LocalAdmin() {
  }

  /** Blocking (store, bcrypt): call at start-up. {@code baseUrl} is only for the printed example. */
  public static List<LocalUser> users(AuthConfig auth, LocalUserStore store, PrintStream out, String baseUrl) {
    List<LocalUser> users = new ArrayList<>(auth.localUsers());
    if (!users.isEmpty() || auth.oidc().isPresent()) {
      return users;
    }
    List<LocalUser> stored = store.all();
    if (!stored.isEmpty()) {
      return stored;
    }
    char[] password = randomPassword();
    LocalUser admin = new LocalUser(NAME, PasswordHashes.bcrypt(password), auth.adminGroups());
    if (store.insert(admin)) {
      out.println();
      out.println("  Sluice created the local user '" + NAME + "' with password: " + new String(password));
      out.println("  It is shown only this once; only its hash is stored. Use it to create an API key:");
      out.println("    curl -u " + NAME + ":" + new String(password) + " -X POST " + baseUrl + "/api/keys \\");
      out.println("         -H 'content-type: application/json' -d '{\"name\":\"my first key\"}'");
      out.println();
      out.flush();
      LOG.infof("created the local admin user '%s' (password printed on standard output, once)", NAME);
    }
    return store.all();
  }

  private static char[] randomPassword() {
    SecureRandom random = new SecureRandom();
    char[] out = new char[20]; // 20 of 57 symbols: 116 bits
    for (int i = 0; i < out.length; i++) {
      out[i] = ALPHABET[random.nextInt(ALPHABET.length)];
    }
    return out;
  }
}
