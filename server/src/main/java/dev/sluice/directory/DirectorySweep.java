package dev.sluice.directory;

import dev.sluice.identify.Subjects;
import dev.sluice.keys.KeyOwner;
import dev.sluice.keys.KeyService;
import dev.sluice.store.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Every {@code interval}, re-reads every IdP key owner's groups from the directory, so that someone removed
 * from a group loses their keys without signing in again. An owner the directory cannot answer for is left
 * as is: an IdP outage must not suspend everyone's keys. Every replica sweeps; the store's conditional
 * updates make concurrent sweeps harmless.
 */
public final class DirectorySweep implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DirectorySweep.class);

  private final Directory directory;
  private final KeyStore store;
  private final KeyService keys;
  private final Clock clock;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sluice-directory-sweep");
    t.setDaemon(true);
    return t;
  });

  public DirectorySweep(Directory directory, KeyStore store, KeyService keys, Clock clock) {
    this.directory = directory;
    this.store = store;
    this.keys = keys;
    this.clock = clock;
  }

  public void start(Duration interval) {
    scheduler.scheduleWithFixedDelay(this::sweepQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One pass; returns how many owners were read. */
  public int sweep() {
    int read = 0;
    for (KeyOwner owner : store.ownersWithKeys(KeyOwner.OIDC)) {
      Optional<Directory.Person> person;
      try {
        person = directory.lookup(Subjects.sub(owner.subject())); // the directory knows the bare sub
      } catch (Directory.DirectoryException e) {
        LOG.warnf("directory sweep skipped %s: %s", owner.subject(), e.getMessage());
        continue;
      }
      read++;
      KeyOwner now = person
          .map(p -> new KeyOwner(owner.subject(), p.name(), p.groups(), KeyOwner.OIDC, p.enabled(), clock.instant()))
          .orElseGet(() -> new KeyOwner(owner.subject(), owner.name(), owner.groups(), KeyOwner.OIDC, false, clock.instant()));
      keys.ownerSeen(now, "directory-sweep");
    }
    return read;
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      LOG.errorf("directory sweep failed: %s", e.getMessage());
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
