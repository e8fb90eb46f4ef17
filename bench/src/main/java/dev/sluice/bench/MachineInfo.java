package dev.sluice.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Facts about the machine and tools, printed with every result (numbers mean little without them). */
final class MachineInfo {

    private MachineInfo() {
    }

    static Map<String, String> collect() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        m.put("nproc", firstLine(run(List.of("nproc")), Integer.toString(Runtime.getRuntime().availableProcessors())));
        m.put("cpu", cpuModel());
        m.put("memory", memTotal());
        m.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("loadavg at start", readFirstLine(Path.of("/proc/loadavg")));
        m.put("java", firstLine(run(List.of(Processes.javaBinary(), "-version")), System.getProperty("java.version"))
                + " (" + System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version") + ")");
        String nginx = run(List.of("nginx", "-v"));
        if (nginx == null) {
            nginx = run(List.of("/usr/sbin/nginx", "-v"));
        }
        m.put("nginx", firstLine(nginx, "not installed"));
        return m;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("\\D", ""));
                    return String.format("%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux
        }
        return "unknown";
    }

    private static String readFirstLine(Path p) {
        try {
            return Files.readAllLines(p).get(0).trim();
        } catch (IOException | IndexOutOfBoundsException e) {
            return "unknown";
        }
    }

    /** Runs a short command and returns its combined output, or null if it could not run. */
    private static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return new String(out, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String firstLine(String s, String fallback) {
        if (s == null || s.isBlank()) {
            return fallback;
        }
        return s.lines().findFirst().orElse(fallback).trim();
    }
}
