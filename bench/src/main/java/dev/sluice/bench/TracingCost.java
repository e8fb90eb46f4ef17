package dev.sluice.bench;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Operation;
import dev.sluice.front.RequestParser;
import dev.sluice.identify.Principal;
import dev.sluice.record.Exchange;
import dev.sluice.record.trace.RequestTrace;
import dev.sluice.record.trace.Tracing;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What tracing costs one request on its event loop (ADR 100): every hook a plain chat request passes (start with a
 * client's traceparent, identify, route, admit, one upstream attempt with its traceparent written, settle, end), with
 * tracing off (the null checks the path pays by default), on but not sampled (a client's {@code -00}), and on and
 * sampled. The exporter points at a closed port with an hour's interval, so the export thread stays idle and the
 * bounded queue drops what does not fit: what is measured is the request's own share. Single thread, after a
 * warm-up; the median and p99 of batches of 1,000 requests, per request.
 * Usage: {@code java -cp 'bench/target/sluice-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*'
 * dev.sluice.bench.TracingCost [batches]}.
 */
public final class TracingCost {
  private static final int BATCH = 1000;

  private TracingCost() {
  }

  public static void main(String[] args) throws Exception {
    int batches = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    System.out.printf("machine: %s%n", MachineInfo.collect());
    String yaml = """
        telemetry:
          tracing: {endpoint: "http://127.0.0.1:9", exportInterval: 1h, queueSize: 2048, sampleRatio: %s}
        models:
          - name: m
            upstream: {endpoints: ["http://127.0.0.1:9"]}
        """;
    SluiceConfig on = new ConfigLoader(Map.<String, String>of()::get).parse(yaml.formatted("1.0"), "bench.yaml");
    ModelPool pool = ModelPool.of(on.models().get(0), List.of(URI.create("http://10.0.0.7:8000")));
    Endpoint endpoint = pool.endpoints().get(0);
    ApiRequest request = RequestParser.parse(Operation.CHAT, Buffer.buffer(
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":16}"));
    Principal caller = new Principal("local:alice", "alice", Set.of(), Optional.of("k3yId"), Set.of());
    try (Tracing sampled = Tracing.of(on.telemetry().tracing())) {
      System.out.printf("%-32s %12s %12s%n", "tracing", "median ns", "p99 ns");
      for (int pass = 0; pass < 2; pass++) { // the first pass warms the JIT; the second is reported
        boolean report = pass == 1;
        measure(report, "off (default)", batches, () -> request(Tracing.OFF, "01", request, caller, pool, endpoint));
        measure(report, "on, caller's trace not sampled", batches,
            () -> request(sampled, "00", request, caller, pool, endpoint));
        measure(report, "on, sampled", batches, () -> request(sampled, "01", request, caller, pool, endpoint));
      }
    }
  }

  /** The hooks of one chat request, as Gateway, ProxyCall and Recorder call them. */
  private static int request(Tracing tracing, String flags, ApiRequest request, Principal caller, ModelPool pool,
      Endpoint endpoint) {
    MultiMap in = MultiMap.caseInsensitiveMultiMap()
        .add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-" + flags)
        .add("user-agent", "bench/1");
    Exchange ex = new Exchange("req_1", System.nanoTime(), "POST", "/v1/chat/completions");
    ex.trace = tracing.enabled() ? tracing.start(in, ex) : null;
    if (ex.trace != null) {
      ex.trace.stage("identify");
      ex.trace.identified(caller);
      ex.trace.requested(request);
      ex.trace.stage("route");
      ex.trace.routed(List.of(pool));
      ex.trace.stage("admit");
      ex.trace.admitted("everyone", true);
    }
    ex.principal = caller;
    ex.model = "m";
    ex.attempts = 1;
    ex.endpoint = endpoint;
    MultiMap up = MultiMap.caseInsensitiveMultiMap();
    if (ex.trace != null) {
      ex.trace.attempt(endpoint, pool, 1, false, "least-request");
      ex.trace.propagate(up);
      ex.trace.answered(200);
      ex.trace.attemptEnded();
      ex.trace.stage("settle");
    }
    ex.status = 200;
    ex.promptTokens = 12;
    ex.completionTokens = 16;
    ex.endNanos = System.nanoTime();
    if (ex.trace != null) {
      ex.trace.end(ex);
    }
    return up.size() + ex.status;
  }

  private static void measure(boolean report, String name, int batches, java.util.function.IntSupplier step) {
    long[] perRequest = new long[batches];
    long sink = 0;
    for (int b = 0; b < batches; b++) {
      long start = System.nanoTime();
      for (int i = 0; i < BATCH; i++) {
        sink += step.getAsInt();
      }
      perRequest[b] = (System.nanoTime() - start) / BATCH;
    }
    if (sink == 42) {
      System.out.println(); // keeps the work observable
    }
    Arrays.sort(perRequest);
    if (report) {
      System.out.printf("%-32s %12d %12d%n", name, perRequest[batches / 2], perRequest[(int) (batches * 0.99)]);
    }
  }
}
