package dev.sluice.config;

import static dev.sluice.config.ConfigLoaderTest.parse;
import static dev.sluice.config.ConfigLoaderTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class StorageConfigTest {
  private static final String MODELS = "models: []\n";

  @Test
  void storageTimeoutsDefaultToBoundedWaitsAndRefuseZero() {
    assertThat(parse(MODELS).storage().connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(parse(MODELS).storage().socketTimeout()).isEqualTo(Duration.ofSeconds(30));
    StorageConfig storage = parse("storage: {connectTimeout: 3s, socketTimeout: 2m}\n" + MODELS).storage();
    assertThat(storage.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(storage.socketTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(problem("storage: {socketTimeout: 0s}\n" + MODELS)).contains("storage.socketTimeout");
  }
}
