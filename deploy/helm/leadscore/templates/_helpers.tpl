{{/* Names and labels shared by every template. */}}

{{- define "leadscore.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* <fullname>-<component>, e.g. leadscore-scorer. Call with (dict "root" $ "component" "scorer"). */}}
{{- define "leadscore.componentName" -}}
{{- printf "%s-%s" (include "leadscore.fullname" .root | trunc 50 | trimSuffix "-") .component -}}
{{- end -}}

{{- define "leadscore.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "leadscore.labels" -}}
{{ include "leadscore.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* The image of a component: <repository>/<prefix><component>:<tag> (one image per SERVICE build argument). */}}
{{- define "leadscore.image" -}}
{{- $img := .root.Values.image -}}
{{- printf "%s/%s%s:%s" $img.registry $img.namePrefix .component ($img.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{- define "leadscore.gridConfigMap" -}}
{{- .Values.grid.existingConfigMap | default (printf "%s-grid" (include "leadscore.fullname" .)) -}}
{{- end -}}

{{/* Environment every service shares: brokers, registry, topic prefix, log level, provisioning. */}}
{{- define "leadscore.commonEnv" -}}
- name: KAFKA_BROKERS
  value: {{ .Values.kafka.brokers | quote }}
- name: SCHEMA_REGISTRY_URL
  value: {{ .Values.schemaRegistry.url | quote }}
- name: TOPIC_PREFIX
  value: {{ .Values.kafka.topicPrefix | quote }}
- name: TOPIC_PARTITIONS
  value: {{ .Values.kafka.partitions | quote }}
- name: PROVISION
  value: {{ .Values.provision | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- end -}}

{{/* REDIS_URL from a Secret (preferred) or a plain value, plus REDIS_CLUSTER and REDIS_KEY_PREFIX. */}}
{{- define "leadscore.redisEnv" -}}
{{- if .Values.redis.urlSecret.name }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.urlSecret.name | quote }}
      key: {{ .Values.redis.urlSecret.key | quote }}
{{- else }}
- name: REDIS_URL
  value: {{ required "redis.url or redis.urlSecret.name is required" .Values.redis.url | quote }}
{{- end }}
- name: REDIS_CLUSTER
  value: {{ .Values.redis.cluster | quote }}
- name: REDIS_KEY_PREFIX
  value: {{ .Values.redis.keyPrefix | quote }}
{{- end -}}

{{/* The grid text: grid.content when set (helm --set-file grid.content=my-grid.yaml), else the chart's starter grid. */}}
{{- define "leadscore.gridContent" -}}
{{- if .Values.grid.existingConfigMap -}}
{{- .Values.grid.existingConfigMap -}}
{{- else -}}
{{- .Values.grid.content | default (.Files.Get "files/grid.yaml") -}}
{{- end -}}
{{- end -}}
