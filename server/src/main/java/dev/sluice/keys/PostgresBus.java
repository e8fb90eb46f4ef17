package dev.sluice.keys;

import dev.sluice.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Invalidations over PostgreSQL LISTEN/NOTIFY, so that replicas sharing a PostgreSQL need nothing else.
 * One dedicated connection per replica listens; a thread waits on it for notifications (the driver's
 * blocking wait, up to 500 ms at a time). When the connection drops, the listener is told of a gap and the
 * thread reconnects and then reports the gap.
 */
public final class PostgresBus implements InvalidationBus {
  private static final Logger LOG = Logger.getLogger(PostgresBus.class);
  static final String CHANNEL = "sluice_key_invalidation";

  private final Database db;
  private final String origin = Invalidation.newOrigin();
  private volatile boolean running = true;
  private volatile Connection listening;
  private Thread thread;

  public PostgresBus(Database db) {
    this.db = db;
  }

  @Override
  public void start(Listener listener) {
    // Listen before returning, so nothing published after start() is missed.
    try {
      listening = subscribe();
    } catch (SQLException e) {
      LOG.warnf("cannot LISTEN for key invalidations yet (%s); retrying", e.getMessage());
    }
    thread = new Thread(() -> loop(listener), "sluice-pg-invalidation");
    thread.setDaemon(true);
    thread.start();
  }

  private Connection subscribe() throws SQLException {
    Connection c = db.dedicatedConnection();
    try (Statement s = c.createStatement()) {
      s.execute("LISTEN " + CHANNEL);
    }
    return c;
  }

  private void loop(Listener listener) {
    long backoff = 100;
    while (running) {
      try {
        if (listening == null) {
          listening = subscribe();
          listener.onGap();
          LOG.info("listening for key invalidations again");
          backoff = 100;
        }
        PGNotification[] notes = listening.unwrap(PGConnection.class).getNotifications(500);
        if (notes != null) {
          for (PGNotification note : notes) {
            Invalidation.fromOther(note.getParameter(), origin).ifPresent(listener::onInvalidation);
          }
        }
      } catch (SQLException e) {
        if (!running) {
          return;
        }
        // The cache keeps serving meanwhile (nobody can revoke in a store that is down); once listening
        // again, the gap is reported and the cache re-reads everything.
        LOG.warnf("key invalidation listener lost its connection (%s); reconnecting", e.getMessage());
        closeQuietly();
        sleep(backoff);
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  @Override
  public void publish(Invalidation invalidation) {
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, CHANNEL);
      ps.setString(2, invalidation.message(origin));
      ps.execute();
    } catch (SQLException e) {
      LOG.errorf("cannot publish key invalidation %s: %s", invalidation.wire(), e.getMessage());
    }
  }

  @Override
  public void close() {
    running = false;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeQuietly();
  }

  private void closeQuietly() {
    Connection c = listening;
    listening = null;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // already broken
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
