package dev.sluice.identify;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.function.Consumer;

/** OIDC access tokens as {@code Authorization: Bearer <JWT>}, verified on a worker. */
public final class OidcIdentifier implements Identifier {
  private final Vertx vertx;
  private final OidcVerifier verifier;
  private final String namespace;
  private final Consumer<Principal> seen;

  /**
   * @param namespace what the issuer's subjects start with ({@link Subjects#oidcNamespace}), so a {@code sub}
   *     can never equal a local user's or another issuer's subject
   * @param seen told of every verified caller (on a worker), to keep key owners' groups current
   */
  public OidcIdentifier(Vertx vertx, OidcVerifier verifier, String namespace, Consumer<Principal> seen) {
    this.vertx = vertx;
    this.verifier = verifier;
    this.namespace = namespace;
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
      Principal principal = Principal.user(namespace + v.subject(), v.name(), v.groups());
      seen.accept(principal);
      return principal;
    }, false);
  }
}
