package dev.sluice.admit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.admit.Governance.Governed;
import dev.sluice.admit.prompt.PromptCounters;
import dev.sluice.admit.Ticket.Reservation;
import dev.sluice.config.Money;
import dev.sluice.config.PlanConfig;
import dev.sluice.config.PlanConfig.OverMax;
import dev.sluice.config.Prices;
import dev.sluice.config.SpendConfig;
import dev.sluice.config.SpendConfig.GroupBudget;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Operation;
import dev.sluice.identify.Principal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * The admit stage: finds the governing plan, bounds the request's cost (prompt estimate + max_tokens) and
 * reserves it in every window of the plan before the request goes upstream. Reserving before and settling
 * after is what keeps concurrent requests from overshooting a limit (ADR 030).
 */
public final class Admission {
  /** A reservation outlives the request timeout by this much before a dead replica's share is reclaimed. */
  private static final long EXPIRY_SLACK_MS = 5_000;

  private final PlanResolver resolver;
  private final CounterStore store;
  private final int defaultMaxTokens;
  private final QuotaMetrics metrics;
  private final LongSupplier clock;
  private final PromptCounters prompts;
  private final SpendConfig spend;

  /** Bounds every prompt by its bytes ({@link PromptEstimate}). */
  public Admission(PlanResolver resolver, CounterStore store, int defaultMaxTokens, QuotaMetrics metrics,
      LongSupplier clock) {
    this(resolver, store, defaultMaxTokens, metrics, clock, PromptCounters.bytes());
  }

  /** Each model's prompt counter, for {@code count_tokens}. */
  public PromptCounters prompts() {
    return prompts;
  }

  /** @param prompts each model's prompt counter (ADR 033) */
  public Admission(PlanResolver resolver, CounterStore store, int defaultMaxTokens, QuotaMetrics metrics,
      LongSupplier clock, PromptCounters prompts) {
    this(resolver, store, defaultMaxTokens, metrics, clock, prompts, SpendConfig.defaults());
  }

  /** @param spend the currency, and the group budgets enforced beside the plans */
  public Admission(PlanResolver resolver, CounterStore store, int defaultMaxTokens, QuotaMetrics metrics,
      LongSupplier clock, PromptCounters prompts, SpendConfig spend) {
    this.spend = spend;
    this.prompts = prompts;
    this.resolver = resolver;
    this.store = store;
    this.defaultMaxTokens = defaultMaxTokens;
    this.metrics = metrics;
    this.clock = clock;
  }

  public CounterStore store() {
    return store;
  }

  public PlanResolver resolver() {
    return resolver;
  }

  public SpendConfig spend() {
    return spend;
  }

  /**
   * Decides on one request; may rewrite its body's {@code max_tokens} (clamp, default, shrink). The future
   * always succeeds, on the caller's context, with an admitted or refused ticket.
   *
   * @param model the configured model name (the metric label and the plan's model match)
   */
  public Future<Ticket> admit(Principal caller, ApiRequest request, String model, Duration requestTimeout) {
    long choices;
    try {
      // Before any plan: a malformed bound or choice count is refused whether or not it is governed.
      MaxTokens.check(request);
      choices = Completions.choices(request);
    } catch (ApiException e) {
      return Future.succeededFuture(Ticket.refused(null, e.error(), Map.of()));
    }
    Governance governance = resolver.resolve(caller, model);
    // Only a reservation needs the model's tokenizer (possibly on a worker, for a long prompt); without one the
    // estimate only feeds the usage record of a response that reports no usage, and the cheap bound does.
    Future<Long> promptBound = governance instanceof Governed || !budgetScopes(caller).isEmpty()
        ? prompts.bound(model, request)
        : Future.succeededFuture(prompts.cheapBound(model, request));
    return promptBound.compose(prompt -> admit(caller, request, model, requestTimeout, governance, prompt, choices))
        .map(t -> t.admitted() || t.prices() != null ? t
            // A refusal costs nothing; its record says 0 rather than "not priced" when the model has prices.
            : t.priced(resolver.prices(t.plan(), model).orElse(null), List.of(), spend.currency(), ""));
  }

  private Future<Ticket> admit(Principal caller, ApiRequest request, String model, Duration requestTimeout,
      Governance governance, long prompt, long choices) {
    JsonNode original = requestedMaxTokens(request);
    if (governance == Governance.DENIED) {
      metrics.rejection(model, "none", "no_plan");
      return Future.succeededFuture(Ticket.refused(null, new ApiError(403, "invalid_request_error",
          "model_not_permitted", "model", "No plan gives you access to model `" + model + "`."), Map.of()));
    }
    if (!(governance instanceof Governed governed)) {
      Prices prices = resolver.prices(null, model).orElse(null);
      List<BudgetScope> budgets = prices == null ? List.of() : budgetScopes(caller);
      if (budgets.isEmpty()) {
        // Nothing is reserved, so the body is left as the client sent it; the bound only feeds estimates.
        long bound = original != null && original.asLong() > 0 ? original.asLong() : defaultMaxTokens;
        return Future.succeededFuture(Ticket.unlimited(prompt, bound, false)
            .priced(prices, List.of(), spend.currency(), ""));
      }
      // No plan, but a budget beside it: the completion must be bounded (and the bound sent) like a plan's.
      long maxTokens = Completions.total(completionBound(request, original, 0, choices), choices);
      long now = clock.getAsLong();
      long money = Money.units(Pricing.bound(prices, prompt, maxTokens));
      List<Reservation> extra = budgetReservations(budgets, newId(), now,
          now + requestTimeout.toMillis() + EXPIRY_SLACK_MS, money);
      Ticket ticket = Ticket.unlimited(prompt, maxTokens, changed(original, request))
          .priced(prices, extra, spend.currency(), groupOf(budgets));
      return reserveBudgets(model, null, extra, 0, null).map(refusal -> refusal != null
              ? refusal.priced(prices, List.of(), spend.currency(), groupOf(budgets)) : ticket)
          .otherwise(t -> unavailable(model, null, t));
    }
    PlanConfig plan = governed.plan();
    long cap = plan.limits().maxTokensPerRequest();
    if (original != null && cap > 0 && Completions.total(original.asLong(), choices) > cap
        && plan.overMax() == OverMax.REJECT) {
      metrics.rejection(model, plan.name(), "max_tokens_per_request");
      return Future.succeededFuture(Ticket.refused(plan, ApiError.badRequest("max_tokens_exceeded",
          maxTokensField(request), maxTokensField(request) + " " + original.asLong()
          + (choices > 1 ? " for each of " + choices + " choices" : "") + " exceeds this plan's limit of " + cap
          + " tokens per request."), Map.of()));
    }
    if (cap > 0 && choices > cap) {
      metrics.rejection(model, plan.name(), "max_tokens_per_request");
      return Future.succeededFuture(Ticket.refused(plan, ApiError.badRequest("max_tokens_exceeded", "n",
          choices + " choices need at least " + choices + " tokens, more than this plan's limit of " + cap
          + " tokens per request."), Map.of()));
    }
    long perChoice = completionBound(request, original, cap, choices);
    long maxTokens = Completions.total(perChoice, choices);
    long cost = prompt + maxTokens;
    long now = clock.getAsLong();
    Prices prices = resolver.prices(plan, model).orElse(null);
    // The most the request can cost, reserved whole in every budget; a shrunk max_tokens keeps it (it only errs
    // towards holding more while the request runs), and settlement charges the real cost.
    long money = prices == null ? 0 : Money.units(Pricing.bound(prices, prompt, maxTokens));
    String id = newId();
    long expiresAt = now + requestTimeout.toMillis() + EXPIRY_SLACK_MS;
    Ask ask = new Ask(governed.scope(), id, buckets(governed, now), cost,
        plan.shrinkToRemaining() && perChoice > 1 ? prompt + choices : cost, now, expiresAt, money);
    long started = System.nanoTime();
    return onCallersContext(store.reserve(ask)).compose(verdict -> {
      metrics.reservation(System.nanoTime() - started);
      Map<String, String> headers = RateLimitHeaders.of(ask, verdict);
      if (!verdict.admitted()) {
        return Future.succeededFuture(refuse(model, plan, ask, verdict, headers));
      }
      long granted = verdict.granted() - prompt;
      long completion = maxTokens;
      if (granted < maxTokens) { // shrunk to what remains: every choice gets an equal share
        setMaxTokens(request, granted / choices);
        completion = granted / choices * choices;
      }
      List<Reservation> all = new ArrayList<>();
      all.add(new Reservation(ask, "plan `" + plan.name() + "`", plan.alertAt().or(spend::alertAt).orElse(null)));
      List<BudgetScope> budgets = prices == null ? List.of() : budgetScopes(caller);
      List<Reservation> extra = budgetReservations(budgets, id, now, expiresAt, money);
      all.addAll(extra);
      String via = governed.scope().substring(governed.scope().indexOf('|') + 1);
      String group = plan.scope() == PlanConfig.Scope.GROUP && via.startsWith("g:")
          && caller.groups().contains(via.substring(2)) ? via.substring(2) : groupOf(budgets);
      Ticket ticket = Ticket.admitted(plan, ask, prompt, completion, headers, changed(original, request))
          .priced(prices, all, spend.currency(), group);
      return reserveBudgets(model, plan, extra, 0, ask).map(refusal -> refusal != null
          ? refusal.priced(prices, List.of(), spend.currency(), group) : ticket);
    }).otherwise(t -> unavailable(model, plan, t));
  }

  private Ticket unavailable(String model, PlanConfig plan, Throwable t) {
    metrics.rejection(model, plan == null ? "none" : plan.name(), "store_unavailable");
    return Ticket.refused(plan, new ApiError(503, "server_error", "quota_unavailable", null,
        (t instanceof java.util.concurrent.TimeoutException
            ? "Quota counters did not answer in time (" + t.getMessage() + ")"
            : "Quota counters are unreachable") + ", so the request cannot be admitted; retry shortly."),
        Map.of("retry-after", "1"));
  }

  /** A budget beside the plan: a group's (shared by its members) or a key's own. */
  record BudgetScope(String scope, String name, BigDecimal costPerDay, BigDecimal costPerMonth, BigDecimal alertAt) {
  }

  /**
   * The budgets beside any plan that a caller's requests count against: those of the caller's groups, and the
   * key's own.
   */
  private List<BudgetScope> budgetScopes(Principal caller) {
    List<BudgetScope> out = new ArrayList<>(2);
    if (!caller.keyBudget().isEmpty() && caller.keyId().isPresent()) {
      String key = caller.keyId().get();
      out.add(new BudgetScope("budget|k:" + key, "key `" + key + "`", caller.keyBudget().costPerDay(),
          caller.keyBudget().costPerMonth(), spend.alertAt().orElse(null)));
    }
    for (GroupBudget g : spend.groups()) {
      if (caller.groups().contains(g.group())) {
        out.add(new BudgetScope("budget|g:" + g.group(), "group `" + g.group() + "`", g.costPerDay(), g.costPerMonth(),
            g.alertAt().or(spend::alertAt).orElse(null)));
      }
    }
    return out;
  }

  private static String groupOf(List<BudgetScope> budgets) {
    for (BudgetScope b : budgets) {
      if (b.scope().startsWith("budget|g:")) {
        return b.scope().substring("budget|g:".length());
      }
    }
    return "";
  }

  private static List<Reservation> budgetReservations(List<BudgetScope> scopes, String id, long now, long expiresAt,
      long money) {
    List<Reservation> out = new ArrayList<>(scopes.size());
    for (BudgetScope b : scopes) {
      out.add(new Reservation(new Ask(b.scope(), id, budgetBuckets(b, now), 0, 0, now, expiresAt, money), b.name(),
          b.alertAt()));
    }
    return out;
  }

  /** The windows of a budget beside a plan, as {@link #buckets} makes a plan's. */
  static List<Bucket> budgetBuckets(BudgetScope b, long now) {
    List<Bucket> out = new ArrayList<>(2);
    String tag = "{" + b.scope().replace('{', '(').replace('}', ')') + "}:";
    if (b.costPerDay() != null) {
      long window = Limit.COST_PER_DAY.windowStart(now);
      out.add(new Bucket(tag + Limit.COST_PER_DAY.label() + ":" + window, Limit.COST_PER_DAY,
          Money.units(b.costPerDay()), window));
    }
    if (b.costPerMonth() != null) {
      long window = Limit.COST_PER_MONTH.windowStart(now);
      out.add(new Bucket(tag + Limit.COST_PER_MONTH.label() + ":" + window, Limit.COST_PER_MONTH,
          Money.units(b.costPerMonth()), window));
    }
    return out;
  }

  /**
   * Reserves the budgets beside the plan one scope at a time (each atomic in its own scope, as a Redis Cluster
   * slot requires); on a refusal gives back what it reserved before, the plan's included, and answers the
   * refusal; null when every budget had room.
   */
  private Future<Ticket> reserveBudgets(String model, PlanConfig governing, List<Reservation> budgets, int from,
      Ask plan) {
    if (from == budgets.size()) {
      return Future.succeededFuture(null);
    }
    Reservation r = budgets.get(from);
    return onCallersContext(store.reserve(r.ask())).recover(t -> {
      releaseAll(budgets, from, plan);
      return Future.failedFuture(t);
    }).compose(verdict -> {
      if (verdict.admitted()) {
        return reserveBudgets(model, governing, budgets, from + 1, plan);
      }
      releaseAll(budgets, from, plan);
      Map<String, String> headers = Ticket.newHeaders();
      return Future.succeededFuture(budgetRefusal(model, governing, r.budget(), r.ask(), verdict, headers));
    });
  }

  private void releaseAll(List<Reservation> budgets, int upTo, Ask plan) {
    if (plan != null) {
      store.release(plan);
    }
    for (int i = 0; i < upTo; i++) {
      store.release(budgets.get(i).ask());
    }
  }

  /** A 429 that names the budget, what was spent and when it resets (ADR 080). */
  private Ticket budgetRefusal(String model, PlanConfig plan, String budget, Ask ask, Verdict verdict,
      Map<String, String> headers) {
    int failed = verdict.failed();
    Bucket b = ask.buckets().get(failed);
    metrics.rejection(model, plan == null ? "none" : plan.name(), b.limit().label());
    String currency = spend.currency();
    boolean inFlight = verdict.reserved()[failed] > 0 && verdict.used()[failed] + ask.moneyCost() <= b.capacity();
    headers.put("retry-after", inFlight ? "1" : Long.toString(RateLimitHeaders.retryAfterSeconds(ask, failed)));
    String window = b.limit() == Limit.COST_PER_DAY ? "cost per day" : "cost per month";
    String resets = Instant.ofEpochMilli(b.resetAt(ask.now())).toString();
    if (ask.moneyCost() > b.capacity()) { // it would never fit, however long the client waited: not a 429
      headers.remove("retry-after");
      return Ticket.refused(plan, neverFits("This request may cost up to " + money(ask.moneyCost(), currency)
          + " (prompt bound + max_tokens for every choice, at its model's prices), more than the " + window
          + " budget of " + budget + " allows in a whole window (" + money(b.capacity(), currency)
          + "); lower max_tokens or shorten the prompt."), headers);
    }
    String message = "Budget reached for " + budget + " on " + window + ": Limit " + money(b.capacity(), currency)
        + ", Spent " + money(verdict.used()[failed], currency) + ", Reserved "
        + money(verdict.reserved()[failed], currency) + ", Requested up to " + money(ask.moneyCost(), currency)
        + ". It resets at " + resets + "."
        + (inFlight ? " The money is held by requests in flight, which give back what they do not use as they "
            + "finish; please try again in 1s." : "");
    return Ticket.refused(plan, new ApiError(429, "budget", "budget_exceeded", null, message), headers);
  }

  /**
   * A request larger than a whole window of its plan or budget: a 400, since retrying it can never succeed (SDKs
   * retry a 429 forever), naming {@code max_tokens}, the one thing the client can change.
   */
  private static ApiError neverFits(String message) {
    return new ApiError(400, "invalid_request_error", "request_exceeds_limit", "max_tokens", message);
  }

  private static String money(long units, String currency) {
    return Money.amount(units).toPlainString() + " " + currency;
  }

  private Ticket refuse(String model, PlanConfig plan, Ask ask, Verdict verdict, Map<String, String> headers) {
    int failed = verdict.failed();
    Bucket b = ask.buckets().get(failed);
    if (b.limit().money()) {
      return budgetRefusal(model, plan, "plan `" + plan.name() + "`", ask, verdict, headers);
    }
    metrics.rejection(model, plan.name(), b.limit().label());
    // Refused only because of requests in flight: their reservations turn into (usually smaller) charges as they
    // finish, so room comes back in seconds, not at the end of the window.
    boolean inFlight = b.limit().tokens() && verdict.reserved()[failed] > 0
        && verdict.used()[failed] + ask.minTokenCost() <= b.capacity();
    headers.put("retry-after", inFlight ? "1" : Long.toString(RateLimitHeaders.retryAfterSeconds(ask, failed)));
    String what = switch (b.limit()) {
      case CONCURRENT -> "concurrent requests: Limit " + b.capacity() + ", In flight "
          + verdict.reserved()[failed];
      case REQUESTS_PER_MINUTE -> "requests per min (RPM): Limit " + b.capacity() + ", Used "
          + (verdict.used()[failed] + verdict.reserved()[failed]) + ", Requested 1";
      default -> b.limit().label().replace('_', ' ') + ": Limit " + b.capacity() + ", Used "
          + verdict.used()[failed] + ", Reserved " + verdict.reserved()[failed]
          + ", Requested " + ask.tokenCost();
    };
    String message = "Rate limit reached for plan `" + plan.name() + "` on " + what + ". "
        + (inFlight ? "The tokens are held by requests in flight, which give back what they do not use as they "
            + "finish; please try again in 1s." : "Please try again in " + headers.get("retry-after") + "s.");
    if (b.limit().tokens() && ask.tokenCost() > b.capacity()) { // never fits, however long one waits: not a 429
      headers.remove("retry-after");
      return Ticket.refused(plan, neverFits("This request needs up to " + ask.tokenCost() + " tokens (prompt bound "
          + "+ max_tokens for every choice), more than plan `" + plan.name() + "` allows in a whole "
          + b.limit().label().replace('_', ' ') + " window (" + b.capacity() + "); lower max_tokens or shorten the "
          + "prompt."), headers);
    }
    return Ticket.refused(plan, new ApiError(429, b.limit().tokens() ? "tokens" : "requests",
        "rate_limit_exceeded", null, message), headers);
  }

  private static List<Bucket> buckets(Governed governed, long now) {
    List<Bucket> out = new ArrayList<>(5);
    // '{' and '}' would break the Redis Cluster hash tag, which must be the whole scope.
    String tag = "{" + governed.scope().replace('{', '(').replace('}', ')') + "}:";
    for (Limit limit : Limit.values()) {
      long capacity = limit.capacity(governed.plan().limits());
      if (capacity > 0) {
        long window = limit.windowStart(now);
        out.add(new Bucket(tag + limit.label() + ":" + window, limit, capacity, window));
      }
    }
    return out;
  }

  /** A budget beside the plans and its windows as they are now, for {@code GET /api/quota}. */
  public record BudgetView(String name, String scope, List<Bucket> buckets) {
  }

  /** The budgets beside any plan that count the caller's requests (their groups'), as they are now. */
  public List<BudgetView> budgetsOf(Principal caller, long now) {
    return budgetScopes(caller).stream().map(b -> new BudgetView(b.name(), b.scope(), budgetBuckets(b, now))).toList();
  }

  /** The buckets of a scope as they are now, for {@code GET /api/quota}. */
  public List<Bucket> bucketsOf(Governed governed, long now) {
    return buckets(governed, now);
  }

  /**
   * The completion bound of one choice: the client's max_tokens, clamped so that all the request's choices
   * together stay within the plan's per-request cap; when absent, the cap's share or the configured default,
   * written into the body so the upstream cannot generate past what was reserved.
   */
  private long completionBound(ApiRequest request, JsonNode asked, long cap, long choices) {
    if (request.operation() == Operation.EMBEDDINGS) {
      return 0;
    }
    long share = cap > 0 ? cap / choices : 0;
    if (asked != null && asked.canConvertToLong() && asked.asLong() > 0) {
      if (share > 0 && asked.asLong() > share) {
        setMaxTokens(request, share);
        return share;
      }
      return asked.asLong();
    }
    long bound = share > 0 ? share : defaultMaxTokens;
    setMaxTokens(request, bound);
    return bound;
  }

  private static boolean changed(JsonNode original, ApiRequest request) {
    return !java.util.Objects.equals(original, requestedMaxTokens(request));
  }

  private static JsonNode requestedMaxTokens(ApiRequest request) {
    JsonNode n = request.body().get(maxTokensField(request));
    if (n == null || n.isNull()) {
      n = request.body().get("max_tokens");
    }
    return n == null || n.isNull() || !n.isNumber() ? null : n;
  }

  private static String maxTokensField(ApiRequest request) {
    return request.operation() == Operation.CHAT && request.body().has("max_completion_tokens")
        ? "max_completion_tokens" : "max_tokens";
  }

  private static void setMaxTokens(ApiRequest request, long value) {
    ObjectNode body = request.body();
    body.put(maxTokensField(request), value);
  }

  /** Store futures may complete on a Redis connection's thread; the request's state belongs to its loop. */
  private static <T> Future<T> onCallersContext(Future<T> future) {
    Context ctx = Vertx.currentContext();
    if (ctx == null || future.isComplete()) { // the local store answers at once, on the caller's thread
      return future;
    }
    Promise<T> promise = Promise.promise();
    future.onComplete(ar -> {
      if (Vertx.currentContext() == ctx) {
        promise.handle(ar);
      } else {
        ctx.runOnContext(v -> promise.handle(ar));
      }
    });
    return promise.future();
  }

  private static String newId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong());
  }
}
