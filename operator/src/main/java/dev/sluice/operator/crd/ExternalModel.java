package dev.sluice.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/** Models of an external provider (OpenAI, Anthropic, any OpenAI-compatible service) offered through the gateway. */
@Group(LLMModel.GROUP)
@Version(LLMModel.VERSION)
@Plural("externalmodels")
@AdditionalPrinterColumn(name = "Provider", jsonPath = ".spec.provider.type", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Configured", jsonPath = ".status.conditions[?(@.type==\"Configured\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class ExternalModel extends CustomResource<ExternalModelSpec, RenderStatus> implements Namespaced {
}
