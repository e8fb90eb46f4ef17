package dev.sluice.support;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * An OpenTelemetry collector's OTLP/HTTP traces receiver, in process on a loopback port: it decodes each {@code
 * ExportTraceServiceRequest} with the protocol's own generated classes and keeps the spans with their resource.
 */
public final class OtlpReceiver implements AutoCloseable {
  private static final HexFormat HEX = HexFormat.of();

  /** One received span, its ids as the lowercase hex a {@code traceparent} carries. */
  public record Received(String traceId, String spanId, String parentSpanId, String name, Span.SpanKind kind,
      Map<String, Object> attributes, Map<String, Object> resource, boolean error) {
    public Object attribute(String key) {
      return attributes.get(key);
    }
  }

  private final HttpServer server;
  private final ConcurrentLinkedQueue<Received> spans = new ConcurrentLinkedQueue<>();
  private final AtomicInteger exports = new AtomicInteger();
  /** What could not be decoded: a test that finds no spans says why. */
  private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> contentTypes = new ConcurrentLinkedQueue<>();

  public OtlpReceiver() throws java.io.IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/traces", exchange -> {
      try (InputStream in = exchange.getRequestBody()) {
        contentTypes.add(String.valueOf(exchange.getRequestHeaders().getFirst("content-type")));
        ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(in.readAllBytes());
        exports.incrementAndGet();
        for (ResourceSpans rs : request.getResourceSpansList()) {
          Map<String, Object> resource = values(rs.getResource().getAttributesList());
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            for (Span s : ss.getSpansList()) {
              spans.add(new Received(HEX.formatHex(s.getTraceId().toByteArray()),
                  HEX.formatHex(s.getSpanId().toByteArray()), HEX.formatHex(s.getParentSpanId().toByteArray()),
                  s.getName(), s.getKind(), values(s.getAttributesList()), resource,
                  s.getStatus().getCode() == io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR));
            }
          }
        }
        byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
        exchange.getResponseHeaders().set("content-type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer);
        }
      } catch (java.io.IOException | RuntimeException | LinkageError e) {
        failures.add(e);
        exchange.sendResponseHeaders(400, -1);
      }
    });
    server.start();
  }

  private static Map<String, Object> values(List<KeyValue> attributes) {
    return attributes.stream().collect(Collectors.toMap(KeyValue::getKey, kv -> value(kv.getValue()), (a, b) -> b));
  }

  private static Object value(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> v.getIntValue();
      case BOOL_VALUE -> v.getBoolValue();
      case DOUBLE_VALUE -> v.getDoubleValue();
      default -> v.toString();
    };
  }

  /** The base address a gateway's {@code telemetry.tracing.endpoint} names. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public List<Received> spans() {
    if (!failures.isEmpty()) {
      throw new AssertionError("the receiver could not decode an export", failures.peek());
    }
    return List.copyOf(spans);
  }

  public List<Received> trace(String traceId) {
    return spans().stream().filter(s -> s.traceId().equals(traceId)).toList();
  }

  public Optional<Received> span(String traceId, String name) {
    return spans().stream().filter(s -> s.traceId().equals(traceId) && s.name().equals(name)).findFirst();
  }

  /** How many export requests arrived. */
  public int exports() {
    return exports.get();
  }

  public List<String> contentTypes() {
    return List.copyOf(contentTypes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
