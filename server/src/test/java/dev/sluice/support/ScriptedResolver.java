package dev.sluice.support;

import dev.sluice.route.discovery.AddressResolver;
import io.vertx.core.Future;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** DNS as a test scripts it: the addresses (IP literals) it answers now, or a failure. Counts the questions. */
public final class ScriptedResolver implements AddressResolver {
  private volatile List<String> answer = List.of();
  private volatile boolean failing;
  private final AtomicInteger questions = new AtomicInteger();

  public ScriptedResolver answer(String... addresses) {
    this.answer = List.of(addresses);
    this.failing = false;
    return this;
  }

  public ScriptedResolver fail() {
    this.failing = true;
    return this;
  }

  public int questions() {
    return questions.get();
  }

  @Override
  public Future<List<InetAddress>> resolve(String name) {
    questions.incrementAndGet();
    if (failing) {
      return Future.failedFuture(new UnknownHostException(name + ": scripted failure"));
    }
    try {
      List<InetAddress> out = new java.util.ArrayList<>();
      for (String literal : answer) {
        out.add(InetAddress.getByName(literal)); // a literal: parsed, never looked up
      }
      return Future.succeededFuture(out);
    } catch (UnknownHostException e) {
      return Future.failedFuture(e);
    }
  }
}
