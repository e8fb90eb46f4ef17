package dev.sluice.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Blocking, low-volume HTTP used for readiness polling and one-off sanity checks (never for measuring). */
final class HttpProbe {

    /** The request every target receives, identical for all of them. */
    static final String CHAT_BODY =
            "{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],\"max_tokens\":16}";
    static final String CHAT_BODY_STREAM =
            "{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],\"max_tokens\":16,"
                    + "\"stream\":true}";

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private HttpProbe() {
    }

    /**
     * Polls {@code GET url} until it answers 200, the process dies, or the timeout passes.
     *
     * @return null when ready, otherwise why not
     */
    static String awaitReady(String url, Process process, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (process != null && !process.isAlive()) {
                return "process exited with code " + process.exitValue();
            }
            try {
                HttpResponse<String> r = CLIENT.send(
                        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return null;
                }
                last = "HTTP " + r.statusCode();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        return "not ready after " + timeout.toSeconds() + " s (" + last + ")";
    }

    /**
     * Sends the benchmark request once and checks the answer looks like an OpenAI chat completion.
     *
     * @return null when fine, otherwise what is wrong
     */
    static String sanityCheck(Target t, boolean stream) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(t.url(t.path())))
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(stream ? CHAT_BODY_STREAM : CHAT_BODY));
            t.headers().forEach(request::header);
            HttpResponse<String> r = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String body = r.body();
            boolean shaped = stream ? body.contains("data:") && body.contains("[DONE]") : body.contains("\"choices\"");
            if (r.statusCode() != 200 || !shaped) {
                return "HTTP " + r.statusCode() + ": " + abbreviate(body);
            }
            return null;
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static String abbreviate(String s) {
        String flat = s.replaceAll("\\s+", " ");
        return flat.length() <= 200 ? flat : flat.substring(0, 200) + "...";
    }
}
