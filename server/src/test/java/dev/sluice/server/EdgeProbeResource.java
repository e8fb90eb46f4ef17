package dev.sluice.server;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** A Quarkus REST resource that exists only in the tests, to show REST routes are served behind Sluice's listener. */
@Path("/edge-probe")
public class EdgeProbeResource {
  @GET
  @Path("{name}")
  @Produces(MediaType.TEXT_PLAIN)
  public String hello(@PathParam("name") String name) {
    return "hello " + name;
  }
}
