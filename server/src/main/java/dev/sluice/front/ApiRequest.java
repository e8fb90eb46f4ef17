package dev.sluice.front;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

/**
 * A parsed client request: what the later stages need to decide on it, plus the body as received.
 *
 * @param body the parsed JSON object; stages that change the body (model rewriting) work on a copy
 * @param raw the bytes as received, forwarded unchanged when no stage needs to change them
 */
public record ApiRequest(Operation operation, String model, boolean stream, ObjectNode body, Buffer raw) {
}
