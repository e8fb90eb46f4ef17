package dev.sluice.support;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A redis-server of the test's own on a free port, with no persistence, that the test may stop, freeze
 * (SIGSTOP) and restart. Never the shared Redis on 6379.
 */
public final class ThrowawayRedis implements AutoCloseable {
  private final int port;
  private Process process;

  public ThrowawayRedis() throws Exception {
    this.port = Sims.deadPort();
    start();
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public void start() throws Exception {
    process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.to(new File("/dev/null"))).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!answers()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("redis-server on port " + port + " did not start");
      }
      Thread.sleep(20);
    }
  }

  public void stop() throws InterruptedException {
    process.destroy();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Freezes the process: connections stay open and nothing answers, the worst case for a client. */
  public void freeze() throws Exception {
    signal("STOP");
  }

  public void thaw() throws Exception {
    signal("CONT");
  }

  private void signal(String name) throws Exception {
    new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
  }

  /** Clients connected right now, not counting the one that asks. */
  public int connectedClients() throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(2000);
      s.getOutputStream().write("INFO clients\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] buf = new byte[4096];
      int n = s.getInputStream().read(buf);
      String reply = new String(buf, 0, Math.max(n, 0), StandardCharsets.US_ASCII);
      Matcher m = Pattern.compile("connected_clients:(\\d+)").matcher(reply);
      if (!m.find()) {
        throw new IOException("no connected_clients in " + reply);
      }
      return Integer.parseInt(m.group(1)) - 1;
    }
  }

  private boolean answers() {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(500);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      byte[] buf = new byte[7];
      return in.read(buf) > 0 && new String(buf, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      thaw();
      stop();
    }
  }
}
