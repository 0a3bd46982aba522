{{- define "contact-center.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: contact-center
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- /*
annotations keeps the objects, and so their Twilio side, when Helm would delete them:
an uninstall, a rollback, an object dropped from the chart.
*/}}
{{- define "contact-center.annotations" -}}
{{- if .Values.keep }}
annotations:
  helm.sh/resource-policy: keep
{{- end }}
{{- end }}
