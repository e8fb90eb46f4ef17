package dev.sluice.support;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A gateway with the default failed-login throttle (ApiProfile raises it): for the throttle's own tests, which
 * exhaust the budget of 127.0.0.1 and so need a Quarkus of their own. Users alice and bob (llm), model chat.
 */
public class ThrottleProfile implements QuarkusTestProfile {
  @Override
  public Map<String, String> getConfigOverrides() {
    try {
      Path spool = Files.createTempDirectory("sluice-throttle-spool");
      Path file = Files.createTempFile("sluice-throttle", ".yaml");
      Files.writeString(file, """
          server: {accessLog: off}
          storage: {url: "%s"}
          usage: {spool: {dir: "%s"}}
          auth:
            local:
              users:
                - {name: alice, passwordHash: "%3$s", groups: [llm]}
                - {name: bob, passwordHash: "%3$s", groups: [llm]}
          models:
            - name: chat
              access: {groups: [llm]}
              upstream:
                model: m
                simulator: {replicas: 1, mode: echo}
          """.formatted(TestDatabases.h2().url(), spool, TestUsers.HASH));
      return Map.of("sluice.config", file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
