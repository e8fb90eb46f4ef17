package dev.sluice.identify;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.function.Consumer;

/** OIDC access tokens as {@code Authorization: Bearer <JWT>}, verified on a worker. */
public final class OidcIdentifier implements Identifier {
  private final Vertx vertx;
  private final OidcVerifier verifier;
  private final Consumer<Principal> seen;

  /** @param seen told of every verified caller (on a worker), to keep key owners' groups current */
  public OidcIdentifier(Vertx vertx, OidcVerifier verifier, Consumer<Principal> seen) {
    this.vertx = vertx;
    this.verifier = verifier;
    this.seen = seen;
  }

  @Override
  public boolean accepts(Credential credential) {
    return credential.scheme() == Credential.Scheme.BEARER && !credential.isApiKey();
  }

  @Override
  public Future<Principal> identify(Credential credential) {
    return vertx.executeBlocking(() -> {
      OidcVerifier.Verified v = verifier.verify(credential.value());
      Principal principal = Principal.user(v.subject(), v.name(), v.groups());
      seen.accept(principal);
      return principal;
    }, false);
  }
}
