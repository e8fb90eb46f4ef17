package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Where the gateway keeps its files (ADR 103): beside the configuration file unless {@code storage.dataDir} or
 * {@code SLUICE_DATA_DIR} says otherwise, never the working directory, so starting from another directory finds
 * the same keys and the same admin instead of silently making new ones.
 */
class DataDirTest {
  private static final Path CONF = Path.of("/srv/sluice/conf/sluice.yaml");
  private static final String MODELS = "models: []\n";

  private static SluiceConfig parse(String yaml, Function<String, String> env) {
    return new ConfigLoader(env).parse(yaml, CONF.toString());
  }

  private static SluiceConfig parse(String yaml) {
    return parse(yaml, name -> null);
  }

  @Test
  void byDefaultTheDataDirectoryIsBesideTheConfigurationFileWhateverTheWorkingDirectory() {
    SluiceConfig config = parse(MODELS);
    assertThat(config.storage().dataDir()).isEqualTo(Path.of("/srv/sluice/conf/data"));
    assertThat(config.storage().url()).isEqualTo("jdbc:h2:file:/srv/sluice/conf/data/sluice");
    assertThat(config.storage().embeddedInDataDir()).isTrue();
    assertThat(config.usage().spoolDir()).isEqualTo(Path.of("/srv/sluice/conf/data/usage-spool"));
  }

  @Test
  void storageDataDirMovesTheDatabaseAndTheSpoolAndResolvesAgainstTheFile() {
    SluiceConfig relative = parse("storage: {dataDir: ../state}\n" + MODELS);
    assertThat(relative.storage().dataDir()).isEqualTo(Path.of("/srv/sluice/state"));
    assertThat(relative.storage().url()).isEqualTo("jdbc:h2:file:/srv/sluice/state/sluice");
    assertThat(relative.usage().spoolDir()).isEqualTo(Path.of("/srv/sluice/state/usage-spool"));

    SluiceConfig absolute = parse("storage: {dataDir: /var/lib/sluice}\n" + MODELS, Map.of("SLUICE_DATA_DIR", "/x")::get);
    assertThat(absolute.storage().dataDir()).as("the file wins over the environment").isEqualTo(Path.of("/var/lib/sluice"));
  }

  @Test
  void sluiceDataDirIsTheDefaultWhenTheFileNamesNone() {
    SluiceConfig config = parse(MODELS, Map.of("SLUICE_DATA_DIR", "/data")::get);
    assertThat(config.storage().dataDir()).isEqualTo(Path.of("/data"));
    assertThat(config.storage().url()).isEqualTo("jdbc:h2:file:/data/sluice");
    assertThat(config.usage().spoolDir()).isEqualTo(Path.of("/data/usage-spool"));
  }

  @Test
  void aGivenUrlOrSpoolKeepsItsPlaceAndARelativeSpoolResolvesAgainstTheFile() {
    SluiceConfig config = parse("storage: {url: \"jdbc:postgresql://db/sluice\"}\nusage: {spool: {dir: spool}}\n" + MODELS);
    assertThat(config.storage().url()).isEqualTo("jdbc:postgresql://db/sluice");
    assertThat(config.storage().embeddedInDataDir()).isFalse();
    assertThat(config.usage().spoolDir()).isEqualTo(Path.of("/srv/sluice/conf/spool"));
  }

  @Test
  void aBlankDataDirIsAMistakeNamingTheKey() {
    assertThat(ConfigLoaderTest.problem("storage: {dataDir: \"\"}\n" + MODELS)).contains("storage.dataDir");
  }
}
