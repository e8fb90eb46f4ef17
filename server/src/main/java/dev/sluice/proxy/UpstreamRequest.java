package dev.sluice.proxy;

import dev.sluice.front.ApiException;
import dev.sluice.route.ModelPool;
import io.vertx.core.buffer.Buffer;
import java.util.function.Supplier;

/**
 * What one pool of a request's chain is sent, and how its answer reaches the client.
 *
 * @param path the path on the endpoint ({@code /v1/chat/completions}, {@code /v1/messages}, ...)
 * @param body the bytes to send (the client's own when nothing had to change)
 * @param translator a fresh translator per response, {@link ResponseTranslator#NONE} when the APIs match
 */
public record UpstreamRequest(String path, Buffer body, Supplier<ResponseTranslator> translator) {

  /** Builds a request's {@link UpstreamRequest} for one pool of its chain. */
  @FunctionalInterface
  public interface Builder {
    /** @throws ApiException when the request cannot be expressed in the pool's API */
    UpstreamRequest build(ModelPool pool) throws ApiException;
  }
}
