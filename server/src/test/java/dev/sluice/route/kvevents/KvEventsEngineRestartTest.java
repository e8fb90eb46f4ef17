package dev.sluice.route.kvevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.route.Endpoint;
import dev.sluice.route.PrefixScorer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * An engine that restarts on the same address and, by the time the gateway hears it again, has published exactly
 * as many batches as the one before: its next number is the one the gateway expects, yet none of the blocks the
 * gateway holds are in its cache. The gateway must not take it for the engine it followed.
 */
class KvEventsEngineRestartTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @Test
  void aRestartedEngineWhoseNumbersContinueOursIsNotMistakenForTheOneBefore() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String address = "tcp://127.0.0.1:" + port;
    Endpoint e = new Endpoint(URI.create("http://127.0.0.1:1"));
    try (ZContext zmq = new ZContext();
        KvEventsScorer scorer = new KvEventsScorer("m", "", 1000, x -> new KvEventsScorer.Source(address, null),
            List.of(e), new PrefixScorer(List.of(e), 100), EnginePrompts.simulator(4, "0"))) {
      ZMQ.Socket first = publisher(zmq, address);
      // A PUB socket drops what it sends before the subscriber joined: batch 0 is sent until the index has it.
      await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
        send(first, 0, 1.0, 11);
        assertThat(scorer.indexed(e)).containsExactly(11);
      });
      send(first, 1, 1.1, 12);
      send(first, 2, 1.2, 13);
      await().atMost(WAIT).untilAsserted(() -> assertThat(scorer.indexed(e)).containsExactlyInAnyOrder(11, 12, 13));
      zmq.destroySocket(first);

      // The new engine's batches 0 to 2 went out while nobody listened; its batch 3 is what the gateway hears.
      ZMQ.Socket second = await().atMost(WAIT).ignoreExceptions().until(() -> publisher(zmq, address), s -> true);
      await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
        send(second, 3, 9.0, 91);
        assertThat(scorer.indexed(e)).containsExactly(91);
      });
      assertThat(scorer.trust(e)).as("without a replay socket the rest of its cache is unknown").isEqualTo("PARTIAL");
    }
  }

  private static ZMQ.Socket publisher(ZContext zmq, String address) {
    ZMQ.Socket pub = zmq.createSocket(SocketType.PUB);
    pub.setLinger(0);
    try {
      pub.bind(address);
    } catch (RuntimeException ex) {
      zmq.destroySocket(pub);
      throw ex;
    }
    return pub;
  }

  /** One batch of vLLM's KV events, {@code [ts, [BlockStored([hash], None, tokens, 4, None, "GPU", None)], 0]}. */
  private static void send(ZMQ.Socket pub, long seq, double ts, long hash) throws IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(3);
      p.packDouble(ts);
      p.packArrayHeader(1);
      p.packArrayHeader(8);
      p.packString("BlockStored");
      p.packArrayHeader(1);
      p.packBigInteger(BigInteger.valueOf(hash));
      p.packNil();
      p.packArrayHeader(4);
      for (int i = 0; i < 4; i++) {
        p.packInt(i);
      }
      p.packInt(4);
      p.packNil();
      p.packString("GPU");
      p.packNil();
      p.packInt(0);
      pub.sendMore(new byte[0]);
      pub.sendMore(ByteBuffer.allocate(8).putLong(seq).array());
      pub.send(p.toByteArray());
    }
  }
}
