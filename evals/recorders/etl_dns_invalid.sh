#!/usr/bin/env bash
# network_dns, red herring: the FX API's host name does not resolve (a name under the
# reserved .invalid TLD, as a stale or mistyped internal name behaves), so every request
# fails with a NameResolutionError and the job gives up after its retries. Before that a
# metrics push to a closed pushgateway port fails with a traceback (harmless).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$ETL gen-input in --date "$RUN_DATE" --days 2 --parts 6 --rows 4000
record etl-dns-invalid-001 nightly_etl $ETL run --input "$WORK/in" --output "$WORK/out" --date "$RUN_DATE" \
  --lookback 1 --progress-every 100 --batch-size 100 --api-url "https://fx-rates.corp.invalid" --retries 4 \
  --pushgateway "http://127.0.0.1:$(free_port)" --stages bootstrap,metrics,extract,transform,reference,write
