package dev.sluice.identify;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import java.util.List;

/**
 * The identify stage for one surface: the first identifier that accepts the request's credential decides.
 * A credential no identifier here accepts is refused with a message saying what this surface takes.
 */
public final class Identification {
  private final List<Identifier> identifiers;
  private final String accepted;

  /** @param accepted says, for error messages, which credentials this surface takes */
  public Identification(List<Identifier> identifiers, String accepted) {
    this.identifiers = List.copyOf(identifiers);
    this.accepted = accepted;
  }

  public Future<Principal> identify(MultiMap headers) {
    return identify(headers, "");
  }

  /** @param client the client's address, which throttles failed passwords */
  public Future<Principal> identify(MultiMap headers, String client) {
    Credential credential = Credential.from(headers, client);
    if (credential.scheme() == Credential.Scheme.NONE) {
      return Future.failedFuture(IdentificationException.invalid("missing_credentials",
          "No credentials: send " + accepted + "."));
    }
    for (Identifier identifier : identifiers) {
      if (identifier.accepts(credential)) {
        return identifier.identify(credential);
      }
    }
    return Future.failedFuture(IdentificationException.invalid("unsupported_credentials",
        "These credentials are not accepted here: send " + accepted + "."));
  }
}
