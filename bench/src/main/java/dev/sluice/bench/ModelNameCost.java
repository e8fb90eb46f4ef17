package dev.sluice.bench;

import dev.sluice.front.ApiRequest;
import dev.sluice.front.Operation;
import dev.sluice.front.RequestParser;
import dev.sluice.proxy.ModelNames;
import dev.sluice.settle.UsageMeter;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * What putting the client's model name into a streamed answer costs per upstream read (ADR 090), beside what the
 * stream already pays there: the usage meter's parse of every event. Reads are vLLM chunks as the simulator writes
 * them ({@code "model":"sim/qwen3-8b"}), one event per read (a model decoding one token at a time) and twenty
 * (a burst); renamed to {@code demo-chat}, and, for the floor, to the name they already carry (scanned, not
 * copied). Single thread, after a warm-up; the median and p99 of batches of 1,000 reads, per read.
 * Usage: {@code java -cp 'bench/target/sluice-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*'
 * dev.sluice.bench.ModelNameCost [batches]}.
 */
public final class ModelNameCost {
  private static final String EVENT = "data: {\"id\":\"chatcmpl-00000000075bcd15\",\"object\":\"chat.completion.chunk\","
      + "\"created\":1764590000,\"model\":\"sim/qwen3-8b\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" river\"},"
      + "\"logprobs\":null,\"finish_reason\":null,\"stop_reason\":null}],\"usage\":null}\n\n";
  private static final int BATCH = 1000;

  private ModelNameCost() {
  }

  public static void main(String[] args) throws Exception {
    int batches = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    System.out.printf("machine: %s%n", MachineInfo.collect());
    ApiRequest request = RequestParser.parse(Operation.CHAT, Buffer.buffer(
        "{\"model\":\"demo-chat\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
    System.out.printf("%-7s %-28s %12s %12s%n", "events", "step", "median ns", "p99 ns");
    for (int events : new int[] {1, 20}) {
      Buffer read = Buffer.buffer(EVENT.repeat(events));
      ModelNames rename = new ModelNames("demo-chat");
      ModelNames same = new ModelNames("sim/qwen3-8b");
      if (rename.streamChunk(read).toString().contains("sim/qwen3-8b") || same.streamChunk(read) != read) {
        throw new IllegalStateException("the renaming does not do what it should");
      }
      for (int pass = 0; pass < 2; pass++) { // the first pass warms the JIT; the second is reported
        boolean report = pass == 1;
        measure(report, events, "rename (demo-chat)", batches, () -> rename.streamChunk(read).length());
        measure(report, events, "scan only (name already right)", batches, () -> same.streamChunk(read).length());
        UsageMeter meter = UsageMeter.attach(request);
        measure(report, events, "usage meter (for scale)", batches, () -> meter.streamed(read).length());
      }
    }
  }

  private static void measure(boolean report, int events, String name, int batches, java.util.function.IntSupplier step) {
    long[] perRead = new long[batches];
    long sink = 0;
    for (int b = 0; b < batches; b++) {
      long start = System.nanoTime();
      for (int i = 0; i < BATCH; i++) {
        sink += step.getAsInt();
      }
      perRead[b] = (System.nanoTime() - start) / BATCH;
    }
    if (sink == 42) {
      System.out.println(); // keeps the work observable
    }
    Arrays.sort(perRead);
    if (report) {
      System.out.printf("%-7d %-28s %12d %12d%n", events, name, perRead[batches / 2], perRead[(int) (batches * 0.99)]);
    }
  }
}
