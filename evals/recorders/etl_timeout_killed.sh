#!/usr/bin/env bash
# timeout_deadline, red herring: the cron wrapper script gives the ETL step 15 seconds
# (`timeout 15`); the transform step is slow that night and coreutils timeout kills it
# with SIGTERM mid-progress: no traceback, the log just stops and the step's exit code is
# 124. Earlier: one quarantined row per part logged with a full traceback, and a metrics
# push to a closed port fails with a traceback (both harmless).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$ETL gen-input in --date "$RUN_DATE" --days 2 --parts 6 --rows 4000
start_fx_api
cat >run_nightly.sh <<SH
#!/bin/bash
# nightly orders ETL, from cron: 15 2 * * * /opt/etl/run_nightly.sh
echo "\$(date -Is) run_nightly: start"
timeout 15 $ETL run --input $WORK/in --output $WORK/out --date $RUN_DATE --lookback 1 \\
  --api-url http://127.0.0.1:$FX_PORT --pushgateway http://127.0.0.1:$(free_port) --progress-every 100 \\
  --batch-size 40 --slow-transform 0.03 --loud-quarantine --stages bootstrap,reference,metrics,extract,transform,write
rc=\$?
echo "\$(date -Is) run_nightly: etl step finished with exit code \$rc"
exit \$rc
SH
chmod +x run_nightly.sh
record etl-timeout-killed-001 nightly_etl ./run_nightly.sh
