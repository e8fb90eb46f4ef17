package dev.sluice.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The builtin upstream: a minimal OpenAI-shaped chat-completions server that answers after a fixed delay
 * ({@code vertx.setTimer}). Used when the sluice-sim jar is not built, or on request ({@code --upstream builtin}),
 * and useful on its own as a zero-logic mock: {@code java -cp ... dev.sluice.bench.StubUpstream --port 8000}.
 */
public final class StubUpstream extends AbstractVerticle {

    private static final AtomicLong IDS = new AtomicLong();
    private static final String CONTENT = "Hello! How can I help you today? I am a benchmark stub.";

    private final int port;
    private final long delayMs;

    StubUpstream(int port, long delayMs) {
        this.port = port;
        this.delayMs = delayMs;
    }

    public static void main(String[] args) {
        int port = 8000;
        long delay = 20;
        int loops = 2;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--delay-ms" -> delay = Long.parseLong(args[i + 1]);
                case "--event-loops" -> loops = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("usage: StubUpstream [--port P] [--delay-ms MS] "
                        + "[--event-loops N]");
            }
        }
        int p = port;
        long d = delay;
        int n = loops;
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        vertx.deployVerticle(() -> new StubUpstream(p, d), new DeploymentOptions().setInstances(n))
                .onSuccess(id -> System.out.println("bench stub upstream listening on http://127.0.0.1:" + p
                        + " (delay " + d + " ms, " + n + " event loops)"))
                .onFailure(e -> {
                    e.printStackTrace();
                    System.exit(1);
                });
    }

    @Override
    public void start(Promise<Void> started) {
        vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true))
                .requestHandler(this::handle)
                .listen()
                .<Void>mapEmpty()
                .onComplete(started);
    }

    private void handle(HttpServerRequest req) {
        String path = req.path();
        if (path.equals("/health")) {
            req.response().end("ok");
        } else if (path.equals("/v1/models")) {
            req.response().putHeader("content-type", "application/json")
                    .end("{\"object\":\"list\",\"data\":[{\"id\":\"bench-model\",\"object\":\"model\"}]}");
        } else if (path.equals("/v1/chat/completions") && req.method().name().equals("POST")) {
            req.body().onSuccess(body -> chat(req.response(), body));
        } else {
            req.response().setStatusCode(404).end();
        }
    }

    private void chat(HttpServerResponse resp, Buffer body) {
        boolean stream = body.toString().replace(" ", "").contains("\"stream\":true");
        String id = "chatcmpl-stub-" + IDS.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        vertx.setTimer(Math.max(1, delayMs), t -> {
            if (stream) {
                resp.putHeader("content-type", "text/event-stream").setChunked(true);
                StringBuilder sb = new StringBuilder();
                sb.append(chunk(id, created, "{\"role\":\"assistant\",\"content\":\"\"}", null));
                for (String word : CONTENT.split("(?<= )")) {
                    sb.append(chunk(id, created, "{\"content\":\"" + word + "\"}", null));
                }
                sb.append(chunk(id, created, "{}", "\"stop\""));
                sb.append("data: [DONE]\n\n");
                resp.end(sb.toString());
            } else {
                resp.putHeader("content-type", "application/json").end("{\"id\":\"" + id
                        + "\",\"object\":\"chat.completion\",\"created\":" + created
                        + ",\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                        + "\"content\":\"" + CONTENT + "\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":16,\"total_tokens\":25}}");
            }
        });
    }

    private static String chunk(String id, long created, String delta, String finish) {
        return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                + ",\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"delta\":" + delta
                + ",\"finish_reason\":" + finish + "}]}\n\n";
    }
}
