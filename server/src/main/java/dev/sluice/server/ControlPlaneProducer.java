package dev.sluice.server;

import dev.sluice.api.ControlPlane;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Hands the {@code /api} resources the control plane of the runtime {@link GatewayRoutes} built, so that the
 * resources share the data plane's store, keys, catalog and counters and the runtime stays constructor-built.
 */
@ApplicationScoped
public class ControlPlaneProducer {
  @Inject
  GatewayRoutes routes;

  @Produces
  @Singleton
  ControlPlane controlPlane() {
    return routes.runtime().controlPlane();
  }
}
