{{/* Names and labels shared by every object of the release. */}}
{{- define "airlock.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "airlock.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector of one service's pods: call with (dict "root" $ "name" "ingress"). */}}
{{- define "airlock.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "airlock.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "airlock.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* AIRLOCK_EGRESS_REVIEW_PORT for egress-review, and so on. */}}
{{- define "airlock.portEnv" -}}
{{- printf "AIRLOCK_%s_PORT" (. | replace "-" "_" | upper) -}}
{{- end -}}

{{/* The services that take traffic from outside the release; the others take none but metrics. */}}
{{- define "airlock.isPublic" -}}
{{- if has . (list "ingress" "egress-review") }}true{{ end -}}
{{- end -}}
