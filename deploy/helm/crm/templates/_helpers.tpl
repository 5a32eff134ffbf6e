{{/* Release-wide name prefix; DNS labels stop at 63 characters. */}}
{{- define "crm.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Object name of one component: (dict "root" $ "name" "identity" "suffix" "worker"). */}}
{{- define "crm.name" -}}
{{- $base := printf "%s-%s" (include "crm.fullname" .root) .name -}}
{{- if .suffix -}}{{- $base = printf "%s-%s" $base .suffix -}}{{- end -}}
{{- $base | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels never change after install: Deployments reject a changed selector. */}}
{{- define "crm.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "crm.labels" -}}
{{ include "crm.selectorLabels" . }}
app.kubernetes.io/part-of: crm
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* (dict "root" $ "image" $svc.image) */}}
{{- define "crm.image" -}}
{{- $g := .root.Values.image -}}
{{- $tag := .image.tag | default $g.tag | default .root.Chart.AppVersion -}}
{{- if $g.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" $g.registry) .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "crm.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .name | quote }}
      key: {{ .key | quote }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/*
Environment shared by servers, workers and the gateway: (dict "root" $ "name" "identity"
"cfg" $svc "metricsPort" 9464). Peers resolve to in-cluster Service addresses; naming a disabled or
unknown peer fails the render rather than starting a pod that cannot reach it.
*/}}
{{- define "crm.env" -}}
{{- $v := .root.Values -}}
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: REDIS_PREFIX
  value: {{ $v.redisPrefix | quote }}
- name: METRICS_PORT
  value: {{ .metricsPort | quote }}
{{ include "crm.secretEnv" (dict "env" "REDIS_URL" "name" $v.secrets.redis.name "key" $v.secrets.redis.key) }}
{{ include "crm.secretEnv" (dict "env" "JWT_PUBLIC_KEY" "name" $v.secrets.jwt.name "key" $v.secrets.jwt.publicKey) }}
{{ include "crm.secretEnv" (dict "env" "SERVICE_TOKEN" "name" $v.secrets.serviceToken.name "key" $v.secrets.serviceToken.key) }}
{{- if .cfg.signsJwt }}
{{ include "crm.secretEnv" (dict "env" "JWT_PRIVATE_KEY" "name" $v.secrets.jwt.name "key" $v.secrets.jwt.privateKey) }}
{{- end }}
{{- range $peer := .cfg.peers | default list }}
{{- $target := get $v.services $peer }}
{{- if not (and $target $target.enabled) }}
{{- fail (printf "%s needs peer %q, which is not an enabled service in .Values.services" $.name $peer) }}
{{- end }}
- name: {{ printf "%s_ADDR" ($peer | upper | replace "-" "_") }}
  value: {{ include "crm.grpcAddress" (dict "root" $.root "name" $peer "cfg" $target) | quote }}
{{- end }}
{{- range $name, $value := .cfg.env | default dict }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- range $name, $ref := .cfg.secretEnv | default dict }}
{{ include "crm.secretEnv" (dict "env" $name "name" $ref.name "key" $ref.key "optional" $ref.optional) }}
{{- end }}
{{- end -}}

{{/* Variables of a service process that owns a database and publishes events. */}}
{{- define "crm.serviceEnv" -}}
{{- $v := .root.Values -}}
- name: GRPC_PORT
  value: {{ .cfg.grpcPort | quote }}
{{ include "crm.secretEnv" (dict "env" "DATABASE_URL" "name" .cfg.database.secretName "key" .cfg.database.secretKey) }}
{{ include "crm.secretEnv" (dict "env" "AMQP_URL" "name" $v.secrets.amqp.name "key" $v.secrets.amqp.key) }}
{{ include "crm.env" . }}
{{- end -}}

{{/* Pod-level settings every workload shares. */}}
{{- define "crm.podSpecCommon" -}}
{{- $v := .Values -}}
automountServiceAccountToken: false
{{- with $v.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
securityContext:
  {{- toYaml $v.podSecurityContext | nindent 2 }}
{{- with $v.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  # The root filesystem is read-only; Python and libraries still need a writable /tmp.
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
{{- end -}}

{{/* Container-level settings every container shares. */}}
{{- define "crm.containerCommon" -}}
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end -}}

{{- define "crm.metricsAnnotations" -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ . | quote }}
prometheus.io/path: /metrics
{{- end -}}

{{/*
A peer's gRPC address: its headless Service, whose DNS name answers with every ready pod's
address, so a client's round_robin channel (crmkit.grpc_client) spreads calls over all replicas
rather than one connection through a ClusterIP. (dict "root" $ "name" "orders" "cfg" $svc)
*/}}
{{- define "crm.grpcAddress" -}}
{{- printf "%s:%v" (include "crm.name" (dict "root" .root "name" .name "suffix" "grpc")) .cfg.grpcPort -}}
{{- end -}}

{{/*
Most pods of a Deployment at once: its replicas (or its autoscaler's maximum) plus the 25% a
rolling update adds on top (Kubernetes' default maxSurge, rounded up).
(dict "replicas" 2 "autoscaling" $cfg.autoscaling)
*/}}
{{- define "crm.podsAtMost" -}}
{{- $pods := int .replicas -}}
{{- if and .autoscaling .autoscaling.enabled -}}{{- $pods = int .autoscaling.maxReplicas -}}{{- end -}}
{{- add $pods (div (add $pods 3) 4) -}}
{{- end -}}

{{/* DATABASE_POOL_SIZE and DATABASE_MAX_OVERFLOW of a process: (dict "size" 8 "overflow" 0). */}}
{{- define "crm.poolEnv" -}}
- name: DATABASE_POOL_SIZE
  value: {{ .size | toString | quote }}
- name: DATABASE_MAX_OVERFLOW
  value: {{ .overflow | default 0 | toString | quote }}
{{- end -}}

{{/*
An autoscaling/v2 HorizontalPodAutoscaler on a Deployment's CPU:
(dict "root" $ "name" "orders" "component" "server" "replicas" 2 "autoscaling" $cfg.autoscaling)
*/}}
{{- define "crm.hpa" -}}
{{- $a := .autoscaling -}}
{{- if lt (int .replicas) 1 -}}
{{- fail (printf "%s: autoscaling needs replicas >= 1 (its minimum)" .name) -}}
{{- end -}}
{{- if lt (int $a.maxReplicas) (int .replicas) -}}
{{- fail (printf "%s: autoscaling.maxReplicas %v is below replicas %v" .name $a.maxReplicas .replicas) -}}
{{- end -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "crm.name" . }}
  labels:
    {{- include "crm.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "crm.name" . }}
  minReplicas: {{ .replicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage | default 70 }}
  behavior:
    # Load that dips for a minute should not cost the pods (and their warm pools) it will need
    # again: scale down only after five quiet minutes, a pod at a time.
    scaleDown:
      stabilizationWindowSeconds: 300
      policies:
        - type: Pods
          value: 1
          periodSeconds: 60
{{- end -}}
