#!/usr/bin/env bash
# timeout_deadline, red herring (Airflow 2.10.5): the extract_transform task has
# execution_timeout=20s; the transform step is slow that night, so Airflow raises
# AirflowTaskTimeout inside it. Earlier: a metrics push to a closed pushgateway port fails
# with a traceback and quarantined rows are logged with tracebacks (harmless).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
airflow_setup
$ETL gen-input in --date "$RUN_DATE" --days 2 --parts 6 --rows 4000 --dirty-rate 0.002
start_fx_api
export REC_API_URL=http://127.0.0.1:$FX_PORT REC_PUSHGATEWAY=http://127.0.0.1:$(free_port) REC_LOUD_QUARANTINE=1 \
  REC_LOOKBACK=1 REC_SLOW=0.02 REC_BATCH=50 REC_PROGRESS=100 REC_EXEC_TIMEOUT=20 \
  REC_STAGES=bootstrap,metrics,reference,extract,transform,write
airflow_task af-execution-timeout-001 extract_transform
