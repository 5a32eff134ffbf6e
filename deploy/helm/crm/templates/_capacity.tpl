{{/*
Connections to the database servers, counted from values at their worst (docs/capacity.md):
every server pod at its autoscaler's maximum plus a rolling update's surge, each holding its
whole pool (poolSize + maxOverflow + extraConnections); every worker pod likewise; one pod per
enabled CronJob (concurrencyPolicy Forbid); one connection per migration Job (they may run at
once). Answers the number.
*/}}
{{- define "crm.clientConnections" -}}
{{- $v := .Values -}}
{{- $total := 0 -}}
{{- range $name, $svc := $v.services -}}
{{- if $svc.enabled -}}
{{- $pods := include "crm.podsAtMost" (dict "replicas" $svc.replicas "autoscaling" $svc.autoscaling) | int -}}
{{- $db := $svc.database -}}
{{- $each := add ($db.poolSize | default 0) ($db.maxOverflow | default 0) ($db.extraConnections | default 0) -}}
{{- $total = add $total (mul $pods $each) -}}
{{- if dig "worker" "enabled" false $svc -}}
{{- $workers := include "crm.podsAtMost" (dict "replicas" $svc.worker.replicas) | int -}}
{{- $total = add $total (mul $workers ($svc.worker.databasePoolSize | default 4)) -}}
{{- end -}}
{{- if $v.migrations.enabled -}}{{- $total = add $total 1 -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- range $key, $cj := $v.cronJobs | default dict -}}
{{- if $cj.enabled -}}{{- $total = add $total $v.postgresql.connectionsPerJob -}}{{- end -}}
{{- end -}}
{{- $total -}}
{{- end -}}

{{/* PgBouncer's server connections: every pod's pool for each enabled service's database. */}}
{{- define "crm.pgbouncerConnections" -}}
{{- $p := .Values.pgbouncer -}}
{{- $databases := 0 -}}
{{- range $name, $svc := .Values.services -}}{{- if $svc.enabled -}}{{- $databases = add1 $databases -}}{{- end -}}{{- end -}}
{{- mul $p.replicas $databases (add $p.defaultPoolSize $p.reservePoolSize) -}}
{{- end -}}

{{/* Fails the render when the pods could open more connections than the servers take. */}}
{{- define "crm.checkConnections" -}}
{{- $pg := .Values.postgresql -}}
{{- $room := sub (int $pg.maxConnections) (int $pg.reservedConnections) -}}
{{- $clients := include "crm.clientConnections" . | int -}}
{{- if .Values.pgbouncer.enabled -}}
{{- $server := include "crm.pgbouncerConnections" . | int -}}
{{- if gt $server $room -}}
{{- fail (printf "PgBouncer could open %d PostgreSQL connections, above postgresql.maxConnections - reservedConnections = %d: lower pgbouncer.defaultPoolSize / reservePoolSize / replicas (docs/capacity.md)" $server $room) -}}
{{- end -}}
{{- if gt $clients (int .Values.pgbouncer.maxClientConn) -}}
{{- fail (printf "the pods could open %d connections to PgBouncer, above pgbouncer.maxClientConn = %v (docs/capacity.md)" $clients .Values.pgbouncer.maxClientConn) -}}
{{- end -}}
{{- else if gt $clients $room -}}
{{- fail (printf "the pods could open %d PostgreSQL connections, above postgresql.maxConnections - reservedConnections = %d: lower the pools or maxReplicas, or enable pgbouncer (docs/capacity.md)" $clients $room) -}}
{{- end -}}
{{- end -}}
