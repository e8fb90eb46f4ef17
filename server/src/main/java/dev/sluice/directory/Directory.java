package dev.sluice.directory;

import java.util.Optional;
import java.util.Set;

/**
 * Where a person's current groups can be read without them signing in. Any IdP with an admin API can
 * implement it: look a user up by the subject that appears in their tokens, say whether they may still
 * sign in, and list their groups named as the tokens' groups claim names them.
 */
public interface Directory {
  /** A person as the directory knows them now. */
  record Person(String subject, String name, Set<String> groups, boolean enabled) {
  }

  /**
   * @return empty when the directory has no such user (deleted)
   * @throws DirectoryException when the directory cannot answer; callers must then change nothing
   */
  Optional<Person> lookup(String subject);

  final class DirectoryException extends RuntimeException {
    public DirectoryException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
