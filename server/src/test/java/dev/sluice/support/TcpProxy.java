package dev.sluice.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP forwarder a test can cut and restore, put between the gateway and a real server (PostgreSQL, Redis)
 * to stage an outage: {@link #cut()} closes every connection and refuses new ones, as a stopped server does;
 * {@link #restore()} listens again on the same port. Loopback only.
 */
public final class TcpProxy implements AutoCloseable {
  private final InetSocketAddress target;
  private final int port;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "test-tcp-proxy");
    t.setDaemon(true);
    return t;
  });
  private ServerSocket server;
  private volatile boolean frozen;

  public TcpProxy(int targetPort) throws IOException {
    this.target = new InetSocketAddress("127.0.0.1", targetPort);
    this.server = listen(0);
    this.port = server.getLocalPort();
    accept(server);
  }

  public int port() {
    return port;
  }

  /** Drops every connection through the proxy and refuses new ones until {@link #restore()}. */
  public synchronized void cut() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
    sockets.clear();
  }

  /** Keeps every connection open but passes nothing on, as a server that hangs does, until {@link #thaw()}. */
  public void freeze() {
    frozen = true;
  }

  public void thaw() {
    frozen = false;
  }

  public synchronized void restore() throws IOException {
    if (server.isClosed()) {
      server = listen(port);
      accept(server);
    }
  }

  private static ServerSocket listen(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress("127.0.0.1", port));
    return s;
  }

  private void accept(ServerSocket listening) {
    threads.execute(() -> {
      while (!listening.isClosed()) {
        try {
          Socket client = listening.accept();
          sockets.add(client);
          Socket upstream = new Socket();
          sockets.add(upstream);
          try {
            upstream.connect(target, 2000);
          } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
            continue;
          }
          threads.execute(() -> pump(client, upstream));
          threads.execute(() -> pump(upstream, client));
        } catch (IOException e) {
          // closed by cut()
        }
      }
    });
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        while (frozen && !from.isClosed()) {
          Thread.sleep(20);
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // one side went away (or the proxy closes): close both below
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void closeQuietly(Socket s) {
    sockets.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public synchronized void close() throws IOException {
    cut();
    threads.shutdownNow();
  }
}
