package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SimBenchTest {

    @Test
    void measuresTheSimulatorAloneWithZeroLatencyByDefault() {
        BenchConfig c = BenchConfig.parse(SimBench.withDefaults(new String[] {"--repo", "/repo"}));

        assertThat(c.targets()).containsExactly("direct");
        assertThat(c.upstream()).isEqualTo("sim");
        assertThat(c.upstreamDelayMs()).isZero();
        assertThat(c.rates()).contains(10000, 20000);
    }

    @Test
    void flagsOnTheCommandLineOverrideTheDefaults() {
        BenchConfig c = BenchConfig.parse(SimBench.withDefaults(new String[] {"--rates", "123", "--max-minutes",
                "1"}));

        assertThat(c.rates()).containsExactly(123);
        assertThat(c.maxTotal().toSeconds()).isEqualTo(60);
    }
}
