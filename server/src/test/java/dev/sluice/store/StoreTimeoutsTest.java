package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.StorageConfig;
import dev.sluice.support.TcpProxy;
import dev.sluice.support.TestDatabases;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A database that accepts connections and then says nothing costs a bounded wait, at start and at run time. */
class StoreTimeoutsTest {
  static StorageConfig via(int port, String database, Duration connect, Duration socket) {
    return new StorageConfig("jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres",
        Optional.empty(), Optional.empty(), 2, connect, socket);
  }

  @Test
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void startingOnAServerThatAcceptsAndNeverAnswersFailsWithinTheConnectTimeout() throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket()) {
      silent.bind(new InetSocketAddress("127.0.0.1", 0));
      Thread acceptor = new Thread(() -> {
        while (!silent.isClosed()) {
          try {
            held.add(silent.accept());
          } catch (Exception e) {
            return;
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      long started = System.nanoTime();
      assertThatThrownBy(() -> Database.open(via(silent.getLocalPort(), "none", Duration.ofSeconds(2),
          Duration.ofSeconds(2)))).isInstanceOf(StoreException.class)
          .hasMessageContaining("127.0.0.1:" + silent.getLocalPort()).hasMessageContaining("storage.connectTimeout");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
      assertThat(held).as("the server was reached: the wait was on its answer, not on the connect").isNotEmpty();
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aServerThatStopsAnsweringFailsACallAfterTheSocketTimeoutAndThePoolHealsWhenItAnswersAgain()
      throws Exception {
    StorageConfig real = TestDatabases.postgres();
    String name = real.url().substring(real.url().lastIndexOf('/') + 1, real.url().indexOf('?'));
    try (TcpProxy proxy = new TcpProxy(5432);
         Database db = Database.open(via(proxy.port(), name, Duration.ofSeconds(2), Duration.ofSeconds(2)))) {
      assertThat(selectOne(db)).isEqualTo(1);
      proxy.freeze();
      long started = System.nanoTime();
      assertThatThrownBy(() -> selectOne(db)).isInstanceOf(SQLException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(12));
      proxy.thaw();
      Awaitility.await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> selectOne(db) == 1);
    } finally {
      TestDatabases.drop(real);
    }
  }

  private static int selectOne(Database db) throws SQLException {
    try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
