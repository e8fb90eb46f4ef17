package dev.sluice.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One self-hosted model: the operator turns it into a cache, vLLM pods, Services and an entry of sluice.yaml. */
@Group(LLMModel.GROUP)
@Version(LLMModel.VERSION)
@Plural("llmmodels")
@ShortNames("llm")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Model", jsonPath = ".spec.model.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.replicas.ready", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class LLMModel extends CustomResource<LLMModelSpec, LLMModelStatus> implements Namespaced {
  public static final String GROUP = "sluice.dev";
  public static final String VERSION = "v1alpha1";
}
