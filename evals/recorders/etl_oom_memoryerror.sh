#!/usr/bin/env bash
# oom, red herring: the transform step builds an in-memory lookup index that grows with
# the input; under the job's 700 MB address-space limit (prlimit --as, as `ulimit -v` in
# the crontab's wrapper sets it) Python raises MemoryError. Before that, every input part
# logs a full ValueError traceback for its first unparseable row (quarantined, harmless)
# and the FX API answers 503 twice (retried).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$ETL gen-input in --date "$RUN_DATE" --days 1 --parts 10 --rows 5000 --dirty-rate 0.003
start_fx_api --fail-first 2
record etl-oom-memoryerror-001 nightly_etl prlimit --as=$((700 * 1024 * 1024)) -- $ETL run --input "$WORK/in" \
  --output "$WORK/out" --date "$RUN_DATE" --progress-every 250 --api-url "http://127.0.0.1:$FX_PORT" --ref-pages 3 \
  --loud-quarantine --batch-size 100 --index-fanout 24 --stages bootstrap,reference,extract,transform,write,load
