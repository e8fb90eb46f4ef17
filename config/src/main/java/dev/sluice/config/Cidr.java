package dev.sluice.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An address range such as {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address is a range of one. Parsing never
 * asks DNS: only IP literals are read (the JDK resolves a name, so anything that is not visibly a literal is
 * refused before it gets there).
 */
public record Cidr(byte[] network, int bits) {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /** @throws IllegalArgumentException naming what is wrong */
  public static Cidr parse(String text) {
    String s = text.trim();
    int slash = s.indexOf('/');
    byte[] address = literal(slash < 0 ? s : s.substring(0, slash));
    if (address == null) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR range (e.g. 10.0.0.0/8, fd00::/8)");
    }
    int max = address.length * 8;
    int bits = max;
    if (slash >= 0) {
      try {
        bits = Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        bits = -1;
      }
      if (bits < 0 || bits > max) {
        throw new IllegalArgumentException("'" + text + "': the prefix length must be between 0 and " + max);
      }
    }
    return new Cidr(mask(address, bits), bits);
  }

  /** The bytes of an IPv4 or IPv6 literal (IPv4-mapped IPv6 comes back as IPv4), or null for anything else. */
  public static byte[] literal(String text) {
    if (text == null || text.isEmpty() || text.length() > 64) {
      return null;
    }
    String s = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    if (!IPV4.matcher(s).matches() && (s.indexOf(':') < 0 || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0
        || c == ':' || c == '.' || c == '%'))) {
      return null;
    }
    try {
      return InetAddress.getByName(s).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }

  public boolean contains(byte[] address) {
    return address != null && address.length == network.length && Arrays.equals(mask(address, bits), network);
  }

  private static byte[] mask(byte[] address, int bits) {
    byte[] out = address.clone();
    for (int i = 0; i < out.length; i++) {
      int keep = Math.max(0, Math.min(8, bits - i * 8));
      out[i] = (byte) (out[i] & (0xff << (8 - keep)));
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.bits == bits && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(network) * 31 + bits;
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + bits;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
