#!/bin/bash
# Focused measurement of POST /api/v1/features/usage at 32 connections (wrk with the harness's harness.lua, 2 s warm-up,
# 8 s measured), with /health/live just before and after as the ratio anchor, and PostgreSQL's view of the usage run
# (pg_stat_statements, pg_stat_wal). Not the harness: a throwaway cluster of its own (fsync on, as the harness's), one
# feature, the Release API. Build first: dotnet build -c Release backend/src/Registry.Api
# usage: tests/Registry.Benchmarks/wrk/usage-focus.sh LABEL [API_BIN_DIR] [SETTING=VALUE ...]   (as root or a normal user)
set -u
LABEL=$1; shift
WT=$(cd "$(dirname "$0")/../../.." && pwd)
DLLDIR=${1:-$WT/backend/src/Registry.Api/bin/Release/net10.0}; [ $# -gt 0 ] && shift
B=${USAGE_FOCUS_DIR:-/tmp/usage-focus}; AS=""; [ "$(id -u)" = 0 ] && AS="runuser -u postgres --"; PGBIN=/usr/lib/postgresql/15/bin; PGPORT=55432; APIPORT=55480
DLL=$DLLDIR/Registry.Api.dll
LUA=$WT/tests/Registry.Benchmarks/wrk/harness.lua
mkdir -p $B/pglog; [ -n "$AS" ] && chown postgres $B/pglog
if [ ! -d $B/pg ]; then mkdir -p $B/pg && { [ -z "$AS" ] || chown postgres $B/pg; } && chmod 700 $B/pg && $AS $PGBIN/initdb -D $B/pg -U postgres -A trust >/dev/null; fi
if ! $AS $PGBIN/pg_ctl -D $B/pg status >/dev/null 2>&1; then
  $AS $PGBIN/pg_ctl -D $B/pg -l $B/pglog/pg.log -w start -o "-p $PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 -c fsync=on -c shared_buffers=128MB -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c track_wal_io_timing=on" >/dev/null
fi
PSQL="$PGBIN/psql -h 127.0.0.1 -p $PGPORT -U postgres -X -q"
$PSQL -c "DROP DATABASE IF EXISTS bench WITH (FORCE)" -c "CREATE DATABASE bench"
$PSQL -d bench -c "CREATE EXTENSION pg_stat_statements"
rm -rf $B/api && mkdir -p $B/api/tmp
KEY=bench_$(head -c16 /dev/urandom | xxd -p)
( cd $(dirname $DLL) && env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=http://127.0.0.1:$APIPORT \
  ConnectionStrings__Registry="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=bench" \
  DuckDb__Path=$B/api/values.duckdb DuckDb__TempDirectory=$B/api/tmp Auth__BootstrapKey=$KEY \
  RateLimit__PermitsPerSecond=100000000 RateLimit__Burst=100000000 Logging__LogLevel__Default=Warning "$@" \
  dotnet $DLL ) > $B/api.log 2>&1 &
APIPID=$!
for i in $(seq 1 120); do curl -sf http://127.0.0.1:$APIPORT/health/live >/dev/null && break; sleep 0.5; done
U=http://127.0.0.1:$APIPORT
curl -sf -X POST $U/api/v1/features -H "X-API-Key: $KEY" -H 'Content-Type: application/json' \
  -d '{"feature_name":"bench_usage_f","feature_type":"raw","data_type":"float","owner":"bench"}' >/dev/null || { echo "create failed"; tail $B/api.log; }
echo '{"feature_name":"bench_usage_f","feature_version":"1.0.0","used_by_model":"bench_model","model_version":"v1","environment":"production","feature_importance":0.42}' > $B/usage.json
W=(wrk -t 2 -c 32 --timeout 30s -H "X-API-Key: $KEY" -s $LUA)
run() { "${W[@]}" -d ${2}s $U$1 -- "${@:3}" | grep HARNESS | sed "s|^HARNESS|$LABEL $1 ${2}s|"; }
echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
run /health/live 2 >/dev/null
run /health/live 8
run /api/v1/features/usage 2 body=$B/usage.json method=POST type=application/json >/dev/null
$PSQL -d bench -c "SELECT pg_stat_statements_reset()" -c "SELECT pg_stat_reset_shared('wal')" >/dev/null
run /api/v1/features/usage 8 body=$B/usage.json method=POST type=application/json
$PSQL -d bench -c "SELECT calls, round(total_exec_time::numeric,1) total_ms, round(mean_exec_time::numeric,3) mean_ms, round(max_exec_time::numeric,1) max_ms, rows, left(regexp_replace(query,'\s+',' ','g'),90) q FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 10" -c "SELECT wal_records, wal_fpi, pg_size_pretty(wal_bytes) wal, wal_write, wal_sync, round(wal_sync_time::numeric,1) sync_ms FROM pg_stat_wal"
run /health/live 8
echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
$PSQL -d bench -At -c "SELECT 'records', count(*) FROM feature_usage" -c "SELECT 'usage_count', usage_count FROM features WHERE feature_name='bench_usage_f'"
kill $APIPID; wait $APIPID 2>/dev/null
$AS $PGBIN/pg_ctl -D $B/pg -m fast stop >/dev/null
