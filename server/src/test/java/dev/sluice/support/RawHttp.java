package dev.sluice.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** HTTP/1.1 over a bare socket, for tests that must hang up at a chosen moment, as a real client can. */
public final class RawHttp {
  private RawHttp() {
  }

  /** What the client saw: the status and everything read before it stopped reading. */
  public record Seen(int status, String text) {
  }

  /**
   * Posts JSON and reads the answer; with {@code hangUpAfter} set, closes the socket as soon as that text has
   * been read (or, when it is "", right after sending, after {@code waitMillis}).
   */
  public static Seen post(int port, String path, String json, String hangUpAfter, long waitMillis,
      String... headers) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " + body.length + "\r\n");
      for (int i = 0; i < headers.length; i += 2) {
        head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
      }
      OutputStream out = socket.getOutputStream();
      out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      if ("".equals(hangUpAfter)) {
        sleep(waitMillis);
        return new Seen(-1, "");
      }
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream seen = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        seen.write(buf, 0, n);
        if (hangUpAfter != null && seen.toString(StandardCharsets.UTF_8).contains(hangUpAfter)) {
          break;
        }
      }
      String text = seen.toString(StandardCharsets.UTF_8);
      int status = text.startsWith("HTTP/1.1 ") ? Integer.parseInt(text.substring(9, 12)) : -1;
      return new Seen(status, text);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Sends {@code bytes} as they are and reads until the server closes the connection or, for a kept-alive
   * answer, until its declared body has arrived; at most {@code timeoutMillis} (a hang is a -1 status).
   */
  public static Seen exchange(int port, byte[] bytes, long timeoutMillis) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout((int) timeoutMillis);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(bytes);
        out.flush();
      } catch (IOException e) {
        // the server may answer and close before reading everything: what it said is still readable
      }
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream seen = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      long deadline = System.currentTimeMillis() + timeoutMillis;
      try {
        int n;
        while (System.currentTimeMillis() < deadline && (n = in.read(buf)) > 0) {
          seen.write(buf, 0, n);
          if (complete(seen.toString(StandardCharsets.ISO_8859_1))) {
            break;
          }
        }
      } catch (java.net.SocketTimeoutException e) {
        return new Seen(-1, seen.toString(StandardCharsets.UTF_8));
      } catch (java.net.SocketException e) {
        // reset after the answer was sent: keep what arrived
      }
      String text = seen.toString(StandardCharsets.UTF_8);
      int status = text.startsWith("HTTP/1.") && text.length() >= 12 ? Integer.parseInt(text.substring(9, 12)) : -1;
      return new Seen(status, text);
    }
  }

  /** Whether a response with a Content-Length has all of its body. */
  private static boolean complete(String text) {
    int headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      return false;
    }
    String head = text.substring(0, headEnd).toLowerCase(java.util.Locale.ROOT);
    int at = head.indexOf("content-length:");
    if (at < 0) {
      return false;
    }
    int end = head.indexOf("\r\n", at);
    int length = Integer.parseInt(head.substring(at + 15, end < 0 ? head.length() : end).trim());
    return text.length() - headEnd - 4 >= length;
  }

  /** The body of a response read by {@link #exchange}, after the head. */
  public static String body(Seen seen) {
    int headEnd = seen.text().indexOf("\r\n\r\n");
    return headEnd < 0 ? "" : seen.text().substring(headEnd + 4);
  }
}
