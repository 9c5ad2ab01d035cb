#!/usr/bin/env bash
# missing_config_or_secret: the job is pointed at the machine's real PostgreSQL with a role
# that was never created in this environment ("etl_loader_rec"), so the load step fails
# with FATAL: role "etl_loader_rec" does not exist, after a long healthy extract/transform.
# Red herring: every input part logs a full ValueError traceback for a quarantined row.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
psql_real "DROP ROLE IF EXISTS etl_loader_rec"
$ETL gen-input in --date "$RUN_DATE" --days 1 --parts 8 --rows 4000 --dirty-rate 0.003
start_fx_api
record etl-pg-role-missing-001 nightly_etl $ETL run --input "$WORK/in" --output "$WORK/out" --date "$RUN_DATE" \
  --progress-every 100 --batch-size 100 --api-url "http://127.0.0.1:$FX_PORT" --retries 3 --loud-quarantine \
  --dsn "host=$PGHOST_REAL port=$PGPORT_REAL dbname=test user=etl_loader_rec" \
  --stages bootstrap,reference,extract,transform,write,load
