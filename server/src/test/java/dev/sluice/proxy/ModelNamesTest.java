package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class ModelNamesTest {

  @Test
  void aWholeBodysTopLevelModelIsRenamedWhateverTheSpacingAndNothingElseIs() {
    ModelNames names = new ModelNames("demo-chat");
    String body = "{\"id\":\"x\",\"content\":[{\"type\":\"tool_use\",\"input\":{\"model\":\"keep\"}},"
        + "{\"text\":\"the \\\"model\\\":\\\"sim/qwen3-8b\\\" stays\"}],\"model\" : \"sim/qwen3-8b\"}";
    assertThat(names.body(200, Buffer.buffer(body)).toString()).isEqualTo(body.replace("\"sim/qwen3-8b\"}",
        "\"demo-chat\"}"));
  }

  @Test
  void everyModelMemberOfAStreamIsRenamedAndNoTextIs() {
    ModelNames names = new ModelNames("demo-chat");
    String event = "data: {\"model\":\"up\",\"choices\":[{\"delta\":{\"content\":\"\\\"model\\\":\\\"up\\\"\"}}]}\n\n"
        + "data: {\"type\":\"message_start\",\"message\":{\"model\": \"up\"}}\n\n";
    assertThat(names.streamChunk(Buffer.buffer(event)).toString()).isEqualTo("data: {\"model\":\"demo-chat\",\"choices\":"
        + "[{\"delta\":{\"content\":\"\\\"model\\\":\\\"up\\\"\"}}]}\n\n"
        + "data: {\"type\":\"message_start\",\"message\":{\"model\": \"demo-chat\"}}\n\n");
  }

  @Test
  void anAnswerThatAlreadyCarriesTheNameIsTheSameBufferAndErrorsAreUntouched() {
    ModelNames names = new ModelNames("m");
    Buffer same = Buffer.buffer("data: {\"model\":\"m\",\"choices\":[]}\n\n");
    assertThat(names.streamChunk(same)).isSameAs(same);
    Buffer error = Buffer.buffer("{\"error\":{\"message\":\"no\"},\"model\":\"x\"}");
    assertThat(names.body(400, error)).isSameAs(error);
  }

  @Test
  void aStreamIsRenamedWhereverItsChunksAreCutAndNoByteIsLost() {
    String stream = "data: {\"id\":\"1\",\"model\":\"up/stream\",\"choices\":[{\"delta\":{\"content\":\"caf\u00e9\"}}]}\n\n"
        + "event: message_start\r\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"up/stream\"}}\r\n\r\n"
        + "data: [DONE]\n\n";
    String expected = stream.replace("up/stream", "cli\\\"ent");
    byte[] bytes = stream.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int cut = 1; cut < bytes.length; cut++) {
      ModelNames names = new ModelNames("cli\"ent");
      Buffer out = Buffer.buffer();
      out.appendBuffer(names.streamChunk(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, 0, cut))));
      out.appendBuffer(names.streamChunk(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, cut, bytes.length))));
      out.appendBuffer(names.streamEnd());
      assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).as("cut at %d", cut).isEqualTo(expected);
    }
  }
}
