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

{{/*
Secure connections: kafka.sasl, kafka.tls, redis.username, redis.passwordSecret, redis.tls and
schemaRegistry.auth. Passwords, CAs and client certificates stay in existing Secrets, projected
read-only as files into one volume under /var/run/secrets/leadscore; the services get the paths
in *_FILE variables, so no secret value is ever in the pod spec, the env or a ConfigMap.
Each helper takes (dict "root" $ "redis" <bool>): the ingest gateway has no Redis. Nothing is
rendered for a connection left at its defaults.
*/}}
{{- define "leadscore.secretsDir" -}}
/var/run/secrets/leadscore
{{- end -}}

{{/* Refuses settings the services would refuse at start-up (exit code 2), before anything is deployed. */}}
{{- define "leadscore.connectionSecurityChecks" -}}
{{- $k := .root.Values.kafka -}}
{{- if $k.sasl.mechanism -}}
{{- $_ := required "kafka.sasl.username is required with kafka.sasl.mechanism" $k.sasl.username -}}
{{- $_ := required "kafka.sasl.passwordSecret.name is required with kafka.sasl.mechanism: an existing Secret holding the password" $k.sasl.passwordSecret.name -}}
{{- if and (eq $k.sasl.mechanism "plain") (not $k.tls.enabled) -}}
{{- fail "kafka.sasl.mechanism=plain sends the password in clear: set kafka.tls.enabled (or use scram-sha-256 or scram-sha-512)" -}}
{{- end -}}
{{- end -}}
{{- if .redis -}}
{{- $r := .root.Values.redis -}}
{{- if and $r.username (not $r.passwordSecret.name) (not $r.urlSecret.name) -}}
{{- fail "redis.username needs redis.passwordSecret.name (an existing Secret holding the password), or a password in the URL of redis.urlSecret" -}}
{{- end -}}
{{- if and $r.tls.enabled (not $r.urlSecret.name) (not (hasPrefix "rediss://" $r.url)) -}}
{{- fail (printf "redis.tls.enabled needs a rediss:// redis.url (the TLS port of Redis), got %q" $r.url) -}}
{{- end -}}
{{- end -}}
{{- $a := .root.Values.schemaRegistry.auth -}}
{{- if ne (empty $a.username) (empty $a.passwordSecret.name) -}}
{{- fail "schemaRegistry.auth.username and schemaRegistry.auth.passwordSecret.name go together (HTTP basic auth)" -}}
{{- end -}}
{{- end -}}

{{/* The environment of the secure connections: settings as values, secrets as *_FILE paths into the secrets volume. */}}
{{- define "leadscore.connectionSecurityEnv" -}}
{{- include "leadscore.connectionSecurityChecks" . -}}
{{- $dir := include "leadscore.secretsDir" . -}}
{{- $k := .root.Values.kafka -}}
{{- if $k.sasl.mechanism }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $k.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  value: {{ $k.sasl.username | quote }}
- name: KAFKA_SASL_PASSWORD_FILE
  value: {{ printf "%s/kafka/sasl-password" $dir | quote }}
{{- end }}
{{- if $k.tls.enabled }}
- name: KAFKA_TLS
  value: "true"
{{- if $k.tls.caSecret.name }}
- name: KAFKA_TLS_CA_FILE
  value: {{ printf "%s/kafka/ca.crt" $dir | quote }}
{{- end }}
{{- if $k.tls.clientCertSecret.name }}
- name: KAFKA_TLS_CERT_FILE
  value: {{ printf "%s/kafka/tls.crt" $dir | quote }}
- name: KAFKA_TLS_KEY_FILE
  value: {{ printf "%s/kafka/tls.key" $dir | quote }}
{{- end }}
{{- end }}
{{- if .redis }}
{{- $r := .root.Values.redis -}}
{{- if $r.username }}
- name: REDIS_USERNAME
  value: {{ $r.username | quote }}
{{- end }}
{{- if $r.passwordSecret.name }}
- name: REDIS_PASSWORD_FILE
  value: {{ printf "%s/redis/password" $dir | quote }}
{{- end }}
{{- if $r.tls.enabled }}
{{- if $r.tls.caSecret.name }}
- name: REDIS_TLS_CA_FILE
  value: {{ printf "%s/redis/ca.crt" $dir | quote }}
{{- end }}
{{- if $r.tls.clientCertSecret.name }}
- name: REDIS_TLS_CERT_FILE
  value: {{ printf "%s/redis/tls.crt" $dir | quote }}
- name: REDIS_TLS_KEY_FILE
  value: {{ printf "%s/redis/tls.key" $dir | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- $a := .root.Values.schemaRegistry.auth -}}
{{- if $a.username }}
- name: SCHEMA_REGISTRY_USERNAME
  value: {{ $a.username | quote }}
- name: SCHEMA_REGISTRY_PASSWORD_FILE
  value: {{ printf "%s/schema-registry/password" $dir | quote }}
{{- end }}
{{- end -}}

{{/* The sources of the projected secrets volume (the files the *_FILE variables name); empty when there are none. */}}
{{- define "leadscore.connectionSecretSources" -}}
{{- $k := .root.Values.kafka -}}
{{- if $k.sasl.mechanism }}
- secret:
    name: {{ $k.sasl.passwordSecret.name | quote }}
    items:
      - key: {{ $k.sasl.passwordSecret.key | quote }}
        path: kafka/sasl-password
{{- end }}
{{- if and $k.tls.enabled $k.tls.caSecret.name }}
- secret:
    name: {{ $k.tls.caSecret.name | quote }}
    items:
      - key: {{ $k.tls.caSecret.key | quote }}
        path: kafka/ca.crt
{{- end }}
{{- if and $k.tls.enabled $k.tls.clientCertSecret.name }}
- secret:
    name: {{ $k.tls.clientCertSecret.name | quote }}
    items:
      - key: {{ $k.tls.clientCertSecret.certKey | quote }}
        path: kafka/tls.crt
      - key: {{ $k.tls.clientCertSecret.keyKey | quote }}
        path: kafka/tls.key
{{- end }}
{{- if .redis }}
{{- $r := .root.Values.redis -}}
{{- if $r.passwordSecret.name }}
- secret:
    name: {{ $r.passwordSecret.name | quote }}
    items:
      - key: {{ $r.passwordSecret.key | quote }}
        path: redis/password
{{- end }}
{{- if and $r.tls.enabled $r.tls.caSecret.name }}
- secret:
    name: {{ $r.tls.caSecret.name | quote }}
    items:
      - key: {{ $r.tls.caSecret.key | quote }}
        path: redis/ca.crt
{{- end }}
{{- if and $r.tls.enabled $r.tls.clientCertSecret.name }}
- secret:
    name: {{ $r.tls.clientCertSecret.name | quote }}
    items:
      - key: {{ $r.tls.clientCertSecret.certKey | quote }}
        path: redis/tls.crt
      - key: {{ $r.tls.clientCertSecret.keyKey | quote }}
        path: redis/tls.key
{{- end }}
{{- end }}
{{- $a := .root.Values.schemaRegistry.auth -}}
{{- if $a.username }}
- secret:
    name: {{ $a.passwordSecret.name | quote }}
    items:
      - key: {{ $a.passwordSecret.key | quote }}
        path: schema-registry/password
{{- end }}
{{- end -}}
