package dev.sluice.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The assembled distribution (what the image copies to /opt/sluice): its contents, its reproducibility, and its
 * launcher running the prebuilt jars it holds.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DistributionIT {
  static final Path DIR = Path.of(System.getProperty("sluice.dist.dir", "target/sluice"));
  static final Path TARBALL = Path.of(System.getProperty("sluice.dist.tarball", "target/sluice.tar.gz"));
  static final Path TARBALL_AGAIN = Path.of(System.getProperty("sluice.dist.tarball.again", "target/again.tar.gz"));
  static final String VERSION = System.getProperty("sluice.dist.version", "0.1.0-SNAPSHOT");
  static final Instant TIMESTAMP = Instant.parse(System.getProperty("sluice.dist.timestamp", "2026-01-01T00:00:00Z"));
  static final String BASE = "sluice-" + VERSION + "/";

  @TempDir
  Path tmp;

  static Map<String, TarArchiveEntry> entries(Path tarball) throws IOException {
    Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
    try (InputStream in = new GzipCompressorInputStream(new BufferedInputStream(Files.newInputStream(tarball)));
         TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        entries.put(e.getName(), e);
      }
    }
    return entries;
  }

  record Run(int exit, String stdout, String stderr) {
  }

  Run launcher(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(DIR.resolve("bin/sluice").toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(tmp, "out", ".log");
    Path err = Files.createTempFile(tmp, "err", ".log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("bin/sluice " + String.join(" ", args) + " did not finish in 60 s");
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void theTarballHoldsTheLauncherTheGatewayAndTheSimulatorUnderOneVersionedDirectory() throws Exception {
    Map<String, TarArchiveEntry> entries = entries(TARBALL);
    assertThat(entries.keySet()).allMatch(name -> name.startsWith(BASE));
    assertThat(entries).containsKeys(BASE + "bin/sluice", BASE + "VERSION", BASE + "README.md", BASE + "README-DIST.md",
        BASE + "conf/sluice.yaml", BASE + "lib/server/quarkus-run.jar", BASE + "lib/sluice-sim.jar");
    assertThat(entries.keySet()).anyMatch(n -> n.startsWith(BASE + "lib/server/lib/main/") && n.endsWith(".jar"));
    assertThat(entries.get(BASE + "bin/sluice").getMode() & 0777).isEqualTo(0755);
    assertThat(entries.get(BASE + "lib/server/quarkus-run.jar").getMode() & 0777).isEqualTo(0644);
    // Nothing of the build leaks in: no sources, no test output, no Maven state.
    assertThat(entries.keySet()).noneMatch(n -> n.endsWith(".java") || n.contains("/test-classes/") || n.contains("maven-"));
  }

  @Test
  void theDirectoryTheImageCopiesHoldsExactlyTheTarballsFiles() throws Exception {
    Set<String> inTarball = new TreeSet<>();
    entries(TARBALL).values().stream().filter(e -> !e.isDirectory())
        .forEach(e -> inTarball.add(e.getName().substring(BASE.length())));
    Set<String> inDir = new TreeSet<>();
    try (Stream<Path> files = Files.walk(DIR)) {
      files.filter(Files::isRegularFile).forEach(f -> inDir.add(DIR.relativize(f).toString()));
    }
    assertThat(inDir).isEqualTo(inTarball);
    assertThat(Files.isExecutable(DIR.resolve("bin/sluice"))).isTrue();
  }

  @Test
  void everyEntryCarriesTheFixedBuildTimestampAndANeutralOwner() throws Exception {
    for (TarArchiveEntry e : entries(TARBALL).values()) {
      assertThat(e.getModTime().toInstant()).as(e.getName()).isEqualTo(TIMESTAMP);
      // Reproducible archives name no build user: 0/0 (the image's COPY --chown sets the real owner).
      assertThat(e.getLongUserId()).as(e.getName()).isZero();
      assertThat(e.getLongGroupId()).as(e.getName()).isZero();
    }
  }

  @Test
  void twoAssembliesOfTheSameBuildAreByteIdentical() throws Exception {
    // Assembled seconds apart into two places: any clock, directory-order or owner leak shows as a difference.
    assertThat(Files.mismatch(TARBALL, TARBALL_AGAIN)).isEqualTo(-1L);
    List<String> names = new ArrayList<>(entries(TARBALL).keySet());
    assertThat(names).isEqualTo(new ArrayList<>(entries(TARBALL_AGAIN).keySet()));
    // Same filesystem twice proves little about order; what makes it hold elsewhere is that the scanned tree
    // (the gateway's lib/server) is written in a fixed order, not readdir's: per directory, its subdirectories
    // sorted, then its files sorted.
    Map<String, List<String>> byDirectory = new LinkedHashMap<>();
    names.stream().filter(n -> n.startsWith(BASE + "lib/server/")).forEach(n -> byDirectory
        .computeIfAbsent(Path.of(n).getParent().toString(), k -> new ArrayList<>()).add(n));
    assertThat(byDirectory).isNotEmpty();
    byDirectory.forEach((dir, inDir) -> {
      List<String> expected = new ArrayList<>(inDir.stream().filter(n -> n.endsWith("/")).sorted().toList());
      expected.addAll(inDir.stream().filter(n -> !n.endsWith("/")).sorted().toList());
      assertThat(inDir).as(dir).isEqualTo(expected);
    });
  }

  @Test
  void versionAndHelpRunWithoutBuildingAnything() throws Exception {
    Run version = launcher(Map.of(), "version");
    assertThat(version.exit()).isZero();
    // The version the build recorded, the commit (a build outside git says "unknown") and the Java that runs it.
    assertThat(version.stdout()).as(version.stderr()).startsWith("sluice " + VERSION + " (commit ")
        .containsPattern("\\(commit ([0-9a-f]{12}|unknown)\\)\nJava " + System.getProperty("java.version").replace(".", "\\."));
    Run help = launcher(Map.of(), "--help");
    assertThat(help.exit()).isZero();
    assertThat(help.stdout()).contains("sluice serve", "sluice check", "sluice version", "sluice operator",
        "sluice download", "sluice sim");
    for (String command : List.of("serve", "check", "version")) {
      Run usage = launcher(Map.of(), command, "--help");
      assertThat(usage.exit()).as(command).isZero();
      assertThat(usage.stdout()).startsWith("usage: sluice " + command);
      Run wrong = launcher(Map.of(), command, "--verbose");
      assertThat(wrong.exit()).as(command).isEqualTo(2);
      assertThat(wrong.stderr()).contains("unknown argument '--verbose'").contains("sluice " + command + " --help");
    }
    // The distribution's launcher runs what it holds: it has no Maven to call and no sources to build.
    assertThat(Files.readString(DIR.resolve("bin/sluice"))).doesNotContain("mvnw").doesNotContain("package");
    Run unknown = launcher(Map.of(), "frobnicate");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.stderr()).contains("unknown command 'frobnicate'");
  }

  @Test
  void eachComponentRunsFromItsPrebuiltJarOrIsNamedAsMissing() throws Exception {
    Run sim = launcher(Map.of(), "sim", "--help");
    assertThat(sim.exit()).as(sim.stderr()).isZero();
    assertThat(sim.stdout() + sim.stderr()).contains("--port");
    for (String component : List.of("operator", "download")) {
      String jar = component.equals("download") ? "sluice-downloader.jar" : "sluice-operator.jar";
      Run run = launcher(Map.of(), component, "--help");
      if (Files.exists(DIR.resolve("lib/" + jar))) {
        assertThat(run.exit()).as(component + ": " + run.stderr()).isIn(0, 2);
      } else {
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stderr()).contains("is not in this distribution").contains(jar);
      }
    }
  }

  @Test
  void checkPrintsWhatTheShippedConfigurationMeansAndRefusesAMistakeWithStatusOne() throws Exception {
    Map<String, String> before = snapshot(DIR);
    Run ok = launcher(Map.of(), "check");
    assertThat(ok.exit()).as(ok.stderr()).isZero();
    assertThat(ok.stdout()).contains("conf/sluice.yaml: valid").contains("models (").contains("who may call what:");
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, "models:\n  - name: m\n    upstream: {endpoints: [http://127.0.0.1:1]}\n    acess: {public: true}\n");
    Run wrong = launcher(Map.of(), "check", "--config", bad.toString());
    assertThat(wrong.exit()).isEqualTo(1);
    assertThat(wrong.stderr()).contains("bad.yaml:4").contains("models[0].acess").contains("unknown key");
    assertThat(snapshot(DIR)).as("check writes nothing: no database, no spool").isEqualTo(before);
  }

  @Test
  void serveStartsTheGatewayFromLibServerAndAnswersItsProbes() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path config = tmp.resolve("sluice.yaml");
    Files.writeString(config, """
        server: {port: %d, accessLog: "off", management: {port: 0}}
        storage: {url: "jdbc:h2:file:%s"}
        models:
          - name: demo
            access: {public: true}
            upstream: {simulator: {mode: echo}}
        """.formatted(port, tmp.resolve("data/sluice")));
    Path out = tmp.resolve("serve.log");
    Map<String, String> before = snapshot(DIR);
    ProcessBuilder pb = new ProcessBuilder(DIR.resolve("bin/sluice").toString(), "serve", "--config", config.toString())
        .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("TMPDIR", Files.createDirectory(tmp.resolve("tmpdir")).toString());
    Process server = pb.start();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      URI ready = URI.create("http://127.0.0.1:" + port + "/health/ready");
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
        assertThat(server.isAlive()).as(Files.readString(out)).isTrue();
        return http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
      });
      HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(models.statusCode()).as("anonymous callers are refused").isEqualTo(401);
    } finally {
      server.destroy();
      if (!server.waitFor(20, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
    // In the image the distribution is read-only (owned by root, run as 10001): a running gateway writes only to
    // its working directory (/data) and TMPDIR (/tmp), never next to its own code.
    assertThat(snapshot(DIR)).isEqualTo(before);
  }

  /** Every file and directory under root, with its size and modification time. */
  static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> files = new java.util.TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.toList()) {
        files.put(root.relativize(p).toString(), Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
      }
    }
    return files;
  }

  @Test
  void aCaBundleIsAddedToTheJvmsTrustStoreNotInPlaceOfIt() throws Exception {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    StringBuilder pem = new StringBuilder("# a corporate bundle: comments and blank lines between certificates\n\n");
    for (String alias : List.of("corp-root", "corp-issuing")) {
      Path ks = tmp.resolve(alias + ".p12");
      exec(keytool.toString(), "-genkeypair", "-alias", alias, "-keyalg", "EC", "-dname", "CN=" + alias,
          "-validity", "2", "-keystore", ks.toString(), "-storepass", "changeit", "-storetype", "PKCS12");
      pem.append(exec(keytool.toString(), "-exportcert", "-rfc", "-alias", alias, "-keystore", ks.toString(),
          "-storepass", "changeit")).append('\n');
    }
    Path bundle = tmp.resolve("ca-bundle.pem");
    Files.writeString(bundle, pem);
    Path tmpdir = Files.createDirectory(tmp.resolve("tmpdir"));

    Run sim = launcher(Map.of("SLUICE_CA_BUNDLE", bundle.toString(), "TMPDIR", tmpdir.toString()), "sim", "--help");
    assertThat(sim.exit()).as(sim.stderr()).isZero();
    assertThat(sim.stderr()).contains("trusting 2 extra CA certificate(s)");
    List<Path> stores;
    try (Stream<Path> files = Files.list(tmpdir)) {
      stores = files.toList();
    }
    assertThat(stores).singleElement().satisfies(p -> assertThat(p.getFileName().toString()).matches("sluice-truststore-[0-9a-f]{16}\\.p12"));
    String listing = exec(keytool.toString(), "-list", "-keystore", stores.get(0).toString(), "-storepass", "changeit");
    assertThat(listing).contains("sluice-ca-1", "sluice-ca-2");
    // The public CAs stay: the bundle is added to a copy of the JVM's store.
    assertThat(listing.lines().filter(l -> l.contains("trustedCertEntry")).count()).isGreaterThan(50);

    Run again = launcher(Map.of("SLUICE_CA_BUNDLE", bundle.toString(), "TMPDIR", tmpdir.toString()), "sim", "--help");
    assertThat(again.exit()).isZero();
    assertThat(again.stderr()).as("a restart reuses the store").doesNotContain("trusting");

    Run missing = launcher(Map.of("SLUICE_CA_BUNDLE", tmp.resolve("nope.pem").toString()), "sim", "--help");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.stderr()).contains("SLUICE_CA_BUNDLE=").contains("no such readable file");
  }

  @Test
  void theContainerfileCopiesThisDistributionAndRunsItUnprivileged() throws Exception {
    // No container runtime here: the image is not built; this keeps its recipe in step with the distribution.
    String containerfile = Files.readString(DIR.resolve("../../../deploy/image/Containerfile").normalize());
    assertThat(containerfile).contains("ARG SLUICE_VERSION=" + VERSION + "\n")
        .contains("FROM docker.io/library/eclipse-temurin:21-jre")
        .contains("COPY --chown=0:0 dist/target/sluice-${SLUICE_VERSION}/ /opt/sluice/")
        .contains("USER 10001:10001")
        .contains("VOLUME [\"/tmp\", \"/data\"]")
        .contains("ENTRYPOINT [\"/opt/sluice/bin/sluice\"]");
    assertThat(containerfile.lines().filter(l -> l.startsWith("RUN ") || l.startsWith("COPY ")))
        .as("nothing is built or downloaded inside the image").noneMatch(l -> l.contains("mvn") || l.contains("curl"));
  }

  static String exec(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    return output;
  }
}
