#!/usr/bin/env bash
# overlap_concurrency: the previous run of the job is still applying balance adjustments
# (customers in ascending order) when the next scheduled run starts and applies its own
# (in descending order, after its extract/transform); the two transactions lock the same
# rows in opposite order and PostgreSQL aborts the new run with "deadlock detected".
# The earlier run is started with a long deadlock_timeout (PGOPTIONS) so that PostgreSQL
# picks the recorded run as the victim. Throwaway database rec_warehouse_dl, dropped after.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
psql_real "DROP DATABASE IF EXISTS rec_warehouse_dl"
psql_real "CREATE DATABASE rec_warehouse_dl"
on_cleanup "psql_real 'DROP DATABASE IF EXISTS rec_warehouse_dl WITH (FORCE)'"
psql -X -q -h "$PGHOST_REAL" -p "$PGPORT_REAL" -U postgres -d rec_warehouse_dl -c \
  "CREATE TABLE customer_balance (customer_id int PRIMARY KEY, balance numeric NOT NULL DEFAULT 0, updated_at timestamptz);
   INSERT INTO customer_balance (customer_id) SELECT generate_series(1, 80)"
$ETL gen-input in --date "$RUN_DATE" --days 1 --parts 6 --rows 3000
start_fx_api
DSN="host=$PGHOST_REAL port=$PGPORT_REAL dbname=rec_warehouse_dl user=postgres application_name=nightly_etl"
# the previous run, still going
start_bg previous_run env PGOPTIONS="-c deadlock_timeout=60s" $ETL run --input "$WORK/in" --output "$WORK/out-prev" \
  --date "$RUN_DATE" --dsn "$DSN" --adjust-customers 80 --adjust-pause 0.12 --stages bootstrap,adjust
sleep 0.5
record etl-pg-deadlock-overlap-001 nightly_etl $ETL run --input "$WORK/in" --output "$WORK/out" --date "$RUN_DATE" \
  --progress-every 100 --batch-size 100 --api-url "http://127.0.0.1:$FX_PORT" --dsn "$DSN" \
  --adjust-customers 80 --adjust-reverse --adjust-pause 0.05 --stages bootstrap,reference,extract,transform,adjust
echo "previous run's tail:"; tail -2 "$WORK/previous_run.out"
