package dev.sluice.api.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.ControlPlane;
import dev.sluice.api.KeyManagement;
import dev.sluice.api.Views;
import dev.sluice.front.ApiException;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.HashMap;
import java.util.Map;


/** The caller's own view: who am I, which models may I use, my usage and quota (an API key may read its own). */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class AccountResource {
  @Inject
  ControlPlane controlPlane;

  @GET
  @Path("me")
  @Summary("The caller: subject, name, groups, whether an admin")
  public Views.Me me(@Context RoutingContext rc) {
    return KeyManagement.me(AuthenticationFilter.caller(rc));
  }

  @GET
  @Path("models")
  @Summary("The models the caller may use, with their status")
  public Views.Models models(@Context RoutingContext rc) {
    return controlPlane.keys().models(AuthenticationFilter.caller(rc).principal());
  }

  @GET
  @Path("usage")
  @Access.KeyReadable
  @Summary("The caller's usage (a key's own, with a key) in buckets, by model or key")
  public JsonNode usage(@QueryParam("from") String from, @QueryParam("to") String to,
      @QueryParam("granularity") String granularity, @QueryParam("groupBy") String groupBy,
      @Context RoutingContext rc, @Context UriInfo uri) throws ApiException {
    return controlPlane.usage().usage(AuthenticationFilter.caller(rc).principal(), params(uri));
  }

  @GET
  @Path("usage/requests")
  @Access.KeyReadable
  @Summary("The caller's most recent requests (a key's own, with a key), newest first")
  public Views.RecentRequests requests(@QueryParam("limit") @DefaultValue("50") String limit,
      @Context RoutingContext rc) throws ApiException {
    int n;
    try {
      n = Integer.parseInt(limit);
    } catch (NumberFormatException e) {
      n = -1;
    }
    return controlPlane.usage().recent(AuthenticationFilter.caller(rc).principal(), n);
  }

  @GET
  @Path("quota")
  @Access.KeyReadable
  @Summary("The caller's standing per model and window (a key: only the models it is scoped to)")
  public JsonNode quota(@Context RoutingContext rc) {
    return controlPlane.usage().quota(AuthenticationFilter.caller(rc).principal());
  }

  /**
   * The usage parameters as sent (the declared ones above, which the filter holds every query to); read from the
   * URI so that an empty value ({@code from=}) is refused rather than taken for an absent one.
   */
  static Map<String, String> params(UriInfo uri) {
    Map<String, String> out = new HashMap<>();
    uri.getQueryParameters().forEach((name, values) -> out.put(name, values.isEmpty() ? "" : values.get(0)));
    return out;
  }
}
