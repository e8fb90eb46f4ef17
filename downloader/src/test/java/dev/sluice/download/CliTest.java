package dev.sluice.download;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CliTest {

    record Printed(int exit, String out, String err) {
    }

    static Printed main(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = DownloadMain.run(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Printed(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsTheUsageAndSucceeds() {
        Printed help = main("--help");

        assertThat(help.exit()).isZero();
        assertThat(help.out()).startsWith("usage: sluice download --source huggingface|https|s3|pvc")
                .contains("HF_TOKEN", "AWS_ENDPOINT_URL", "SLUICE_CA_BUNDLE", "exit: 0");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "--source huggingface --uri acme/x",
        "--source ftp --uri x --dest /tmp/x",
        "--source huggingface --uri acme/x --dest /tmp/x --bogus",
        "--source huggingface --uri acme/x --dest /tmp/x --sha256 nothex",
        "--source s3 --uri https://bucket --dest /tmp/x",
        "--source huggingface --uri ../etc --dest /tmp/x",
        "--source s3 --uri s3://b/p --dest /tmp/x --manifest",
        "--source huggingface --uri acme/x --dest /tmp/x --max-attempts 0",
        "--source https --uri https://h/f --dest /tmp/x --ca-bundle /nonexistent.pem --allow-unverified"
    })
    void aBadCommandLineIsExitTwoWithTheUsage(String line) {
        Printed run = main(line.split(" "));

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("ERROR", "usage: sluice download");
        assertThat(run.out()).isEmpty();
    }
}
