{{/*
The pipeline's orchestration: the pipeline ConfigMap, the kick-off Job, the runner Job spec
(shared by the kick-off's runs and the retraining CronJob) and the fingerprint.
*/}}

{{- define "tunedin.pipeline.configMapName" -}}{{ include "tunedin.fullname" . }}-pipeline{{- end }}

{{/*
Whether the pipeline's ServiceAccount, Role, RoleBinding and ConfigMap exist: with the
kick-off Job, the retraining CronJob or the erasure CronJob. Prints "true" or nothing.
*/}}
{{- define "tunedin.pipeline.orchestrated" -}}
{{- if or .Values.pipeline.enabled .Values.retrain.enabled .Values.erasures.enabled }}true{{ end }}
{{- end }}

{{/*
The fingerprint of what the pipeline trains from: sha256 (10 hex) of both stages' Job specs
(trainer image, env, resources, data settings), the kick-off Job's spec without the
fingerprint, and pipeline.runId. The kick-off Job's name carries it, so an upgrade that leaves
it alone leaves that Job, whose pod template is immutable, exactly as it is.
*/}}
{{- define "tunedin.pipeline.fingerprint" -}}
{{- $parts := list (include "tunedin.pipelineJobSpec" (dict "ctx" . "component" "prepare-train")) }}
{{- $parts = append $parts (include "tunedin.pipelineJobSpec" (dict "ctx" . "component" "index-publish")) }}
{{- $parts = append $parts (include "tunedin.pipeline.kickoffJobSpec" (dict "ctx" . "fingerprint" "")) }}
{{- $parts = append $parts (printf "runId: %s" .Values.pipeline.runId) }}
{{- join "\n---\n" $parts | sha256sum | trunc 10 }}
{{- end }}

{{/*
The container settings the kick-off Job, the runners and the erasure CronJob share: image, pod
security, the ServiceAccount whose Role lets them manage the pipeline's Jobs:
(dict "ctx" $ "ledger" true|false). With "ledger" the artifacts claim is mounted read-only
(the erasure CronJob reads erasures/ from it).
*/}}
{{- define "tunedin.pipeline.orchestratorPod" -}}
{{- $ctx := .ctx }}
restartPolicy: Never
serviceAccountName: {{ include "tunedin.serviceAccountName" $ctx }}
automountServiceAccountToken: true
{{- with $ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $ctx.Values.podSecurityContext | nindent 2 }}
volumes:
  {{- include "tunedin.tmpVolume" $ctx | nindent 2 }}
  {{- if .ledger }}
  - name: artifacts
    persistentVolumeClaim:
      claimName: {{ include "tunedin.artifacts.claimName" $ctx }}
      readOnly: true
  {{- end }}
{{- end }}

{{- define "tunedin.pipeline.orchestratorContainer" -}}
{{- $ctx := .ctx }}
image: {{ include "tunedin.image" (dict "ctx" $ctx "image" $ctx.Values.trainer.image) }}
imagePullPolicy: {{ $ctx.Values.trainer.image.pullPolicy }}
securityContext:
  {{- toYaml $ctx.Values.containerSecurityContext | nindent 2 }}
resources:
  {{- toYaml $ctx.Values.retrain.resources | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- if .ledger }}
  - name: artifacts
    mountPath: {{ $ctx.Values.artifacts.mountPath }}
    readOnly: true
  {{- end }}
{{- end }}

{{- define "tunedin.pipeline.orchestratorEnv" -}}
- name: TUNEDIN_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: TUNEDIN_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: TUNEDIN_LOG_FORMAT
  value: {{ .Values.logFormat | quote }}
{{- end }}

{{/*
The kick-off Job's spec: (dict "ctx" $ "fingerprint" FP). `ensure` starts a runner for FP
unless one is active or has succeeded; it only makes a few API calls.
*/}}
{{- define "tunedin.pipeline.kickoffJobSpec" -}}
{{- $ctx := .ctx }}
backoffLimit: 4
activeDeadlineSeconds: 600
ttlSecondsAfterFinished: {{ $ctx.Values.pipeline.ttlSecondsAfterFinished }}
template:
  metadata:
    labels:
      {{- include "tunedin.componentLabels" (dict "ctx" $ctx "component" "pipeline-kickoff") | nindent 6 }}
  spec:
    {{- include "tunedin.pipeline.orchestratorPod" (dict "ctx" $ctx "ledger" false) | nindent 4 }}
    containers:
      - name: ensure
        {{- include "tunedin.pipeline.orchestratorContainer" (dict "ctx" $ctx "ledger" false) | nindent 8 }}
        command: ["python", "-m", "jobs.retrain", "ensure"]
        args:
          - --fingerprint={{ .fingerprint }}
          - --config-map={{ include "tunedin.pipeline.configMapName" $ctx }}
          - --name-prefix={{ include "tunedin.fullname" $ctx }}
        env:
          {{- include "tunedin.pipeline.orchestratorEnv" $ctx | nindent 10 }}
{{- end }}

{{/*
A pipeline runner's Job spec (python -m jobs.retrain run): (dict "ctx" $ "challengerShare" S).
The runs `ensure` starts (S = 0: a plain publish) and the retraining CronJob's (S =
retrain.challengerShare: above 0 the runner adds TUNEDIN_CHALLENGER_SHARE to the index-publish Job
it creates, so publish starts an experiment). The stage specs, and so the fingerprint, are the
same for both. It waits for earlier active runners (up to retrain.timeoutSeconds), then gives both
stages together retrain.timeoutSeconds.
*/}}
{{- define "tunedin.pipeline.runnerJobSpec" -}}
{{- $ctx := .ctx }}
backoffLimit: 0
activeDeadlineSeconds: {{ add (mul 2 $ctx.Values.retrain.timeoutSeconds) 300 }}
template:
  metadata:
    labels:
      {{- include "tunedin.componentLabels" (dict "ctx" $ctx "component" "pipeline-runner") | nindent 6 }}
  spec:
    {{- include "tunedin.pipeline.orchestratorPod" (dict "ctx" $ctx "ledger" false) | nindent 4 }}
    containers:
      - name: runner
        {{- include "tunedin.pipeline.orchestratorContainer" (dict "ctx" $ctx "ledger" false) | nindent 8 }}
        command: ["python", "-m", "jobs.retrain", "run"]
        args:
          - --config-map={{ include "tunedin.pipeline.configMapName" $ctx }}
          - --name-prefix={{ include "tunedin.fullname" $ctx }}
          - --timeout-seconds={{ $ctx.Values.retrain.timeoutSeconds }}
          - --poll-seconds={{ $ctx.Values.retrain.pollSeconds }}
          {{- if gt (float64 .challengerShare) 0.0 }}
          - --challenger-share={{ .challengerShare }}
          {{- end }}
        env:
          {{- include "tunedin.pipeline.orchestratorEnv" $ctx | nindent 10 }}
          - name: TUNEDIN_RUNNER_JOB
            valueFrom:
              fieldRef:
                fieldPath: metadata.labels['batch.kubernetes.io/job-name']
{{- end }}

{{/*
prepare-train's command line: with retrain.feedback.export, python -m jobs.export_feedback first.
An export that fails (Redis unreachable, say) is reported in the stage's log and the stage goes on
without the feedback since the last export: the exports already in the artifact store are still
merged (erased users left out by prepare-data), and an erasure's retrain is never held up by Redis.
*/}}
{{- define "tunedin.pipeline.prepareTrainCommand" -}}
{{- if .Values.retrain.feedback.export -}}
python -m jobs.export_feedback || echo 'export-feedback failed, so this run trains without the feedback sent since the last export' >&2; {{ end -}}
python -m jobs.prepare_data && exec python -m jobs.train
{{- end }}

{{/*
prepare-train's feedback settings: the Redis it exports from (the chart's, or trainer.env's
TUNEDIN_REDIS_URL when redis.enabled=false) and how prepare-data merges the exports.
*/}}
{{- define "tunedin.pipeline.feedbackEnv" -}}
{{- $feedback := .Values.retrain.feedback }}
{{- if $feedback.export }}
{{- if .Values.redis.enabled }}
{{- if hasKey .Values.trainer.env "TUNEDIN_REDIS_URL" }}
{{- fail "trainer.env.TUNEDIN_REDIS_URL: the chart sets it to its own Redis (give it only with redis.enabled=false)" }}
{{- end }}
{{- include "tunedin.redis.clientEnv" . }}
{{- else if not (hasKey .Values.trainer.env "TUNEDIN_REDIS_URL") }}
{{- fail "retrain.feedback.export=true with redis.enabled=false: give the API's Redis as trainer.env.TUNEDIN_REDIS_URL, or set retrain.feedback.export=false" }}
{{- end }}
{{- end }}
- name: TUNEDIN_FEEDBACK_MERGE
  value: {{ $feedback.merge | quote }}
- name: TUNEDIN_FEEDBACK_PLAY_WEIGHT
  value: {{ $feedback.playWeight | quote }}
- name: TUNEDIN_FEEDBACK_LIKE_WEIGHT
  value: {{ $feedback.likeWeight | quote }}
{{- end }}
