package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/** nginx as a logic-free keep-alive reverse proxy in front of the upstream: the floor any gateway is compared to. */
final class NginxProxy {

    private NginxProxy() {
    }

    /** Path prefix under which nginx and the Vert.x floor forward to the slow-stream upstream (prefix stripped). */
    static final String SLOW_PREFIX = "/slow";

    /** @param slowPort the slow-stream upstream, served under {@link #SLOW_PREFIX}; 0 for none */
    static Target start(Target upstream, int slowPort, Processes procs, Path runDir) throws IOException, InterruptedException,
            TargetUnavailable {
        String nginx = findNginx();
        if (nginx == null) {
            throw new TargetUnavailable("nginx not installed (apt-get install -y nginx)");
        }
        Path dir = Files.createTempDirectory("sluice-bench-nginx-");
        procs.deleteOnClose(dir);
        for (String sub : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
            Path d = Files.createDirectories(dir.resolve(sub));
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        int port = Processes.freePort();
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config(dir, port, upstream.port(), slowPort));
        Files.copy(conf, runDir.resolve("nginx.conf"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        Process p = procs.start(List.of(nginx, "-e", dir.resolve("error.log").toString(),
                "-c", conf.toString(), "-p", dir.toString()), runDir.resolve("nginx.log"));
        Target t = new Target("nginx", "127.0.0.1", port,
                "nginx reverse proxy, 2 workers, upstream keepalive 256, proxy_buffering off", p);
        String notReady = HttpProbe.awaitReady(t.url("/health"), p, Duration.ofSeconds(15));
        if (notReady != null) {
            procs.stop(p);
            throw new TargetUnavailable("nginx " + notReady + "; see " + dir.resolve("error.log"));
        }
        return t;
    }

    static String config(Path dir, int port, int upstreamPort, int slowPort) {
        return """
                worker_processes 2;
                worker_rlimit_nofile 16384;
                daemon off;
                master_process on;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;

                events {
                    worker_connections 8192;
                    multi_accept on;
                }

                http {
                    access_log off;
                    client_body_temp_path %1$s/client_body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;

                    keepalive_timeout 75s;
                    keepalive_requests 1000000;

                    upstream up {
                        server 127.0.0.1:%3$d;
                        keepalive 256;
                        keepalive_requests 1000000;
                        keepalive_timeout 75s;
                    }

                    upstream slow {
                        server 127.0.0.1:%4$d;
                        keepalive 256;
                    }

                    server {
                        listen 127.0.0.1:%2$d;
                        location /slow/ {
                            proxy_pass http://slow/;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                            proxy_buffering off;
                            proxy_request_buffering off;
                            proxy_read_timeout 60s;
                        }
                        location / {
                            proxy_pass http://up;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                            proxy_buffering off;
                            proxy_request_buffering off;
                            proxy_read_timeout 60s;
                        }
                    }
                }
                """.formatted(dir, port, upstreamPort, slowPort == 0 ? upstreamPort : slowPort);
    }

    private static String findNginx() {
        for (String c : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx",
                "/usr/bin/nginx")) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        return null;
    }
}
