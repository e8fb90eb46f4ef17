package dev.sluice.console;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The gateway the console's browser tests use: console-test.yaml (a team with a plan, an outsider, an admin). */
public class ConsoleProfile implements QuarkusTestProfile {
  static final String CONFIG = "src/test/resources/console-test.yaml";
  /** The in-memory H2 database of console-test.yaml, reachable from the test's JVM. */
  static final String JDBC_URL = "jdbc:h2:mem:console_test;DB_CLOSE_DELAY=-1";

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of("sluice.config", CONFIG);
  }
}
