package dev.sluice.identify;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Failed-password throttling for local users, per user name and per client address, in fixed windows: once a
 * name (or an address) has used up its attempts in a window, further attempts are refused with 429 and the
 * seconds until the window ends, before any password is checked, so guessing stops costing a hash too.
 *
 * <p>An attempt counts when it starts, not when it fails, so concurrent guesses cannot slip past the limit
 * while their hashes are computed; a success gives its attempt back and clears the name's count. Names that do
 * not exist are counted like those that do, so a 429 does not tell which exist. At most {@code maxTracked}
 * names and addresses each are remembered (expired ones are dropped first); past that, new names are not
 * tracked, and the per-address limit is what still holds.
 */
public final class LoginThrottle {
  public static final int DEFAULT_PER_USER = 10;
  public static final int DEFAULT_PER_ADDRESS = 30;
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
  static final int DEFAULT_MAX_TRACKED = 100_000;

  private final Window users;
  private final Window addresses;

  public LoginThrottle(int perUser, int perAddress, Duration window, LongSupplier millis, int maxTracked) {
    this.users = new Window(perUser, window.toMillis(), millis, maxTracked);
    this.addresses = new Window(perAddress, window.toMillis(), millis, maxTracked);
  }

  /** With the configured limits, on the system clock. */
  public static LoginThrottle of(int perUser, int perAddress, Duration window) {
    return new LoginThrottle(perUser, perAddress, window, System::currentTimeMillis, DEFAULT_MAX_TRACKED);
  }

  public static LoginThrottle defaults() {
    return new LoginThrottle(DEFAULT_PER_USER, DEFAULT_PER_ADDRESS, DEFAULT_WINDOW, System::currentTimeMillis,
        DEFAULT_MAX_TRACKED);
  }

  /**
   * Counts an attempt against both; when either is used up, nothing is counted.
   *
   * @return 0 when the attempt may go on, else the seconds until it may (at least 1)
   */
  public long attempt(String user, String address) {
    long wait = Math.max(addresses.waitMillis(address), users.waitMillis(user));
    if (wait > 0) {
      return Math.max(1, (wait + 999) / 1000);
    }
    addresses.add(address, 1);
    users.add(user, 1);
    return 0;
  }

  /** The password was right: the attempt is given back, and the name starts afresh. */
  public void succeeded(String user, String address) {
    addresses.add(address, -1);
    users.clear(user);
  }

  private static final class Window {
    private final int limit;
    private final long windowMillis;
    private final LongSupplier millis;
    private final int maxTracked;
    private final Map<String, long[]> counts = new ConcurrentHashMap<>(); // key → {window start, count}

    Window(int limit, long windowMillis, LongSupplier millis, int maxTracked) {
      this.limit = limit;
      this.windowMillis = windowMillis;
      this.millis = millis;
      this.maxTracked = maxTracked;
    }

    long waitMillis(String key) {
      long[] c = counts.get(key);
      if (c == null) {
        return 0;
      }
      synchronized (c) {
        long left = c[0] + windowMillis - millis.getAsLong();
        return left > 0 && c[1] >= limit ? left : 0;
      }
    }

    void add(String key, int delta) {
      long now = millis.getAsLong();
      long[] c = counts.get(key);
      if (c == null) {
        if (delta < 0) {
          return;
        }
        if (counts.size() >= maxTracked) {
          counts.values().removeIf(e -> expired(e, now));
          if (counts.size() >= maxTracked) {
            return;
          }
        }
        c = counts.computeIfAbsent(key, k -> new long[] {now, 0});
      }
      synchronized (c) {
        if (expired(c, now)) {
          c[0] = now;
          c[1] = 0;
        }
        c[1] = Math.max(0, c[1] + delta);
      }
    }

    void clear(String key) {
      counts.remove(key);
    }

    private boolean expired(long[] c, long now) {
      synchronized (c) {
        return now - c[0] >= windowMillis;
      }
    }
  }
}
