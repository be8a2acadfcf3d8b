{{/* The release's full name, at most 63 characters. */}}
{{- define "cachedapi-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cachedapi-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cachedapi-operator.labels" -}}
{{ include "cachedapi-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "cachedapi-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cachedapi-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* What the operator reads, writes and watches: the rules of its ClusterRole or of each Role. */}}
{{- define "cachedapi-operator.rules" -}}
- apiGroups: ["cachedapi.io"]
  resources: ["cachedapis"]
  # patch: a done switchover request (an annotation) is removed
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["cachedapi.io"]
  resources: ["cachedapis/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: [""]
  resources: ["secrets"]
  # create-only; patch because server-side apply creates with a PATCH
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: [""]
  resources: ["configmaps", "services"]
  verbs: ["get", "list", "watch", "create", "patch", "update"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "patch", "update"]
- apiGroups: ["apps"]
  resources: ["statefulsets"]
  # delete: orphaning the pods, to make the set again with larger volumes
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  # patch: a volume the spec grows is expanded
  verbs: ["get", "list", "patch"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "patch", "update"]
- apiGroups: [""]
  resources: ["pods"]
  # patch: role labels; delete: a failed-over primary's pod, so that it rejoins
  verbs: ["get", "list", "watch", "patch", "delete"]
- apiGroups: [""]
  resources: ["events"]
  # get, patch: a repeated Event is counted on the one recorded
  verbs: ["create", "get", "patch"]
{{- end -}}
