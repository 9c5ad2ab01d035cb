#!/usr/bin/env bash
# missing_config_or_secret: the export script works from an interactive shell, where the
# uploader `s3sync` is on PATH (it is installed under an extra bin directory), but cron
# runs it with its minimal environment (env -i, PATH=/usr/bin:/bin), so after a full ETL
# run the upload line fails with "s3sync: command not found" (exit 127). Red herring: a
# metrics push to a closed port and one quarantined row per part, each with a traceback.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir -p opt/bin
printf '#!/bin/sh\necho "s3sync: uploading $3 to $4"\n' >opt/bin/s3sync && chmod +x opt/bin/s3sync
$ETL gen-input in --date "$RUN_DATE" --days 2 --parts 6 --rows 4000 --dirty-rate 0.002
start_fx_api
cat >nightly_export.sh <<SH
#!/bin/bash
# nightly export, from cron: 40 2 * * * /opt/etl/nightly_export.sh
echo "\$(date -Is) nightly_export: start (PATH=\$PATH)"
$ETL run --input $WORK/in --output $WORK/out --date $RUN_DATE --lookback 1 \\
  --api-url http://127.0.0.1:$FX_PORT --pushgateway http://127.0.0.1:$(free_port) --progress-every 100 \\
  --batch-size 100 --loud-quarantine --stages bootstrap,metrics,reference,extract,transform,write || exit \$?
echo "\$(date -Is) nightly_export: uploading export"
s3sync cp --recursive $WORK/out/export s3://example-exports/orders/
rc=\$?
echo "\$(date -Is) nightly_export: done (exit \$rc)"
exit \$rc
SH
chmod +x nightly_export.sh
# interactively it works: PATH="$WORK/opt/bin:$PATH" ./nightly_export.sh
record etl-cron-path-001 nightly_export env -i HOME=/root SHELL=/bin/sh LOGNAME=root PATH=/usr/bin:/bin ./nightly_export.sh
