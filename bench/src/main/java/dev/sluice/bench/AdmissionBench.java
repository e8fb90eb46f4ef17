package dev.sluice.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.admit.Admission;
import dev.sluice.admit.CounterStore;
import dev.sluice.admit.LocalCounterStore;
import dev.sluice.admit.PlanResolver;
import dev.sluice.admit.QuotaMetrics;
import dev.sluice.admit.RedisCounterStore;
import dev.sluice.admit.Ticket;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ModelConfig;
import dev.sluice.config.PlanConfig;
import dev.sluice.config.QuotaConfig;
import dev.sluice.config.RedisConfig;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Operation;
import dev.sluice.identify.Principal;
import dev.sluice.record.Exchange;
import dev.sluice.settle.Settlement;
import dev.sluice.settle.UsageMeter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What admission and settlement add to a request: the gateway's own admit and settle code (plan resolution,
 * prompt estimate, every window of a five-limit plan, rate-limit headers, the charge rule) against the
 * in-process store and against Redis on loopback, one request at a time. Usage:
 * {@code java -cp 'bench/target/sluice-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' dev.sluice.bench.AdmissionBench
 * [iterations] [redis-url]}.
 */
public final class AdmissionBench {
  private static final String BODY = "{\"model\":\"m\",\"max_tokens\":256,\"messages\":["
      + "{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
      + "{\"role\":\"user\",\"content\":\"Summarise the plot of Hamlet in three sentences.\"}]}";
  private static final Buffer USAGE = Buffer.buffer("{\"id\":\"x\",\"choices\":[],\"usage\":"
      + "{\"prompt_tokens\":31,\"completion_tokens\":200,\"total_tokens\":231}}");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CALLERS = 1000;

  private AdmissionBench() {
  }

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    String redisUrl = args.length > 1 ? args[1] : "redis://127.0.0.1:6379";
    System.out.printf("machine: %s%n", MachineInfo.collect());
    Vertx vertx = Vertx.vertx();
    try {
      QuotaMetrics metrics = new QuotaMetrics(new SimpleMeterRegistry());
      try (CounterStore local = new LocalCounterStore()) {
        runInProcess(local, metrics, iterations);
      }
      QuotaConfig quota = new QuotaConfig(List.of(), 4096, Duration.ofSeconds(1), false);
      try (RedisCounterStore redis = new RedisCounterStore(vertx,
          new RedisConfig(redisUrl, "bench-" + UUID.randomUUID() + ":"), quota, metrics)) {
        redis.ready().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        runRedis(vertx, redis, metrics, Math.max(1000, iterations / 10));
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static Admission admission(CounterStore store, QuotaMetrics metrics) {
    PlanConfig plan = new PlanConfig("standard", 10, Set.of("llm"), Set.of(), List.of("*"), PlanConfig.Scope.USER,
        new PlanConfig.Limits(1_000_000_000, 1_000_000_000, 1_000_000_000, 1_000_000_000, 1_000_000_000, 1_000_000, 4096),
        PlanConfig.OverMax.CLAMP, false);
    ModelConfig model = new ConfigLoader(env -> null)
        .parse("models:\n  - name: m\n    upstream: {endpoints: ['http://127.0.0.1:1']}\n", "bench.yaml").models().get(0);
    return new Admission(new PlanResolver(List.of(plan), List.of(model)), store, 4096, metrics,
        System::currentTimeMillis);
  }

  private static ApiRequest request() throws Exception {
    return new ApiRequest(Operation.CHAT, "m", false, (ObjectNode) JSON.readTree(BODY), Buffer.buffer(BODY));
  }

  private static Principal caller(int i) {
    return Principal.user("user-" + (i % CALLERS), "user-" + (i % CALLERS), Set.of("llm"));
  }

  /** Admit and settle on the calling thread: the in-process store completes both synchronously. */
  private static void runInProcess(CounterStore store, QuotaMetrics metrics, int iterations) throws Exception {
    Admission admission = admission(store, metrics);
    Settlement settlement = new Settlement(store, metrics);
    ApiRequest request = request();
    Histogram both = new Histogram(1, TimeUnit.SECONDS.toNanos(10), 3);
    for (int phase = 0; phase < 2; phase++) {
      both.reset();
      for (int i = 0; i < iterations; i++) {
        Exchange ex = exchange(i);
        UsageMeter meter = UsageMeter.attach(request);
        meter.buffered(200, USAGE); // reading the response is the proxy's cost, not admission's
        long t0 = System.nanoTime();
        Ticket ticket = admission.admit(caller(i), request, "m", Duration.ofMinutes(10)).result();
        settlement.settle(ticket, meter, ex);
        both.recordValue(Math.max(1, System.nanoTime() - t0));
        if (!ticket.admitted()) {
          throw new IllegalStateException("refused: " + ticket.error());
        }
      }
    }
    print("in-process", "admit + settle", both, iterations);
  }

  /** One request at a time on an event loop, as the gateway runs it: admit, then settle, each awaited. */
  private static void runRedis(Vertx vertx, CounterStore store, QuotaMetrics metrics, int iterations)
      throws Exception {
    Admission admission = admission(store, metrics);
    ApiRequest request = request();
    Histogram admit = new Histogram(1, TimeUnit.SECONDS.toNanos(10), 3);
    Histogram settle = new Histogram(1, TimeUnit.SECONDS.toNanos(10), 3);
    Histogram both = new Histogram(1, TimeUnit.SECONDS.toNanos(10), 3);
    for (int phase = 0; phase < 2; phase++) {
      admit.reset();
      settle.reset();
      both.reset();
      Promise<Void> done = Promise.promise();
      vertx.runOnContext(v -> loop(admission, store, request, 0, iterations, admit, settle, both, done));
      done.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    }
    print("Redis (loopback)", "admit (1 round trip)", admit, iterations);
    print("Redis (loopback)", "settle (1 round trip)", settle, iterations);
    print("Redis (loopback)", "admit + settle", both, iterations);
  }

  private static void loop(Admission admission, CounterStore store, ApiRequest request, int i, int n,
      Histogram admit, Histogram settle, Histogram both, Promise<Void> done) {
    if (i == n) {
      done.complete();
      return;
    }
    long t0 = System.nanoTime();
    admission.admit(caller(i), request, "m", Duration.ofMinutes(10)).compose(ticket -> {
      long t1 = System.nanoTime();
      admit.recordValue(Math.max(1, t1 - t0));
      if (!ticket.admitted()) {
        return Future.failedFuture(new IllegalStateException("refused: " + ticket.error()));
      }
      return store.settle(ticket.ask(), 231).onSuccess(x -> {
        long t2 = System.nanoTime();
        settle.recordValue(Math.max(1, t2 - t1));
        both.recordValue(Math.max(1, t2 - t0));
      });
    }).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else {
        loop(admission, store, request, i + 1, n, admit, settle, both, done);
      }
    });
  }

  private static Exchange exchange(int i) {
    Exchange ex = new Exchange("req_" + i, System.nanoTime(), "POST", "/v1/chat/completions");
    ex.modelLabel = "m";
    ex.attempts = 1;
    ex.status = 200;
    ex.endNanos = System.nanoTime();
    return ex;
  }

  private static void print(String store, String what, Histogram h, int n) {
    System.out.printf("| %s | %s | %d | %.1f | %.1f | %.1f | %.1f |%n", store, what, n,
        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
        h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
  }

}
