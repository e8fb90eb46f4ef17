package dev.sluice.admit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.admit.Governance.Governed;
import dev.sluice.config.Money;
import dev.sluice.front.Json;
import dev.sluice.identify.Principal;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A caller's standing for {@code GET /api/quota}: per model, the governing plan and, per window, limit, used,
 * reserved, remaining and reset time. Models the caller has no plan for are left out.
 */
public final class QuotaView {
  private final Admission admission;
  private final LongSupplier clock;

  public QuotaView(Admission admission, LongSupplier clock) {
    this.admission = admission;
    this.clock = clock;
  }

  public Future<ObjectNode> of(Principal caller, List<String> models) {
    long now = clock.getAsLong();
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("object", "quota");
    out.put("subject", caller.subject());
    ArrayNode data = out.putArray("data");
    List<Future<?>> reads = new ArrayList<>();
    for (String model : models) {
      Governance g = admission.resolver().resolve(caller, model);
      if (g == Governance.DENIED) {
        continue;
      }
      ObjectNode row = data.addObject();
      row.put("model", model);
      if (!(g instanceof Governed governed)) {
        row.putNull("plan");
        row.put("unlimited", true);
        continue;
      }
      row.put("plan", governed.plan().name());
      row.put("unlimited", false);
      ArrayNode windows = row.putArray("limits");
      List<Bucket> buckets = admission.bucketsOf(governed, now);
      reads.add(admission.store().peek(buckets, now).onSuccess(state -> describe(windows, buckets, state, now)));
    }
    // Budgets beside the plans (a group's, shared by its members): what is spent and what remains.
    ArrayNode budgets = out.putArray("budgets");
    for (Admission.BudgetView budget : admission.budgetsOf(caller, now)) {
      ObjectNode row = budgets.addObject();
      row.put("budget", budget.name().replace("`", ""));
      ArrayNode windows = row.putArray("limits");
      reads.add(admission.store().peek(budget.buckets(), now)
          .onSuccess(state -> describe(windows, budget.buckets(), state, now)));
    }
    return Future.all(reads).map(v -> out);
  }

  private void describe(ArrayNode windows, List<Bucket> buckets, long[][] state, long now) {
    for (int i = 0; i < buckets.size(); i++) {
      Bucket b = buckets.get(i);
      ObjectNode w = windows.addObject();
      w.put("limit", b.limit().label());
      if (b.limit().money()) { // a budget: exact amounts in the configured currency (counted in units, ADR 080)
        w.put("max", Money.amount(b.capacity()));
        w.put("used", Money.amount(state[i][0]));
        w.put("reserved", Money.amount(state[i][1]));
        w.put("remaining", Money.amount(Math.max(0, b.capacity() - state[i][0] - state[i][1])));
        w.put("currency", admission.spend().currency());
      } else {
        w.put("max", b.capacity());
        w.put("used", state[i][0]);
        w.put("reserved", state[i][1]);
        w.put("remaining", Math.max(0, b.capacity() - state[i][0] - state[i][1]));
      }
      if (b.limit().windowed()) {
        w.put("resetsAt", Instant.ofEpochMilli(b.resetAt(now)).toString());
      }
    }
  }
}
