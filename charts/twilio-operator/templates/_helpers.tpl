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
{{- with $v.watchNamespaces }}
{{- $args = append $args (printf "--watch-namespaces=%s" (join "," .)) }}
{{- end }}
{{- with $v.watchSelector }}
{{- $args = append $args (printf "--watch-selector=%s" .) }}
{{- end }}
{{- $args = append $args (printf "--leader-elect=%t" $v.leaderElection.enabled) }}
{{- with include "twilio-operator.leaderElectionID" . }}
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

{{/*
leaderElectionID names the Lease of leader election, which is also the shard's name:
leaderElection.id, else one derived from shard, else empty (the operator's default).
*/}}
{{- define "twilio-operator.leaderElectionID" -}}
{{- if .Values.leaderElection.id }}
{{- .Values.leaderElection.id }}
{{- else if .Values.shard }}
{{- printf "%s.twilio-operator.messaging.twilio-operator.io" .Values.shard }}
{{- end }}
{{- end }}

{{/*
watchedNamespaces lists, comma-separated, the namespaces the operator watches
(watchNamespace and watchNamespaces, each once); empty for every namespace.
*/}}
{{- define "twilio-operator.watchedNamespaces" -}}
{{- $all := .Values.watchNamespaces | default list }}
{{- with .Values.watchNamespace }}
{{- $all = prepend $all . }}
{{- end }}
{{- join "," (uniq $all) }}
{{- end }}

{{/*
image is the operator image: <repository>@<digest> when image.digest is set, else
<repository>:<tag, default the appVersion>.
*/}}
{{- define "twilio-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
imagePullSecrets merges imagePullSecrets with global.imagePullSecrets (names or
{name: …}), each name once, as the pod's LocalObjectReferences.
*/}}
{{- define "twilio-operator.imagePullSecrets" -}}
{{- $global := list }}
{{- if .Values.global }}
{{- $global = .Values.global.imagePullSecrets | default list }}
{{- end }}
{{- $names := list }}
{{- range concat (.Values.imagePullSecrets | default list) $global }}
{{- if kindIs "string" . }}
{{- $names = append $names . }}
{{- else }}
{{- $names = append $names .name }}
{{- end }}
{{- end }}
{{- range uniq $names }}
- name: {{ . }}
{{- end }}
{{- end }}

{{/*
memoryBytes turns a Kubernetes memory quantity (256Mi, 1Gi, 512M, 1.5Gi, 268435456)
into bytes, as a float.
*/}}
{{- define "twilio-operator.memoryBytes" -}}
{{- /* A plain number arrives from YAML as a float, which toString would print as 2.68435456e+08. */}}
{{- $q := kindIs "float64" . | ternary (printf "%.0f" .) (toString .) }}
{{- $m := regexFindAll "^([0-9]+(?:\\.[0-9]+)?)([KMGTPE]i?|k)?$" $q 1 }}
{{- if not $m }}
{{- fail (printf "resources.limits.memory %q is not a memory quantity such as 256Mi or 1Gi" $q) }}
{{- end }}
{{- $num := regexReplaceAll "^([0-9.]+).*$" $q "${1}" }}
{{- $unit := regexReplaceAll "^[0-9.]+" $q "" }}
{{- $factor := dict "" 1.0 "k" 1e3 "K" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 }}
{{- mulf (float64 $num) (get $factor $unit) }}
{{- end }}

{{/*
env is the operator container's environment: GOMEMLIMIT at goMemLimitRatio of the
memory limit, in bytes (unless extraEnv sets it), then extraEnv.
*/}}
{{- define "twilio-operator.env" -}}
{{- $env := list }}
{{- $own := false }}
{{- range .Values.extraEnv }}
{{- if eq .name "GOMEMLIMIT" }}{{ $own = true }}{{ end }}
{{- end }}
{{- $limit := "" }}
{{- with .Values.resources }}{{ with .limits }}{{ $limit = .memory | default "" }}{{ end }}{{ end }}
{{- if and $limit (gt (float64 .Values.goMemLimitRatio) 0.0) (not $own) }}
{{- $bytes := mulf (include "twilio-operator.memoryBytes" $limit | float64) .Values.goMemLimitRatio | floor }}
{{- $env = append $env (dict "name" "GOMEMLIMIT" "value" (printf "%.0f" $bytes)) }}
{{- end }}
{{- $env = concat $env (.Values.extraEnv | default list) }}
{{- with $env }}
{{- toYaml . }}
{{- end }}
{{- end }}
