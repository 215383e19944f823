{{/*
The chart name, or nameOverride.
*/}}
{{- define "sailpoint-mfa-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name: fullnameOverride, or the release name, followed by the chart name unless the
release name already contains it. At most 52 characters, so that suffixed names (such as
"<fullname>-metrics", a Service) stay valid DNS labels.
*/}}
{{- define "sailpoint-mfa-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "sailpoint-mfa-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object.
*/}}
{{- define "sailpoint-mfa-operator.labels" -}}
helm.sh/chart: {{ include "sailpoint-mfa-operator.chart" . }}
{{ include "sailpoint-mfa-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels that select the manager's pods.
*/}}
{{- define "sailpoint-mfa-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sailpoint-mfa-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The manager's ServiceAccount.
*/}}
{{- define "sailpoint-mfa-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sailpoint-mfa-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image reference: repository@digest, or repository:tag (tag defaults to appVersion).
*/}}
{{- define "sailpoint-mfa-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The rules of the manager's ClusterRole, as controller-gen generates them into
config/rbac/role.yaml (copied to files/manager-role.yaml by `make helm-sync`).
*/}}
{{- define "sailpoint-mfa-operator.managerRules" -}}
{{- $role := .Files.Get "files/manager-role.yaml" | fromYaml }}
{{- if not $role.rules }}
{{- fail "files/manager-role.yaml has no rules: run make helm-sync" }}
{{- end }}
{{- toYaml $role.rules }}
{{- end }}

{{/*
The shards, as a JSON list of {key, name, selectorLabels, watchSelector}: the default shard
(key "") first, then one per .Values.shards key. Without shards the list is the one
unsharded manager with the chart's usual name and selector, and no --watch-label-selector.
*/}}
{{- define "sailpoint-mfa-operator.shards" -}}
{{- $fullname := include "sailpoint-mfa-operator.fullname" . -}}
{{- $base := include "sailpoint-mfa-operator.selectorLabels" . | fromYaml -}}
{{- $out := list -}}
{{- if not .Values.shards -}}
{{- $out = append $out (dict "key" "" "name" $fullname "selectorLabels" $base "watchSelector" "") -}}
{{- else -}}
{{- $out = append $out (dict "key" "" "name" $fullname "selectorLabels" (merge (dict "mfa.identityops.dev/shard" "default") $base) "watchSelector" "!sharding.fluxcd.io/key") -}}
{{- range uniq .Values.shards -}}
{{- $out = append $out (dict "key" . "name" (printf "%s-%s" $fullname . | trunc 63 | trimSuffix "-") "selectorLabels" (merge (dict "mfa.identityops.dev/shard" .) $base) "watchSelector" (printf "sharding.fluxcd.io/key=%s" .)) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end }}
