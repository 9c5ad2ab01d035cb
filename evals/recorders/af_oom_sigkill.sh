#!/usr/bin/env bash
# oom, red herring (Airflow 2.10.5): the worker (here: `airflow tasks run --local`) runs in
# a 700 MB memory cgroup, as a container limit would set it; the transform step's in-memory
# index grows until the kernel OOM killer SIGKILLs the task process, and the LocalTaskJob
# supervisor reports "Task exited with return code Negsignal.SIGKILL" with no traceback.
# Earlier: quarantined rows logged with tracebacks and FX 503 retries (harmless).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
airflow_setup
$ETL gen-input in --date "$RUN_DATE" --days 1 --parts 8 --rows 5000 --dirty-rate 0.002
start_fx_api --fail-first 2
CG=/sys/fs/cgroup/memory/rec-af-oom-$$
mkdir "$CG"
on_cleanup "rmdir $CG"
echo $((700 * 1024 * 1024)) >"$CG/memory.limit_in_bytes"
export REC_API_URL=http://127.0.0.1:$FX_PORT REC_LOUD_QUARANTINE=1 REC_FANOUT=20 REC_PROGRESS=250 \
  REC_STAGES=bootstrap,reference,extract,transform,write
echo $$ >"$CG/cgroup.procs"
on_cleanup "echo $$ >/sys/fs/cgroup/memory/cgroup.procs"
airflow_task af-oom-sigkill-001 extract_transform
echo "cgroup: $(grep oom_kill "$CG/memory.oom_control" | tr '\n' ' ')"
