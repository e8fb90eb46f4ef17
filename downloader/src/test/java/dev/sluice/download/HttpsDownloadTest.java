package dev.sluice.download;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** https sources behind a private CA: a self-signed certificate made with the JDK's keytool for 127.0.0.1. */
@Timeout(60)
class HttpsDownloadTest {

    static final char[] PASSWORD = "changeit".toCharArray();
    static Path certs;
    static Path caPem;
    static HttpsServer server;
    static final Map<String, byte[]> FILES = new ConcurrentHashMap<>();
    static byte[] weights = HuggingFaceDownloadTest.random(150_000, 5);
    static byte[] vocab = "a b c".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dest;

    @BeforeAll
    static void httpsServer() throws Exception {
        certs = Files.createTempDirectory("sluice-https-test");
        Path keystore = certs.resolve("server.p12");
        caPem = certs.resolve("ca.pem");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=Sluice Test CA", "-ext", "san=ip:127.0.0.1,dns:localhost", "-keystore",
                keystore.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(), "-storepass",
                "changeit", "-file", caPem.toString());

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, PASSWORD);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", ex -> {
            byte[] body = FILES.get(ex.getRequestURI().getPath());
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
        FILES.put("/models/weights.bin", weights);
        FILES.put("/models/vocab.txt", vocab);
        FILES.put("/models/manifest.json", ("[{\"path\":\"weights.bin\",\"url\":\"weights.bin\",\"size\":"
                + weights.length + ",\"sha256\":\"" + HubImitation.sha256Hex(weights) + "\"},"
                + "{\"path\":\"extra/vocab.txt\",\"url\":\"" + base() + "/models/vocab.txt\",\"sha256\":\""
                + HubImitation.sha256Hex(vocab) + "\"}]").getBytes(StandardCharsets.UTF_8));
        FILES.put("/models/unpinned.json", "[{\"path\":\"vocab.txt\",\"url\":\"vocab.txt\"}]"
                .getBytes(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stop() throws IOException {
        server.stop(0);
        try (var walk = Files.walk(certs)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static String base() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void aPrivateCaBundleIsTrustedForTheFile() {
        Run.Result run = new Run().exec("--source", "https", "--uri", base() + "/models/weights.bin",
                "--sha256", HubImitation.sha256Hex(weights), "--ca-bundle", caPem.toString(), "--dest", dest.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(dest.resolve("weights.bin")).hasBinaryContent(weights);
    }

    @Test
    void withoutTheBundleTheCertificateIsRefusedFinallyWithAHint() {
        Run.Result run = new Run().exec("--source", "https", "--uri", base() + "/models/weights.bin",
                "--sha256", HubImitation.sha256Hex(weights), "--dest", dest.toString());

        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("not trusted", "--ca-bundle");
        assertThat(dest.resolve("weights.bin")).doesNotExist();
    }

    @Test
    void aManifestFromSluiceCaBundleFetchesEveryEntryVerified() {
        Run.Result run = new Run().env("SLUICE_CA_BUNDLE", caPem.toString()).exec("--source", "https", "--manifest",
                "--uri", base() + "/models/manifest.json", "--dest", dest.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(dest.resolve("weights.bin")).hasBinaryContent(weights);
        assertThat(dest.resolve("extra/vocab.txt")).hasBinaryContent(vocab);
    }

    @Test
    void aManifestEntryWithoutSha256IsRefusedUnlessWaived() {
        Run.Result refused = new Run().env("SLUICE_CA_BUNDLE", caPem.toString()).exec("--source", "https",
                "--manifest", "--uri", base() + "/models/unpinned.json", "--dest", dest.toString());
        assertThat(refused.exit()).isEqualTo(3);
        assertThat(refused.err()).contains("'vocab.txt' has no sha256", "--allow-unverified");
        assertThat(dest.resolve("vocab.txt")).doesNotExist();

        Run.Result waived = new Run().env("SLUICE_CA_BUNDLE", caPem.toString()).exec("--source", "https",
                "--manifest", "--allow-unverified", "--uri", base() + "/models/unpinned.json", "--dest",
                dest.toString());
        assertThat(waived.exit()).as(waived.err()).isZero();
        assertThat(waived.err()).contains("vocab.txt: no checksum known, installed unverified");
    }

    @Test
    void aSingleFileWithoutSha256IsAUsageError() {
        Run.Result run = new Run().exec("--source", "https", "--uri", base() + "/models/weights.bin",
                "--dest", dest.toString());

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--sha256", "--allow-unverified", "usage:");
    }

    @Test
    void aWrongSha256ForASingleFileFailsClosed() {
        Run.Result run = new Run().exec("--source", "https", "--uri", base() + "/models/weights.bin",
                "--sha256", "ff".repeat(32), "--ca-bundle", caPem.toString(), "--dest", dest.toString());

        assertThat(run.exit()).isEqualTo(3);
        assertThat(dest.resolve("weights.bin")).doesNotExist();
        assertThat(dest.resolve("weights.bin.part")).doesNotExist();
    }

    private static void keytool(String... args) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new java.util.ArrayList<>(List.of(keytool.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
    }
}
