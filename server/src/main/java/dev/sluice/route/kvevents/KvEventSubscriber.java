package dev.sluice.route.kvevents;

import dev.sluice.route.kvevents.EndpointBlocks.Trust;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * One endpoint's KV events, on a thread of its own (a ZeroMQ socket belongs to one thread, and a blocking receive
 * must never hold an event loop). It keeps {@link EndpointBlocks} equal to the engine's cache:
 *
 * <ul>
 *   <li>ZeroMQ reconnects the SUB socket by itself; what was published meanwhile shows as a gap in the sequence
 *       numbers, and the gap is asked of the engine's replay socket from the last number seen;</li>
 *   <li>at start, everything the engine still keeps is asked for from number 0, so a gateway started after the
 *       engine knows its cache at once when the engine's replay buffer reaches back to its first batch;</li>
 *   <li>a gap that cannot be replayed drops the index and rebuilds it from the events that follow (a full resync):
 *       until the engine clears its cache, the index is {@link Trust#PARTIAL} and the learned index helps out;</li>
 *   <li>a live number at or below one already received live means the engine restarted with an empty cache.</li>
 * </ul>
 */
final class KvEventSubscriber implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(KvEventSubscriber.class);
  private static final int REPLAY_TIMEOUT_MS = 2000;

  private record Batch(long seq, byte[] payload) {
  }

  private final ZContext context;
  private final String name;
  private final String address;
  private final byte[] topic;
  private final String replayAddress;
  private final EndpointBlocks blocks;
  private final Thread thread;
  private volatile boolean running = true;

  private long lastSeq = -1;
  private long lastLiveSeq = -1;
  /** The first batch applied since the index was last empty and unaware: 0 means it saw everything. */
  private long firstApplied = -1;
  private ZMQ.Socket replay;

  /** @param replayAddress null when the engine has no replay socket */
  KvEventSubscriber(ZContext context, String name, String address, String topic, String replayAddress,
      EndpointBlocks blocks) {
    this.context = context;
    this.name = name;
    this.address = address;
    this.topic = topic.getBytes(StandardCharsets.UTF_8);
    this.replayAddress = replayAddress;
    this.blocks = blocks;
    this.thread = new Thread(this::run, "sluice-kv-events-" + name);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  EndpointBlocks blocks() {
    return blocks;
  }

  private void run() {
    ZMQ.Socket sub = null;
    try {
      sub = context.createSocket(SocketType.SUB);
      sub.setLinger(0);
      sub.setReconnectIVL(100);
      sub.setReconnectIVLMax(5000);
      sub.setRcvHWM(100_000);
      sub.setReceiveTimeOut(100);
      sub.subscribe(topic);
      sub.connect(address);
      if (replayAddress != null) {
        catchUpAtStart();
      }
      while (running) {
        byte[] first = sub.recv();
        if (first == null) {
          continue;
        }
        List<byte[]> frames = new ArrayList<>(3);
        frames.add(first);
        while (sub.hasReceiveMore()) {
          frames.add(sub.recv());
        }
        if (frames.size() != 3 || frames.get(1).length != 8) {
          LOG.warnf("KV events of %s: ignored a message of %d frames (expected topic, sequence, payload)", name,
              frames.size());
          continue;
        }
        live(ByteBuffer.wrap(frames.get(1)).getLong(), frames.get(2));
      }
    } catch (RuntimeException e) {
      if (running) {
        LOG.errorf(e, "KV events of %s stopped; routing to it falls back to the learned index", name);
        blocks.reset(Trust.NONE);
      }
    } finally {
      if (sub != null) {
        context.destroySocket(sub);
      }
      closeReplay();
    }
  }

  private void live(long seq, byte[] payload) {
    if (lastLiveSeq >= 0 && seq <= lastLiveSeq) {
      LOG.infof("KV events of %s: sequence went back from %d to %d, the engine restarted; index dropped", name,
          lastLiveSeq, seq);
      blocks.reset(Trust.NONE);
      lastSeq = -1;
    }
    lastLiveSeq = seq;
    if (seq <= lastSeq) {
      return;  // already had it from a replay
    }
    if (seq == lastSeq + 1) {
      if (seq == 0 && blocks.trust() == Trust.NONE) {
        blocks.reset(Trust.COMPLETE);  // the engine's very first batch: nothing came before
      }
    } else if (replayGap(lastSeq + 1, seq)) {
      if (blocks.trust() == Trust.NONE && lastSeq >= 0 && firstApplied == 0) {
        blocks.trust(Trust.COMPLETE);  // the replay reached back to the engine's very first batch
      }
    } else {
      LOG.infof("KV events of %s: batches %d to %d are lost; index rebuilt from %d on", name, lastSeq + 1, seq - 1,
          seq);
      blocks.reset(Trust.PARTIAL);
    }
    apply(seq, payload);
  }

  /** Everything the engine still keeps, from its first batch if it has kept it. */
  private void catchUpAtStart() {
    List<Batch> kept = replayFrom(0);
    if (kept == null) {
      return;  // no answer: the engine may not be up yet; live batches decide
    }
    if (kept.isEmpty()) {
      blocks.reset(Trust.COMPLETE);  // it has published nothing: its cache holds nothing we could miss
      return;
    }
    blocks.reset(kept.get(0).seq() == 0 ? Trust.COMPLETE : Trust.PARTIAL);
    long expected = kept.get(0).seq();
    for (Batch b : kept) {
      if (b.seq() != expected) {
        blocks.reset(Trust.PARTIAL);
      }
      apply(b.seq(), b.payload());
      expected = b.seq() + 1;
    }
    LOG.infof("KV events of %s: caught up to batch %d (%s, %d blocks)", name, lastSeq, blocks.trust(),
        blocks.size());
  }

  /** Fills [from, until) from the replay socket; false when there is none or it no longer has them all. */
  private boolean replayGap(long from, long until) {
    if (replayAddress == null) {
      return false;
    }
    List<Batch> kept = replayFrom(from);
    if (kept == null) {
      return false;
    }
    List<Batch> wanted = new ArrayList<>();
    long expected = from;
    for (Batch b : kept) {
      if (b.seq() >= until) {
        break;
      }
      if (b.seq() != expected) {
        return false;
      }
      wanted.add(b);
      expected++;
    }
    if (expected != until) {
      return false;
    }
    for (Batch b : wanted) {
      apply(b.seq(), b.payload());
    }
    return true;
  }

  /**
   * vLLM's replay protocol on a DEALER socket (a REQ socket would take only the first of the many answers): send
   * {@code ["", start]}, receive {@code ["", seq, payload]} per kept batch, then {@code ["", -1, ""]}.
   *
   * @return the batches, or null when the engine did not answer in time
   */
  private List<Batch> replayFrom(long from) {
    if (replay == null) {
      replay = context.createSocket(SocketType.DEALER);
      replay.setLinger(0);
      replay.setReceiveTimeOut(REPLAY_TIMEOUT_MS);
      replay.connect(replayAddress);
    }
    replay.sendMore(new byte[0]);
    replay.send(ByteBuffer.allocate(8).putLong(from).array());
    List<Batch> out = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (running && System.nanoTime() < deadline) {
      List<byte[]> frames = new ArrayList<>(3);
      byte[] first = replay.recv();
      if (first == null) {
        break;
      }
      frames.add(first);
      while (replay.hasReceiveMore()) {
        frames.add(replay.recv());
      }
      if (frames.size() != 3 || frames.get(1).length != 8) {
        break;
      }
      long seq = ByteBuffer.wrap(frames.get(1)).getLong();
      if (seq == -1) {
        return out;
      }
      out.add(new Batch(seq, frames.get(2)));
    }
    // No end marker: whatever arrives later belongs to this request; a fresh socket starts clean.
    LOG.debugf("KV events of %s: the replay socket %s did not answer", name, replayAddress);
    closeReplay();
    return null;
  }

  private void apply(long seq, byte[] payload) {
    if (lastSeq < 0) {
      firstApplied = seq;
    }
    lastSeq = seq;
    List<KvEventDecoder.Event> events;
    try {
      events = KvEventDecoder.decode(payload);
    } catch (IllegalArgumentException e) {
      // A batch we cannot read is a batch we missed.
      LOG.warnf("KV events of %s: batch %d unreadable (%s); index rebuilt from the next", name, seq, e.getMessage());
      blocks.reset(Trust.PARTIAL);
      return;
    }
    for (KvEventDecoder.Event e : events) {
      if (e instanceof KvEventDecoder.Stored s) {
        blocks.stored(s.hashes());
      } else if (e instanceof KvEventDecoder.Removed r) {
        blocks.removed(r.hashes());
      } else {
        blocks.cleared();
      }
    }
  }

  private void closeReplay() {
    if (replay != null) {
      context.destroySocket(replay);
      replay = null;
    }
  }

  /** Stops the thread; its sockets close with it. */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
