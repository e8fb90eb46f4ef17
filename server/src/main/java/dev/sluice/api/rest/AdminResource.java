package dev.sluice.api.rest;

import com.fasterxml.jackson.databind.JsonNode;
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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.Optional;

import org.jboss.resteasy.reactive.ResponseStatus;

/** The administrators' API: every key, everyone's usage, the models and plans in force. */
@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Access.AdminOnly
public class AdminResource {
  @Inject
  ControlPlane controlPlane;

  @GET
  @Path("keys")
  @Summary("Every key, filtered by owner, model and status")
  public Views.Keys keys(@QueryParam("owner") String owner, @QueryParam("model") String model,
      @QueryParam("status") String status) throws ApiException {
    return controlPlane.keys().search(present(owner), present(model), present(status));
  }

  @DELETE
  @Path("keys/{id}")
  @ResponseStatus(204)
  @Summary("Revokes any key")
  public void revoke(@PathParam("id") String id, @Context RoutingContext rc) throws ApiException {
    controlPlane.keys().revokeAny(id, AuthenticationFilter.actor(rc));
  }

  @POST
  @Path("keys/revoke-owner")
  @Consumes(MediaType.APPLICATION_JSON)
  @Summary("Revokes every key of one owner")
  public Views.OwnerRevoked revokeOwner(Views.RevokeOwner body, @Context RoutingContext rc) throws ApiException {
    return controlPlane.keys().revokeOwner(body, AuthenticationFilter.actor(rc));
  }

  @GET
  @Path("usage")
  @Summary("Everyone's usage, by user, model or key")
  public JsonNode usage(@QueryParam("from") String from, @QueryParam("to") String to,
      @QueryParam("granularity") String granularity, @QueryParam("groupBy") String groupBy,
      @Context UriInfo uri) throws ApiException {
    return controlPlane.usage().everyone(AccountResource.params(uri));
  }

  @GET
  @Path("models")
  @Summary("Every model: tier, access, plans, fallbacks and each endpoint's health")
  public Views.AdminModels models() {
    return controlPlane.admin().models();
  }

  @GET
  @Path("plans")
  @Summary("The plans in force: subjects, models, scope and limits")
  public Views.Plans plans() {
    return controlPlane.admin().plans();
  }

  @GET
  @Path("audit")
  @Summary("The audit log: key changes, sign-ins, failed credentials and refused admin calls, newest first")
  public Views.AuditPage audit(@QueryParam("since") String since, @QueryParam("until") String until,
      @QueryParam("actor") String actor, @QueryParam("action") String action, @QueryParam("limit") String limit,
      @QueryParam("cursor") String cursor, @Context UriInfo uri) throws ApiException {
    return controlPlane.auditLog().read(AccountResource.params(uri));
  }

  private static Optional<String> present(String value) {
    return Optional.ofNullable(value).filter(s -> !s.isEmpty());
  }
}
