package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.vertx.http.runtime.filters.AbstractResponseWrapper;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.ReadStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One client write per upstream read: the first event at once, the rest of the read together, nothing lost. */
class StreamWriterTest {
  private final Vertx vertx = Vertx.vertx();
  private HttpServer server;

  @AfterEach
  void close() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  @Test
  void theFirstEventOfAReadGoesOutAtOnceAndTheRestOfThatReadInOneWrite() throws Exception {
    List<String> writes = new CopyOnWriteArrayList<>();
    List<List<String>> snapshots = new CopyOnWriteArrayList<>();
    String body = serve(writer -> {
      writer.write(Buffer.buffer("a"));
      snapshots.add(List.copyOf(writes)); // "a" is not held back for the rest of the read
      writer.write(Buffer.buffer("b"));
      writer.write(Buffer.buffer("c"));
      vertx.setTimer(20, t -> {
        writer.write(Buffer.buffer("d")); // a later read: at once again
        snapshots.add(List.copyOf(writes));
        writer.write(Buffer.buffer("e"));
        writer.end(Buffer.buffer("f")); // ends with what the read had gathered, then the last bytes
      });
    }, writes, new Upstream());

    assertThat(body).isEqualTo("abcdef");
    assertThat(snapshots).containsExactly(List.of("a"), List.of("a", "bc", "d"));
    assertThat(writes).containsExactly("a", "bc", "d", "end:ef");
  }

  @Test
  void aFullClientSocketPausesTheUpstreamUntilItDrains() throws Exception {
    List<String> writes = new CopyOnWriteArrayList<>();
    Upstream upstream = new Upstream();
    AtomicInteger pausedAtOnce = new AtomicInteger(-1);
    String body = serve(writer -> {
      writer.write(Buffer.buffer("x".repeat(2_000_000))); // far over the write queue's limit
      pausedAtOnce.set(upstream.pauses.get());
      vertx.setPeriodic(5, id -> {
        if (upstream.resumes.get() > 0) { // drained: the upstream may go on
          vertx.cancelTimer(id);
          writer.end(Buffer.buffer("!"));
        }
      });
    }, writes, upstream);

    assertThat(body).hasSize(2_000_001).endsWith("!");
    assertThat(pausedAtOnce.get()).isEqualTo(1);
    assertThat(upstream.resumes.get()).isEqualTo(1);
  }

  /** Starts a server whose one response is written by a StreamWriter, fetches it, returns the body. */
  private String serve(Consumer<StreamWriter> script, List<String> writes, Upstream upstream)
      throws Exception {
    server = vertx.createHttpServer().requestHandler(req -> {
      HttpServerResponse response = new Recording(req.response(), writes).setChunked(true).setWriteQueueMaxSize(1024);
      script.accept(new StreamWriter(vertx.getOrCreateContext(), response, upstream));
    });
    int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .actualPort();
    // 2 MB written at once is more than the socket buffers of a fresh loopback connection take, so the rest
    // waits in the server's queue until this client reads.
    CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket.getOutputStream().write("GET / HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return dechunk(socket.getInputStream());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    return read.get(20, TimeUnit.SECONDS);
  }

  private static String dechunk(InputStream in) throws Exception {
    String head = readLine(in);
    assertThat(head).startsWith("HTTP/1.1 200");
    while (!readLine(in).isEmpty()) {
      // headers
    }
    StringBuilder body = new StringBuilder();
    while (true) {
      int size = Integer.parseInt(readLine(in).trim(), 16);
      if (size == 0) {
        return body.toString();
      }
      body.append(new String(in.readNBytes(size), StandardCharsets.US_ASCII));
      readLine(in);
    }
  }

  private static String readLine(InputStream in) throws Exception {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new IllegalStateException("connection closed");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  /** The client's response, recording every write and the end as they reach Vert.x. */
  private static final class Recording extends AbstractResponseWrapper {
    private final List<String> writes;

    Recording(HttpServerResponse delegate, List<String> writes) {
      super(delegate);
      this.writes = writes;
    }

    @Override
    public Future<Void> write(Buffer data) {
      writes.add(data.length() > 100 ? "(" + data.length() + " bytes)" : data.toString());
      return super.write(data);
    }

    @Override
    public Future<Void> end(Buffer data) {
      writes.add("end:" + data);
      return super.end(data);
    }
  }

  /** Stands in for the upstream response: only pause and resume matter here. */
  private static final class Upstream implements ReadStream<Buffer> {
    final AtomicInteger pauses = new AtomicInteger();
    final AtomicInteger resumes = new AtomicInteger();

    @Override
    public ReadStream<Buffer> pause() {
      pauses.incrementAndGet();
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      resumes.incrementAndGet();
      return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
      return this;
    }
  }
}
