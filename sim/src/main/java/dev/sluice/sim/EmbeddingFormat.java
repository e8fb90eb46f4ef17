package dev.sluice.sim;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The /v1/embeddings body. Each input gets a unit vector drawn from an RNG keyed by a hash of its
 * text alone, so equal texts embed equally across requests, seeds and restarts (what a cache or a
 * similarity test needs). {@code encoding_format: "base64"} (the OpenAI SDKs' default) is honoured
 * with little-endian float32, as the OpenAI API encodes it.
 */
final class EmbeddingFormat implements ResponseFormat {

  private final String id;
  private final long created;
  private final String model;
  private final List<String> inputs;
  private final int dim;
  private final boolean base64;

  EmbeddingFormat(String id, long created, String model, List<String> inputs, int dim,
      boolean base64) {
    this.id = id;
    this.created = created;
    this.model = model;
    this.inputs = inputs;
    this.dim = dim;
    this.base64 = base64;
  }

  @Override
  public Buffer full(Generator.Output out, int promptTokens, int cachedTokens) {
    StringBuilder sb = new StringBuilder(64 + inputs.size() * (dim * 12 + 64));
    sb.append("{\"id\":\"").append(id).append("\",\"object\":\"list\",\"created\":")
        .append(created).append(",\"model\":");
    Json.quote(sb, model).append(",\"data\":[");
    for (int i = 0; i < inputs.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"object\":\"embedding\",\"index\":").append(i).append(",\"embedding\":");
      float[] v = vector(inputs.get(i), dim);
      if (base64) {
        ByteBuffer bytes = ByteBuffer.allocate(dim * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
          bytes.putFloat(f);
        }
        sb.append('"').append(Base64.getEncoder().encodeToString(bytes.array())).append('"');
      } else {
        sb.append('[');
        for (int j = 0; j < v.length; j++) {
          if (j > 0) {
            sb.append(',');
          }
          sb.append(v[j]);
        }
        sb.append(']');
      }
      sb.append('}');
    }
    sb.append("],\"usage\":{\"prompt_tokens\":").append(promptTokens)
        .append(",\"total_tokens\":").append(promptTokens).append("}}");
    return Json.buffer(sb);
  }

  /** A deterministic unit vector for {@code text}. */
  static float[] vector(String text, int dim) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < text.length(); i++) {
      h ^= text.charAt(i);
      h *= 0x100000001b3L;
    }
    SplittableRandom rng = new SplittableRandom(PrefixCache.mix(h));
    double[] g = new double[dim];
    double norm = 0;
    for (int i = 0; i < dim; i++) {
      // Gaussian components give a direction uniform on the sphere.
      g[i] = rng.nextGaussian();
      norm += g[i] * g[i];
    }
    norm = Math.sqrt(norm);
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) (g[i] / norm);
    }
    return v;
  }

  @Override
  public Buffer streamStart() {
    throw new UnsupportedOperationException("embeddings do not stream");
  }

  @Override
  public Buffer streamToken(String text, String finishReason) {
    throw new UnsupportedOperationException("embeddings do not stream");
  }

  @Override
  public Buffer streamUsage(int promptTokens, int completionTokens, int cachedTokens) {
    throw new UnsupportedOperationException("embeddings do not stream");
  }
}
