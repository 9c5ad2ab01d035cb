#!/usr/bin/env bash
# dependency_unavailable, red herring: the warehouse database is down (nothing listens on
# its port), so every connection attempt of the load step is refused and the job fails.
# Earlier the FX API returns 503 for one page (traceback, cached rates used) and the
# metrics push to a closed pushgateway fails with a traceback; both harmless.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
echo '{"EUR": 1.0, "USD": 1.08, "GBP": 0.86}' >fx-cache.json
$ETL gen-input in --date "$RUN_DATE" --days 3 --parts 8 --rows 3000
start_fx_api --fail-pages 1
record etl-pg-refused-001 nightly_etl $ETL run --input "$WORK/in" --output "$WORK/out" --date "$RUN_DATE" \
  --lookback 2 --progress-every 60 --batch-size 60 --api-url "http://127.0.0.1:$FX_PORT" --retries 5 \
  --ref-cache fx-cache.json --pushgateway "http://127.0.0.1:$(free_port)" \
  --dsn "host=127.0.0.1 port=$(free_port) dbname=warehouse user=etl_loader" \
  --stages bootstrap,reference,metrics,extract,transform,write,load
