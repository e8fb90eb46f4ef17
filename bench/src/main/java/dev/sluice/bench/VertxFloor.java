package dev.sluice.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor of Sluice's own stack: a logic-free reverse proxy on raw Vert.x (HttpServer + HttpClient, Netty's
 * native epoll where offered, one upstream client per event loop, responses piped through as they arrive).
 * Sluice cannot add less than this; the gap between this and nginx is the JVM/Netty cost on the machine,
 * the gap between Sluice and this is Sluice's own work. Runs as a separate JVM with Sluice's flags.
 */
public final class VertxFloor {

    private VertxFloor() {
    }

    /**
     * Starts the proxy process in front of {@code upstream} and waits until it answers.
     *
     * @param slowPort the slow-stream upstream, served under {@link NginxProxy#SLOW_PREFIX}; 0 for none
     * @param flags the gateway's JVM flags ({@link SluiceGateway#jvmFlags}), so the floor runs as Sluice does
     */
    static Target start(Target upstream, int slowPort, List<String> flags, Processes procs, Path runDir)
            throws IOException, InterruptedException, TargetUnavailable {
        int port = Processes.freePort();
        List<String> command = new ArrayList<>(List.of(Processes.javaBinary()));
        command.addAll(flags);
        command.addAll(List.of("-cp", ownJar(), VertxFloor.class.getName(), Integer.toString(port),
                Integer.toString(upstream.port()), Integer.toString(slowPort)));
        Process p = procs.start(command, runDir.resolve("vertx-floor.log"));
        Target t = new Target("vertx", "127.0.0.1", port, "logic-free Vert.x proxy (HttpServer + HttpClient, "
                + "native transport, a client per event loop, " + String.join(" ", flags) + "): the floor of Sluice's stack", p);
        String notReady = HttpProbe.awaitReady(t.url("/health"), p, Duration.ofSeconds(30));
        if (notReady != null) {
            procs.stop(p);
            throw new TargetUnavailable("Vert.x floor proxy " + notReady + "; see " + runDir.resolve("vertx-floor.log"));
        }
        return t;
    }

    private static String ownJar() {
        try {
            return Path.of(VertxFloor.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code VertxFloor PORT UPSTREAM_PORT [SLOW_PORT]}: proxies every request to 127.0.0.1:UPSTREAM_PORT, those
     * under {@code /slow/} to SLOW_PORT with the prefix stripped.
     */
    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int upstreamPort = Integer.parseInt(args[1]);
        int slowPort = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        int loops = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
        vertx.deployVerticle(() -> new AbstractVerticle() {
            private HttpClient client;

            @Override
            public void start() {
                client = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(256).setTcpNoDelay(true));
                vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true))
                        .requestHandler(this::proxy).listen(port, "127.0.0.1");
            }

            private void proxy(HttpServerRequest req) {
                HttpServerResponse out = req.response();
                boolean slow = slowPort != 0 && req.uri().startsWith(NginxProxy.SLOW_PREFIX + "/");
                int to = slow ? slowPort : upstreamPort;
                String uri = slow ? req.uri().substring(NginxProxy.SLOW_PREFIX.length()) : req.uri();
                req.body().compose(body -> client.request(new RequestOptions().setMethod(req.method())
                                .setHost("127.0.0.1").setPort(to).setURI(uri))
                        .compose(up -> {
                            String type = req.getHeader("content-type");
                            if (type != null) {
                                up.putHeader("content-type", type);
                            }
                            return up.send(body);
                        }))
                        .onSuccess(resp -> {
                            out.setStatusCode(resp.statusCode());
                            String type = resp.getHeader("content-type");
                            if (type != null) {
                                out.putHeader("content-type", type);
                            }
                            String length = resp.getHeader("content-length");
                            if (length != null) {
                                out.putHeader("content-length", length);
                            } else {
                                out.setChunked(true);
                            }
                            resp.pipeTo(out);
                        })
                        .onFailure(t -> {
                            if (!out.headWritten()) {
                                out.setStatusCode(502).end();
                            }
                        });
            }
        }, new DeploymentOptions().setInstances(loops)).onFailure(t -> {
            t.printStackTrace();
            System.exit(1);
        });
    }
}
