package dev.sluice.api.rest;

import dev.sluice.api.ControlPlane;
import dev.sluice.api.Views;
import dev.sluice.front.ApiException;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.ResponseStatus;

/** The caller's own API keys. */
@Path("/keys")
@Produces(MediaType.APPLICATION_JSON)
public class KeyResource {
  @Inject
  ControlPlane controlPlane;

  @GET
  @Summary("The caller's keys (never their secrets)")
  public Views.Keys list(@Context RoutingContext rc) {
    return controlPlane.keys().listOwn(AuthenticationFilter.caller(rc).principal());
  }

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @ResponseStatus(201)
  @Summary("Creates a key; the answer is the only time its secret is shown")
  public Views.CreatedKey create(Views.CreateKey body, @Context RoutingContext rc) throws ApiException {
    return controlPlane.keys().create(AuthenticationFilter.caller(rc).principal(), body, AuthenticationFilter.actor(rc));
  }

  @DELETE
  @Path("{id}")
  @ResponseStatus(204)
  @Summary("Revokes one of the caller's keys (again: still 204)")
  public void revoke(@PathParam("id") String id, @Context RoutingContext rc) throws ApiException {
    controlPlane.keys().revokeOwn(AuthenticationFilter.caller(rc).principal(), id, AuthenticationFilter.actor(rc));
  }
}
