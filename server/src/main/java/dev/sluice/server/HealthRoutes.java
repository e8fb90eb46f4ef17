package dev.sluice.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.Json;
import dev.sluice.front.Responses;
import io.vertx.ext.web.Router;
import java.util.function.Supplier;

/**
 * Kubernetes probes. Live: the process answers. Ready: the gateway is assembled, not shutting down, and what
 * it needs to serve answers ({@link Readiness}: the store and, when quota fails closed, Redis), so it can take
 * traffic. The body names each check, for whoever reads a failing probe.
 */
public final class HealthRoutes {
  private final Supplier<SluiceRuntime> runtime;

  /** @param runtime the gateway in force, or null while it is not assembled or is shutting down */
  public HealthRoutes(Supplier<SluiceRuntime> runtime) {
    this.runtime = runtime;
  }

  public void mount(Router router) {
    router.get("/health/live").handler(ctx -> Responses.json(ctx.response(), 200, status("UP")));
    router.get("/health/ready").handler(ctx -> {
      SluiceRuntime current = runtime.get();
      if (current == null) {
        Responses.json(ctx.response(), 503, status("DOWN"));
        return;
      }
      boolean up = current.readiness().ready();
      Responses.json(ctx.response(), up ? 200 : 503, current.readiness().report(up));
    });
  }

  private static ObjectNode status(String status) {
    ObjectNode body = Json.object();
    body.put("status", status);
    return body;
  }
}
