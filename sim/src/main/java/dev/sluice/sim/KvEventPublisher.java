package dev.sluice.sim;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;
import org.zeromq.ZMsg;

/**
 * vLLM's {@code ZmqEventPublisher} for the simulator: every batch of prefix-cache changes goes out on a PUB socket
 * as three frames (topic, 8-byte big-endian sequence number, msgpack {@code KVEventBatch}), and is kept for
 * replay: a ROUTER socket answers {@code [identity, "", start seq]} with {@code [identity, "", seq, payload]} for
 * every kept batch from that number on, then {@code [identity, "", -1, ""]}.
 *
 * <p>One thread owns both sockets (ZeroMQ sockets are not thread-safe); the cache hands it batches through a
 * bounded queue, numbered as they are handed over so that a batch dropped on overflow leaves a gap a subscriber
 * sees. {@link #suspend()} and {@link #resume()} close and rebind the sockets on the same ports, standing for a
 * dropped connection: batches in between are numbered and kept for replay but never sent.
 */
final class KvEventPublisher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(KvEventPublisher.class.getName());
  private static final byte[] END_SEQ = ByteBuffer.allocate(8).putLong(-1).array();
  private static final int QUEUE = 100_000;

  private record Numbered(long seq, double ts, List<KvEvent> events) {
  }

  private record Kept(long seq, byte[] payload) {
  }

  private final SimConfig.KvEvents options;
  private final String bindHost;
  private final byte[] topic;
  private final ZContext context = new ZContext(1);
  private final BlockingQueue<Numbered> queue = new LinkedBlockingQueue<>(QUEUE);
  private final ArrayDeque<Kept> kept = new ArrayDeque<>();
  private final Thread thread;
  /** Serialises suspend and resume; never the lock {@link #publish} takes, which the cache's lock nests. */
  private final Object transitions = new Object();
  private final int port;
  private final int replayPort;
  private long nextSeq;
  private ZMQ.Socket pub;
  private ZMQ.Socket replay;
  private volatile boolean running = true;
  private volatile boolean wantUp = true;
  private volatile CompletableFuture<Void> transition;

  KvEventPublisher(SimConfig.KvEvents options, String host) {
    this.options = options;
    this.bindHost = host.equals("0.0.0.0") || host.equals("::") ? "*" : host.contains(":") ? "[" + host + "]" : host;
    this.topic = options.topic().getBytes(StandardCharsets.UTF_8);
    try {
      this.pub = context.createSocket(SocketType.PUB);
      pub.setSndHWM(100_000);
      pub.setLinger(0);
      this.port = bind(pub, options.port());
      if (options.replayPort() >= 0) {
        this.replay = context.createSocket(SocketType.ROUTER);
        replay.setLinger(0);
        this.replayPort = bind(replay, options.replayPort());
      } else {
        this.replayPort = -1;
      }
    } catch (RuntimeException e) {
      context.close();
      throw e;
    }
    this.thread = new Thread(this::run, "sim-kv-events-" + port);
    thread.setDaemon(true);
    thread.start();
  }

  private int bind(ZMQ.Socket socket, int wanted) {
    socket.bind("tcp://" + bindHost + ":" + (wanted == 0 ? "*" : Integer.toString(wanted)));
    String last = socket.getLastEndpoint();
    return Integer.parseInt(last.substring(last.lastIndexOf(':') + 1));
  }

  int port() {
    return port;
  }

  /** -1 without a replay socket. */
  int replayPort() {
    return replayPort;
  }

  /** Called by the cache with its lock held, so numbers follow the cache's order. Never blocks. */
  synchronized void publish(List<KvEvent> events) {
    Numbered batch = new Numbered(nextSeq++, System.currentTimeMillis() / 1000.0, events);
    if (!queue.offer(batch)) {
      LOG.warning("KV event queue full: batch " + batch.seq() + " dropped");
    }
  }

  /** Closes both sockets (subscribers see the connection drop); later batches are only kept for replay. */
  void suspend() {
    await(false);
  }

  /** Binds both sockets again on the same ports. */
  void resume() {
    await(true);
  }

  private void await(boolean up) {
    synchronized (transitions) {
      awaitLocked(up);
    }
  }

  private void awaitLocked(boolean up) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    transition = done;
    wantUp = up;
    try {
      done.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("KV event sockets did not " + (up ? "rebind" : "close"), e);
    }
  }

  private void run() {
    try {
      while (running) {
        reconcile();
        Numbered batch = queue.poll(10, TimeUnit.MILLISECONDS);
        while (batch != null) {
          send(batch);
          batch = queue.poll();
        }
        if (replay != null) {
          serviceReplays();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "KV event publisher stopped", e);
    } finally {
      context.close();
    }
  }

  private void reconcile() {
    CompletableFuture<Void> t = transition;
    if (t == null) {
      return;
    }
    try {
      if (!wantUp && pub != null) {
        context.destroySocket(pub);
        pub = null;
        if (replay != null) {
          context.destroySocket(replay);
          replay = null;
        }
      } else if (wantUp && pub == null) {
        pub = rebind(SocketType.PUB, port);
        pub.setSndHWM(100_000);
        if (replayPort >= 0) {
          replay = rebind(SocketType.ROUTER, replayPort);
        }
      }
      transition = null;
      t.complete(null);
    } catch (RuntimeException e) {
      transition = null;
      t.completeExceptionally(e);
    }
  }

  /** The port was just released by this process; the kernel may take a moment to let it go. */
  private ZMQ.Socket rebind(SocketType type, int onPort) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      ZMQ.Socket s = context.createSocket(type);
      s.setLinger(0);
      try {
        s.bind("tcp://" + bindHost + ":" + onPort);
        return s;
      } catch (ZMQException e) {
        context.destroySocket(s);
        if (System.nanoTime() > deadline) {
          throw e;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
    }
  }

  private void send(Numbered batch) {
    byte[] payload = encode(batch);
    kept.addLast(new Kept(batch.seq(), payload));
    if (kept.size() > options.bufferSteps()) {
      kept.removeFirst();
    }
    if (pub != null) {
      pub.sendMore(topic);
      pub.sendMore(seqBytes(batch.seq()));
      pub.send(payload);
    }
  }

  private void serviceReplays() {
    ZMsg request;
    while ((request = ZMsg.recvMsg(replay, ZMQ.DONTWAIT)) != null) {
      if (request.size() != 3) {
        LOG.warning("invalid KV event replay request with " + request.size() + " frames");
        request.destroy();
        continue;
      }
      byte[] client = request.pop().getData();
      request.pop();
      byte[] start = request.pop().getData();
      long from = start.length == 8 ? ByteBuffer.wrap(start).getLong() : Long.MAX_VALUE;
      for (Kept k : kept) {
        if (k.seq() >= from) {
          replay.sendMore(client);
          replay.sendMore(new byte[0]);
          replay.sendMore(seqBytes(k.seq()));
          replay.send(k.payload());
        }
      }
      replay.sendMore(client);
      replay.sendMore(new byte[0]);
      replay.sendMore(END_SEQ);
      replay.send(new byte[0]);
    }
  }

  private static byte[] seqBytes(long seq) {
    return ByteBuffer.allocate(8).putLong(seq).array();
  }

  /**
   * vLLM's {@code KVEventBatch} as msgspec encodes it: array-like structs, so a batch is {@code [ts, events,
   * data_parallel_rank]} and an event is {@code [tag, fields...]} with the class name as tag; block hashes are
   * unsigned 64-bit integers.
   */
  static byte[] encode(double ts, List<KvEvent> events) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(3);
      p.packDouble(ts);
      p.packArrayHeader(events.size());
      for (KvEvent e : events) {
        if (e instanceof KvEvent.BlockStored s) {
          p.packArrayHeader(8);
          p.packString("BlockStored");
          hashes(p, s.hashes());
          if (s.parent() == null) {
            p.packNil();
          } else {
            hash(p, s.parent());
          }
          p.packArrayHeader(s.tokenIds().length);
          for (int id : s.tokenIds()) {
            p.packInt(id);
          }
          p.packInt(s.blockSize());
          p.packNil();             // lora_id
          p.packString("GPU");     // medium
          p.packNil();             // lora_name
        } else if (e instanceof KvEvent.BlockRemoved r) {
          p.packArrayHeader(3);
          p.packString("BlockRemoved");
          hashes(p, r.hashes());
          p.packString("GPU");     // medium
        } else {
          p.packArrayHeader(1);
          p.packString("AllBlocksCleared");
        }
      }
      p.packInt(0);                // data_parallel_rank
      return p.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("msgpack into memory cannot fail", e);
    }
  }

  private static byte[] encode(Numbered batch) {
    return encode(batch.ts(), batch.events());
  }

  private static void hashes(MessageBufferPacker p, long[] hashes) throws IOException {
    p.packArrayHeader(hashes.length);
    for (long h : hashes) {
      hash(p, h);
    }
  }

  /** Python's ints are unbounded: a hash with the top bit set is a uint64, never a negative number. */
  private static void hash(MessageBufferPacker p, long h) throws IOException {
    if (h >= 0) {
      p.packLong(h);
    } else {
      p.packBigInteger(new BigInteger(Long.toUnsignedString(h)));
    }
  }

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
