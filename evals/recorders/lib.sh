# Shared helpers for the recorders (sourced, not run). Everything a recorder creates lives
# under one temporary directory, listens on 127.0.0.1 only, and is removed by `cleanup`
# (registered with trap), including mounts, cgroups, servers and throwaway database objects.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${PY:-$REPO/.venv/bin/python}
TRIAGE=${TRIAGE:-$REPO/.venv/bin/triage}
JOBS=$REPO/evals/recorders/jobs
ETL_SRC=$JOBS/nightly_etl.py
LOGS=$REPO/evals/cases/logs
PGHOST_REAL=${PGHOST_REAL:-127.0.0.1}
PGPORT_REAL=${PGPORT_REAL:-5432}

WORK=$(mktemp -d /tmp/rec.XXXXXX)
chmod 755 "$WORK"
# The job is "deployed" into the work dir, as it would be under /opt on a real host.
mkdir -p "$WORK/app"
cp "$JOBS"/*.py "$WORK/app/"
ETL="$PY -u $WORK/app/nightly_etl.py"
# The nightly run processes yesterday's data.
RUN_DATE=$(date -u -d yesterday +%F)
CLEANUPS=()
on_cleanup() { CLEANUPS+=("$*"); }
cleanup() {
  local i
  for ((i=${#CLEANUPS[@]}-1; i>=0; i--)); do eval "${CLEANUPS[$i]}" >/dev/null 2>&1 || true; done
  if [ -n "${REC_KEEP:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# A loopback port nothing listens on (bound, then released).
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_bg NAME CMD...: run CMD in its own process group; its group is killed at cleanup.
start_bg() {
  local name=$1; shift
  setsid "$@" >"$WORK/$name.out" 2>&1 &
  local pid=$!
  echo "$pid" >"$WORK/$name.pid"
  on_cleanup "kill -TERM -- -$pid; sleep 0.2; kill -KILL -- -$pid"
}

# start_fx_api ARGS...: the loopback FX-rates API; sets FX_PORT.
start_fx_api() {
  start_bg fx_api "$PY" "$JOBS/fx_api.py" "$WORK/fx.port" "$@"
  for _ in $(seq 50); do [ -s "$WORK/fx.port" ] && break; sleep 0.1; done
  FX_PORT=$(cat "$WORK/fx.port")
}

# psql_real SQL: run SQL as postgres on the machine's PostgreSQL.
psql_real() { psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST_REAL" -p "$PGPORT_REAL" -U postgres -d postgres -c "$1"; }

# record NAME JOB CMD...: run CMD under the real cron wrapper (`triage wrap`) with the
# service unreachable, so the run is spooled exactly as cron would leave it; the job's
# complete stdout+stderr becomes evals/cases/logs/rec-NAME.log (the wrapper's own
# "could not reach ... spooled" notice is not part of the job's output and is dropped).
# Prints the spooled report's exit code, signal and duration for the case's status.
record() {
  local name=$1 job=$2; shift 2
  mkdir -p "$LOGS" "$WORK/spool"
  local port; port=$(free_port)
  set +e
  TRIAGE_URL=http://127.0.0.1:$port TRIAGE_SPOOL_DIR=$WORK/spool PYTHONUNBUFFERED=1 \
    "$TRIAGE" wrap --job "$job" -- "$@" >"$WORK/raw.log" 2>&1
  local rc=$?
  set -e
  grep -v '^triage wrap: could not reach ' "$WORK/raw.log" >"$LOGS/rec-$name.log" || true
  "$PY" - "$WORK/spool" "$LOGS/rec-$name.log" "$rc" <<'PYEOF'
import json, sys, pathlib
spool, log, rc = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
reports = sorted(spool.glob("*.json"))
r = json.loads(reports[-1].read_text()) if reports else {}
text = log.read_text(errors="replace")
print(f"recorded {log.name}: {text.count(chr(10))} lines, {len(text)} bytes; wrapper exit {rc}; "
      f"spooled status={r.get('status')} exit_code={r.get('exit_code')} signal={r.get('signal')} "
      f"duration={r.get('duration_seconds')}s output_truncated_bytes={r.get('output_truncated_bytes')}")
PYEOF
}

# start_private_pg [postgres -c options...]: a throwaway PostgreSQL cluster of the machine's
# own version (initdb into the work dir, run as the postgres OS user, 127.0.0.1 only, TCP
# connections need a scram-sha-256 password, the local socket trusts postgres). Sets
# PRIV_PORT; psql_priv SQL runs SQL on it as postgres. Stopped and deleted at cleanup.
start_private_pg() {
  local bin; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PRIV_PORT=$(free_port)
  mkdir -p "$WORK/pg" && chown postgres "$WORK/pg"
  runuser -u postgres -- "$bin/initdb" -D "$WORK/pg/data" -A scram-sha-256 --auth-local=trust -U postgres >/dev/null
  runuser -u postgres -- "$bin/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -o \
    "-c listen_addresses=127.0.0.1 -c port=$PRIV_PORT -c unix_socket_directories=$WORK/pg $*" start >/dev/null
  on_cleanup "runuser -u postgres -- $bin/pg_ctl -D $WORK/pg/data -m immediate stop"
}
psql_priv() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -h "$WORK/pg" -p "$PRIV_PORT" -d postgres -c "$1"; }

# airflow_setup: a real Apache Airflow 2.10.5 (the test harness's cached venv, installed on
# first use) with its own AIRFLOW_HOME and SQLite metadata DB in the work dir, the recorders'
# DAG folder, and the job's settings passed as REC_* variables. Sets AF (the airflow CLI).
airflow_setup() {
  local venv
  venv=$(cd "$REPO" && "$PY" -c 'from tests.airflow_harness import ensure_airflow_venv, AIRFLOW2_VERSION; print(ensure_airflow_venv(version=AIRFLOW2_VERSION))')
  AF="$venv/bin/airflow"
  export AIRFLOW_HOME=$WORK/airflow
  mkdir -p "$WORK/dags" && cp "$JOBS"/airflow_dags/*.py "$WORK/dags/"
  export AIRFLOW__CORE__DAGS_FOLDER=$WORK/dags
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$WORK/airflow/airflow.db
  export AIRFLOW__CORE__EXECUTOR=SequentialExecutor
  export AIRFLOW__CORE__LOAD_EXAMPLES=False
  export AIRFLOW__LOGGING__LOGGING_LEVEL=INFO
  export REC_APP_DIR=$WORK/app REC_INPUT=$WORK/in REC_OUTPUT=$WORK/out REC_RUN_DATE=$RUN_DATE
  mkdir -p "$AIRFLOW_HOME"
  "$AF" db migrate >"$WORK/af-migrate.log" 2>&1
  "$AF" dags reserialize >>"$WORK/af-migrate.log" 2>&1
}

# airflow_task NAME TASK: trigger a run of nightly_orders and run TASK of it under the real
# LocalTaskJob supervisor (`airflow tasks run --local`, as a worker does); the task's log file
# becomes evals/cases/logs/rec-NAME.log. Extra arguments go before the airflow command (e.g.
# a cgroup helper).
airflow_task() {
  local name=$1 task=$2; shift 2
  local run_id="scheduled__${RUN_DATE}T02:15:00+00:00"
  "$AF" dags trigger nightly_orders -r "$run_id" -e "${RUN_DATE}T02:15:00+00:00" >>"$WORK/af-migrate.log" 2>&1
  set +e
  "$@" "$AF" tasks run nightly_orders "$task" "$run_id" --local -i >"$WORK/af-run.out" 2>&1
  local rc=$?
  set -e
  local f
  f=$(ls "$AIRFLOW_HOME/logs/dag_id=nightly_orders/run_id=$run_id/task_id=$task/"attempt=*.log | tail -1)
  mkdir -p "$LOGS"
  cp "$f" "$LOGS/rec-$name.log"
  echo "recorded rec-$name.log: $(wc -l <"$f") lines, $(wc -c <"$f") bytes; airflow tasks run exit $rc"
}
