package dev.sluice.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What {@code sluice version} prints: the version and git commit the build recorded in {@code sluice-build.properties}
 * (server/pom.xml), and the Java that runs it.
 */
record BuildInfo(String version, String commit) {
  static final String UNKNOWN = "unknown";

  static BuildInfo read() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("/sluice-build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // an unreadable resource is reported like a missing one: "unknown"
    }
    return new BuildInfo(known(p.getProperty("version")), known(p.getProperty("commit")));
  }

  /** A property the build could not fill in (no git in a source tarball) stays {@code ${...}}. */
  private static String known(String value) {
    return value == null || value.isBlank() || value.startsWith("${") ? UNKNOWN : value;
  }

  String describe() {
    String build = commit.matches("[0-9a-f]{7,40}") ? "commit " + commit : "commit unknown";
    return "sluice " + version + " (" + build + ")\nJava " + System.getProperty("java.version") + " ("
        + System.getProperty("java.vendor") + ", " + System.getProperty("java.home") + ")";
  }
}
