{{/*
Expand the name of the chart.
*/}}
{{- define "tunedin.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name, truncated for the 63-character DNS limit
(leaving room for the component suffixes). If the release name contains the chart name it is
used as the full name.
*/}}
{{- define "tunedin.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "tunedin.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "tunedin.labels" -}}
helm.sh/chart: {{ include "tunedin.chart" . }}
{{ include "tunedin.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tunedin
{{- end }}

{{/*
Selector labels.
*/}}
{{- define "tunedin.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tunedin.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of one component: (dict "ctx" $ "component" "api").
*/}}
{{- define "tunedin.componentLabels" -}}
{{ include "tunedin.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Selector labels of one component: (dict "ctx" $ "component" "api").
*/}}
{{- define "tunedin.componentSelectorLabels" -}}
{{ include "tunedin.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Resource names.
*/}}
{{- define "tunedin.api.fullname" -}}{{ include "tunedin.fullname" . }}-api{{- end }}
{{- define "tunedin.frontend.fullname" -}}{{ include "tunedin.fullname" . }}-frontend{{- end }}
{{- define "tunedin.redis.fullname" -}}{{ include "tunedin.fullname" . }}-redis{{- end }}
{{- define "tunedin.retrain.fullname" -}}{{ include "tunedin.fullname" . }}-retrain{{- end }}

{{- define "tunedin.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tunedin.retrain.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tunedin.artifacts.claimName" -}}
{{- default (printf "%s-artifacts" (include "tunedin.fullname" .)) .Values.artifacts.persistence.existingClaim }}
{{- end }}

{{- define "tunedin.redis.secretName" -}}
{{- default (include "tunedin.redis.fullname" .) .Values.redis.auth.existingSecret }}
{{- end }}

{{- define "tunedin.redis.secretKey" -}}
{{- if .Values.redis.auth.existingSecret }}{{ .Values.redis.auth.existingSecretKey }}{{ else }}redis-password{{ end }}
{{- end }}

{{/*
The env of a client of the chart's Redis (the API; prepare-train when it exports the feedback):
the password from the Redis Secret, and TUNEDIN_REDIS_URL built from it.
*/}}
{{- define "tunedin.redis.clientEnv" -}}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "tunedin.redis.secretName" . }}
      key: {{ include "tunedin.redis.secretKey" . }}
- name: TUNEDIN_REDIS_URL
  value: "redis://:$(REDIS_PASSWORD)@{{ include "tunedin.redis.fullname" . }}-headless:{{ .Values.redis.port }}/0"
{{- end }}

{{- define "tunedin.api.secretName" -}}
{{- default (include "tunedin.api.fullname" .) .Values.api.pseudonymKey.existingSecret }}
{{- end }}

{{- define "tunedin.api.secretKey" -}}
{{- if .Values.api.pseudonymKey.existingSecret }}{{ .Values.api.pseudonymKey.existingSecretKey }}{{ else }}pseudonym-key{{ end }}
{{- end }}

{{/*
The API keys' Secret: the key file the API reads and the frontend's key (generated, or the user's).
*/}}
{{- define "tunedin.apiKeys.secretName" -}}
{{- default (printf "%s-keys" (include "tunedin.api.fullname" .)) .Values.api.keys.existingSecret }}
{{- end }}

{{- define "tunedin.apiKeys.fileKey" -}}
{{- if .Values.api.keys.existingSecret }}{{ .Values.api.keys.existingSecretFileKey }}{{ else }}keys.json{{ end }}
{{- end }}

{{- define "tunedin.apiKeys.frontendKey" -}}
{{- if .Values.api.keys.existingSecret }}{{ .Values.api.keys.existingSecretFrontendKey }}{{ else }}frontend-key{{ end }}
{{- end }}

{{- define "tunedin.releaseLabel" -}}
{{- default .Release.Name .Values.monitoring.releaseLabel }}
{{- end }}

{{/*
Whether a prometheus-operator object is rendered: (dict "ctx" $ "enabled" .Values.monitoring.serviceMonitor.enabled "kind" "ServiceMonitor").
"auto": when kube-prometheus-stack is part of the release (helm installs its CRDs first) or the
cluster already serves the kind; true: always; false: never. Prints "true" or nothing.
*/}}
{{- define "tunedin.monitoring.renders" -}}
{{- $on := .enabled }}
{{- if eq (toString .enabled) "auto" }}
{{- $on = or (index .ctx.Values "kube-prometheus-stack" "enabled") (.ctx.Capabilities.APIVersions.Has (printf "monitoring.coreos.com/v1/%s" .kind)) }}
{{- end }}
{{- if $on }}true{{ end }}
{{- end }}

{{/*
An image reference [registry/]repository:tag: (dict "ctx" $ "image" .Values.api.image).
The registry is the image's own, else global.imageRegistry; with neither the name stays local
(an image loaded into the cluster's nodes, e.g. by `kind load docker-image`). The tag defaults
to appVersion; a tag that already carries a digest (tag@sha256:…, as skaffold sets it) is used
as is.
*/}}
{{- define "tunedin.image" -}}
{{- $global := dig "imageRegistry" "" (.ctx.Values.global | default dict) }}
{{- $registry := default $global .image.registry }}
{{- $ref := printf "%s:%s" .image.repository (default .ctx.Chart.AppVersion .image.tag) }}
{{- if $registry }}{{ printf "%s/%s" $registry $ref }}{{ else }}{{ $ref }}{{ end }}
{{- end }}

{{/*
The access mode of the artifacts claim. The Jobs, the retraining Jobs and every API replica
mount it at once: ReadWriteMany by default; ReadWriteOnce only where all of them share one node.
*/}}
{{- define "tunedin.artifacts.accessMode" -}}
{{- $p := .Values.artifacts.persistence }}
{{- $mode := $p.accessMode | default (ternary "ReadWriteOnce" "ReadWriteMany" $p.singleNode) }}
{{- if eq $mode "ReadWriteOncePod" }}
{{- fail "artifacts.persistence.accessMode=ReadWriteOncePod cannot work: the pipeline Jobs and every API replica mount the artifacts claim at the same time. Use ReadWriteMany (or ReadWriteOnce with artifacts.persistence.singleNode=true on a one-node cluster)." }}
{{- end }}
{{- if and (eq $mode "ReadWriteOnce") (not $p.singleNode) (not $p.existingClaim) }}
{{- fail "artifacts.persistence.accessMode=ReadWriteOnce: pods on different nodes cannot share the artifacts claim (the pipeline Jobs write it while every API replica reads it). Either set artifacts.persistence.storageClassName to a class that offers ReadWriteMany (NFS, CephFS, EFS, Azure Files, Filestore, Longhorn RWX, ...) and leave accessMode empty, or give artifacts.persistence.existingClaim, or set artifacts.persistence.singleNode=true on a one-node cluster such as kind." }}
{{- end }}
{{- $mode }}
{{- end }}

{{/*
The in-cluster URL of the API Service, as the frontend's nginx proxies /api to it.
*/}}
{{- define "tunedin.api.url" -}}
{{- printf "http://%s.%s.svc:%v" (include "tunedin.api.fullname" .) .Release.Namespace .Values.api.service.port }}
{{- end }}

{{/*
Environment every TunedIn container shares: the artifact store and logging.
*/}}
{{- define "tunedin.commonEnv" -}}
- name: TUNEDIN_ARTIFACTS
  value: {{ .Values.artifacts.mountPath | quote }}
- name: TUNEDIN_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: TUNEDIN_LOG_FORMAT
  value: {{ .Values.logFormat | quote }}
{{- end }}

{{/*
User-given TUNEDIN_* variables, sorted by name: (include "tunedin.extraEnv" .Values.api.env).
*/}}
{{- define "tunedin.extraEnv" -}}
{{- range $name := keys . | sortAlpha }}
- name: {{ $name }}
  value: {{ index $ $name | toString | quote }}
{{- end }}
{{- end }}

{{/*
The writable scratch directory every read-only-root container gets.
*/}}
{{- define "tunedin.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end }}

{{/*
The Job spec of a pipeline stage: (dict "ctx" $ "component" "prepare-train"|"index-publish").
Runners create the stage Jobs from it (through the pipeline ConfigMap), and the pipeline's
fingerprint hashes it: whatever changes what a stage runs starts a new pipeline run.
*/}}
{{- define "tunedin.pipelineJobSpec" -}}
{{- $ctx := .ctx }}
{{- $v := $ctx.Values }}
backoffLimit: {{ $v.pipeline.backoffLimit }}
activeDeadlineSeconds: {{ $v.pipeline.activeDeadlineSeconds }}
ttlSecondsAfterFinished: {{ $v.pipeline.ttlSecondsAfterFinished }}
template:
  metadata:
    labels:
      {{- include "tunedin.componentLabels" (dict "ctx" $ctx "component" .component) | nindent 6 }}
  spec:
    restartPolicy: Never
    automountServiceAccountToken: false
    {{- with $v.imagePullSecrets }}
    imagePullSecrets:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    securityContext:
      {{- toYaml $v.podSecurityContext | nindent 6 }}
    containers:
      - name: {{ .component }}
        image: {{ include "tunedin.image" (dict "ctx" $ctx "image" $v.trainer.image) }}
        imagePullPolicy: {{ $v.trainer.image.pullPolicy }}
        command: ["/bin/sh", "-c"]
        args:
          {{- if eq .component "prepare-train" }}
          - {{ include "tunedin.pipeline.prepareTrainCommand" $ctx | quote }}
          {{- else }}
          - python -m jobs.build_index && exec python -m jobs.publish
          {{- end }}
        env:
          {{- include "tunedin.commonEnv" $ctx | nindent 10 }}
          {{- if hasKey $v.trainer.env "TUNEDIN_PSEUDONYM_KEY" }}
          {{- fail "trainer.env.TUNEDIN_PSEUDONYM_KEY: the chart sets it from the API's Secret (api.pseudonymKey), so both match users against the same erasure ledger" }}
          {{- end }}
          {{- range $name, $value := dict "TUNEDIN_CHALLENGER_SHARE" "retrain.challengerShare" "TUNEDIN_FEEDBACK_MERGE" "retrain.feedback.merge" "TUNEDIN_FEEDBACK_PLAY_WEIGHT" "retrain.feedback.playWeight" "TUNEDIN_FEEDBACK_LIKE_WEIGHT" "retrain.feedback.likeWeight" }}
          {{- if hasKey $v.trainer.env $name }}
          {{- fail (printf "trainer.env.%s: the chart sets it from %s" $name $value) }}
          {{- end }}
          {{- end }}
          {{- if eq .component "prepare-train" }}
          {{- include "tunedin.pipeline.feedbackEnv" $ctx | nindent 10 }}
          {{- end }}
          {{- /* The key that matches user ids against the erasure ledger's subjects: the API's. */}}
          - name: TUNEDIN_PSEUDONYM_KEY
            valueFrom:
              secretKeyRef:
                name: {{ include "tunedin.api.secretName" $ctx }}
                key: {{ include "tunedin.api.secretKey" $ctx }}
          {{- if not (hasKey $v.trainer.env "TUNEDIN_THREADS") }}
          {{- /* CPU threads follow the container's CPU limit, rounded up to whole cores. */}}
          - name: TUNEDIN_THREADS
            valueFrom:
              resourceFieldRef:
                containerName: {{ .component }}
                resource: limits.cpu
                divisor: "1"
          {{- end }}
          {{- with include "tunedin.extraEnv" $v.trainer.env }}{{ . | nindent 10 }}{{ end }}
          - name: OMP_NUM_THREADS
            value: "$(TUNEDIN_THREADS)"
          - name: MKL_NUM_THREADS
            value: "$(TUNEDIN_THREADS)"
        securityContext:
          {{- toYaml $v.containerSecurityContext | nindent 10 }}
        resources:
          {{- toYaml $v.trainer.resources | nindent 10 }}
        volumeMounts:
          - name: artifacts
            mountPath: {{ $v.artifacts.mountPath }}
          - name: tmp
            mountPath: /tmp
    volumes:
      - name: artifacts
        persistentVolumeClaim:
          claimName: {{ include "tunedin.artifacts.claimName" $ctx }}
      {{- include "tunedin.tmpVolume" $ctx | nindent 6 }}
    {{- with $v.trainer.nodeSelector }}
    nodeSelector:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with $v.trainer.tolerations }}
    tolerations:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with $v.trainer.affinity }}
    affinity:
      {{- toYaml . | nindent 6 }}
    {{- end }}
{{- end }}
