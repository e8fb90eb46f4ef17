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
}
