{{/* Names. */}}
{{- define "sluice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sluice.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Names the operator and the gateway agree on (contract 4): fixed, so the operator's defaults match. */}}
{{- define "sluice.gatewayConfigSecret" -}}sluice-gateway-config{{- end -}}
{{- define "sluice.gatewayBaseConfigMap" -}}sluice-gateway-base{{- end -}}

{{/* Labels of every object (contract 5). Call with (dict "ctx" $ "component" "gateway"). */}}
{{- define "sluice.labels" -}}
{{ include "sluice.selectorLabels" . }}
app.kubernetes.io/part-of: sluice
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "sluice.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sluice.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* An image reference; global.imageRegistry wins over the image's own registry. (dict "ctx" $ "image" .Values.x.image) */}}
{{- define "sluice.image" -}}
{{- $registry := default .image.registry .ctx.Values.global.imageRegistry -}}
{{- $tag := default .ctx.Chart.AppVersion .image.tag -}}
{{- if .image.digest -}}
{{- printf "%s/%s@%s" $registry .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s/%s:%s" $registry .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "sluice.sluiceImage" -}}
{{- include "sluice.image" (dict "ctx" . "image" .Values.image) -}}
{{- end -}}

{{- define "sluice.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Pod-level security: non-root, the runtime's seccomp profile. */}}
{{- define "sluice.podSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .uid }}
  runAsGroup: {{ .uid }}
  fsGroup: {{ .uid }}
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{/* Container-level security: read-only root, no privilege escalation, no capabilities. */}}
{{- define "sluice.containerSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .uid }}
  runAsGroup: {{ .uid }}
  privileged: false
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
{{- end -}}

{{/* The CA bundle: volume, mount and env, when configured. */}}
{{- define "sluice.caBundle.enabled" -}}
{{- if or .Values.caBundle.configMap .Values.caBundle.secret }}true{{ end -}}
{{- end -}}

{{- define "sluice.caBundle.volume" -}}
{{- if .Values.caBundle.configMap }}
- name: ca-bundle
  configMap:
    name: {{ .Values.caBundle.configMap }}
    items: [{key: {{ .Values.caBundle.key | quote }}, path: ca-bundle.pem}]
{{- else if .Values.caBundle.secret }}
- name: ca-bundle
  secret:
    secretName: {{ .Values.caBundle.secret }}
    items: [{key: {{ .Values.caBundle.key | quote }}, path: ca-bundle.pem}]
{{- end }}
{{- end -}}

{{- define "sluice.caBundle.mount" -}}
{{- if include "sluice.caBundle.enabled" . }}
- name: ca-bundle
  mountPath: /etc/sluice-ca
  readOnly: true
{{- end }}
{{- end -}}

{{- define "sluice.caBundle.env" -}}
{{- if include "sluice.caBundle.enabled" . }}
- name: SLUICE_CA_BUNDLE
  value: /etc/sluice-ca/ca-bundle.pem
{{- end }}
{{- end -}}

{{/* The namespaces the operator watches. */}}
{{- define "sluice.watchNamespaces" -}}
{{- if .Values.operator.watchNamespaces -}}
{{- join "," .Values.operator.watchNamespaces -}}
{{- else -}}
{{- .Release.Namespace -}}
{{- end -}}
{{- end -}}

{{/* Where the gateway's database URL comes from: an existing Secret, the bundled PostgreSQL, or nothing (H2). */}}
{{- define "sluice.storageSecret" -}}
{{- if .Values.config.storage.existingSecret -}}
{{- .Values.config.storage.existingSecret -}}
{{- else if .Values.postgresql.enabled -}}
{{- printf "%s-postgresql" (include "sluice.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "sluice.redisSecret" -}}
{{- if .Values.config.redis.existingSecret -}}
{{- .Values.config.redis.existingSecret -}}
{{- else if .Values.redis.enabled -}}
{{- printf "%s-redis" (include "sluice.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Combinations the schema cannot express; each fails the install with a sentence saying what to change. */}}
{{- define "sluice.validate" -}}
{{- if and .Values.caBundle.configMap .Values.caBundle.secret -}}
{{- fail "caBundle: set configMap or secret, not both" -}}
{{- end -}}
{{- if and (not (include "sluice.storageSecret" .)) (or (gt (int .Values.gateway.replicas) 1) .Values.gateway.autoscaling.enabled) -}}
{{- fail "gateway: more than one replica needs a shared database: set config.storage.existingSecret (or postgresql.enabled=true to try it out)" -}}
{{- end -}}
{{- if and .Values.config.auth.oidc.enabled (or (not .Values.config.auth.oidc.issuer) (not .Values.config.auth.oidc.audience)) -}}
{{- fail "config.auth.oidc: enabled needs issuer and audience" -}}
{{- end -}}
{{- if and .Values.httpRoute.enabled (not .Values.httpRoute.parentRefs) -}}
{{- fail "httpRoute: enabled needs at least one parentRefs entry (the Gateway to attach to)" -}}
{{- end -}}
{{- end -}}

{{- /* What the operator does in the namespaces it watches: read its resources and write their status, run the
       model servers (Deployments, Services, PVCs, NetworkPolicies), read their pods and logs for status, read the
       Secrets models name (authSecretRefs), record Events. No delete of PVCs: model caches outlive a mistake;
       owned objects are removed by the garbage collector through their owner references. */}}
{{- define "sluice.operatorWatchRules" -}}
{{- /* Exactly what the operator calls (docs/kubernetes.md): it reads its resources, writes only their status,
       creates and updates (never patches or deletes: ownerReferences delete) the objects of a model. */}}
- apiGroups: [sluice.dev]
  resources: [llmmodels, externalmodels, plans]
  verbs: [get, list, watch]
- apiGroups: [sluice.dev]
  resources: [llmmodels/status, externalmodels/status, plans/status]
  verbs: [update]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, update]
- apiGroups: [""]
  resources: [services, persistentvolumeclaims]
  verbs: [get, list, watch, create, update]
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [get, list, watch, create, update]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
{{- end -}}
