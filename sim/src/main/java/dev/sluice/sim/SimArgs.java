package dev.sluice.sim;

import dev.sluice.sim.SimConfig.FailureKind;
import dev.sluice.sim.SimConfig.Mode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** CLI flag parsing for {@link SimConfig#parseArgs}. Every error message names the offending flag. */
final class SimArgs {

  static final String USAGE = String.join("\n",
      "usage: sluice sim [flags]",
      "A vLLM stand-in: the OpenAI API with vLLM's metrics and timing, for testing clients and gateways.",
      "  --host ADDR               bind address (default 127.0.0.1)",
      "  --port N                  port (default 8000; 0 = ephemeral)",
      "  --model NAME              served model name, repeatable (default sim-model)",
      "  --mode echo|random        echo the last user message or emit random words (default random)",
      "  --seed N                  seed for text, jitter and failures (default 0)",
      "  --prefill-overhead DUR    fixed time to first token, e.g. 20ms (default 0)",
      "  --prefill-per-token DUR   extra TTFT per uncached prompt token, e.g. 0.2ms (default 0)",
      "  --itl DUR                 inter-token latency, e.g. 10ms (default 0)",
      "  --jitter F                +/- uniform fraction applied to each latency (default 0)",
      "  --max-num-seqs N          requests running at once; others queue (default 256)",
      "  --block-size N            tokens per KV-cache block (default 16)",
      "  --kv-cache-blocks N       prefix-cache capacity in blocks (default 8192)",
      "  --default-max-tokens N    output tokens when the request sets none (default 32)",
      "  --output-tokens MEAN,MAX  random answers end by themselves after MEAN tokens on average, MAX at most",
      "                            (finish_reason stop; default: every answer runs to max_tokens)",
      "  --embedding-dim N         embedding vector length (default 64)",
      "  --failure-rate F          probability of an injected failure (default 0)",
      "  --failure-kinds LIST      comma list of 500,429,reset,abort (default all)",
      "  --event-loops N           HTTP server event loops (default: available processors)",
      "  --kv-events-port N        publish vLLM KV-cache events on a ZeroMQ PUB port (off by default; 0 = ephemeral)",
      "  --kv-events-replay-port N ZeroMQ ROUTER port replaying missed event batches (default none; 0 = ephemeral)",
      "  --kv-events-topic S       topic frame of every event message (default empty, as vLLM)",
      "  --hash-seed S             root of the block hash chain, vLLM's PYTHONHASHSEED (default 0)",
      "  --help                    print this and exit",
      "durations take ns, us, ms or s suffixes and decimals (0.2ms)");

  private SimArgs() {
  }

  static boolean wantsHelp(String... args) {
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) {
        return true;
      }
    }
    return false;
  }

  static SimConfig parse(String... args) {
    SimConfig c = SimConfig.defaults().withPort(8000);
    List<String> models = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      String value;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      } else if (flag.equals("--help") || flag.equals("-h")) {
        continue;
      } else if (!flag.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + flag + "' (flags start with --)");
      } else if (!USAGE.contains("  " + flag + " ")) {
        // Before looking for a value, so a misspelt last flag is not reported as missing its value.
        throw new IllegalArgumentException("unknown flag " + flag + " (try --help)");
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      c = apply(c, flag, value, models);
    }
    if (!models.isEmpty()) {
      c = c.withServedModels(models);
    }
    if (!c.kvEvents().enabled() && c.kvEvents().replayPort() >= 0) {
      throw new IllegalArgumentException("--kv-events-replay-port needs --kv-events-port");
    }
    return c;
  }

  private static SimConfig apply(SimConfig c, String flag, String v, List<String> models) {
    switch (flag) {
      case "--host":
        if (v.isBlank()) {
          throw new IllegalArgumentException("--host must not be empty");
        }
        return c.withHost(v);
      case "--port": {
        int p = integer(flag, v);
        if (p < 0 || p > 65535) {
          throw new IllegalArgumentException("--port must be in 0..65535, got " + v);
        }
        return c.withPort(p);
      }
      case "--model":
        if (v.isBlank()) {
          throw new IllegalArgumentException("--model must not be empty");
        }
        models.add(v);
        return c;
      case "--mode":
        switch (v.toLowerCase(Locale.ROOT)) {
          case "echo":
            return c.withMode(Mode.ECHO);
          case "random":
            return c.withMode(Mode.RANDOM);
          default:
            throw new IllegalArgumentException("--mode must be echo or random, got '" + v + "'");
        }
      case "--seed":
        try {
          return c.withSeed(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--seed must be an integer, got '" + v + "'");
        }
      case "--prefill-overhead":
        return c.withLatency(duration(flag, v), c.prefillPerToken(), c.interTokenLatency());
      case "--prefill-per-token":
        return c.withLatency(c.prefillOverhead(), duration(flag, v), c.interTokenLatency());
      case "--itl":
        return c.withLatency(c.prefillOverhead(), c.prefillPerToken(), duration(flag, v));
      case "--jitter":
        return c.withJitter(fraction(flag, v));
      case "--max-num-seqs":
        return c.withMaxNumSeqs(positive(flag, v));
      case "--block-size":
        return c.withKvCache(positive(flag, v), c.kvCacheBlocks());
      case "--kv-cache-blocks":
        return c.withKvCache(c.blockSize(), positive(flag, v));
      case "--default-max-tokens":
        return c.withDefaultMaxTokens(positive(flag, v));
      case "--output-tokens":
        return outputTokens(c, flag, v);
      case "--embedding-dim":
        return c.withEmbeddingDim(positive(flag, v));
      case "--failure-rate":
        return c.withFailures(fraction(flag, v), c.failureKinds());
      case "--failure-kinds":
        return c.withFailures(c.failureRate(), failureKinds(flag, v));
      case "--event-loops":
        return c.withEventLoops(positive(flag, v));
      case "--kv-events-port": {
        SimConfig.KvEvents k = c.kvEvents();
        return c.withKvEvents(new SimConfig.KvEvents(true, port(flag, v), k.replayPort(), k.topic(), k.hashSeed(),
            k.bufferSteps()));
      }
      case "--kv-events-replay-port":
        return c.withKvEvents(c.kvEvents().withPorts(c.kvEvents().port(), port(flag, v)));
      case "--kv-events-topic":
        return c.withKvEvents(c.kvEvents().withTopic(v));
      case "--hash-seed":
        if (v.isEmpty()) {
          throw new IllegalArgumentException("--hash-seed must not be empty");
        }
        return c.withKvEvents(c.kvEvents().withHashSeed(v));
      default:
        throw new IllegalArgumentException("unknown flag " + flag + " (try --help)");
    }
  }

  private static SimConfig outputTokens(SimConfig c, String flag, String v) {
    String[] parts = v.split(",", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException(flag + " needs MEAN,MAX such as 100,400, got '" + v + "'");
    }
    int mean = positive(flag, parts[0]);
    int max = positive(flag, parts[1]);
    if (max < mean) {
      throw new IllegalArgumentException(flag + " needs MAX at least MEAN, got '" + v + "'");
    }
    return c.withOutputTokens(mean, max);
  }

  private static int integer(String flag, String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be an integer, got '" + v + "'");
    }
  }

  private static int port(String flag, String v) {
    int p = integer(flag, v);
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException(flag + " must be in 0..65535, got " + v);
    }
    return p;
  }

  private static int positive(String flag, String v) {
    int n = integer(flag, v);
    if (n < 1) {
      throw new IllegalArgumentException(flag + " must be at least 1, got " + v);
    }
    return n;
  }

  private static double fraction(String flag, String v) {
    double d;
    try {
      d = Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a number in [0, 1], got '" + v + "'");
    }
    if (!(d >= 0 && d <= 1)) {
      throw new IllegalArgumentException(flag + " must be a number in [0, 1], got '" + v + "'");
    }
    return d;
  }

  private static List<FailureKind> failureKinds(String flag, String v) {
    List<FailureKind> kinds = new ArrayList<>();
    for (String part : v.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      FailureKind k = FailureKind.fromCliName(part);
      if (k == null) {
        throw new IllegalArgumentException(
            flag + " accepts 500, 429, reset, abort; got '" + part.trim() + "'");
      }
      if (!kinds.contains(k)) {
        kinds.add(k);
      }
    }
    if (kinds.isEmpty()) {
      throw new IllegalArgumentException(flag + " needs at least one of 500, 429, reset, abort");
    }
    return kinds;
  }

  /** Parses "20ms", "0.2ms", "1.5s", "250us", "0". */
  static Duration duration(String flag, String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    long unitNanos;
    String number;
    if (s.endsWith("ms")) {
      unitNanos = 1_000_000L;
      number = s.substring(0, s.length() - 2);
    } else if (s.endsWith("us") || s.endsWith("µs")) {
      unitNanos = 1_000L;
      number = s.substring(0, s.length() - 2);
    } else if (s.endsWith("ns")) {
      unitNanos = 1L;
      number = s.substring(0, s.length() - 2);
    } else if (s.endsWith("s")) {
      unitNanos = 1_000_000_000L;
      number = s.substring(0, s.length() - 1);
    } else if (s.equals("0")) {
      return Duration.ZERO;
    } else {
      throw new IllegalArgumentException(
          flag + " needs a duration with a unit (ms, s, us, ns), got '" + v + "'");
    }
    try {
      BigDecimal nanos = new BigDecimal(number.trim()).multiply(BigDecimal.valueOf(unitNanos));
      if (nanos.signum() < 0) {
        throw new IllegalArgumentException(flag + " must not be negative, got '" + v + "'");
      }
      return Duration.ofNanos(nanos.setScale(0, RoundingMode.HALF_UP).longValueExact());
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(flag + " needs a duration like 20ms or 0.2ms, got '" + v + "'");
    }
  }
}
