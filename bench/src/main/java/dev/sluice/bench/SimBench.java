package dev.sluice.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Simulator throughput: the sluice-sim jar with every latency at zero, driven directly by the same load
 * generator as the overhead benchmark (latency at concurrency 1, then open-loop rate steps). It answers one
 * question: can the simulator outrun anything it stands in front of (the issue asks for well over 10,000
 * requests/s on loopback)? Flags are those of {@link OverheadBench}; the defaults below come first, so any flag
 * given on the command line wins.
 */
public final class SimBench {

    static final List<String> DEFAULTS = List.of(
            "--targets", "direct",
            "--upstream", "sim",
            "--upstream-delay-ms", "0",
            "--warmup", "2000",
            "--samples", "5000",
            "--stream-warmup", "500",
            "--stream-samples", "2000",
            "--rates", "5000,10000,15000,20000,25000,30000,40000",
            "--step-warmup-seconds", "2",
            "--step-seconds", "5",
            "--max-connections", "256",
            "--max-minutes", "4");

    private SimBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchConfig cfg;
        try {
            cfg = BenchConfig.parse(withDefaults(args));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (!cfg.targets().equals(java.util.Set.of("direct"))) {
            System.err.println("SimBench measures the simulator alone: --targets must be direct");
            System.exit(2);
        }
        int code = new OverheadBench("Simulator throughput: sluice-sim with zero latency", "sim").run(cfg,
                System.getProperty("bench.command", "SimBench " + String.join(" ", args)));
        System.exit(code);
    }

    static String[] withDefaults(String[] args) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println("SimBench defaults (any flag below overrides them): " + String.join(" ", DEFAULTS));
            }
        }
        List<String> all = new ArrayList<>(DEFAULTS);
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }
}
