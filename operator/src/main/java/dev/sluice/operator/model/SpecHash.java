package dev.sluice.operator.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sluice.operator.crd.LLMModelSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A hash of the parts of the spec that shape the pods (source, storage, serving, advanced), written on the pod
 * template so that a change rolls the pods even when the rendered template would otherwise look the same to
 * the Deployment controller (a new revision of the same uri, a new sha256), and never when only access,
 * plans or routing change: those are the gateway's business and must not restart a model.
 */
public final class SpecHash {
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .build();

  private SpecHash() {
  }

  public static String of(LLMModelSpec spec) {
    Map<String, Object> parts = new LinkedHashMap<>();
    parts.put("model", spec.model);
    parts.put("storage", spec.storage);
    parts.put("serving", spec.serving);
    parts.put("advanced", spec.advanced);
    if (KvEventsWiring.enabled(spec)) {
      parts.put("kvEvents", true);   // the one routing knob that changes vLLM's arguments
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsString(parts).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException("cannot hash the spec", e);
    }
  }
}
