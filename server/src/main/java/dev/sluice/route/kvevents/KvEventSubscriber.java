package dev.sluice.route.kvevents;

import dev.sluice.route.kvevents.EndpointBlocks.Trust;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 *   <li>a batch under a number already applied but with other content (each batch's fingerprint is kept for a
 *       while) means the engine restarted with an empty cache: the index is dropped and caught up from 0;</li>
 *   <li>after the SUB socket reconnects, even a batch that follows the last number seen may be a restarted
 *       engine's: the last batch applied is asked of the replay socket and compared before going on (without a
 *       replay socket the index is rebuilt from that batch on, {@link Trust#PARTIAL}).</li>
 * </ul>
 */
final class KvEventSubscriber implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(KvEventSubscriber.class);
  private static final int REPLAY_TIMEOUT_MS = 2000;
  /**
   * A ZeroMQ handshake that has not completed by then is dropped and the connection made again. JeroMQ now and then
   * leaves a new connection's handshake unfinished (about one connection in fifteen on loopback here, the TCP
   * connection up and nothing received); its default of 30 s left the index deaf for that long.
   */
  private static final int HANDSHAKE_MS = 1000;
  private static final int FINGERPRINTS = 4096;

  private record Batch(long seq, byte[] payload) {
  }

  private final ZContext context;
  private final String name;
  private final String address;
  private final byte[] topic;
  private final String replayAddress;
  private final EndpointBlocks blocks;
  private final KvEventStats stats = new KvEventStats();
  private final Thread thread;
  private volatile boolean running = true;

  private long lastSeq = -1;
  /** The SUB socket connected again since the last batch: the next one may come from a restarted engine. */
  private boolean reconnected;
  private boolean connectedOnce;
  /** The last batches applied, by number, to tell a replayed duplicate from a restarted engine's new batch. */
  private final Map<Long, Long> fingerprints = new LinkedHashMap<>(FINGERPRINTS * 4 / 3 + 1) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
      return size() > FINGERPRINTS;
    }
  };
  private ZMQ.Socket replay;
  private ZMQ.Socket monitor;

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

  KvEventStats stats() {
    return stats;
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
      sub.setHandshakeIvl(HANDSHAKE_MS);
      sub.subscribe(topic);
      String monitorAddress = "inproc://sluice-kv-monitor-" + System.identityHashCode(this);
      sub.monitor(monitorAddress, ZMQ.EVENT_CONNECTED);
      monitor = context.createSocket(SocketType.PAIR);
      monitor.connect(monitorAddress);
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
        noteReconnects();
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
      if (monitor != null) {
        context.destroySocket(monitor);
      }
      closeReplay();
    }
  }

  /**
   * Reads the socket monitor's connection events, queued before any message of the connection they announce: the
   * first connection is the start; any later one is a reconnect.
   */
  private void noteReconnects() {
    ZMQ.Event event;
    while ((event = ZMQ.Event.recv(monitor, ZMQ.DONTWAIT)) != null) {
      if (event.getEvent() == ZMQ.EVENT_CONNECTED) {
        reconnected = connectedOnce;
        connectedOnce = true;
      }
    }
  }

  private void live(long seq, byte[] payload) {
    stats.heard();
    if (lastSeq >= 0 && seq == lastSeq + 1 && reconnected && !sameEngine()) {
      // A restarted engine whose numbers happen to reach just past ours: what we hold is not in its cache.
      LOG.infof("KV events of %s: batch %d after a reconnect is not from the engine we followed; it restarted", name,
          seq);
      forget(Trust.NONE);
    }
    reconnected = false;
    if (lastSeq >= 0 && seq == lastSeq + 1) {
      apply(seq, payload);
      return;
    }
    if (lastSeq >= 0 && seq <= lastSeq) {
      Long seen = fingerprints.get(seq);
      if (seen != null && seen == fingerprint(payload)) {
        return;  // already had it from a replay
      }
      // Not a batch we had under this number: the engine restarted, with an empty cache and new numbers.
      LOG.infof("KV events of %s: batch %d differs from the one received before; the engine restarted", name, seq);
      forget(Trust.NONE);
    } else if (lastSeq >= 0) {
      stats.gaps.incrementAndGet();
      if (fillGap(seq)) {
        apply(seq, payload);
        return;
      }
      if (lastSeq >= 0) {
        LOG.infof("KV events of %s: batches %d to %d are lost; index rebuilt from %d on", name, lastSeq + 1,
            seq - 1, seq);
        forget(Trust.PARTIAL);
        apply(seq, payload);
        return;
      }
      // fillGap found a restarted engine and forgot everything: start over below.
    }
    if (seq == 0) {
      blocks.reset(Trust.COMPLETE);  // the engine's very first batch: nothing came before it
    } else if (!catchUp(0, seq)) {
      blocks.reset(Trust.PARTIAL);   // the engine no longer keeps its first batches
      stats.resyncs.incrementAndGet();
    }
    if (seq > lastSeq) {
      apply(seq, payload);
    }
  }

  /**
   * Everything the engine still keeps, from its first batch if it has kept it: at start, the engine may have run
   * long before the gateway.
   */
  private void catchUpAtStart() {
    List<Batch> kept = replayFrom(0);
    if (kept == null) {
      return;  // no answer: the engine may not be up yet; live batches decide
    }
    if (kept.isEmpty()) {
      blocks.reset(Trust.COMPLETE);  // it has published nothing: its cache holds nothing we could miss
      return;
    }
    applyReplayed(kept, Long.MAX_VALUE);
    LOG.infof("KV events of %s: caught up to batch %d (%s, %d blocks)", name, lastSeq, blocks.trust(),
        blocks.size());
  }

  /**
   * With nothing known, asks for every kept batch below {@code until}: true when they reach back to the engine's
   * first batch and leave no hole, so the index is complete.
   */
  private boolean catchUp(long from, long until) {
    if (replayAddress == null) {
      return false;
    }
    List<Batch> kept = replayFrom(from);
    if (kept == null || kept.isEmpty()) {
      return false;
    }
    return applyReplayed(kept, until) == Trust.COMPLETE;
  }

  private Trust applyReplayed(List<Batch> kept, long until) {
    Trust trust = kept.get(0).seq() == 0 ? Trust.COMPLETE : Trust.PARTIAL;
    blocks.reset(trust);
    long expected = kept.get(0).seq();
    for (Batch b : kept) {
      if (b.seq() >= until) {
        break;
      }
      if (b.seq() != expected) {
        trust = Trust.PARTIAL;
        blocks.reset(Trust.PARTIAL);
      }
      apply(b.seq(), b.payload());
      expected = b.seq() + 1;
    }
    return trust;
  }

  /**
   * Fills (lastSeq, until) from the replay socket. The request starts at the last batch applied, whose
   * fingerprint tells the same engine (go on) from a restarted one that has meanwhile published past our number
   * (forget everything). False when the batches cannot all be had.
   */
  private boolean fillGap(long until) {
    if (replayAddress == null) {
      return false;
    }
    List<Batch> kept = replayFrom(lastSeq);
    if (kept == null || kept.isEmpty() || kept.get(0).seq() != lastSeq) {
      return false;
    }
    if (fingerprint(kept.get(0).payload()) != fingerprints.getOrDefault(lastSeq, 0L)) {
      LOG.infof("KV events of %s: batch %d differs from the one received before; the engine restarted", name,
          lastSeq);
      forget(Trust.NONE);
      return false;
    }
    List<Batch> wanted = new ArrayList<>();
    long expected = lastSeq + 1;
    for (Batch b : kept.subList(1, kept.size())) {
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

  /** Whether the engine's replay socket still has our last batch, unchanged: the same engine, still running. */
  private boolean sameEngine() {
    if (replayAddress == null) {
      return false;
    }
    List<Batch> kept = replayFrom(lastSeq);
    return kept != null && !kept.isEmpty() && kept.get(0).seq() == lastSeq
        && fingerprint(kept.get(0).payload()) == fingerprints.getOrDefault(lastSeq, 0L);
  }

  private void forget(Trust next) {
    stats.resyncs.incrementAndGet();
    blocks.reset(next);
    fingerprints.clear();
    lastSeq = -1;
  }

  /** FNV-1a over the payload: two batches under one number differ at least in their timestamps. */
  private static long fingerprint(byte[] payload) {
    long h = 0xcbf29ce484222325L;
    for (byte b : payload) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
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
      replay.setHandshakeIvl(HANDSHAKE_MS);
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
        stats.replays.incrementAndGet();
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
    stats.heard();
    lastSeq = seq;
    fingerprints.put(seq, fingerprint(payload));
    List<KvEventDecoder.Event> events;
    try {
      events = KvEventDecoder.decode(payload);
    } catch (IllegalArgumentException e) {
      // A batch we cannot read is a batch we missed.
      LOG.warnf("KV events of %s: batch %d unreadable (%s); index rebuilt from the next", name, seq, e.getMessage());
      stats.decodeErrors.incrementAndGet();
      stats.resyncs.incrementAndGet();
      blocks.reset(Trust.PARTIAL);
      return;
    }
    stats.events.addAndGet(events.size());
    for (KvEventDecoder.Event e : events) {
      if (e instanceof KvEventDecoder.Stored s && s.adapter() != null) {
        // Hashed with the adapter's name, so no base-model prompt can match them, and no request names an
        // adapter (ADR 113): kept out of the index rather than taking its room.
        stats.adapterBlocks.addAndGet(s.hashes().length);
      } else if (e instanceof KvEventDecoder.Stored s) {
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

  /** Asks the thread to stop without waiting for it (discovery may call from an event loop). */
  void stop() {
    running = false;
  }

  /** Stops the thread and waits for it; its sockets close with it. */
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
