package dev.sluice.record.usage;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Usage records the store could not take, waiting on disk in the order they came. Each batch is one segment
 * file ({@code <sequence>-<records>.jsonl}, one record a line), written beside its final name, forced to disk
 * and renamed into place, so a crash leaves whole segments or none. Segments are taken oldest first and
 * deleted only after the store has committed them; a crash in between replays a segment whose records the
 * store already has, which {@link UsageTables#write} recognises by their ids.
 *
 * <p>Bounded by bytes: a batch that does not fit is refused, and the caller counts and logs it. The directory
 * is locked for the life of the spool: two processes sharing one would replay each other's records.
 * Used by the writer thread only.
 */
final class UsageSpool implements AutoCloseable {
  private static final Pattern SEGMENT = Pattern.compile("(\\d{20})-(\\d+)\\.jsonl");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One segment: its file and how many records it holds (from its name, so nothing is read to count). */
  record Segment(Path file, long sequence, int records, long bytes) {
  }

  private final Path dir;
  private final long maxBytes;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private volatile long bytes;
  private volatile long records;
  private long nextSequence;

  private UsageSpool(Path dir, long maxBytes, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Opens (creating) the directory, locks it and finds what a previous run left. */
  static UsageSpool open(Path dir, long maxBytes) {
    FileChannel channel = null;
    try {
      Files.createDirectories(dir);
      channel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new IllegalStateException("usage spool directory " + dir.toAbsolutePath() + " is in use by another "
            + "Sluice gateway; give each gateway process its own usage.spool.dir");
      }
      UsageSpool spool = new UsageSpool(dir, maxBytes, channel, lock);
      spool.scan();
      return spool;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException("cannot open the usage spool at " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  private void scan() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        Matcher m = SEGMENT.matcher(name);
        if (m.matches()) {
          Segment s = new Segment(file, Long.parseLong(m.group(1)), Integer.parseInt(m.group(2)), Files.size(file));
          segments.put(s.sequence(), s);
        } else if (name.endsWith(".tmp")) {
          // A write the crash interrupted: never renamed into place, so never counted as spooled.
          Files.deleteIfExists(file);
        }
      }
    }
    nextSequence = segments.isEmpty() ? 1 : segments.lastKey() + 1;
    bytes = segments.values().stream().mapToLong(Segment::bytes).sum();
    records = segments.values().stream().mapToLong(Segment::records).sum();
  }

  boolean isEmpty() {
    return segments.isEmpty();
  }

  long bytes() {
    return bytes;
  }

  long records() {
    return records;
  }

  Path dir() {
    return dir;
  }

  /**
   * Appends a batch as one segment, durably.
   *
   * @return false when it would take the spool past its bound (nothing is written)
   */
  boolean append(List<Stamped> batch) throws IOException {
    StringBuilder text = new StringBuilder(batch.size() * 220);
    for (Stamped s : batch) {
      text.append(MAPPER.writeValueAsString(s)).append('\n');
    }
    byte[] data = text.toString().getBytes(StandardCharsets.UTF_8);
    if (bytes + data.length > maxBytes) {
      return false;
    }
    long sequence = nextSequence++;
    String name = String.format("%020d-%d.jsonl", sequence, batch.size());
    Path tmp = dir.resolve(name + ".tmp");
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      out.write(java.nio.ByteBuffer.wrap(data));
      out.force(true);
    }
    Path file = dir.resolve(name);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    segments.put(sequence, new Segment(file, sequence, batch.size(), data.length));
    bytes += data.length;
    records += batch.size();
    return true;
  }

  /** The oldest segment, or null when the spool is empty. */
  Segment oldest() {
    var first = segments.firstEntry();
    return first == null ? null : first.getValue();
  }

  List<Stamped> read(Segment segment) throws IOException {
    List<Stamped> out = new ArrayList<>(segment.records());
    try (BufferedReader in = Files.newBufferedReader(segment.file(), StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.isBlank()) {
          out.add(MAPPER.readValue(line, Stamped.class));
        }
      }
    }
    return out;
  }

  /** Sets aside a segment that cannot be read back, under {@code <name>.corrupt}, so it stops the queue no more. */
  void quarantine(Segment segment) throws IOException {
    Files.move(segment.file(), segment.file().resolveSibling(segment.file().getFileName() + ".corrupt"),
        StandardCopyOption.REPLACE_EXISTING);
    segments.remove(segment.sequence());
    bytes -= segment.bytes();
    records -= segment.records();
  }

  /** Forgets a segment the store has committed. */
  void remove(Segment segment) throws IOException {
    Files.deleteIfExists(segment.file());
    segments.remove(segment.sequence());
    bytes -= segment.bytes();
    records -= segment.records();
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException ignored) {
      // the channel's close below releases it too
    }
    closeQuietly(lockChannel);
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing left to do with it
      }
    }
  }
}
