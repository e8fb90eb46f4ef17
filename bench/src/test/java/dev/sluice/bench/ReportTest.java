package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class ReportTest {

    @Test
    void aBarChartIsWellFormedSvgWithOneLabelledBarPerValue() throws Exception {
        BarChart chart = new BarChart("Added <latency>", "ms", List.of("nginx", "portkey", "sluice"),
                List.of("p50", "p99"), new double[][] {{0.2, -0.1}, {4.6, 15.0}, {0.5, Double.NaN}}, true);
        Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(chart.svg().getBytes(StandardCharsets.UTF_8)));
        // background + 5 bars (NaN is left out) + 2 legend swatches
        assertThat(svg.getElementsByTagName("rect").getLength()).isEqualTo(1 + 5 + 2);
        assertThat(chart.svg()).contains(">15.0<").contains(">-0.10<").contains("Added &lt;latency&gt;");
    }

    @Test
    void nginxServesTheSlowStreamUpstreamUnderItsPrefix() {
        String conf = NginxProxy.config(Path.of("/tmp/x"), 1000, 2000, 3000);
        assertThat(conf).contains("location /slow/ {").contains("proxy_pass http://slow/;")
                .contains("server 127.0.0.1:3000;").contains("server 127.0.0.1:2000;");
    }

    @Test
    void sluiceRoutesTheSlowModelToTheSlowStreamUpstream() {
        String yaml = SluiceGateway.config(1000, 2000, 3000, Path.of("/tmp/d"), "hash");
        assertThat(yaml).contains("- name: bench-model").contains("- name: " + SluiceGateway.SLOW_MODEL)
                .contains("endpoints: [http://127.0.0.1:2000]").contains("endpoints: [http://127.0.0.1:3000]");
    }

    @Test
    void portkeyIsToldPerRequestWhichHostToForwardTo() {
        Target portkey = new Target("portkey", "127.0.0.1", 1, "p").withHeader("x-portkey-provider", "openai");
        Target up = new Target("direct", "127.0.0.1", 2345, "u");
        Target t = PortkeyGateway.forwardingTo(portkey, up);
        assertThat(t.headers()).containsEntry("x-portkey-custom-host", "http://127.0.0.1:2345/v1")
                .containsEntry("x-portkey-provider", "openai");
        assertThat(t.chatRequest(1000).getHeaders().get("x-portkey-custom-host")).isEqualTo("http://127.0.0.1:2345/v1");
    }

    @Test
    void aTargetWhoseWarmUpDidNotCompleteHasItsLatencyMarkedUntrustworthy() {
        BenchConfig cfg = BenchConfig.parse(new String[] {"--targets", "direct,sluice", "--out", "/tmp/x"});
        Report report = new Report(cfg, "t", "overhead", "cmd", new java.util.HashMap<>(java.util.Map.of("date", "d")));
        report.warmups(java.util.Map.of("direct", new JitWarmup.Result(60_000, 60_003, 0, 31.5, null),
                "sluice", new JitWarmup.Result(60_000, 34, 9_966, 60.0, "HTTP 503")));
        report.latency(java.util.Map.of("direct", latency("direct"), "sluice", latency("sluice")));
        String md = report.markdown();
        assertThat(report.untrustworthy("sluice")).isTrue();
        assertThat(report.untrustworthy("direct")).isFalse();
        assertThat(md).contains("- direct JIT warm-up: 60003 answered, 0 errors, 31.5 s\n")
                .contains("- sluice JIT warm-up: 34 answered, 9966 errors, 60.0 s (incomplete: 60000 wanted; "
                        + "last error HTTP 503); **its latency figures are untrustworthy**")
                .contains("| sluice **(untrustworthy: warm-up incomplete)** |")
                .contains("| direct |")
                .contains("**The latency goals above rest on untrustworthy figures**: the JIT warm-up of sluice did "
                        + "not complete.");
        assertThat(report.json()).extractingByKey("jitWarmup").asString().contains("complete=false");
    }

    private static LatencyPhase.Result latency(String target) {
        org.HdrHistogram.Histogram h = Histograms.createPrecise();
        h.recordValue(20_000);
        return new LatencyPhase.Result(target, h, h, 1, 0, null, List.of(20.0));
    }
}
