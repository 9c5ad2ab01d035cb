#!/usr/bin/env bash
# timeout_deadline: the load step runs with statement_timeout = 2s (the warehouse's limit
# for batch roles) and the daily rollup query it issues takes longer, so PostgreSQL
# cancels it: "canceling statement due to statement timeout". Throwaway database
# rec_warehouse_st, dropped after. Red herring: the FX API answers 503 for one page and
# the job falls back to cached rates with a logged traceback.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
psql_real "DROP DATABASE IF EXISTS rec_warehouse_st"
psql_real "CREATE DATABASE rec_warehouse_st"
on_cleanup "psql_real 'DROP DATABASE IF EXISTS rec_warehouse_st WITH (FORCE)'"
echo '{"EUR": 1.0, "USD": 1.08, "GBP": 0.86}' >fx-cache.json
$ETL gen-input in --date "$RUN_DATE" --days 1 --parts 6 --rows 4000
start_fx_api --fail-pages 2
record etl-pg-statement-timeout-001 nightly_etl $ETL run --input "$WORK/in" --output "$WORK/out" --date "$RUN_DATE" \
  --progress-every 100 --batch-size 100 --api-url "http://127.0.0.1:$FX_PORT" --ref-cache fx-cache.json \
  --dsn "host=$PGHOST_REAL port=$PGPORT_REAL dbname=rec_warehouse_st user=postgres" --statement-timeout 2s \
  --rollup-sql "CREATE TABLE daily_rollup AS SELECT s.sku, s.country, count(*) AS n, sum(s.amount_eur * g) AS weighted FROM stage_orders s CROSS JOIN generate_series(1, 4000) g GROUP BY s.sku, s.country" \
  --stages bootstrap,reference,extract,transform,write,load
