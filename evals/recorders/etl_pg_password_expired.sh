#!/usr/bin/env bash
# credentials_expired: the warehouse role's password has a VALID UNTIL date in the past
# (it expired; nobody renewed it), so PostgreSQL rejects the load step's login with
# "password authentication failed" after a long, otherwise healthy run. The server log
# (not the job's) says why: 'User "etl_loader" has an expired password'.
# Uses a private throwaway cluster (start_private_pg): password auth cannot be turned on for
# one role of the machine's shared cluster without touching its pg_hba.conf.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
start_private_pg
psql_priv "CREATE ROLE etl_loader LOGIN PASSWORD 'example-not-a-real-password' VALID UNTIL '$(date -u -d '3 days ago' +%F)'"
psql_priv "CREATE DATABASE warehouse OWNER etl_loader"
$ETL gen-input in --date "$RUN_DATE" --days 1 --parts 6 --rows 4000
start_fx_api
record etl-pg-password-expired-001 nightly_etl $ETL run --input "$WORK/in" --output "$WORK/out" --date "$RUN_DATE" \
  --progress-every 200 --batch-size 100 --api-url "http://127.0.0.1:$FX_PORT" --retries 3 \
  --dsn "postgresql://etl_loader:example-not-a-real-password@127.0.0.1:$PRIV_PORT/warehouse" \
  --stages bootstrap,reference,extract,transform,write,load
echo "server log says:"; grep -i "expired\|FATAL" "$WORK/pg/server.log" | head -3
