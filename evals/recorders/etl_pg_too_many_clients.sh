#!/usr/bin/env bash
# dependency_unavailable: the warehouse server has max_connections=6 and a reporting tool's
# idle sessions already hold every slot, so the load step's login is refused with
# "sorry, too many clients already" (retried, then fatal). Earlier the FX API answers 503
# for a page and the job falls back to cached rates with a logged traceback (red herring).
# Private throwaway cluster (start_private_pg) so the limit hurts nobody else.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
start_private_pg -c max_connections=6 -c superuser_reserved_connections=1
psql_priv "CREATE ROLE etl_loader LOGIN PASSWORD 'example-not-a-real-password'"
psql_priv "CREATE ROLE report_ro LOGIN PASSWORD 'example-report-password'"
psql_priv "CREATE DATABASE warehouse OWNER etl_loader"
for i in 1 2 3 4 5; do
  start_bg "holder$i" env PGPASSWORD=example-report-password PGAPPNAME=bi-dashboard psql -X -h 127.0.0.1 -p "$PRIV_PORT" \
    -U report_ro -d warehouse -c "SELECT pg_sleep(600)"
done
sleep 1.5
echo '{"EUR": 1.0, "USD": 1.08, "GBP": 0.86}' >fx-cache.json
$ETL gen-input in --date "$RUN_DATE" --days 2 --parts 5 --rows 4000
start_fx_api --fail-pages 3
record etl-pg-too-many-clients-001 nightly_etl $ETL run --input "$WORK/in" --output "$WORK/out" --date "$RUN_DATE" \
  --lookback 1 --progress-every 200 --batch-size 100 --api-url "http://127.0.0.1:$FX_PORT" --retries 4 \
  --ref-cache fx-cache.json --dsn "host=127.0.0.1 port=$PRIV_PORT dbname=warehouse user=etl_loader password=example-not-a-real-password" \
  --stages bootstrap,reference,extract,transform,write,load
