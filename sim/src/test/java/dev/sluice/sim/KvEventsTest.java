package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessagePack;
import org.msgpack.value.ArrayValue;
import org.msgpack.value.Value;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The simulator's KV-cache events as a vLLM subscriber sees them: ZeroMQ frames read with JeroMQ and payloads
 * decoded with plain msgpack against the layout vLLM documents (examples/online_serving/kv_events_subscriber.py),
 * not with Sluice's decoder.
 */
class KvEventsTest {
  private final ZContext zmq = new ZContext();
  private SimHttp sim;

  @AfterEach
  void close() {
    zmq.close();
    if (sim != null) {
      sim.close();
    }
  }

  private SimHttp start(int blockSize, int capacity) {
    sim = SimHttp.start(SimHttp.config().withKvCache(blockSize, capacity)
        .withKvEvents(SimConfig.KvEvents.ephemeral().withTopic("kv@sim")));
    return sim;
  }

  private void complete(String prompt) {
    assertThat(sim.post("/v1/completions",
        "{\"model\":\"sim-model\",\"prompt\":\"" + prompt + "\",\"max_tokens\":1}").statusCode()).isEqualTo(200);
  }

  /**
   * A subscriber that has provably joined: it keeps sending short prompts until the events of one come back. Each
   * prompt is new: a repeated one is a cache hit, which stores nothing and publishes nothing, so a subscriber that
   * joined after the first would wait forever. Then it reads through a marker prompt's own message: the simulator
   * publishes in cache order on one socket, so every joining message has been read once the marker's has. The
   * socket is polled from this thread only: a ZeroMQ socket belongs to one thread.
   */
  private ZMQ.Socket joinedSubscriber(String topic) throws IOException {
    ZMQ.Socket sub = zmq.createSocket(SocketType.SUB);
    sub.setHandshakeIvl(500);   // JeroMQ now and then leaves a handshake unfinished: retry it, as the gateway does
    sub.connect(sim.sim.kvEventsEndpoint());
    sub.subscribe(topic.getBytes());
    int[] attempt = {0};
    await().atMost(Duration.ofSeconds(10)).pollInSameThread().until(() -> {
      complete("join" + attempt[0]++ + " join join join");
      return sub.recv(ZMQ.DONTWAIT) != null;
    });
    String marker = "marker" + attempt[0];
    complete(marker + " join join join");
    while (!storesToken(receiveFrameAligned(sub), Tokenizer.id(marker))) {
      // a joining message
    }
    return sub;
  }

  /** The next batch, skipping the rest of a message whose first frame the join loop already took. */
  private static ArrayValue receiveFrameAligned(ZMQ.Socket sub) throws IOException {
    sub.setReceiveTimeOut(5000);
    byte[] frame;
    do {
      frame = sub.recv();
      assertThat(frame).as("a message within 5 s").isNotNull();
    } while (sub.hasReceiveMore());   // topic and sequence frames; the last frame is the payload
    return decode(frame);
  }

  private static boolean storesToken(ArrayValue batch, int tokenId) {
    for (Value e : batch.get(1).asArrayValue()) {
      ArrayValue event = e.asArrayValue();
      if (event.get(0).asStringValue().asString().equals("BlockStored")) {
        for (Value t : event.get(3).asArrayValue()) {
          if (t.asIntegerValue().toInt() == tokenId) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private record Message(String topic, long seq, ArrayValue batch) {
  }

  private static Message receive(ZMQ.Socket sub) throws IOException {
    sub.setReceiveTimeOut(5000);
    byte[] topic = sub.recv();
    assertThat(topic).as("a message within 5 s").isNotNull();
    assertThat(sub.hasReceiveMore()).isTrue();
    byte[] seq = sub.recv();
    assertThat(seq).hasSize(8);
    assertThat(sub.hasReceiveMore()).isTrue();
    byte[] payload = sub.recv();
    assertThat(sub.hasReceiveMore()).isFalse();
    return new Message(new String(topic), ByteBuffer.wrap(seq).getLong(), decode(payload));
  }

  private static ArrayValue decode(byte[] payload) throws IOException {
    Value v = MessagePack.newDefaultUnpacker(payload).unpackValue();
    assertThat(v.isArrayValue()).as("KVEventBatch is array-like").isTrue();
    return v.asArrayValue();
  }

  @Test
  void eventsDecodeWithTheFramesAndStructureVllmDocuments() throws IOException {
    start(4, 64);
    ZMQ.Socket sub = joinedSubscriber("kv@sim");
    long before = System.currentTimeMillis() / 1000;

    complete("a b c d e f g h i");   // two full blocks; the ninth token is never cached

    Message m = receive(sub);
    assertThat(m.topic()).isEqualTo("kv@sim");
    ArrayValue batch = m.batch();
    assertThat(batch.size()).as("[ts, events, data_parallel_rank]").isEqualTo(3);
    assertThat(batch.get(0).isFloatValue()).isTrue();
    assertThat(batch.get(0).asFloatValue().toDouble()).isBetween(before - 1.0, before + 60.0);
    assertThat(batch.get(2).asIntegerValue().toInt()).isZero();
    ArrayValue events = batch.get(1).asArrayValue();
    assertThat(events.size()).isEqualTo(1);
    ArrayValue stored = events.get(0).asArrayValue();
    // [tag, block_hashes, parent_block_hash, token_ids, block_size, lora_id, medium, lora_name]
    assertThat(stored.get(0).asStringValue().asString()).isEqualTo("BlockStored");
    assertThat(stored.get(1).asArrayValue().size()).isEqualTo(2);
    assertThat(stored.get(2).isNilValue()).as("the prompt's first block has no parent").isTrue();
    List<Integer> tokenIds = new ArrayList<>();
    stored.get(3).asArrayValue().forEach(t -> tokenIds.add(t.asIntegerValue().toInt()));
    assertThat(tokenIds).containsExactly(Tokenizer.id("a"), Tokenizer.id("b"), Tokenizer.id("c"),
        Tokenizer.id("d"), Tokenizer.id("e"), Tokenizer.id("f"), Tokenizer.id("g"), Tokenizer.id("h"));
    assertThat(stored.get(4).asIntegerValue().toInt()).isEqualTo(4);
    assertThat(stored.get(5).isNilValue()).isTrue();
    assertThat(stored.get(6).asStringValue().asString()).isEqualTo("GPU");

    // The hashes are vLLM's chain over those token ids, so a router can compute them from the prompt.
    long[] expected = new VllmBlockHash("0").blockHashes(
        tokenIds.stream().mapToInt(Integer::intValue).toArray(), 4);
    assertThat(hashes(stored.get(1))).containsExactly(expected[0], expected[1]);

    complete("a b c d e f g h x y z w");   // shares two blocks, adds a third whose parent is block 1
    Message next = receive(sub);
    assertThat(next.seq()).isEqualTo(m.seq() + 1);
    ArrayValue third = next.batch().get(1).asArrayValue().get(0).asArrayValue();
    assertThat(third.get(0).asStringValue().asString()).isEqualTo("BlockStored");
    assertThat(hashes(third.get(1))).hasSize(1);
    assertThat(third.get(2).asIntegerValue().toLong()).isEqualTo(expected[1]);
  }

  @Test
  void blockHashesAreVllmsSha256CborChainSeededLikePythonHashSeed() {
    // Computed independently (a few lines of Python with hashlib, CBOR per RFC 8949 canonical form) for
    // PYTHONHASHSEED=0 and blocks [1, 2, 3, 300], [70000, 5, 6, 2^31-1].
    long[] h = new VllmBlockHash("0").blockHashes(new int[] {1, 2, 3, 300, 70000, 5, 6, Integer.MAX_VALUE, 9}, 4);
    assertThat(h).containsExactly(7184318795270558640L, 5824506568587248313L);
    assertThat(new VllmBlockHash("1").blockHashes(new int[] {1, 2, 3, 300}, 4)[0])
        .as("another seed is another chain").isNotEqualTo(7184318795270558640L);
  }

  @Test
  void aSaltedRequestsEventsCarryTheSaltedChainAndShareNoBlockWithTheUnsaltedPrompt() throws IOException {
    start(4, 64);
    ZMQ.Socket sub = joinedSubscriber("");
    String prompt = "s1 s2 s3 s4 s5 s6 s7 s8";
    complete(prompt);
    List<Long> plain = hashes(receive(sub).batch().get(1).asArrayValue().get(0).asArrayValue().get(1));
    assertThat(sim.post("/v1/completions", "{\"prompt\":\"" + prompt + "\",\"max_tokens\":1,"
        + "\"cache_salt\":\"tenant-a\"}").statusCode()).isEqualTo(200);
    ArrayValue stored = receive(sub).batch().get(1).asArrayValue().get(0).asArrayValue();
    assertThat(stored.get(0).asStringValue().asString()).isEqualTo("BlockStored");
    assertThat(stored.get(2).isNilValue()).as("a new chain from the root, not a continuation").isTrue();
    long[] expected = new VllmBlockHash("0").blockHashes(Tokenizer.ids(Tokenizer.tokenize(prompt)), 4, "tenant-a");
    assertThat(hashes(stored.get(1))).containsExactly(expected[0], expected[1]).doesNotContainAnyElementsOf(plain);
  }

  @Test
  void anIndexBuiltFromTheEventsMatchesTheCacheThroughEvictionsAndAReset() throws IOException {
    start(2, 6);
    ZMQ.Socket sub = joinedSubscriber("");
    Set<Long> index = new HashSet<>(asSet(sim.sim.cachedBlockHashes()));   // what the join put there

    String[] script = {
        "a b c d e f",        // 3 blocks
        "a b c d x y",        // shares 2, stores 1
        "p q r s t u v w",    // 4 new blocks: evicts the eldest
        "a b c d e f",        // block 0..1 may be gone: stores again, evicts more
        "m n",                // 1 block
        "p q r s t u v w z",  // refreshes what is left of it
    };
    int removals = 0;
    for (String prompt : script) {
      complete(prompt);
      removals += apply(index, receiveUntilQuiet(sub));
      assertThat(index).as("after '%s'", prompt).isEqualTo(asSet(sim.sim.cachedBlockHashes()));
    }
    assertThat(removals).as("the script evicts").isPositive();

    sim.sim.resetPrefixCache();
    apply(index, receiveUntilQuiet(sub));
    assertThat(index).isEmpty();
    assertThat(sim.sim.cachedBlockHashes()).isEmpty();
  }

  @Test
  void batchesMissedWhileTheSocketWasDownAreReplayedFromTheirSequenceNumber() throws IOException {
    start(2, 64);
    ZMQ.Socket sub = joinedSubscriber("kv@sim");
    complete("a b");
    long last = receive(sub).seq();

    sim.sim.suspendKvEvents();
    complete("c d");
    complete("e f");
    sim.sim.resumeKvEvents();

    ZMQ.Socket dealer = zmq.createSocket(SocketType.DEALER);
    dealer.connect(sim.sim.kvEventsReplayEndpoint());
    dealer.sendMore(new byte[0]);
    dealer.send(ByteBuffer.allocate(8).putLong(last + 1).array());
    dealer.setReceiveTimeOut(5000);
    List<Long> seqs = new ArrayList<>();
    List<String> tags = new ArrayList<>();
    while (true) {
      assertThat(dealer.recv()).as("empty delimiter").isEmpty();
      long seq = ByteBuffer.wrap(dealer.recv()).getLong();
      byte[] payload = dealer.recv();
      if (seq == -1) {
        assertThat(payload).isEmpty();
        break;
      }
      seqs.add(seq);
      tags.add(decode(payload).get(1).asArrayValue().get(0).asArrayValue().get(0).asStringValue().asString());
    }
    assertThat(seqs).containsExactly(last + 1, last + 2);
    assertThat(tags).containsExactly("BlockStored", "BlockStored");

    // Live messages resume on the same endpoint, numbered after the missed ones.
    int[] fresh = {0};
    await().atMost(Duration.ofSeconds(10)).pollInSameThread().untilAsserted(() -> {
      complete("g" + fresh[0]++ + " h");
      sub.setReceiveTimeOut(200);
      byte[] topic = sub.recv();
      assertThat(topic).isNotNull();
      long seq = ByteBuffer.wrap(sub.recv()).getLong();
      sub.recv();
      assertThat(seq).isGreaterThan(last + 2);
    });
  }

  private static List<ArrayValue> receiveUntilQuiet(ZMQ.Socket sub) throws IOException {
    List<ArrayValue> out = new ArrayList<>();
    out.add(receive(sub).batch());
    sub.setReceiveTimeOut(300);
    byte[] topic;
    while ((topic = sub.recv()) != null) {
      sub.recv();
      out.add(decode(sub.recv()));
    }
    return out;
  }

  /** Applies the batches to a set of block hashes as a router would; returns how many blocks were removed. */
  private static int apply(Set<Long> index, List<ArrayValue> batches) {
    int removed = 0;
    for (ArrayValue batch : batches) {
      for (Value e : batch.get(1).asArrayValue()) {
        ArrayValue event = e.asArrayValue();
        switch (event.get(0).asStringValue().asString()) {
          case "BlockStored" -> index.addAll(hashes(event.get(1)));
          case "BlockRemoved" -> {
            List<Long> gone = hashes(event.get(1));
            removed += gone.size();
            gone.forEach(index::remove);
          }
          case "AllBlocksCleared" -> index.clear();
          default -> throw new AssertionError("unknown event " + event);
        }
      }
    }
    return removed;
  }

  private static List<Long> hashes(Value array) {
    List<Long> out = new ArrayList<>();
    for (Value v : array.asArrayValue()) {
      // Python ints: a hash above 2^63 arrives as a uint64; as a Java long it wraps, as the gateway keeps it.
      out.add(v.asIntegerValue().asBigInteger().longValue());
    }
    return out;
  }

  private static Set<Long> asSet(long[] hashes) {
    Set<Long> s = new HashSet<>();
    for (long h : hashes) {
      s.add(h);
    }
    return s;
  }
}
