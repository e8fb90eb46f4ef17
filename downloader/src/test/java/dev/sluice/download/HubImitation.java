package dev.sluice.download;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

/**
 * A loopback imitation of the Hugging Face Hub, after its public documentation: {@code /api/models/{repo}/revision/
 * {rev}} answers the commit sha, {@code /api/models/{repo}/tree/{sha}?recursive=true} lists files with size, oid
 * and (for LFS files) {@code lfs: {oid, size}}, paginated with a {@code Link: <...>; rel="next"} header, and
 * {@code /{repo}/resolve/{sha}/{path}} serves small files itself and redirects LFS files to a CDN on another origin,
 * as the Hub does. Both honour Range. Every request is recorded; faults are queued per file.
 */
final class HubImitation implements AutoCloseable {

    /** What the next request for a file gets instead of the file. */
    sealed interface Fault permits Status, CutAfter, Corrupt, StallAfter {
    }

    record Status(int code) implements Fault {
    }

    /** Sends the headers for the whole file, then {@code bytes} of it, then drops the connection. */
    record CutAfter(long bytes) implements Fault {
    }

    /** Sends {@code bytes} of the file, then nothing for {@code millis}, then drops the connection. */
    record StallAfter(long bytes, long millis) implements Fault {
    }

    /** Serves other bytes of the same length. */
    record Corrupt() implements Fault {
    }

    record Request(String host, String path, String range, String authorization) {
    }

    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    final String repo;
    final String basePath;
    final Map<String, byte[]> files = new LinkedHashMap<>();
    final Map<String, Boolean> lfs = new LinkedHashMap<>();
    final Map<String, Queue<Fault>> faults = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final List<Map<String, Object>> extraTreeEntries = new ArrayList<>();
    /** Files listed the Xet way without an lfs block: a xetHash, and the pointer's oid. */
    final java.util.Set<String> xetOnly = ConcurrentHashMap.newKeySet();
    volatile String requiredToken;
    volatile int pageSize = 1000;
    volatile long delayPerChunkMillis;

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    HubImitation(String repo, String basePath) throws IOException {
        this.repo = repo;
        this.basePath = basePath;
        InetAddress loopback = InetAddress.getLoopbackAddress();
        hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        hub.createContext("/", this::hub);
        cdn.createContext("/", this::cdn);
        hub.setExecutor(pool);
        cdn.setExecutor(pool);
        hub.start();
        cdn.start();
    }

    HubImitation(String repo) throws IOException {
        this(repo, "");
    }

    HubImitation file(String path, byte[] content, boolean asLfs) {
        files.put(path, content);
        lfs.put(path, asLfs);
        return this;
    }

    void fault(String path, Fault... next) {
        faults.computeIfAbsent(path, p -> new ConcurrentLinkedQueue<>()).addAll(List.of(next));
    }

    String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort() + basePath;
    }

    int cdnPort() {
        return cdn.getAddress().getPort();
    }

    /** Requests that fetched the content of {@code path} (on the Hub or the CDN, redirects not counted twice). */
    long contentRequests(String path) {
        return requests.stream().filter(r -> r.path().endsWith("/" + path) && r.path().contains("/resolve/")
                && (r.host().equals("cdn") || !lfs.get(path))).count();
    }

    long apiRequests() {
        return requests.stream().filter(r -> r.path().contains("/api/")).count();
    }

    private void hub(HttpExchange ex) throws IOException {
        String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        requests.add(new Request("hub", path, ex.getRequestHeaders().getFirst("Range"), auth));
        if (!path.startsWith(basePath + "/")) {
            send(ex, 404, "{\"error\":\"not under the mirror's base path\"}");
            return;
        }
        path = path.substring(basePath.length());
        if (requiredToken != null && !("Bearer " + requiredToken).equals(auth)) {
            send(ex, 401, "{\"error\":\"Invalid credentials in Authorization header\"}");
            return;
        }
        String revisionApi = "/api/models/" + repo + "/revision/";
        String treeApi = "/api/models/" + repo + "/tree/" + COMMIT;
        String resolve = "/" + repo + "/resolve/" + COMMIT + "/";
        if (path.startsWith(revisionApi)) {
            StringBuilder siblings = new StringBuilder();
            for (String name : files.keySet()) {
                siblings.append(siblings.length() == 0 ? "" : ",").append("{\"rfilename\":\"").append(name)
                        .append("\"}");
            }
            send(ex, 200, "{\"id\":\"" + repo + "\",\"sha\":\"" + COMMIT + "\",\"siblings\":[" + siblings + "]}");
        } else if (path.equals(treeApi)) {
            tree(ex);
        } else if (path.startsWith(resolve) && files.containsKey(path.substring(resolve.length()))) {
            String name = path.substring(resolve.length());
            if (lfs.get(name)) {
                ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + cdnPort() + "/lfs/" + name
                        + "?X-Amz-Signature=cdnsecret&Expires=1");
                ex.sendResponseHeaders(302, -1);
                ex.close();
            } else {
                content(ex, name);
            }
        } else {
            send(ex, 404, "{\"error\":\"Entry not found\"}");
        }
    }

    private void cdn(HttpExchange ex) throws IOException {
        String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
        requests.add(new Request("cdn", "/resolve" + path, ex.getRequestHeaders().getFirst("Range"),
                ex.getRequestHeaders().getFirst("Authorization")));
        String name = path.substring("/lfs/".length());
        if (!files.containsKey(name)) {
            send(ex, 404, "no such object");
            return;
        }
        content(ex, name);
    }

    private void tree(HttpExchange ex) throws IOException {
        String query = ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
        int cursor = 0;
        for (String param : query.split("&")) {
            if (param.startsWith("cursor=")) {
                cursor = Integer.parseInt(param.substring(7));
            }
        }
        List<String> entries = new ArrayList<>();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            String name = f.getKey();
            byte[] data = f.getValue();
            int slash = name.lastIndexOf('/');
            if (slash > 0) {
                entries.add("{\"type\":\"directory\",\"oid\":\"" + sha1Hex(name.getBytes()) + "\",\"size\":0,"
                        + "\"path\":\"" + name.substring(0, slash) + "\"}");
            }
            if (xetOnly.contains(name)) {
                entries.add("{\"type\":\"file\",\"oid\":\"" + gitOid(("pointer " + name).getBytes()) + "\",\"size\":"
                        + data.length + ",\"xetHash\":\"" + sha256Hex(("xet " + name).getBytes()) + "\",\"path\":\""
                        + name + "\"}");
            } else if (lfs.get(name)) {
                entries.add("{\"type\":\"file\",\"oid\":\"" + gitOid(("pointer " + name).getBytes()) + "\",\"size\":"
                        + data.length + ",\"lfs\":{\"oid\":\"" + sha256Hex(data) + "\",\"size\":" + data.length
                        + ",\"pointerSize\":134},\"path\":\"" + name + "\"}");
            } else {
                entries.add("{\"type\":\"file\",\"oid\":\"" + gitOid(data) + "\",\"size\":" + data.length
                        + ",\"path\":\"" + name + "\"}");
            }
        }
        for (Map<String, Object> extra : extraTreeEntries) {
            entries.add(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(extra));
        }
        int end = Math.min(entries.size(), cursor + pageSize);
        if (end < entries.size()) {
            ex.getResponseHeaders().add("Link", "<" + endpoint() + "/api/models/" + repo + "/tree/" + COMMIT
                    + "?recursive=true&cursor=" + end + ">; rel=\"next\"");
        }
        send(ex, 200, "[" + String.join(",", entries.subList(cursor, end)) + "]");
    }

    private void content(HttpExchange ex, String name) throws IOException {
        byte[] data = files.get(name);
        Queue<Fault> queue = faults.get(name);
        Fault fault = queue == null ? null : queue.poll();
        if (fault instanceof Status status) {
            send(ex, status.code(), "{\"error\":\"injected\"}");
            return;
        }
        if (fault instanceof Corrupt) {
            data = data.clone();
            data[data.length / 2] ^= 0x5a;
        }
        long from = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Long.parseLong(range.substring(6, range.length() - 1));
            if (from >= data.length) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + data.length);
                ex.sendResponseHeaders(416, -1);
                ex.close();
                return;
            }
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/"
                    + data.length);
            ex.sendResponseHeaders(206, data.length - from);
        } else {
            ex.sendResponseHeaders(200, data.length);
        }
        long limit = fault instanceof CutAfter cut ? from + cut.bytes()
                : fault instanceof StallAfter stall ? from + stall.bytes() : data.length;
        OutputStream body = ex.getResponseBody();
        try {
            for (long at = from; at < limit; ) {
                int n = (int) Math.min(16 * 1024, limit - at);
                body.write(data, (int) at, n);
                body.flush();
                at += n;
                if (delayPerChunkMillis > 0) {
                    Thread.sleep(delayPerChunkMillis);
                }
            }
            if (fault instanceof StallAfter stall) {
                Thread.sleep(stall.millis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException clientWentAway) {
            // the downloader gave up on this transfer; nothing more to send
        }
        ex.close(); // short of Content-Length after a CutAfter: the server drops the connection
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha1Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** git's blob oid: sha1 of "blob SIZE\0" followed by the content. */
    static String gitOid(byte[] data) {
        byte[] header = ("blob " + data.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[header.length + data.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(data, 0, all, header.length, data.length);
        return sha1Hex(all);
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        pool.shutdownNow();
    }
}
