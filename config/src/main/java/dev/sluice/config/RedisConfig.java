package dev.sluice.config;

/**
 * A Redis shared by the replicas. When set, key invalidations travel over Redis pub/sub.
 *
 * @param url {@code redis://[:password@]host:port[/db]}
 * @param prefix prepended to every key and channel name Sluice uses, so several deployments can share a Redis
 */
public record RedisConfig(String url, String prefix) {
  @Override
  public String toString() {
    return "RedisConfig[url=" + url.replaceAll("//[^@/]*@", "//***@") + ", prefix=" + prefix + "]";
  }
}
