package dev.sluice.identify;

import io.vertx.core.Future;

/** On the key API, an API key is refused by name, so that a leaked key can never mint or manage keys. */
public final class RefuseApiKeys implements Identifier {
  @Override
  public boolean accepts(Credential credential) {
    return credential.isApiKey();
  }

  @Override
  public Future<Principal> identify(Credential credential) {
    return Future.failedFuture(IdentificationException.invalid("api_key_not_accepted",
        "API keys cannot be used to manage keys; sign in with your identity provider's token or your user name and password."));
  }
}
