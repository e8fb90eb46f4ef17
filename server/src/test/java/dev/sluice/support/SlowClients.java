package dev.sluice.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/** Clients that are slow on purpose, as an attacker holding connections open would be. */
public final class SlowClients {
  private SlowClients() {
  }

  /** Writes one byte every {@code everyMillis} until the bytes run out, the thread is interrupted or the write fails. */
  public static Thread trickle(Socket socket, byte[] bytes, long everyMillis) {
    Thread thread = new Thread(() -> {
      try {
        OutputStream out = socket.getOutputStream();
        for (byte b : bytes) {
          out.write(b);
          out.flush();
          Thread.sleep(everyMillis); // the pace of the attack itself, not a wait for a condition
        }
      } catch (IOException | InterruptedException e) {
        // closed by the server, or the test is over
      }
    }, "trickle");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** True when the server closed the connection within {@code timeoutMillis}, whatever it said before. */
  public static boolean closedWithin(Socket socket, long timeoutMillis) throws IOException {
    socket.setSoTimeout((int) timeoutMillis);
    InputStream in = socket.getInputStream();
    try {
      while (in.read() >= 0) {
        // discard anything the server says before closing
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }
}
