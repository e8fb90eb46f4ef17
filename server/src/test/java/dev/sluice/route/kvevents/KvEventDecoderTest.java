package dev.sluice.route.kvevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import dev.sluice.sim.VllmBlockHash;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/** Payloads written field by field with msgpack as the engine's msgspec encoder writes them. */
class KvEventDecoderTest {

  @Test
  void arrayLikeBatchesOfEveryEventDecodeWithTrailingFieldsSkippedAndHashesAsUnsigned64Bits() throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packArrayHeader(3).packDouble(1.7e9).packArrayHeader(3);
    // BlockStored with a field a newer engine appends (extra_keys), and a hash above 2^63.
    p.packArrayHeader(9).packString("BlockStored").packArrayHeader(2).packLong(7)
        .packBigInteger(new BigInteger("18446744073709551615")).packNil().packArrayHeader(0).packInt(16).packNil()
        .packString("GPU").packNil().packNil();
    p.packArrayHeader(3).packString("BlockRemoved").packArrayHeader(1).packLong(7).packString("GPU");
    p.packArrayHeader(1).packString("AllBlocksCleared");
    p.packInt(0);

    List<KvEventDecoder.Event> events = KvEventDecoder.decode(p.toByteArray());

    assertThat(events).hasSize(3);
    assertThat(((KvEventDecoder.Stored) events.get(0)).hashes()).containsExactly(7L, -1L);
    assertThat(((KvEventDecoder.Removed) events.get(1)).hashes()).containsExactly(7L);
    assertThat(events.get(2)).isInstanceOf(KvEventDecoder.Cleared.class);
  }

  @Test
  void mapEncodedBatchesAndByteHashesDecodeToTheSameIntegers() throws IOException {
    byte[] digest = new byte[32];
    digest[31] = 5;
    digest[24] = (byte) 0x80;   // the low 64 bits are 0x8000000000000005
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packMapHeader(2).packString("ts").packDouble(1.0).packString("events").packArrayHeader(2);
    p.packMapHeader(2).packString("type").packString("BlockStored").packString("block_hashes").packArrayHeader(1)
        .packBinaryHeader(32).writePayload(digest);
    p.packMapHeader(1).packString("type").packString("SomethingNewer");

    List<KvEventDecoder.Event> events = KvEventDecoder.decode(p.toByteArray());

    assertThat(events).hasSize(1);
    assertThat(((KvEventDecoder.Stored) events.get(0)).hashes()).containsExactly(0x8000000000000005L);
  }

  @Test
  void whatIsNotABatchIsRefused() throws IOException {
    assertThatThrownBy(() -> KvEventDecoder.decode(new byte[] {(byte) 0xc1})).isInstanceOf(IllegalArgumentException.class);
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packString("hello");
    assertThatThrownBy(() -> KvEventDecoder.decode(p.toByteArray())).isInstanceOf(IllegalArgumentException.class);
  }

  /** A BlockStored as vLLM writes it: [tag, hashes, parent, token_ids, block_size, lora_id, medium, lora_name]. */
  private static void stored(MessageBufferPacker p, long[] hashes, Integer loraId, String loraName) throws IOException {
    p.packArrayHeader(8).packString("BlockStored").packArrayHeader(hashes.length);
    for (long h : hashes) {
      p.packBigInteger(new BigInteger(Long.toUnsignedString(h)));
    }
    p.packNil().packArrayHeader(0).packInt(4);
    if (loraId == null) {
      p.packNil();
    } else {
      p.packInt(loraId);
    }
    p.packString("GPU");
    if (loraName == null) {
      p.packNil();
    } else {
      p.packString(loraName);
    }
  }

  @Test
  void blocksStoredUnderALoraAdapterNameItByLoraNameOrElseByLoraId() throws IOException {
    int[] tokens = {1, 2, 3, 4, 5, 6, 7, 8};
    VllmBlockHash vllm = new VllmBlockHash("0");
    long[] base = vllm.blockHashes(tokens, 4);
    VllmBlockHash.Chain adapterChain = vllm.chain(tokens, 4, "sql-adapter", null);
    long[] adapter = {adapterChain.hash(0), adapterChain.hash(1)};
    assertThat(adapter).as("an adapter's blocks hash apart from the base model's").doesNotContain(base[0], base[1]);

    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packArrayHeader(3).packDouble(1.7e9).packArrayHeader(3);
    stored(p, base, null, null);
    stored(p, adapter, 3, "sql-adapter");
    stored(p, new long[] {99}, 4, null);   // an engine from before lora_name: the id alone names the adapter
    p.packInt(0);
    List<KvEventDecoder.Event> events = KvEventDecoder.decode(p.toByteArray());

    assertThat(events).extracting(e -> ((KvEventDecoder.Stored) e).adapter())
        .containsExactly(null, "sql-adapter", "lora_id:4");
    assertThat(((KvEventDecoder.Stored) events.get(1)).hashes()).containsExactly(adapter);
  }

  @Test
  void mapEncodedEventsNameTheirAdapterToo() throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packMapHeader(2).packString("ts").packDouble(1.0).packString("events").packArrayHeader(1);
    p.packMapHeader(4).packString("type").packString("BlockStored").packString("block_hashes").packArrayHeader(1)
        .packLong(1).packString("lora_id").packInt(2).packString("lora_name").packString("fr");
    assertThat(((KvEventDecoder.Stored) KvEventDecoder.decode(p.toByteArray()).get(0)).adapter()).isEqualTo("fr");
  }
}
