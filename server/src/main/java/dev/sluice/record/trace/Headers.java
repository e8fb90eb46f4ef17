package dev.sluice.record.trace;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.vertx.core.MultiMap;

/** Vert.x headers as the carrier of W3C trace context, read from the client and written upstream. */
enum Headers implements TextMapGetter<MultiMap>, TextMapSetter<MultiMap> {
  INSTANCE;

  @Override
  public Iterable<String> keys(MultiMap headers) {
    return headers.names();
  }

  @Override
  public String get(MultiMap headers, String name) {
    return headers == null ? null : headers.get(name);
  }

  @Override
  public void set(MultiMap headers, String name, String value) {
    headers.set(name, value);
  }
}
