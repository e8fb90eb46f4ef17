package dev.sluice.api.rest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Who may call a resource method, read by {@link AuthenticationFilter}. A method without one of these needs a
 * signed-in user (session, OIDC token or password); API keys are refused.
 */
public final class Access {
  private Access() {
  }

  /** No credentials needed (sign-in itself, the sign-in methods, the OIDC callback). */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.METHOD, ElementType.TYPE})
  public @interface Anonymous {
  }

  /** An API key may call it too, to read about itself (usage and quota); a user may as well. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.METHOD, ElementType.TYPE})
  public @interface KeyReadable {
  }

  /** Administrators only (auth.admins); anyone else gets 403 {@code admin_only}. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.METHOD, ElementType.TYPE})
  public @interface AdminOnly {
  }

  /** The query is written by someone else (an OIDC provider's redirect): parameters it adds are not refused. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.METHOD, ElementType.TYPE})
  public @interface ForeignQuery {
  }
}
