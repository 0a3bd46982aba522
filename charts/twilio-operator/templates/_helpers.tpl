{{/*
name is the chart name, or nameOverride.
*/}}
{{- define "twilio-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
fullname names every object of the release. Cluster-scoped objects (ClusterRoles) carry
it too, so two releases in two namespaces never collide.
*/}}
{{- define "twilio-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "twilio-operator.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "twilio-operator.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "twilio-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "twilio-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "twilio-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "twilio-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "twilio-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "twilio-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
leaderElectionNamespace is where the Lease and its Role live.
*/}}
{{- define "twilio-operator.leaderElectionNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace }}
{{- end }}

{{/*
claimsNamespace holds the Leases that record which object owns which Twilio object.
*/}}
{{- define "twilio-operator.claimsNamespace" -}}
{{- default .Release.Namespace .Values.claimsNamespace }}
{{- end }}

{{/*
subject is the operator's ServiceAccount as an RBAC subject.
*/}}
{{- define "twilio-operator.subject" -}}
- kind: ServiceAccount
  name: {{ include "twilio-operator.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end }}

{{/*
args is the operator's command line: every flag of docs/api.md, from values. toYaml
quotes whatever a value holds; integers go through int64 because YAML numbers arrive as
floats, which print as 1e+06 and would fail an integer flag.
*/}}
{{- define "twilio-operator.args" -}}
{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicas > 1 needs leaderElection.enabled: two active operators would both write to Twilio" }}
{{- end }}
{{- $v := .Values }}
{{- $args := list }}
{{- with $v.twilio.apiUrl }}
{{- $args = append $args (printf "--twilio-api-url=%s" .) }}
{{- end }}
{{- $args = append $args (printf "--twilio-max-concurrency=%d" (int64 $v.twilio.maxConcurrency)) }}
{{- $args = append $args (printf "--twilio-qps=%v" $v.twilio.qps) }}
{{- $args = append $args (printf "--resync-period=%s" $v.resyncPeriod) }}
{{- $args = append $args (printf "--vetting-poll-interval=%s" $v.vettingPoll.interval) }}
{{- $args = append $args (printf "--vetting-poll-max-interval=%s" $v.vettingPoll.maxInterval) }}
{{- $args = append $args (printf "--max-concurrent-reconciles=%d" (int64 $v.maxConcurrentReconciles)) }}
{{- with $v.watchNamespace }}
{{- $args = append $args (printf "--watch-namespace=%s" .) }}
{{- end }}
{{- $args = append $args (printf "--leader-elect=%t" $v.leaderElection.enabled) }}
{{- with $v.leaderElection.id }}
{{- $args = append $args (printf "--leader-election-id=%s" .) }}
{{- end }}
{{- with $v.leaderElection.namespace }}
{{- $args = append $args (printf "--leader-election-namespace=%s" .) }}
{{- end }}
{{- $args = append $args (printf "--claims-namespace=%s" (include "twilio-operator.claimsNamespace" .)) }}
{{- if $v.metrics.enabled }}
{{- $args = append $args (printf "--metrics-bind-address=:%d" (int64 $v.metrics.port)) }}
{{- else }}
{{- $args = append $args "--metrics-bind-address=0" }}
{{- end }}
{{- $args = append $args (printf "--metrics-secure=%t" $v.metrics.secure) }}
{{- if $v.metrics.certSecret }}
{{- if not $v.metrics.secure }}
{{- fail "metrics.certSecret needs metrics.secure: plain HTTP has no certificate" }}
{{- end }}
{{- $args = append $args (printf "--metrics-cert-path=%s" (include "twilio-operator.metricsCertPath" .)) }}
{{- end }}
{{- $args = append $args (printf "--health-probe-bind-address=:%d" (int64 $v.healthProbe.port)) }}
{{- $args = append $args (printf "--zap-log-level=%v" $v.logging.level) }}
{{- $args = append $args (printf "--zap-encoder=%s" $v.logging.encoder) }}
{{- range $v.extraArgs }}
{{- $args = append $args . }}
{{- end }}
{{- toYaml $args }}
{{- end }}

{{- define "twilio-operator.metricsPortName" -}}
{{- ternary "https-metrics" "http-metrics" .Values.metrics.secure }}
{{- end }}

{{- /* metricsCertPath is where the metrics.certSecret is mounted. */ -}}
{{- define "twilio-operator.metricsCertPath" -}}
/etc/twilio-operator/metrics-certs
{{- end }}
