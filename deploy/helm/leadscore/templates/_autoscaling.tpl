{{/*
The autoscaler of a consumer component (the scorer, the account service), by its
autoscaling.mode: keda (a ScaledObject on the lag of each of its groups), hpa (a plain
autoscaling/v2 HPA), or none (nothing: the Deployment's replicas hold).
Call with (dict "root" $ "component" "scorer" "key" "scorer" "groups" (list (dict "id" <group id> "topics" (list "behavioural-events" ...)))).
*/}}
{{- define "leadscore.autoscaler" -}}
{{- $root := .root -}}
{{- $a := (index $root.Values .key).autoscaling -}}
{{- $name := include "leadscore.componentName" . -}}
{{- $sel := dict "root" $root "component" .component -}}
{{- if ne $a.mode "none" -}}
{{- $max := $a.maxReplicas | default $root.Values.kafka.partitions -}}
{{- if gt (int $max) (int $root.Values.kafka.partitions) -}}
{{- fail (printf "%s.autoscaling.maxReplicas may not exceed kafka.partitions: instances beyond the partition count sit idle and only add rebalances" .key) -}}
{{- end -}}
{{- if eq $a.mode "keda" }}
{{- if and (or $root.Values.kafka.sasl.mechanism $root.Values.kafka.tls.enabled) (not $a.keda.authenticationRef) -}}
{{- fail (printf "%s.autoscaling.keda.authenticationRef is required with kafka.sasl or kafka.tls: KEDA reads the consumer lag with its own connection (a TriggerAuthentication with sasl, username, password, tls, ca, ...)" .key) -}}
{{- end }}
# Scales the {{ .component }} Deployment on consumer-group lag (KEDA's Kafka scaler, one trigger
# per group and topic; the HPA KEDA creates takes the largest). Stabilisation windows keep it
# from flapping: every change of the replica count is a stop-the-world rebalance of the groups.
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: {{ $name }}
  labels:
    {{- include "leadscore.labels" $sel | nindent 4 }}
spec:
  scaleTargetRef:
    name: {{ $name }}
  minReplicaCount: {{ $a.minReplicas }}
  maxReplicaCount: {{ $max }}
  pollingInterval: {{ $a.keda.pollingIntervalSeconds }}
  cooldownPeriod: {{ $a.keda.cooldownPeriodSeconds }}
  advanced:
    horizontalPodAutoscalerConfig:
      behavior:
        {{- include "leadscore.scalingBehavior" $a | nindent 8 }}
  triggers:
    {{- range $group := .groups }}
    {{- range $topic := $group.topics }}
    - type: kafka
      metadata:
        bootstrapServers: {{ $root.Values.kafka.brokers | quote }}
        consumerGroup: {{ $group.id | quote }}
        topic: {{ printf "%s.%s" $root.Values.kafka.topicPrefix $topic | quote }}
        lagThreshold: {{ $a.keda.lagThreshold | quote }}
        activationLagThreshold: {{ $a.keda.activationLagThreshold | quote }}
        offsetResetPolicy: earliest
        # Never more instances than partitions: the extra ones would get none.
        allowIdleConsumers: "false"
        scaleToZeroOnInvalidOffset: "false"
      {{- with $a.keda.authenticationRef }}
      authenticationRef:
        name: {{ . }}
      {{- end }}
    {{- end }}
    {{- end }}
{{- else if eq $a.mode "hpa" }}
# The plain-HPA alternative to KEDA: CPU, and optionally the {{ .component }} pods' own lag
# gauge ({{ $a.hpa.lagMetric.name }}, summed per pod) through a custom-metrics adapter such as
# prometheus-adapter. Same stabilisation as the KEDA variant.
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  labels:
    {{- include "leadscore.labels" $sel | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $max }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.hpa.cpuAverageUtilization }}
    {{- if $a.hpa.lagMetric.enabled }}
    - type: Pods
      pods:
        metric:
          name: {{ $a.hpa.lagMetric.name }}
        target:
          type: AverageValue
          averageValue: {{ $a.hpa.lagMetric.averageValue | quote }}
    {{- end }}
  behavior:
    {{- include "leadscore.scalingBehavior" $a | nindent 4 }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The scale-up and scale-down policies of an autoscaling block (KEDA's HPA and the plain HPA alike). */}}
{{- define "leadscore.scalingBehavior" -}}
scaleUp:
  stabilizationWindowSeconds: {{ .scaleUp.stabilizationWindowSeconds }}
  policies:
    - type: Pods
      value: {{ .scaleUp.podsPerPeriod }}
      periodSeconds: {{ .scaleUp.periodSeconds }}
scaleDown:
  stabilizationWindowSeconds: {{ .scaleDown.stabilizationWindowSeconds }}
  policies:
    - type: Pods
      value: {{ .scaleDown.podsPerPeriod }}
      periodSeconds: {{ .scaleDown.periodSeconds }}
{{- end -}}
