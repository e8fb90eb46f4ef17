package dev.sluice.operator;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.operator.assembly.Operator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/**
 * {@code sluice operator}: watches LLMModel, ExternalModel and Plan resources (in SLUICE_WATCH_NAMESPACES, or
 * all namespaces) and serves {@code GET /healthz} on SLUICE_HEALTH_PORT (default 8081; 0 turns it off). Run one
 * replica: there is no leader election yet, and two operators would write the same objects.
 */
public final class OperatorMain {
  private static final Logger LOG = Logger.getLogger(OperatorMain.class.getName());

  private OperatorMain() {
  }

  public static void main(String[] args) throws Exception {
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        System.out.println("usage: sluice operator\n"
            + "  Configured by environment: SLUICE_NAMESPACE, SLUICE_WATCH_NAMESPACES, SLUICE_GATEWAY_CONFIG_SECRET,\n"
            + "  SLUICE_GATEWAY_BASE_CONFIGMAP, SLUICE_GATEWAY_NAMESPACE, SLUICE_MONITORING_NAMESPACE_LABEL,\n"
            + "  SLUICE_DOWNLOADER_IMAGE, SLUICE_VLLM_IMAGE, SLUICE_HEALTH_PORT (see docs/kubernetes.md).");
        return;
      }
      System.err.println("sluice operator: unknown argument '" + arg + "' (it is configured by environment; try --help)");
      System.exit(2);
    }
    OperatorSettings settings = OperatorSettings.fromEnvironment();
    KubernetesClient client = new KubernetesClientBuilder().build();
    Operator operator = new Operator(client, settings, System::getenv, Clock.systemUTC());
    try {
      operator.start();
    } catch (KubernetesClientException e) {
      // Without the API (no cluster, no RBAC for the CRDs) there is nothing to do; the pod restarts and retries.
      System.err.println("sluice operator: cannot watch the Kubernetes API at " + client.getMasterUrl() + ": "
          + e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause() + ")"));
      operator.close();
      client.close();
      System.exit(1);
    }
    HttpServer health = health(operator);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping");
      if (health != null) {
        health.stop(0);
      }
      operator.close();
      client.close();
      stop.countDown();
    }));
    stop.await();
  }

  private static HttpServer health(Operator operator) throws IOException {
    String raw = System.getenv().getOrDefault("SLUICE_HEALTH_PORT", "8081");
    int port = Integer.parseInt(raw.trim());
    if (port == 0) {
      return null;
    }
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/healthz", exchange -> {
      boolean ok = operator.running();
      byte[] body = (ok ? "ok\n" : "informers not running\n").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(ok ? 200 : 503, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    return server;
  }
}
