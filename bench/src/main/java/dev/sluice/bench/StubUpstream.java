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
 * With {@code --itl-ms N} a stream is slow, like a model decoding: one chunk per {@code max_tokens} token, N ms
 * apart, each written and flushed on its own (the open-streams phase holds 1,000 of those through every target).
 */
public final class StubUpstream extends AbstractVerticle {

    private static final AtomicLong IDS = new AtomicLong();
    private static final String CONTENT = "Hello! How can I help you today? I am a benchmark stub.";

    private final int port;
    private final long delayMs;
    private final long itlMs;

    StubUpstream(int port, long delayMs, long itlMs) {
        this.port = port;
        this.delayMs = delayMs;
        this.itlMs = itlMs;
    }

    public static void main(String[] args) {
        int port = 8000;
        long delay = 20;
        int loops = 2;
        long itl = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--delay-ms" -> delay = Long.parseLong(args[i + 1]);
                case "--event-loops" -> loops = Integer.parseInt(args[i + 1]);
                case "--itl-ms" -> itl = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("usage: StubUpstream [--port P] [--delay-ms MS] "
                        + "[--event-loops N] [--itl-ms MS]");
            }
        }
        int p = port;
        long d = delay;
        int n = loops;
        long itlMs = itl;
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        vertx.deployVerticle(() -> new StubUpstream(p, d, itlMs), new DeploymentOptions().setInstances(n))
                .onSuccess(id -> System.out.println("bench stub upstream listening on http://127.0.0.1:" + p
                        + " (delay " + d + " ms, inter-chunk " + itlMs + " ms, " + n + " event loops)"))
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
            if (stream && itlMs > 0) {
                slowStream(resp, id, created, maxTokens(body.toString()));
            } else if (stream) {
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

    /**
     * The role chunk now, then one content chunk per token, each {@code itlMs} after the previous one was written,
     * then the end of the stream. Chained one-shot timers, not a periodic one: after a stall a periodic timer
     * catches up in a burst, and that burst would be charged to whatever stands between this stub and the client.
     */
    private void slowStream(HttpServerResponse resp, String id, long created, int tokens) {
        resp.putHeader("content-type", "text/event-stream").setChunked(true);
        resp.write(chunk(id, created, "{\"role\":\"assistant\",\"content\":\"\"}", null));
        nextChunk(resp, id, created, tokens);
    }

    private void nextChunk(HttpServerResponse resp, String id, long created, int left) {
        vertx.setTimer(itlMs, timer -> {
            if (resp.closed()) {
                return;
            }
            if (left > 0) {
                resp.write(chunk(id, created, "{\"content\":\"tok \"}", null));
                nextChunk(resp, id, created, left - 1);
            } else {
                resp.end(chunk(id, created, "{}", "\"stop\"") + "data: [DONE]\n\n");
            }
        });
    }

    private static final java.util.regex.Pattern MAX_TOKENS = java.util.regex.Pattern.compile("\"max_tokens\"\\s*:\\s*(\\d+)");

    static int maxTokens(String body) {
        java.util.regex.Matcher m = MAX_TOKENS.matcher(body);
        return m.find() ? Math.min(10_000, Integer.parseInt(m.group(1))) : 16;
    }

    private static String chunk(String id, long created, String delta, String finish) {
        return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                + ",\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"delta\":" + delta
                + ",\"finish_reason\":" + finish + "}]}\n\n";
    }
}
