{{/* The release's base name, at most 63 characters. */}}
{{- define "powersync.fullname" -}}
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

{{/* A component's resource name: (dict "root" $ "component" "api"). */}}
{{- define "powersync.componentName" -}}
{{- printf "%s-%s" (include "powersync.fullname" .root | trunc 50 | trimSuffix "-") .component -}}
{{- end -}}

{{- define "powersync.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels every resource carries; with a component: (dict "root" $ "component" "api"). */}}
{{- define "powersync.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "powersync.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: powersync
{{- end -}}

{{- define "powersync.selectorLabels" -}}
app.kubernetes.io/name: {{ include "powersync.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{/* An image reference: (dict "root" $ "image" .Values.gateway.image). */}}
{{- define "powersync.image" -}}
{{- $tag := default .root.Chart.AppVersion .image.tag -}}
{{- if .root.Values.imageRegistry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.imageRegistry) .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "powersync.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "powersync.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret the pods read: the user's own, or the chart's. */}}
{{- define "powersync.secretName" -}}
{{- default (include "powersync.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* An environment variable's name for a Kafka property from the Secret: sasl.jaas.config -> POWERSYNC_KAFKA_SASL_JAAS_CONFIG. */}}
{{- define "powersync.kafkaSecretEnv" -}}
{{- printf "POWERSYNC_KAFKA_%s" (regexReplaceAll "[^A-Za-z0-9]" . "_" | upper) -}}
{{- end -}}

{{/* Values every installation needs, checked once with messages that say what to set. */}}
{{- define "powersync.validate" -}}
{{- $missing := list -}}
{{- if not .Values.source.hostname }}{{ $missing = append $missing "source.hostname (the MySQL/MariaDB server to replicate)" }}{{ end -}}
{{- if not .Values.source.database }}{{ $missing = append $missing "source.database" }}{{ end -}}
{{- if not .Values.source.username }}{{ $missing = append $missing "source.username (a user with REPLICATION SLAVE, REPLICATION CLIENT and SELECT)" }}{{ end -}}
{{- if not .Values.kafka.bootstrapServers }}{{ $missing = append $missing "kafka.bootstrapServers" }}{{ end -}}
{{- if not .Values.syncConfig }}{{ $missing = append $missing "syncConfig (the sync config YAML)" }}{{ end -}}
{{- if not (or .Values.auth.jwksUri .Values.auth.jwks .Values.auth.supabase .Values.auth.hs256KeySecretKey) }}{{ $missing = append $missing "auth.jwksUri, auth.jwks, auth.hs256KeySecretKey or auth.supabase (how client tokens are verified)" }}{{ end -}}
{{- if and .Values.attachments.enabled (not .Values.attachments.s3.endpoint) }}{{ $missing = append $missing "attachments.s3.endpoint (or attachments.enabled=false)" }}{{ end -}}
{{- if not .Values.secrets.existingSecret -}}
{{- if not .Values.secrets.sourcePassword }}{{ $missing = append $missing "secrets.sourcePassword (or secrets.existingSecret)" }}{{ end -}}
{{- if not .Values.secrets.apiToken }}{{ $missing = append $missing "secrets.apiToken (the admin API token; or secrets.existingSecret)" }}{{ end -}}
{{- if and .Values.attachments.enabled (not (and .Values.secrets.s3AccessKey .Values.secrets.s3SecretKey)) }}{{ $missing = append $missing "secrets.s3AccessKey and secrets.s3SecretKey (or secrets.existingSecret)" }}{{ end -}}
{{- range $property, $key := .Values.kafka.secretProperties }}{{ if not (hasKey $.Values.secrets.extra $key) }}{{ $missing = append $missing (printf "secrets.extra.%s (for kafka.secretProperties.%s)" $key $property) }}{{ end }}{{ end -}}
{{- if and .Values.auth.hs256KeySecretKey (not (hasKey .Values.secrets.extra .Values.auth.hs256KeySecretKey)) }}{{ $missing = append $missing (printf "secrets.extra.%s (for auth.hs256KeySecretKey)" .Values.auth.hs256KeySecretKey) }}{{ end -}}
{{- if and .Values.auth.supabaseJwtSecretKey (not (hasKey .Values.secrets.extra .Values.auth.supabaseJwtSecretKey)) }}{{ $missing = append $missing (printf "secrets.extra.%s (for auth.supabaseJwtSecretKey)" .Values.auth.supabaseJwtSecretKey) }}{{ end -}}
{{- end -}}
{{- if $missing -}}
{{- fail (printf "\n\nThe powersync chart needs these values:\n  - %s\n\nSee the chart's README.md.\n" (join "\n  - " $missing)) -}}
{{- end -}}
{{- end -}}

{{/*
The environment of every container: where service.yaml is, the log format, and every secret that
service.yaml reads with !env (one shared file, so every component gets the same set).
*/}}
{{- define "powersync.commonEnv" -}}
- name: POWERSYNC_CONFIG_PATH
  value: /etc/powersync/service.yaml
- name: POWERSYNC_LOG_FORMAT
  value: {{ .Values.logFormat | quote }}
- name: POWERSYNC_SOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "powersync.secretName" . }}
      key: source-password
- name: POWERSYNC_STORAGE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "powersync.secretName" . }}
      key: {{ if or .Values.secrets.existingSecret .Values.secrets.storagePassword }}storage-password{{ else }}source-password{{ end }}
- name: POWERSYNC_API_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "powersync.secretName" . }}
      key: api-token
{{- if .Values.attachments.enabled }}
- name: POWERSYNC_S3_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "powersync.secretName" . }}
      key: s3-access-key
- name: POWERSYNC_S3_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "powersync.secretName" . }}
      key: s3-secret-key
{{- end }}
{{- if .Values.auth.hs256KeySecretKey }}
- name: POWERSYNC_JWT_HS256_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "powersync.secretName" . }}
      key: {{ .Values.auth.hs256KeySecretKey }}
{{- end }}
{{- if .Values.auth.supabaseJwtSecretKey }}
- name: POWERSYNC_SUPABASE_JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "powersync.secretName" . }}
      key: {{ .Values.auth.supabaseJwtSecretKey }}
{{- end }}
{{- range $property, $key := .Values.kafka.secretProperties }}
- name: {{ include "powersync.kafkaSecretEnv" $property }}
  valueFrom:
    secretKeyRef:
      name: {{ include "powersync.secretName" $ }}
      key: {{ $key }}
{{- end }}
{{- end -}}

{{/* The pod-level parts shared by every component: (dict "root" $ "component" "api" "values" .Values.gateway.api). */}}
{{- define "powersync.podSpecCommon" -}}
serviceAccountName: {{ include "powersync.serviceAccountName" .root }}
automountServiceAccountToken: false
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: config
    configMap:
      name: {{ include "powersync.fullname" .root }}-config
  - name: tmp
    emptyDir:
      sizeLimit: {{ .root.Values.tmpSizeLimit }}
{{- end -}}

{{- define "powersync.volumeMounts" -}}
- name: config
  mountPath: /etc/powersync
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Pod annotations: a checksum of the config and the chart's Secret, so a change rolls the pods. */}}
{{- define "powersync.podAnnotations" -}}
checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
{{- if not .root.Values.secrets.existingSecret }}
checksum/secret: {{ include (print .root.Template.BasePath "/secret.yaml") .root | sha256sum }}
{{- end }}
{{- with .values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
A component's Deployment: (dict "root" $ "component" "api" "values" .Values.gateway.api
"image" .Values.gateway.image "replicas" 2 "env" (list of env entries) "probes" (dict "startup" path
"liveness" path "readiness" path)). The component's own settings come in as environment
variables named after its MicroProfile Config keys (gateway.role -> GATEWAY_ROLE).
*/}}
{{- define "powersync.deployment" -}}
{{- $ctx := dict "root" .root "component" .component -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "powersync.componentName" $ctx }}
  labels:
    {{- include "powersync.labels" $ctx | nindent 4 }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ .replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "powersync.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "powersync.labels" $ctx | nindent 8 }}
      annotations:
        {{- include "powersync.podAnnotations" (dict "root" .root "values" .values) | nindent 8 }}
    spec:
      {{- include "powersync.podSpecCommon" (dict "root" .root "values" .values) | nindent 6 }}
      # Long-lived sync streams end cleanly on SIGTERM; give them time.
      terminationGracePeriodSeconds: 30
      containers:
        - name: {{ .container }}
          image: {{ include "powersync.image" (dict "root" .root "image" .image) | quote }}
          imagePullPolicy: {{ .image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .values.port }}
              protocol: TCP
          env:
            - name: SERVER_PORT
              value: {{ .values.port | quote }}
            - name: JAVA_TOOL_OPTIONS
              value: {{ trim (printf "%s %s" .values.javaOpts (default "" .systemProperties)) | quote }}
            {{- include "powersync.commonEnv" .root | nindent 12 }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with .values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet:
              path: {{ .probes.startup }}
              port: http
            periodSeconds: 5
            failureThreshold: 60
          livenessProbe:
            httpGet:
              path: {{ .probes.liveness }}
              port: http
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: {{ .probes.readiness }}
              port: http
            periodSeconds: 5
            timeoutSeconds: 5
            failureThreshold: 3
          resources:
            {{- toYaml .values.resources | nindent 12 }}
          securityContext:
            {{- toYaml .root.Values.securityContext | nindent 12 }}
          volumeMounts:
            {{- include "powersync.volumeMounts" .root | nindent 12 }}
{{- end -}}

{{/* A component's Service: (dict "root" $ "component" "api" "values" .Values.gateway.api "service" .Values.gateway.api.service). */}}
{{- define "powersync.service" -}}
{{- $ctx := dict "root" .root "component" .component -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "powersync.componentName" $ctx }}
  labels:
    {{- include "powersync.labels" $ctx | nindent 4 }}
  {{- with .service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .service.type }}
  selector:
    {{- include "powersync.selectorLabels" $ctx | nindent 4 }}
  ports:
    - name: http
      port: {{ .service.port }}
      targetPort: http
      protocol: TCP
{{- end -}}

{{/* A PodDisruptionBudget: (dict "root" $ "component" "api" "pdb" .Values.gateway.api.podDisruptionBudget). */}}
{{- define "powersync.pdb" -}}
{{- $ctx := dict "root" .root "component" .component -}}
{{- if .pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "powersync.componentName" $ctx }}
  labels:
    {{- include "powersync.labels" $ctx | nindent 4 }}
spec:
  {{- if hasKey .pdb "minAvailable" }}
  minAvailable: {{ .pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .pdb.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "powersync.selectorLabels" $ctx | nindent 6 }}
{{- end }}
{{- end -}}

{{/* A HorizontalPodAutoscaler: (dict "root" $ "component" "api" "autoscaling" .Values.gateway.api.autoscaling). */}}
{{- define "powersync.hpa" -}}
{{- $ctx := dict "root" .root "component" .component -}}
{{- if .autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "powersync.componentName" $ctx }}
  labels:
    {{- include "powersync.labels" $ctx | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "powersync.componentName" $ctx }}
  minReplicas: {{ .autoscaling.minReplicas }}
  maxReplicas: {{ .autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end -}}

{{/* A NetworkPolicy admitting clients (when public) and metrics scrapers to a component's port. */}}
{{- define "powersync.networkPolicy" -}}
{{- $ctx := dict "root" .root "component" .component -}}
{{- if .root.Values.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "powersync.componentName" $ctx }}
  labels:
    {{- include "powersync.labels" $ctx | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "powersync.selectorLabels" $ctx | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    {{- if .public }}
    - ports:
        - port: http
          protocol: TCP
      {{- with .root.Values.networkPolicy.clientFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
    # Metrics and health: scrapers, and the other components of this release (the CLI and
    # dashboard reach the admin API through the api role).
    - ports:
        - port: http
          protocol: TCP
      from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ .root.Release.Name }}
        {{- if .root.Values.networkPolicy.metricsFrom }}
        {{- toYaml .root.Values.networkPolicy.metricsFrom | nindent 8 }}
        {{- else }}
        - podSelector: {}
        {{- end }}
{{- end }}
{{- end -}}
