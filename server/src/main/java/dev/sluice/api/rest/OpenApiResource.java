package dev.sluice.api.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.Json;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HttpMethod;


import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jboss.resteasy.reactive.ResponseStatus;

/**
 * {@code GET /api/openapi.json}: the control plane's OpenAPI 3 document, derived from the resources' own Jakarta
 * REST annotations and record types, so it cannot drift from the routes (OpenApiDocumentTest checks that every
 * resource found in this package is listed). Each operation says who may call it in {@code x-sluice-access}.
 */
@Path("/openapi.json")
public class OpenApiResource {
  /** Every resource of the control plane; a new one must be added here (the test finds it otherwise). */
  static final List<Class<?>> RESOURCES = List.of(AccountResource.class, KeyResource.class, AdminResource.class,
      SessionResource.class, OpenApiResource.class);

  private static volatile ObjectNode document;

  @GET
  @Access.Anonymous
  @Produces(MediaType.APPLICATION_JSON)
  @Summary("This document")
  public ObjectNode openapi() {
    ObjectNode d = document;
    if (d == null) {
      d = build();
      document = d;
    }
    return d;
  }

  static ObjectNode build() {
    ObjectNode doc = Json.object();
    doc.put("openapi", "3.0.3");
    doc.putObject("info").put("title", "Sluice control plane").put("version", "1")
        .put("description", "Keys, usage, quota, sessions and the admins' views. See docs/api.md.");
    ObjectNode paths = doc.putObject("paths");
    ObjectNode schemas = Json.object();
    RESOURCES.stream()
        .flatMap(c -> Stream.of(c.getMethods()).filter(m -> httpMethod(m) != null).map(m -> Map.entry(c, m)))
        .sorted(Comparator.comparing(e -> path(e.getKey(), e.getValue()) + " " + httpMethod(e.getValue())))
        .forEach(e -> operation(paths, schemas, e.getKey(), e.getValue()));
    doc.putObject("components").set("schemas", schemas);
    return doc;
  }

  private static void operation(ObjectNode paths, ObjectNode schemas, Class<?> resource, Method m) {
    String path = path(resource, m);
    ObjectNode p = paths.has(path) ? (ObjectNode) paths.get(path) : paths.putObject(path);
    ObjectNode op = p.putObject(httpMethod(m).toLowerCase(java.util.Locale.ROOT));
    Summary summary = m.getAnnotation(Summary.class);
    if (summary != null) {
      op.put("summary", summary.value());
    }
    op.put("operationId", resource.getSimpleName().replace("Resource", "") + "_" + m.getName());
    op.put("x-sluice-access", access(resource, m));
    ArrayNode params = op.putArray("parameters");
    for (java.lang.reflect.Parameter param : m.getParameters()) {
      PathParam pp = param.getAnnotation(PathParam.class);
      QueryParam qp = param.getAnnotation(QueryParam.class);
      if (pp != null || qp != null) {
        params.addObject().put("name", pp != null ? pp.value() : qp.value()).put("in", pp != null ? "path" : "query")
            .put("required", pp != null).set("schema", Json.object().put("type", "string"));
      } else if (param.getAnnotation(Context.class) == null) {
        op.putObject("requestBody").put("required", true).putObject("content").putObject(MediaType.APPLICATION_JSON)
            .set("schema", schema(param.getParameterizedType(), schemas));
      }
    }
    ResponseStatus status = m.getAnnotation(ResponseStatus.class);
    int code = status != null ? status.value() : m.getReturnType() == void.class ? 204 : 200;
    ObjectNode ok = op.putObject("responses").putObject(Integer.toString(code));
    ok.put("description", code == 204 ? "done" : "success");
    Class<?> returned = m.getReturnType();
    if (returned != void.class && returned != jakarta.ws.rs.core.Response.class) {
      ok.putObject("content").putObject(MediaType.APPLICATION_JSON).set("schema",
          schema(m.getGenericReturnType(), schemas));
    }
    ((ObjectNode) op.get("responses")).putObject("default").put("description",
        "An error: {\"error\":{\"message\",\"type\",\"param\",\"code\"}} (docs/api.md, Errors)");
  }

  private static String access(Class<?> c, Method m) {
    if (has(c, m, Access.Anonymous.class)) {
      return "anonymous";
    }
    if (has(c, m, Access.AdminOnly.class)) {
      return "admin";
    }
    return has(c, m, Access.KeyReadable.class) ? "user or API key" : "user";
  }

  private static boolean has(Class<?> c, Method m, Class<? extends Annotation> a) {
    return m.isAnnotationPresent(a) || c.isAnnotationPresent(a);
  }

  /** The route's path as clients call it, e.g. {@code /api/keys/{id}}. */
  static String path(Class<?> resource, Method m) {
    String base = resource.getAnnotation(Path.class).value();
    Path sub = m.getAnnotation(Path.class);
    String joined = "/api/" + base + "/" + (sub == null ? "" : sub.value());
    joined = joined.replaceAll("/+", "/");
    return joined.length() > 1 && joined.endsWith("/") ? joined.substring(0, joined.length() - 1) : joined;
  }

  static String httpMethod(Method m) {
    for (Annotation a : m.getAnnotations()) {
      HttpMethod hm = a.annotationType().getAnnotation(HttpMethod.class);
      if (hm != null) {
        return hm.value();
      }
    }
    return null;
  }

  private static ObjectNode schema(Type type, ObjectNode schemas) {
    if (type instanceof ParameterizedType pt) {
      Class<?> raw = (Class<?>) pt.getRawType();
      if (List.class.isAssignableFrom(raw)) {
        ObjectNode s = Json.object().put("type", "array");
        s.set("items", schema(pt.getActualTypeArguments()[0], schemas));
        return s;
      }
      if (Map.class.isAssignableFrom(raw)) {
        ObjectNode s = Json.object().put("type", "object");
        s.set("additionalProperties", schema(pt.getActualTypeArguments()[1], schemas));
        return s;
      }
      return schema(raw, schemas);
    }
    Class<?> c = (Class<?>) type;
    if (c == String.class) {
      return Json.object().put("type", "string");
    }
    if (c == boolean.class || c == Boolean.class) {
      return Json.object().put("type", "boolean");
    }
    if (c == int.class || c == Integer.class || c == long.class || c == Long.class) {
      return Json.object().put("type", "integer");
    }
    if (c == double.class || c == Double.class) {
      return Json.object().put("type", "number");
    }
    if (!c.isRecord()) {
      return Json.object().put("type", "object"); // a JSON document whose shape docs/api.md gives (usage, quota)
    }
    String name = c.getSimpleName();
    if (!schemas.has(name)) {
      ObjectNode s = schemas.putObject(name);
      s.put("type", "object");
      ObjectNode props = s.putObject("properties");
      for (RecordComponent rc : c.getRecordComponents()) {
        JsonProperty renamed = rc.getAnnotation(JsonProperty.class);
        props.set(renamed != null ? renamed.value() : rc.getName(), schema(rc.getGenericType(), schemas));
      }
    }
    return Json.object().put("$ref", "#/components/schemas/" + name);
  }

}
