package dev.sluice.audit;

/** Where audit events go. Never blocks and never fails the action it records. */
@FunctionalInterface
public interface Audit {
  Audit NONE = event -> { };

  void record(AuditEvent event);

  default void record(Actor actor, String action, String targetType, String targetId, String outcome, String reason) {
    record(AuditEvent.now(actor, action, targetType, targetId, outcome, reason));
  }
}
