package dev.sluice.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.ApiAuthenticator;
import dev.sluice.api.Caller;
import dev.sluice.api.ControlPlane;
import dev.sluice.api.KeyManagement;
import dev.sluice.api.Views;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.Json;
import dev.sluice.identify.IdentificationException;
import dev.sluice.server.SluiceRuntime;
import io.vertx.core.MultiMap;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The control plane's paths for tests on the bare-Vert.x {@link GatewayHarness}, which does not run Quarkus REST:
 * a request is authenticated by the runtime's {@link ApiAuthenticator} and handed to the service its resource
 * calls, exactly as the resource would. The HTTP surface itself (status lines, headers, the error mapper) is
 * tested against Quarkus in {@code dev.sluice.api} (ApiProfile).
 */
public final class ControlPlaneCalls {
  private ControlPlaneCalls() {
  }

  /** What a resource would answer: a status and its JSON body (an error in the one shape, or the view). */
  public record Answer(int status, JsonNode body) {
    public String code() {
      return body.path("error").path("code").asText();
    }
  }

  /** {@code GET /api/me}, {@code GET /api/models}, {@code GET|POST /api/keys}, {@code DELETE /api/keys/{id}}. */
  public static Answer call(SluiceRuntime runtime, String method, String path, String authorization, String body) {
    ControlPlane cp = runtime.controlPlane();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (authorization != null) {
      headers.set("authorization", authorization);
    }
    try {
      Caller caller = cp.authenticator().authenticate(new ApiAuthenticator.Attempt(method, headers, Optional.empty(),
          "127.0.0.1", false)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      KeyManagement keys = cp.keys();
      Object view;
      int status = 200;
      if (method.equals("GET") && path.equals("/api/me")) {
        view = KeyManagement.me(caller);
      } else if (method.equals("GET") && path.equals("/api/models")) {
        view = keys.models(caller.principal());
      } else if (method.equals("GET") && path.equals("/api/keys")) {
        view = keys.listOwn(caller.principal());
      } else if (method.equals("POST") && path.equals("/api/keys")) {
        view = keys.create(caller.principal(), Json.MAPPER.readValue(body, Views.CreateKey.class),
            new dev.sluice.audit.Actor(caller.principal().subject(), caller.principal().name(), "password", null, "127.0.0.1", null));
        status = 201;
      } else if (method.equals("DELETE") && path.startsWith("/api/keys/")) {
        keys.revokeOwn(caller.principal(), path.substring("/api/keys/".length()),
            new dev.sluice.audit.Actor(caller.principal().subject(), caller.principal().name(), "password", null, "127.0.0.1", null));
        return new Answer(204, Json.object());
      } else {
        throw new IllegalArgumentException(method + " " + path);
      }
      return new Answer(status, Json.MAPPER.valueToTree(view));
    } catch (ExecutionException e) {
      return refused(e.getCause());
    } catch (ApiException | IdentificationException e) {
      return refused(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Answer refused(Throwable e) {
    ApiError error = e instanceof ApiException a ? a.error() : e instanceof IdentificationException i ? i.error() : null;
    if (error == null) {
      throw new IllegalStateException(e);
    }
    var body = Json.object();
    body.putObject("error").put("message", error.message()).put("type", error.type()).put("code", error.code())
        .put("param", error.param());
    return new Answer(error.status(), body);
  }
}
