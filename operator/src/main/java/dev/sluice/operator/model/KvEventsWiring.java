package dev.sluice.operator.model;

import dev.sluice.operator.crd.LLMModelSpec;
import dev.sluice.operator.crd.Serving;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.List;

/**
 * Both ends of {@code spec.routing.kvEvents: true} (ADR 110): what vLLM is started with so that it publishes its
 * KV-cache events in a form the gateway can follow, and what the gateway's {@code routing.kvEvents} then says.
 * The two must agree on ports, block size and hash seed, so they are read from one place.
 */
public final class KvEventsWiring {
  public static final int PUB_PORT = 5557;
  public static final int REPLAY_PORT = 5558;
  /** vLLM's default on GPUs; a {@code --block-size} in {@code serving.args} wins. */
  public static final int DEFAULT_BLOCK_SIZE = 16;
  /** Without a fixed seed vLLM roots its hash chain in random bytes nobody outside the process can reproduce. */
  public static final String DEFAULT_HASH_SEED = "0";

  private KvEventsWiring() {
  }

  public static boolean enabled(LLMModelSpec spec) {
    return spec.routing != null && Boolean.TRUE.equals(spec.routing.kvEvents);
  }

  /** vLLM's {@code --kv-events-config}: publish on every interface, keep batches for replay. */
  public static String vllmConfig() {
    return "{\"enable_kv_cache_events\":true,\"publisher\":\"zmq\",\"endpoint\":\"tcp://*:" + PUB_PORT
        + "\",\"replay_endpoint\":\"tcp://*:" + REPLAY_PORT + "\",\"topic\":\"\"}";
  }

  public static int blockSize(Serving serving) {
    List<String> args = serving == null || serving.args == null ? List.of() : serving.args;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      try {
        if (a.equals("--block-size") && i + 1 < args.size()) {
          return Integer.parseInt(args.get(i + 1).trim());
        }
        if (a.startsWith("--block-size=")) {
          return Integer.parseInt(a.substring("--block-size=".length()).trim());
        }
      } catch (NumberFormatException e) {
        return DEFAULT_BLOCK_SIZE;   // vLLM will refuse it and the pod will say so
      }
    }
    return DEFAULT_BLOCK_SIZE;
  }

  /** The pod's {@code PYTHONHASHSEED}: the one in {@code serving.env} when given there, else ours. */
  public static String hashSeed(Serving serving) {
    if (serving != null && serving.env != null) {
      for (EnvVar e : serving.env) {
        if ("PYTHONHASHSEED".equals(e.getName()) && e.getValue() != null) {
          return e.getValue();
        }
      }
    }
    return DEFAULT_HASH_SEED;
  }
}
