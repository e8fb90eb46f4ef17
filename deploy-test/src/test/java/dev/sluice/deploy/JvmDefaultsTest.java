package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The gateway's default JVM flags (ADR 116) have one source: the launcher's {@code default_java_opts}, the same in
 * the repository's {@code bin/sluice} and the distribution's (which the image runs), so the container image and the
 * chart set none of their own and the benchmark asks the launcher for them.
 */
class JvmDefaultsTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  /** The launcher's comment, heap_opts and default_java_opts: from their comment to default_java_opts' last brace. */
  static String defaultsBlock(Path launcher) throws IOException {
    String text = Files.readString(launcher);
    int start = text.indexOf("# JVM flags when SLUICE_JAVA_OPTS is not set");
    int fn = text.indexOf("default_java_opts() {", start);
    int end = text.indexOf("\n}\n", fn);
    assertThat(start).as(launcher + " has the defaults' comment").isNotNegative();
    assertThat(fn).as(launcher + " has default_java_opts").isGreaterThan(start);
    return text.substring(start, end + 2);
  }

  record Run(int exit, String out) {
  }

  static Run run(Map<String, String> env, String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    pb.environment().remove("SLUICE_JAVA_OPTS");
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    return new Run(p.exitValue(), out.trim());
  }

  static List<String> launcherDefaults(String launcher) throws IOException, InterruptedException {
    Run r = run(Map.of(), "bash", ROOT.resolve(launcher).toString(), "java-opts");
    assertThat(r.exit()).as(r.out()).isZero();
    return List.of(r.out().split("\\s+"));
  }

  @Test
  void bothLaunchersHoldTheSameDefaultJvmFlags() throws Exception {
    assertThat(defaultsBlock(ROOT.resolve("dist/src/bin/sluice"))).isEqualTo(defaultsBlock(ROOT.resolve("bin/sluice")));
    assertThat(launcherDefaults("dist/src/bin/sluice")).isEqualTo(launcherDefaults("bin/sluice"));
  }

  @Test
  void theDefaultFlagsStartThisJvmWithTheSerialCollectorASmallInitialHeapAndABoundedYoungGeneration() throws Exception {
    List<String> flags = launcherDefaults("bin/sluice");
    List<String> command = new ArrayList<>(List.of(JAVA));
    command.addAll(flags);
    command.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
    Run r = run(Map.of(), command.toArray(String[]::new));
    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).doesNotContain("Unrecognized VM option", "Ignoring option", "Warning:");
    assertThat(flag(r.out(), "UseSerialGC")).isEqualTo(1L);
    assertThat(flag(r.out(), "InitialHeapSize")).isEqualTo(96L << 20);
    assertThat(flag(r.out(), "NewSize")).isEqualTo(32L << 20);
    assertThat(flag(r.out(), "MaxNewSize")).isEqualTo(64L << 20);
    assertThat(flag(r.out(), "MetaspaceSize")).isEqualTo(64L << 20);
    assertThat(flag(r.out(), "ExitOnOutOfMemoryError")).isEqualTo(1L);
    // Huge pages only where the kernel offers them; the heap's cap depends on a cgroup limit.
    assertThat(flag(r.out(), "UseTransparentHugePages")).isEqualTo(thpOffered() ? 1L : 0L);
    assertThat(flag(r.out(), "MaxHeapSize")).isPositive();
  }

  static boolean thpOffered() throws IOException {
    Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
    return Files.isReadable(mode) && Files.readString(mode).matches("(?s).*\\[(always|madvise)\\].*");
  }

  /** A flag's value from -XX:+PrintFlagsFinal (booleans as 1 or 0). */
  static long flag(String printed, String name) {
    for (String line : printed.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[1].equals(name)) {
        return f[3].equals("true") ? 1 : f[3].equals("false") ? 0 : Long.parseLong(f[3]);
      }
    }
    throw new AssertionError("no " + name + " in -XX:+PrintFlagsFinal");
  }

  @Test
  void sluiceJavaOptsReplacesTheDefaultsInBothLaunchers() throws Exception {
    for (String launcher : List.of("bin/sluice", "dist/src/bin/sluice")) {
      Run r = run(Map.of("SLUICE_JAVA_OPTS", "-Xmx300m -XX:+UseSerialGC"), "bash", ROOT.resolve(launcher).toString(), "java-opts");
      assertThat(r.exit()).as(launcher).isZero();
      assertThat(r.out()).as(launcher).isEqualTo("-Xmx300m -XX:+UseSerialGC");
    }
  }

  @Test
  void theImageAndTheChartsGatewayLeaveTheFlagsToTheLauncher() throws Exception {
    assertThat(Files.readString(ROOT.resolve("deploy/image/Containerfile"))).doesNotContain("SLUICE_JAVA_OPTS=");
    Deployment gateway = Chart.defaults().one(Deployment.class, "sluice-gateway");
    Container c = gateway.getSpec().getTemplate().getSpec().getContainers().get(0);
    List<EnvVar> env = c.getEnv() == null ? List.of() : c.getEnv();
    assertThat(env).extracting(EnvVar::getName).doesNotContain("SLUICE_JAVA_OPTS");
  }

  @Test
  void javaOptsSetInTheChartReachTheGateway() {
    Chart.Rendered r = new Chart.Rendered(Chart.template(t -> t.set("gateway.javaOpts", "-Xmx400m")));
    Container c = r.one(Deployment.class, "sluice-gateway").getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getEnv()).filteredOn(e -> e.getName().equals("SLUICE_JAVA_OPTS")).extracting(EnvVar::getValue)
        .containsExactly("-Xmx400m");
  }
}
