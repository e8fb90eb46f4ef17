package dev.sluice.config;

import java.net.URI;
import java.time.Duration;

/**
 * Where key owners' current groups come from between their logins: a Keycloak realm read with a
 * service account (client credentials) that holds the realm-management roles view-users and query-groups.
 *
 * @param interval how often every key owner's groups are refreshed (and their keys suspended or resumed)
 */
public record DirectoryConfig(URI keycloakUrl, String realm, String clientId, String clientSecret, Duration interval) {
  @Override
  public String toString() {
    return "DirectoryConfig[keycloakUrl=" + keycloakUrl + ", realm=" + realm + ", clientId=" + clientId
        + ", clientSecret=***, interval=" + interval + "]";
  }
}
