#!/usr/bin/env bash
# overlap_concurrency: the warehouse compaction job (another process, started just before)
# still holds the shared warehouse lock (flock) when the nightly ETL reaches its load
# step; the ETL retries five times and fails with BlockingIOError "[Errno 11] Resource
# temporarily unavailable". Earlier the FX API answers 503 twice (retried, harmless).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir -p locks
start_bg compaction flock "$WORK/locks/warehouse.lock" sh -c \
  "echo \"compact_warehouse pid \$\$ started \$(date -u +%H:%M:%SZ)\" >$WORK/locks/warehouse.owner; sleep 120"
sleep 0.5
$ETL gen-input in --date "$RUN_DATE" --days 2 --parts 6 --rows 4000
start_fx_api --fail-first 2
record etl-lock-held-001 nightly_etl $ETL run --input "$WORK/in" --output "$WORK/out" --date "$RUN_DATE" \
  --lookback 1 --progress-every 100 --batch-size 100 --api-url "http://127.0.0.1:$FX_PORT" \
  --lock-file "$WORK/locks/warehouse.lock" --lock-attempts 5 --lock-wait 1 \
  --stages bootstrap,reference,extract,transform,write,lock,load
