#!/usr/bin/env bash
# network_dns, red herring (the last, loudest error is a consequence): the cron script
# first downloads the day's partner partition with curl, then runs the ETL. The partner
# host name does not resolve (a name under .invalid), curl fails with "Could not resolve
# host" (the script has no `set -e`), and the ETL then dies with a FileNotFoundError on the
# partition manifest that was never downloaded, after re-reading six earlier days (the
# cause is thousands of lines before the end).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$ETL gen-input in --date "$RUN_DATE" --days 7 --parts 6 --rows 3000 --skip-today
start_fx_api --fail-pages 2
echo '{"EUR": 1.0, "USD": 1.08, "GBP": 0.86}' >fx-cache.json
cat >run_nightly.sh <<SH
#!/bin/bash
# nightly partner orders ETL, from cron: 15 2 * * * /opt/etl/run_nightly.sh
DAY=$RUN_DATE
echo "\$(date -Is) run_nightly: fetching partner partition \$DAY"
mkdir -p $WORK/in/orders/\$DAY
for f in manifest.json part-0000.csv.gz part-0001.csv.gz part-0002.csv.gz part-0003.csv.gz part-0004.csv.gz part-0005.csv.gz; do
  curl -sS --fail --retry 2 --retry-delay 1 -o $WORK/in/orders/\$DAY/\$f "https://exports.partner-shop.invalid/orders/\$DAY/\$f"
done
echo "\$(date -Is) run_nightly: running etl"
$ETL run --input $WORK/in --output $WORK/out --date \$DAY --lookback 6 --ref-cache $WORK/fx-cache.json \\
  --api-url http://127.0.0.1:$FX_PORT --progress-every 60 --batch-size 100 \\
  --stages bootstrap,reference,extract,transform,write
rc=\$?
echo "\$(date -Is) run_nightly: finished with exit code \$rc"
exit \$rc
SH
chmod +x run_nightly.sh
record etl-download-dns-cascade-001 nightly_etl ./run_nightly.sh
