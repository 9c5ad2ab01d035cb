#!/usr/bin/env bash
# scheduler_infra, red herring (Airflow 2.10.5): while the task runs, a maintenance script
# holds an exclusive lock on Airflow's SQLite metadata database (as a backup/vacuum of the
# metadata DB would), so the LocalTaskJob's heartbeats and the task's final state update
# fail with "database is locked"; the ETL code itself was fine. Earlier: FX 503 retries and
# quarantined rows logged with tracebacks (harmless).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
airflow_setup
$ETL gen-input in --date "$RUN_DATE" --days 2 --parts 6 --rows 4000 --dirty-rate 0.002
start_fx_api --fail-first 2
export REC_API_URL=http://127.0.0.1:$FX_PORT REC_LOUD_QUARANTINE=1 REC_LOOKBACK=1 REC_SLOW=0.01 REC_BATCH=50 \
  REC_PROGRESS=100 REC_STAGES=bootstrap,reference,extract,transform,write
# the metadata-DB maintenance job: starts 8 s into the task, holds the lock for 60 s
start_bg dbmaint "$PY" -c "
import sqlite3, time
time.sleep(8)
con = sqlite3.connect('$WORK/airflow/airflow.db', isolation_level=None, timeout=30)
con.execute('BEGIN EXCLUSIVE')
time.sleep(60)
"
airflow_task af-metadb-locked-001 extract_transform
