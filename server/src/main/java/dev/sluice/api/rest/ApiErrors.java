package dev.sluice.api.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.Json;
import dev.sluice.identify.IdentificationException;
import dev.sluice.store.StoreException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The control plane's one exception mapper: whatever goes wrong under {@code /api} (a refusal of Sluice's, a
 * credential, the store, or Quarkus REST's own 404, 405, 415 and unreadable JSON) reaches the client in the one
 * error shape {@code {"error":{"message","type","param","code"}}} with its status. A 5xx only when the store is
 * unreachable (503, saying so) or on a bug (500, logged).
 */
public final class ApiErrors {
  private static final Logger LOG = Logger.getLogger(ApiErrors.class);

  /*
   * One translation (of), three entry points: Quarkus REST picks the most specific mapper for an exception, and
   * ships its own for JSON and web exceptions, so these types are named here to take precedence over them.
   */
  @ServerExceptionMapper
  public Response json(JsonProcessingException e, HttpServerRequest request) {
    return respond(e, request);
  }

  @ServerExceptionMapper
  public Response web(WebApplicationException e, HttpServerRequest request) {
    return respond(e, request);
  }

  @ServerExceptionMapper
  public Response any(Throwable e, HttpServerRequest request) {
    return respond(e, request);
  }

  static ApiError of(Throwable e, HttpServerRequest request) {
    Throwable t = e;
    // Quarkus REST reports an unreadable body as a 400 web exception around the Jackson error.
    if (t instanceof WebApplicationException && t.getCause() instanceof JsonProcessingException cause) {
      t = cause;
    }
    if (t instanceof ApiException api) {
      return api.error();
    }
    if (t instanceof IdentificationException id) {
      return id.error();
    }
    if (t instanceof JsonProcessingException json) {
      return badJson(json);
    }
    if (t instanceof StoreException store) {
      LOG.errorf("%s %s: %s", request.method(), request.path(), store.getMessage());
      return new ApiError(503, "server_error", "store_unavailable", null,
          "The store cannot be reached right now; retry shortly.");
    }
    if (t instanceof NotFoundException) {
      return ApiError.notFound(request.path());
    }
    if (t instanceof NotAllowedException) {
      return ApiError.methodNotAllowed(request.method().name(), request.path());
    }
    if (t instanceof NotSupportedException) {
      return ApiError.unsupportedMediaType(request.getHeader("content-type"));
    }
    if (t instanceof NotAcceptableException) {
      return new ApiError(406, "invalid_request_error", "not_acceptable", null,
          "This API answers application/json only.");
    }
    if (t instanceof WebApplicationException web && web.getResponse().getStatus() < 500) {
      int status = web.getResponse().getStatus();
      return new ApiError(status, "invalid_request_error", "invalid_request", null,
          "The request cannot be processed (HTTP " + status + ").");
    }
    LOG.errorf(t, "%s %s failed", request.method(), request.path());
    return ApiError.internal();
  }

  /** A body Jackson could not read into the route's type: which field, and what was expected. */
  static ApiError badJson(JsonProcessingException e) {
    String field = null;
    if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
      field = m.getPath().stream()
          .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
          .collect(Collectors.joining(".")).replace(".[", "[");
    }
    String message;
    if (e instanceof UnrecognizedPropertyException u) {
      message = "unknown field '" + u.getPropertyName() + "'; expected "
          + u.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
    } else if (e instanceof InvalidFormatException || e instanceof MismatchedInputException) {
      message = field == null ? "the body does not have the expected JSON form (an object)"
          : "'" + field + "' has the wrong type";
    } else {
      message = "the body is not valid JSON: " + e.getOriginalMessage();
    }
    return ApiError.badRequest("invalid_request", field, message);
  }

  static Response respond(Throwable e, HttpServerRequest request) {
    Response r = respond(of(e, request), request);
    if (e instanceof IdentificationException id && id.retryAfterSeconds() > 0) {
      r.getHeaders().putSingle("Retry-After", Long.toString(id.retryAfterSeconds()));
    }
    if (e instanceof NotAllowedException na && na.getResponse().getHeaderString("Allow") != null) {
      r.getHeaders().putSingle("Allow", na.getResponse().getHeaderString("Allow"));
    }
    return r;
  }

  /** The error as a response, with the headers its status calls for. */
  static Response respond(ApiError error, HttpServerRequest request) {
    ObjectNode body = Json.object();
    ObjectNode inner = body.putObject("error");
    inner.put("message", error.message());
    inner.put("type", error.type());
    if (error.param() == null) {
      inner.putNull("param");
    } else {
      inner.put("param", error.param());
    }
    if (error.code() == null) {
      inner.putNull("code");
    } else {
      inner.put("code", error.code());
    }
    Response.ResponseBuilder r = Response.status(error.status()).type(MediaType.APPLICATION_JSON_TYPE).entity(body);
    if (error.status() == 401 && request != null) {
      r.header("WWW-Authenticate", challenge(request));
    }
    return r.build();
  }

  /**
   * Bearer always; Basic too, except to a browser's script ({@code Sec-Fetch-Mode} is sent by browsers only),
   * which would otherwise pop up the browser's own password dialog over the console.
   */
  static String challenge(HttpServerRequest request) {
    return request.getHeader("sec-fetch-mode") == null ? "Bearer realm=\"sluice\", Basic realm=\"sluice\""
        : "Bearer realm=\"sluice\"";
  }
}
