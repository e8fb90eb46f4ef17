package dev.sluice.sim;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The last {@value #CAPACITY} requests, kept in a lock-free ring. Entries hold the decoded header
 * map and body buffer as Vert.x handed them over (neither is reused after the request), and are
 * turned into {@link RecordedRequest}s only when a test asks: recording must cost next to nothing
 * at ten thousand requests per second.
 */
final class RequestLog {

  static final int CAPACITY = 64;

  private record Entry(String method, String path, MultiMap headers, Buffer body) {
  }

  private final AtomicReferenceArray<Entry> ring = new AtomicReferenceArray<>(CAPACITY);
  private final AtomicLong next = new AtomicLong();

  void record(String method, String path, MultiMap headers, Buffer body) {
    long i = next.getAndIncrement();
    ring.set((int) (i % CAPACITY), new Entry(method, path, headers, body));
  }

  /** Oldest first. */
  List<RecordedRequest> recent() {
    long end = next.get();
    long start = Math.max(0, end - CAPACITY);
    List<RecordedRequest> out = new ArrayList<>((int) (end - start));
    for (long i = start; i < end; i++) {
      Entry e = ring.get((int) (i % CAPACITY));
      if (e != null) {
        out.add(convert(e));
      }
    }
    return Collections.unmodifiableList(out);
  }

  private static RecordedRequest convert(Entry e) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (Map.Entry<String, String> h : e.headers) {
      headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(h.getValue());
    }
    headers.replaceAll((k, v) -> List.copyOf(v));
    String body = e.body == null ? "" : e.body.toString(StandardCharsets.UTF_8);
    return new RecordedRequest(e.method, e.path, Collections.unmodifiableMap(headers), body);
  }
}
