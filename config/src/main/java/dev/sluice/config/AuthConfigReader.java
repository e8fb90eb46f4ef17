package dev.sluice.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The identity half of {@code sluice.yaml}: {@code storage}, {@code auth}, {@code keys}, {@code redis}, {@code access}. */
final class AuthConfigReader {
  private static final Set<String> STORAGE = Set.of("url", "user", "password", "maxPoolSize", "connectTimeout",
      "socketTimeout", "dataDir");
  private static final Set<String> AUTH = Set.of("admins", "local", "oidc", "directory", "sessions");
  private static final Set<String> SESSIONS = Set.of("idleTimeout", "maxLifetime", "secureCookie");
  private static final Set<String> ADMINS = Set.of("groups", "users");
  private static final Set<String> LOCAL = Set.of("users", "throttle");
  private static final Set<String> THROTTLE = Set.of("perUser", "perAddress", "window");
  private static final Set<String> LOCAL_USER = Set.of("name", "passwordHash", "groups");
  private static final Set<String> OIDC = Set.of("issuer", "audience", "groupsClaim", "usernameClaim", "clockSkew",
      "jwksRefreshInterval", "clientId", "clientSecret", "scopes", "redirectUri");
  private static final Set<String> DIRECTORY = Set.of("keycloak", "interval");
  private static final Set<String> KEYCLOAK = Set.of("url", "realm", "clientId", "clientSecret");
  private static final Set<String> KEYS = Set.of("defaultLifetimeDays", "maxLifetimeDays", "cacheRefresh");
  private static final Set<String> REDIS = Set.of("url", "prefix");
  private static final Set<String> ACCESS = Set.of("public", "groups", "users");

  private AuthConfigReader() {
  }

  /**
   * @param node the {@code storage} section, or null when there is none
   * @param baseDir the configuration file's directory, against which a relative {@code dataDir} resolves
   */
  static StorageConfig storage(YamlNode node, java.nio.file.Path baseDir, java.util.function.Function<String, String> env) {
    StorageConfig d = StorageConfig.defaults();
    java.nio.file.Path dataDir = dataDir(node, baseDir, env);
    if (node == null) {
      return new StorageConfig(StorageConfig.embeddedUrl(dataDir), d.user(), d.password(), d.maxPoolSize(),
          d.connectTimeout(), d.socketTimeout(), dataDir);
    }
    Map<String, YamlNode> f = node.fields(STORAGE);
    String url = StorageConfig.embeddedUrl(dataDir);
    if (f.containsKey("url")) {
      url = f.get("url").nonBlank();
      if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
        throw f.get("url").error("expected a jdbc:h2: or jdbc:postgresql: URL, got '" + url + "'");
      }
    }
    return new StorageConfig(url,
        Optional.ofNullable(f.get("user")).map(YamlNode::nonBlank),
        Optional.ofNullable(f.get("password")).map(YamlNode::string),
        f.containsKey("maxPoolSize") ? f.get("maxPoolSize").integer(2, 200) : d.maxPoolSize(),
        f.containsKey("connectTimeout") ? seconds(f.get("connectTimeout")) : d.connectTimeout(),
        f.containsKey("socketTimeout") ? seconds(f.get("socketTimeout")) : d.socketTimeout(), dataDir);
  }

  /**
   * {@code storage.dataDir}, else {@code $SLUICE_DATA_DIR}, else {@code data} beside the configuration file: never the
   * working directory, so that starting from elsewhere finds the same keys instead of silently making a new store.
   */
  private static java.nio.file.Path dataDir(YamlNode storage, java.nio.file.Path baseDir,
      java.util.function.Function<String, String> env) {
    YamlNode node = storage == null ? null : storage.fields(STORAGE).get("dataDir");
    try {
      if (node != null) {
        return baseDir.resolve(node.nonBlank()).toAbsolutePath().normalize();
      }
      String fromEnv = env.apply(StorageConfig.DATA_DIR_ENV);
      if (fromEnv != null && !fromEnv.isBlank()) {
        return java.nio.file.Path.of(fromEnv.trim()).toAbsolutePath().normalize();
      }
    } catch (java.nio.file.InvalidPathException e) {
      if (node != null) {
        throw node.error("not a valid path: " + e.getMessage());
      }
      throw new ConfigException(StorageConfig.DATA_DIR_ENV + " is not a valid path: " + e.getMessage());
    }
    return baseDir.resolve("data");
  }

  /** The JDBC drivers count these in whole seconds; 0 would mean "wait forever", which is what they prevent. */
  private static java.time.Duration seconds(YamlNode node) {
    java.time.Duration d = node.duration();
    if (d.toMillis() < 1000 || d.compareTo(java.time.Duration.ofHours(1)) > 0) {
      throw node.error("must be between 1s and 1h");
    }
    return d;
  }

  static AuthConfig auth(YamlNode node) {
    AuthConfig d = AuthConfig.defaults();
    Map<String, YamlNode> f = node.fields(AUTH);
    Set<String> adminGroups = d.adminGroups();
    Set<String> adminUsers = d.adminUsers();
    if (f.containsKey("admins")) {
      Map<String, YamlNode> a = f.get("admins").fields(ADMINS);
      adminGroups = a.containsKey("groups") ? Set.copyOf(a.get("groups").strings()) : Set.of();
      adminUsers = a.containsKey("users") ? Set.copyOf(a.get("users").strings()) : Set.of();
    }
    List<AuthConfig.LocalUser> users = f.containsKey("local") ? localUsers(f.get("local")) : List.of();
    Optional<OidcConfig> oidc = Optional.ofNullable(f.get("oidc")).map(AuthConfigReader::oidc);
    Optional<DirectoryConfig> directory = Optional.ofNullable(f.get("directory")).map(AuthConfigReader::directory);
    AuthConfig.LoginThrottle throttle = f.containsKey("local") ? throttle(f.get("local")) : d.loginThrottle();
    AuthConfig.Sessions sessions = f.containsKey("sessions") ? sessions(f.get("sessions")) : d.sessions();
    return new AuthConfig(adminGroups, adminUsers, users, oidc, directory, throttle, sessions);
  }

  private static AuthConfig.Sessions sessions(YamlNode node) {
    AuthConfig.Sessions d = AuthConfig.Sessions.defaults();
    Map<String, YamlNode> f = node.fields(SESSIONS);
    Duration idle = f.containsKey("idleTimeout") ? f.get("idleTimeout").duration() : d.idleTimeout();
    if (idle.compareTo(Duration.ofMinutes(1)) < 0 || idle.compareTo(Duration.ofDays(30)) > 0) {
      throw f.get("idleTimeout").error("expected between 1m and 30d");
    }
    Duration max = f.containsKey("maxLifetime") ? f.get("maxLifetime").duration() : d.maxLifetime();
    if (max.compareTo(Duration.ofMinutes(1)) < 0 || max.compareTo(Duration.ofDays(365)) > 0) {
      throw f.get("maxLifetime").error("expected between 1m and 365d");
    }
    if (max.compareTo(idle) < 0) {
      throw f.get(f.containsKey("maxLifetime") ? "maxLifetime" : "idleTimeout")
          .error("maxLifetime cannot be shorter than idleTimeout");
    }
    boolean secure = f.containsKey("secureCookie") ? f.get("secureCookie").bool() : d.secureCookie();
    return new AuthConfig.Sessions(idle, max, secure);
  }

  private static List<AuthConfig.LocalUser> localUsers(YamlNode node) {
    Map<String, YamlNode> f = node.fields(LOCAL);
    List<AuthConfig.LocalUser> users = new ArrayList<>();
    Set<String> names = new HashSet<>();
    if (!f.containsKey("users")) {
      return users;
    }
    for (YamlNode item : f.get("users").items()) {
      Map<String, YamlNode> u = item.fields(LOCAL_USER);
      YamlNode nameNode = required(item, u, "name");
      String name = nameNode.nonBlank();
      if (!name.matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")) {
        throw nameNode.error("user names use letters, digits and . _ @ - (at most 64), got '" + name + "'");
      }
      if (!names.add(name)) {
        throw nameNode.error("user '" + name + "' is listed twice");
      }
      YamlNode hashNode = required(item, u, "passwordHash");
      String hash = hashNode.nonBlank();
      if (!hash.matches("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}") && !hash.startsWith("$argon2")) {
        throw hashNode.error("expected a bcrypt ($2b$...) or Argon2 ($argon2id$...) hash, never a plain password");
      }
      Set<String> groups = u.containsKey("groups") ? Set.copyOf(u.get("groups").strings()) : Set.of();
      users.add(new AuthConfig.LocalUser(name, hash, groups));
    }
    return users;
  }

  private static AuthConfig.LoginThrottle throttle(YamlNode local) {
    AuthConfig.LoginThrottle d = AuthConfig.LoginThrottle.defaults();
    YamlNode node = local.fields(LOCAL).get("throttle");
    if (node == null) {
      return d;
    }
    Map<String, YamlNode> f = node.fields(THROTTLE);
    int perUser = f.containsKey("perUser") ? f.get("perUser").integer(1, 1_000_000) : d.perUser();
    int perAddress = f.containsKey("perAddress") ? f.get("perAddress").integer(1, 1_000_000) : d.perAddress();
    Duration window = f.containsKey("window") ? f.get("window").duration() : d.window();
    if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofDays(1)) > 0) {
      throw f.get("window").error("expected between 1s and 1d");
    }
    return new AuthConfig.LoginThrottle(perUser, perAddress, window);
  }

  private static OidcConfig oidc(YamlNode node) {
    Map<String, YamlNode> f = node.fields(OIDC);
    YamlNode issuerNode = required(node, f, "issuer");
    URI issuer = issuerNode.httpUrl();
    String audience = required(node, f, "audience").nonBlank();
    String groupsClaim = f.containsKey("groupsClaim") ? f.get("groupsClaim").nonBlank() : "groups";
    String usernameClaim = f.containsKey("usernameClaim") ? f.get("usernameClaim").nonBlank() : "preferred_username";
    Duration skew = f.containsKey("clockSkew") ? f.get("clockSkew").duration() : Duration.ofSeconds(30);
    if (skew.compareTo(Duration.ofMinutes(5)) > 0) {
      throw f.get("clockSkew").error("at most 5m; a larger leeway keeps expired tokens alive");
    }
    Duration refresh = f.containsKey("jwksRefreshInterval") ? f.get("jwksRefreshInterval").duration() : Duration.ofSeconds(30);
    Optional<OidcConfig.Login> login = Optional.empty();
    if (f.containsKey("clientId")) {
      String scopes = f.containsKey("scopes") ? f.get("scopes").nonBlank() : "openid profile";
      if (!(" " + scopes + " ").contains(" openid ")) {
        throw f.get("scopes").error("must include openid");
      }
      login = Optional.of(new OidcConfig.Login(f.get("clientId").nonBlank(),
          Optional.ofNullable(f.get("clientSecret")).map(YamlNode::nonBlank), scopes,
          Optional.ofNullable(f.get("redirectUri")).map(YamlNode::httpUrl)));
    } else {
      for (String key : List.of("clientSecret", "scopes", "redirectUri")) {
        if (f.containsKey(key)) {
          throw f.get(key).error("needs clientId (the console's OIDC client)");
        }
      }
    }
    return new OidcConfig(issuer, audience, groupsClaim, usernameClaim, skew, refresh, login);
  }

  private static DirectoryConfig directory(YamlNode node) {
    Map<String, YamlNode> f = node.fields(DIRECTORY);
    YamlNode kcNode = required(node, f, "keycloak");
    Map<String, YamlNode> kc = kcNode.fields(KEYCLOAK);
    Duration interval = f.containsKey("interval") ? f.get("interval").duration() : Duration.ofMinutes(5);
    if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
      throw f.get("interval").error("must be at least 1s");
    }
    return new DirectoryConfig(required(kcNode, kc, "url").httpUrl(), required(kcNode, kc, "realm").nonBlank(),
        required(kcNode, kc, "clientId").nonBlank(), required(kcNode, kc, "clientSecret").nonBlank(), interval);
  }

  static KeysConfig keys(YamlNode node) {
    KeysConfig d = KeysConfig.defaults();
    Map<String, YamlNode> f = node.fields(KEYS);
    int max = f.containsKey("maxLifetimeDays") ? f.get("maxLifetimeDays").integer(1, 36500) : d.maxLifetimeDays();
    int def = f.containsKey("defaultLifetimeDays") ? f.get("defaultLifetimeDays").integer(1, 36500)
        : Math.min(d.defaultLifetimeDays(), max);
    if (def > max) {
      throw f.get("defaultLifetimeDays").error("cannot be longer than maxLifetimeDays (" + max + ")");
    }
    Duration refresh = f.containsKey("cacheRefresh") ? f.get("cacheRefresh").duration() : d.cacheRefresh();
    if (refresh.compareTo(Duration.ofSeconds(1)) < 0) {
      throw f.get("cacheRefresh").error("must be at least 1s");
    }
    return new KeysConfig(def, max, refresh);
  }

  static RedisConfig redis(YamlNode node) {
    Map<String, YamlNode> f = node.fields(REDIS);
    YamlNode urlNode = required(node, f, "url");
    String url = urlNode.nonBlank();
    if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
      throw urlNode.error("expected a redis:// or rediss:// URL");
    }
    return new RedisConfig(url, f.containsKey("prefix") ? f.get("prefix").nonBlank() : "sluice:");
  }

  static AccessConfig access(YamlNode node) {
    Map<String, YamlNode> f = node.fields(ACCESS);
    return new AccessConfig(f.containsKey("public") && f.get("public").bool(),
        f.containsKey("groups") ? Set.copyOf(f.get("groups").strings()) : Set.of(),
        f.containsKey("users") ? Set.copyOf(f.get("users").strings()) : Set.of());
  }

  static YamlNode required(YamlNode parent, Map<String, YamlNode> fields, String key) {
    YamlNode value = fields.get(key);
    if (value == null) {
      throw parent.error("'" + key + "' is missing");
    }
    return value;
  }
}
