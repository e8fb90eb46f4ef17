package dev.sluice.route.kvevents.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The Python string and dict methods Hugging Face chat templates call ({@code content.strip()},
 * {@code content.split('</think>')[-1]}, {@code message.get('reasoning_content')}, {@code tool.items()}), with
 * Python's semantics: Jinjava would otherwise call Java's methods of the same name where one exists
 * ({@code String.split} takes a regex and drops trailing empty strings) and fail where none does
 * ({@code startswith}). Only method calls are resolved here; properties fall through to Jinjava's resolvers.
 */
final class PythonMethods extends ELResolver {

  @Override
  public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (!(method instanceof String name)) {
      return null;
    }
    Object[] args = params == null ? new Object[0] : params;
    Object result;
    if (base instanceof String s) {
      result = string(s, name, args);
    } else if (base instanceof Map<?, ?> m) {
      result = map(m, name, args);
    } else {
      return null;
    }
    if (result == NONE) {
      return null;
    }
    context.setPropertyResolved(true);
    return result == NULL ? null : result;
  }

  /** Not one of ours: let the next resolver try. */
  private static final Object NONE = new Object();
  /** Ours, and Python returned None. */
  private static final Object NULL = new Object();

  private static Object string(String s, String name, Object[] a) {
    return switch (name) {
      case "strip" -> strip(s, arg(a, 0), true, true);
      case "lstrip" -> strip(s, arg(a, 0), true, false);
      case "rstrip" -> strip(s, arg(a, 0), false, true);
      case "startswith" -> s.startsWith(str(a, 0));
      case "endswith" -> s.endsWith(str(a, 0));
      case "split" -> split(s, arg(a, 0), a.length > 1 ? ((Number) a[1]).intValue() : -1);
      case "upper" -> s.toUpperCase(Locale.ROOT);
      case "lower" -> s.toLowerCase(Locale.ROOT);
      case "replace" -> s.replace(str(a, 0), str(a, 1));
      case "find" -> (long) s.indexOf(str(a, 0));
      case "count" -> count(s, str(a, 0));
      case "title" -> title(s);
      case "capitalize" -> s.isEmpty() ? s
          : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
      default -> NONE;
    };
  }

  private static Object map(Map<?, ?> m, String name, Object[] a) {
    return switch (name) {
      case "get" -> {
        Object v = m.containsKey(a[0]) ? m.get(a[0]) : (a.length > 1 ? a[1] : null);
        yield v == null ? NULL : v;
      }
      case "items" -> {
        List<Object> items = new ArrayList<>(m.size());
        m.forEach((k, v) -> items.add(java.util.Arrays.asList(k, v)));
        yield items;
      }
      case "keys" -> new ArrayList<>(m.keySet());
      case "values" -> new ArrayList<>(m.values());
      default -> NONE;
    };
  }

  private static Object arg(Object[] a, int i) {
    return a.length > i ? a[i] : null;
  }

  private static String str(Object[] a, int i) {
    return String.valueOf(a[i]);
  }

  /** Python's {@code str.strip}: whitespace by {@code str.isspace}, or the given characters. */
  static String strip(String s, Object chars, boolean left, boolean right) {
    String set = chars == null ? null : chars.toString();
    int start = 0;
    int end = s.length();
    while (left && start < end && strips(s.charAt(start), set)) {
      start++;
    }
    while (right && end > start && strips(s.charAt(end - 1), set)) {
      end--;
    }
    return s.substring(start, end);
  }

  private static boolean strips(char c, String set) {
    return set == null ? isSpace(c) : set.indexOf(c) >= 0;
  }

  /** Python's {@code str.isspace} for one character (what {@code strip()} and {@code split()} remove). */
  static boolean isSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || (c >= 0x1c && c <= 0x1f) || c == 0x85;
  }

  static List<String> split(String s, Object sep, int maxsplit) {
    List<String> parts = new ArrayList<>();
    if (sep == null) {
      int i = 0;
      int n = s.length();
      while (true) {
        while (i < n && isSpace(s.charAt(i))) {
          i++;
        }
        if (i == n) {
          return parts;
        }
        if (maxsplit >= 0 && parts.size() == maxsplit) {
          parts.add(strip(s.substring(i), null, false, true));
          return parts;
        }
        int j = i;
        while (j < n && !isSpace(s.charAt(j))) {
          j++;
        }
        parts.add(s.substring(i, j));
        i = j;
      }
    }
    String d = sep.toString();
    if (d.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    int from = 0;
    int at;
    while ((maxsplit < 0 || parts.size() < maxsplit) && (at = s.indexOf(d, from)) >= 0) {
      parts.add(s.substring(from, at));
      from = at + d.length();
    }
    parts.add(s.substring(from));
    return parts;
  }

  private static long count(String s, String sub) {
    if (sub.isEmpty()) {
      return s.length() + 1L;
    }
    long n = 0;
    for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
      n++;
    }
    return n;
  }

  private static String title(String s) {
    StringBuilder b = new StringBuilder(s.length());
    boolean prevCased = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(prevCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
      prevCased = Character.isLetter(c);
    }
    return b.toString();
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {
  }

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return null;
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }
}
