package dev.sluice.api.rest;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The routes the resources declare, found by scanning this package's compiled classes for {@code @Path}: not the
 * list the OpenAPI document is built from, so a resource missing from it is caught.
 */
public final class DeclaredRoutes {
  private DeclaredRoutes() {
  }

  public static List<String> declared() throws IOException, URISyntaxException, ClassNotFoundException {
    var dir = Paths.get(DeclaredRoutes.class.getClassLoader().getResource("dev/sluice/api/rest/AccountResource.class")
        .toURI()).getParent();
    List<String> out = new ArrayList<>();
    try (Stream<java.nio.file.Path> files = Files.list(dir)) {
      for (var f : files.filter(p -> p.toString().endsWith(".class") && !p.toString().contains("$")).toList()) {
        String name = f.getFileName().toString().replace(".class", "");
        Class<?> c = Class.forName("dev.sluice.api.rest." + name);
        Path base = c.getAnnotation(Path.class);
        if (base == null) {
          continue;
        }
        for (Method m : c.getDeclaredMethods()) {
          for (Annotation a : m.getAnnotations()) {
            HttpMethod verb = a.annotationType().getAnnotation(HttpMethod.class);
            if (verb != null) {
              Path sub = m.getAnnotation(Path.class);
              String path = ("/api/" + base.value() + "/" + (sub == null ? "" : sub.value())).replaceAll("/+", "/");
              out.add(verb.value() + " " + (path.endsWith("/") && path.length() > 1 ? path.substring(0,
                  path.length() - 1) : path));
            }
          }
        }
      }
    }
    return out;
  }
}
