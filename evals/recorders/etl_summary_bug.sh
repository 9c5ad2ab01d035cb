#!/usr/bin/env bash
# bad_code_or_bug, red herring: the summary step loops over the currencies the FX API
# quotes instead of those present in the orders; when the API starts quoting a currency
# with no orders that day (CHF), statistics.mean() gets an empty list and raises
# StatisticsError. Earlier: a metrics push to a closed port fails with a traceback and the
# API answers 503 once (both harmless).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$ETL gen-input in --date "$RUN_DATE" --days 2 --parts 6 --rows 4000
start_fx_api --fail-first 1 --extra-currency CHF
record etl-summary-bug-001 nightly_etl $ETL run --input "$WORK/in" --output "$WORK/out" --date "$RUN_DATE" \
  --lookback 1 --progress-every 100 --batch-size 100 --api-url "http://127.0.0.1:$FX_PORT" \
  --pushgateway "http://127.0.0.1:$(free_port)" --stages bootstrap,metrics,reference,extract,transform,write,summary
