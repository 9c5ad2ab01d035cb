#!/usr/bin/env bash
# dependency_unavailable, red herring (the last, loudest error is a consequence): the cron
# script runs the ETL, then pulls the warehouse totals with psql into recon.csv (shell
# redirection, no `set -e`), then reconciles. The warehouse PostgreSQL is down, so psql
# fails with "Connection refused" and leaves recon.csv empty; the reconcile step then dies
# with ZeroDivisionError, which looks like a code bug but is only a consequence.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$ETL gen-input in --date "$RUN_DATE" --days 2 --parts 6 --rows 4000
start_fx_api --fail-first 2
DOWN=$(free_port)
cat >run_nightly.sh <<SH
#!/bin/bash
# nightly orders ETL + reconciliation, from cron: 15 2 * * * /opt/etl/run_nightly.sh
echo "\$(date -Is) run_nightly: step 1/3 etl"
$ETL run --input $WORK/in --output $WORK/out --date $RUN_DATE --lookback 1 \\
  --api-url http://127.0.0.1:$FX_PORT --progress-every 100 --batch-size 100 \\
  --stages bootstrap,reference,extract,transform,write || exit \$?
echo "\$(date -Is) run_nightly: step 2/3 warehouse totals"
psql "host=127.0.0.1 port=$DOWN dbname=warehouse user=etl_reader connect_timeout=5" -X --csv \\
  -c "SELECT country, count(*) AS n FROM fact_orders WHERE ts::date = '$RUN_DATE' GROUP BY country" >$WORK/recon.csv
echo "\$(date -Is) run_nightly: step 3/3 reconcile"
$PY $WORK/app/reconcile.py $WORK/out/export/$RUN_DATE $WORK/recon.csv
rc=\$?
echo "\$(date -Is) run_nightly: finished with exit code \$rc"
exit \$rc
SH
chmod +x run_nightly.sh
record etl-recon-db-down-cascade-001 nightly_etl ./run_nightly.sh
