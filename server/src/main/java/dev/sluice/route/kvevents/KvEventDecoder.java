package dev.sluice.route.kvevents;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ArrayValue;
import org.msgpack.value.MapValue;
import org.msgpack.value.Value;
import org.msgpack.value.ValueFactory;

/**
 * Reads vLLM's {@code KVEventBatch} payloads. vLLM encodes them with msgspec, as array-like structs ({@code [ts,
 * events, data_parallel_rank?]}, each event {@code [tag, fields...]} tagged by its class name) in the releases that
 * publish KV events so far, and a later release may drop {@code array_like} for maps keyed by field name (the tag
 * then under {@code "type"}); both are read. A {@code BlockStored} names the LoRA adapter its blocks were computed
 * under ({@code lora_id}, and {@code lora_name} since vLLM added it; the name is what the engine hashes); fields vLLM
 * adds after those (extra keys, group, cache spec) are skipped. A block hash is an integer (the low 64 bits of the
 * engine's digest) or, with {@code VLLM_KV_EVENTS_USE_INT_BLOCK_HASHES=0}, the digest's bytes, whose last eight
 * bytes are the same integer.
 */
final class KvEventDecoder {
  private static final Value TYPE = ValueFactory.newString("type");
  private static final Value EVENTS = ValueFactory.newString("events");
  private static final Value BLOCK_HASHES = ValueFactory.newString("block_hashes");
  private static final Value LORA_ID = ValueFactory.newString("lora_id");
  private static final Value LORA_NAME = ValueFactory.newString("lora_name");
  /**
   * Positions in the array-like {@code BlockStored}: [tag, hashes, parent, token_ids, block_size, lora_id, medium,
   * lora_name, ...].
   */
  private static final int LORA_ID_AT = 5;
  private static final int LORA_NAME_AT = 7;

  /** What the index needs of one event. */
  sealed interface Event {
  }

  /**
   * @param adapter the LoRA adapter the blocks belong to ({@code lora_name}, else {@code lora_id}); null for the
   *     base model
   */
  record Stored(long[] hashes, String adapter) implements Event {
  }

  record Removed(long[] hashes) implements Event {
  }

  record Cleared() implements Event {
  }

  private KvEventDecoder() {
  }

  /** @throws IllegalArgumentException when the payload is not a KV event batch */
  static List<Event> decode(byte[] payload) {
    Value batch;
    try (MessageUnpacker in = MessagePack.newDefaultUnpacker(payload)) {
      batch = in.unpackValue();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not msgpack: " + e.getMessage(), e);
    }
    Value events;
    if (batch.isArrayValue() && batch.asArrayValue().size() >= 2) {
      events = batch.asArrayValue().get(1);
    } else if (batch.isMapValue()) {
      events = batch.asMapValue().map().get(EVENTS);
    } else {
      throw new IllegalArgumentException("a KV event batch is [ts, events, ...], got " + batch.getValueType());
    }
    if (events == null || !events.isArrayValue()) {
      throw new IllegalArgumentException("a KV event batch carries a list of events");
    }
    List<Event> out = new ArrayList<>(events.asArrayValue().size());
    for (Value e : events.asArrayValue()) {
      Event decoded = event(e);
      if (decoded != null) {
        out.add(decoded);
      }
    }
    return out;
  }

  /** Null for an event type this gateway does not know (a newer engine's); it changes no block it knows. */
  private static Event event(Value e) {
    String tag;
    Value hashes;
    Value loraId;
    Value loraName;
    if (e.isArrayValue() && e.asArrayValue().size() > 0) {
      ArrayValue a = e.asArrayValue();
      tag = string(a.get(0));
      hashes = a.size() > 1 ? a.get(1) : null;
      loraId = a.size() > LORA_ID_AT ? a.get(LORA_ID_AT) : null;
      loraName = a.size() > LORA_NAME_AT ? a.get(LORA_NAME_AT) : null;
    } else if (e.isMapValue()) {
      MapValue m = e.asMapValue();
      tag = string(m.map().get(TYPE));
      hashes = m.map().get(BLOCK_HASHES);
      loraId = m.map().get(LORA_ID);
      loraName = m.map().get(LORA_NAME);
    } else {
      throw new IllegalArgumentException("an event is [tag, fields...], got " + e.getValueType());
    }
    return switch (tag) {
      case "BlockStored" -> new Stored(hashes(hashes), adapter(loraName, loraId));
      case "BlockRemoved" -> new Removed(hashes(hashes));
      case "AllBlocksCleared" -> new Cleared();
      default -> null;
    };
  }

  /** vLLM hashes the adapter's name; an engine that publishes only its id still names an adapter. */
  private static String adapter(Value name, Value id) {
    if (name != null && name.isStringValue()) {
      return name.asStringValue().asString();
    }
    if (id != null && id.isIntegerValue()) {
      return "lora_id:" + id.asIntegerValue().asBigInteger();
    }
    return null;
  }

  private static String string(Value v) {
    if (v == null || !v.isStringValue()) {
      throw new IllegalArgumentException("an event's tag is its class name");
    }
    return v.asStringValue().asString();
  }

  private static long[] hashes(Value v) {
    if (v == null || !v.isArrayValue()) {
      throw new IllegalArgumentException("block_hashes is a list");
    }
    ArrayValue a = v.asArrayValue();
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = hash(a.get(i));
    }
    return out;
  }

  static long hash(Value v) {
    if (v.isIntegerValue()) {
      // A uint64 above 2^63 wraps into a negative long: the same 64 bits the prompt's hashes carry.
      return v.asIntegerValue().asBigInteger().longValue();
    }
    if (v.isBinaryValue()) {
      byte[] b = v.asBinaryValue().asByteArray();
      long h = 0;
      for (int i = Math.max(0, b.length - 8); i < b.length; i++) {
        h = (h << 8) | (b[i] & 0xff);
      }
      return h;
    }
    throw new IllegalArgumentException("a block hash is an integer or bytes, got " + v.getValueType());
  }
}
