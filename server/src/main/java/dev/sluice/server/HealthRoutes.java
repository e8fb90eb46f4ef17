package dev.sluice.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.Json;
import dev.sluice.front.Responses;
import io.vertx.ext.web.Router;
import java.util.function.BooleanSupplier;

/**
 * Kubernetes probes. Live: the process answers. Ready: the gateway is assembled and not shutting down, so it
 * can take traffic.
 */
final class HealthRoutes {
  private final BooleanSupplier ready;

  HealthRoutes(BooleanSupplier ready) {
    this.ready = ready;
  }

  void mount(Router router) {
    router.get("/health/live").handler(ctx -> Responses.json(ctx.response(), 200, status("UP")));
    router.get("/health/ready").handler(ctx -> {
      boolean up = ready.getAsBoolean();
      Responses.json(ctx.response(), up ? 200 : 503, status(up ? "UP" : "DOWN"));
    });
  }

  private static ObjectNode status(String status) {
    ObjectNode body = Json.object();
    body.put("status", status);
    return body;
  }
}
