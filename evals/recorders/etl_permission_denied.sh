#!/usr/bin/env bash
# permissions_rbac: the job runs as an unprivileged user (nobody, via runuser, as its
# crontab does), but yesterday's export directory was created by a manual re-run as root
# (mode 755, owned by root), so writing the export fails with PermissionError [Errno 13].
# Uses the system python3 (the unprivileged user cannot read the project venv under /root).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$ETL gen-input in --date "$RUN_DATE" --days 3 --parts 6 --rows 3000 --dirty-rate 0.003
mkdir -p out && chown nobody out
mkdir -p "out/export/$RUN_DATE" && chmod 755 "out/export" "out/export/$RUN_DATE"
record etl-permission-denied-001 nightly_etl runuser -u nobody -- /usr/bin/python3 -u "$WORK/app/nightly_etl.py" run \
  --input "$WORK/in" --output "$WORK/out" --date "$RUN_DATE" --lookback 2 --progress-every 100 --batch-size 100 \
  --stages bootstrap,extract,transform,checkpoint,write
