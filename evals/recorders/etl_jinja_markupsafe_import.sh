#!/usr/bin/env bash
# dependency_version: the cron script rebuilds the job's virtualenv from requirements.txt
# every night; Jinja2 is pinned to 2.11.3 but MarkupSafe is not pinned, so pip installs a
# current MarkupSafe (>= 2.1, which removed soft_unicode) and the report step dies with
# "ImportError: cannot import name 'soft_unicode' from 'markupsafe'". The pip output and a
# whole ETL run come first. Needs the PyPI registry (pip).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$ETL gen-input in --date "$RUN_DATE" --days 1 --parts 6 --rows 4000
start_fx_api --fail-first 1
printf 'Jinja2==2.11.3\nMarkupSafe\nrequests==2.31.0\n' >requirements.txt
cat >run_nightly.sh <<SH
#!/bin/bash
# nightly orders ETL, from cron: 15 2 * * * /opt/etl/run_nightly.sh
set -e
echo "\$(date -Is) run_nightly: refreshing virtualenv $WORK/venv"
$PY -m venv --clear $WORK/venv
$WORK/venv/bin/pip install --no-cache-dir --progress-bar off -r $WORK/requirements.txt
echo "\$(date -Is) run_nightly: running etl"
$WORK/venv/bin/python -u $WORK/app/nightly_etl.py run --input $WORK/in --output $WORK/out --date $RUN_DATE \\
  --api-url http://127.0.0.1:$FX_PORT --progress-every 100 --batch-size 100 \\
  --stages bootstrap,reference,extract,transform,write,report
SH
chmod +x run_nightly.sh
record etl-jinja-markupsafe-import-001 nightly_etl ./run_nightly.sh
