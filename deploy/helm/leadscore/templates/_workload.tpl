{{/*
A component's Deployment, Service and PodDisruptionBudget.
Call with (dict "root" $ "component" "scorer" "values" .Values.scorer "env" <extra env YAML> "redis" true "grid" true).
With kafka.sasl, kafka.tls, redis.username/passwordSecret/tls or schemaRegistry.auth set, also the
secure-connection env and the read-only secrets volume (leadscore.connectionSecurityEnv, _helpers.tpl).
*/}}
{{- define "leadscore.workload" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- $name := include "leadscore.componentName" . -}}
{{- $sel := dict "root" $root "component" .component -}}
{{- $security := dict "root" $root "redis" .redis -}}
{{- $secretSources := include "leadscore.connectionSecretSources" $security | trim -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "leadscore.labels" $sel | nindent 4 }}
spec:
  {{- if not (and $v.autoscaling (ne $v.autoscaling.mode "none")) }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "leadscore.selectorLabels" $sel | nindent 6 }}
  strategy:
    {{- if eq $v.updateStrategy "Recreate" }}
    # All old pods stop before new ones start. The scorer: one rebalance instead of one per pod,
    # and never two grid versions writing the same contact states (see docs/operations.md); the
    # console: never two consoles at once.
    type: Recreate
    {{- else }}
    type: RollingUpdate
    rollingUpdate:
      # One instance at a time: for a consumer, each replacement is one group rebalance.
      maxSurge: 1
      maxUnavailable: 0
    {{- end }}
  template:
    metadata:
      labels:
        {{- include "leadscore.selectorLabels" $sel | nindent 8 }}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $v.port | quote }}
        prometheus.io/path: /metrics
        {{- if .grid }}
        # A grid change rolls the pods (see docs/operations.md, "Changing the grid").
        checksum/grid: {{ include "leadscore.gridContent" $root | sha256sum }}
        {{- end }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- with $root.Values.image.pullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      {{- with $root.Values.serviceAccountName }}
      serviceAccountName: {{ . }}
      {{- end }}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        fsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: {{ .component }}
          image: {{ include "leadscore.image" $sel | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ $v.port }}
              protocol: TCP
          env:
            - name: HTTP_PORT
              value: {{ $v.port | quote }}
            - name: KAFKA_CLIENT_ID
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            {{- include "leadscore.commonEnv" $root | nindent 12 }}
            {{- if .redis }}
            {{- include "leadscore.redisEnv" $root | nindent 12 }}
            {{- end }}
            {{- with include "leadscore.connectionSecurityEnv" $security | trim }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- if .grid }}
            - name: GRID_FILE
              value: /etc/leadscore/grid/grid.yaml
            {{- end }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- range $key, $value := $v.extraEnv }}
            - name: {{ $key }}
              value: {{ $value | quote }}
            {{- end }}
          livenessProbe:
            # Never depends on Kafka or Redis: a restart would only add a rebalance.
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 6
          readinessProbe:
            httpGet: { path: /readyz, port: http }
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          startupProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 2
            failureThreshold: 60
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if .grid }}
            - name: grid
              mountPath: /etc/leadscore/grid
              readOnly: true
            {{- end }}
            {{- if $secretSources }}
            - name: connection-secrets
              mountPath: {{ include "leadscore.secretsDir" $root }}
              readOnly: true
            {{- end }}
      volumes:
        # tsx keeps its compile cache in the temp directory; the root filesystem is read-only.
        - name: tmp
          emptyDir: { sizeLimit: 256Mi }
        {{- if .grid }}
        - name: grid
          configMap:
            name: {{ include "leadscore.gridConfigMap" $root }}
            items:
              - key: {{ $root.Values.grid.key }}
                path: grid.yaml
        {{- end }}
        {{- with $secretSources }}
        # Passwords, CAs and client certificates of the secure connections, from existing Secrets.
        - name: connection-secrets
          projected:
            # 0440: readable by the service through the pod's fsGroup, by nobody else.
            defaultMode: 288
            sources:
              {{- . | nindent 14 }}
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $v.affinity }}
      affinity:
        {{- toYaml $v.affinity | nindent 8 }}
      {{- else }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "leadscore.selectorLabels" $sel | nindent 14 }}
      {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- include "leadscore.labels" $sel | nindent 4 }}
spec:
  type: {{ $v.service.type }}
  selector:
    {{- include "leadscore.selectorLabels" $sel | nindent 4 }}
  ports:
    - name: http
      port: {{ $v.service.port }}
      targetPort: http
      protocol: TCP
{{- if $v.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  labels:
    {{- include "leadscore.labels" $sel | nindent 4 }}
spec:
  {{- if hasKey $v.pdb "minAvailable" }}
  minAvailable: {{ $v.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $v.pdb.maxUnavailable | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "leadscore.selectorLabels" $sel | nindent 6 }}
{{- end }}
{{- end -}}
