package dev.sluice.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.Json;
import java.time.Instant;

/**
 * One thing that happened to keys, sessions or access, as the audit log keeps it (ADR 102).
 *
 * @param action what was done: {@code key.create}, {@code key.revoke}, {@code admin.key.revoke}, {@code
 *     admin.keys.revoke_owner}, {@code key.suspend}, {@code key.resume}, {@code session.sign_in}, {@code
 *     session.sign_out}, {@code auth.failure}, {@code access.denied}
 * @param targetType {@code key}, {@code user}, {@code session} or {@code route}; null when there is none
 * @param outcome {@code success}, {@code failure} (refused for what was sent) or {@code denied} (not allowed)
 * @param reason the error code or the cause, for anything but a plain success
 */
public record AuditEvent(Instant time, Actor actor, String action, String targetType, String targetId,
    String outcome, String reason) {
  public static final String SUCCESS = "success";
  public static final String FAILURE = "failure";
  public static final String DENIED = "denied";
  /** Longer free text is cut: some of it comes from clients (a tried user name, a path). */
  static final int MAX_TEXT = 255;

  public AuditEvent {
    targetId = cut(targetId, 300);
    reason = cut(reason, 500);
    actor = new Actor(cut(actor.subject(), 300), cut(actor.name(), MAX_TEXT), actor.method(), actor.keyId(),
        cut(actor.address(), 64), cut(actor.userAgent(), 256));
  }

  public static AuditEvent now(Actor actor, String action, String targetType, String targetId, String outcome,
      String reason) {
    return new AuditEvent(Instant.now(), actor, action, targetType, targetId, outcome, reason);
  }

  /** The event as the {@code sluice.audit} log line and the API show it. */
  public ObjectNode toJson() {
    ObjectNode o = Json.object();
    o.put("time", time.toString());
    o.put("action", action);
    o.put("outcome", outcome);
    ObjectNode who = o.putObject("actor");
    who.put("subject", actor.subject());
    who.put("name", actor.name());
    who.put("method", actor.method());
    who.put("keyId", actor.keyId());
    ObjectNode target = o.putObject("target");
    target.put("type", targetType);
    target.put("id", targetId);
    o.put("reason", reason);
    ObjectNode client = o.putObject("client");
    client.put("address", actor.address());
    client.put("userAgent", actor.userAgent());
    return o;
  }

  private static String cut(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max);
  }
}
