package dev.sluice.route;

import java.util.List;

/** Chooses the endpoint of a pool that serves the next attempt of a request. */
public interface EndpointPicker {

  /**
   * @param eligible the pool's endpoints that are healthy and not yet tried by this request; never empty, and
   *     never changed after the call (the recorded decision may refer to it)
   * @return one of {@code eligible}; the decision is also recorded on {@code request}
   */
  Endpoint pick(RouteRequest request, List<Endpoint> eligible);

  /** Called once the request is committed to the endpoint (after health admitted it). */
  default void committed(RouteRequest request, Endpoint endpoint) {
  }

  /** The pool's endpoints are now these: state kept per endpoint is added for newcomers, dropped for leavers. */
  default void endpointsChanged(List<Endpoint> endpoints) {
  }

  /** The pool's endpoint set is closed: stop what the picker runs (KV-event subscribers). */
  default void close() {
  }
}
