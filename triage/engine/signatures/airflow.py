"""Airflow signatures: task-runner, scheduler and executor messages (Airflow 2 and 3 wording)."""

from __future__ import annotations

import re

from triage.engine.signatures import checks as C
from triage.engine.signatures.logview import LogView
from triage.engine.signatures.model import Hit
from triage.engine.signatures.model import Signature as S
from triage.models import Category as K

_POKING = re.compile(
    r"Poking for (?:file|key|keys|prefix|blob|object|partition|table|path)?\s*[:=]?\s*['\"`]?(?P<target>[^'\"`\s]+)|"
    r"(?P<cls>FileSensor|S3KeySensor|GCSObjectExistenceSensor|GCSObjectsWithPrefixExistenceSensor|WasbBlobSensor|"
    r"HivePartitionSensor|NamedHivePartitionSensor|SqlSensor|S3PrefixSensor|SFTPSensor)",
    re.IGNORECASE,
)
_EXTERNAL = re.compile(r"ExternalTaskSensor|Poking for tasks? .* in dag (?P<ext_dag>\S+)|external_dag_id", re.IGNORECASE)


def _sensor(hit: Hit, view: LogView) -> Hit:
    """A sensor that timed out waiting for data points at missing input, else at a deadline."""
    text = "\n".join(view.lines[: view.n_log])
    m = None
    for m in _POKING.finditer(text):
        pass
    if m is not None:
        if m.group("target"):
            hit.groups["target"] = m.group("target").rstrip(".,;")
        hit.category = K.data_input_missing
        hit.confidence = 0.8
        return hit
    if _EXTERNAL.search(text):
        hit.category = K.data_input_missing
        hit.confidence = 0.7
        hit.causes = ("The sensor timed out waiting for an upstream DAG's task, which did not succeed in time",)
        return hit
    hit.category = K.timeout_deadline
    hit.confidence = 0.7
    return hit


# Airflow's own deadline on parsing a DAG file: "Process timed out, PID: N" from its timeout
# helper, the "DagBag import timeout for FILE after Ns" message, or a Broken DAG that says Timeout.
_IMPORT_TIMEOUT = re.compile(r"Process timed out(?:, PID: \d+)?|DagBag import timeout for|Broken DAG: \[[^\]]+\] Timeout\b|"
                             r"dagbag_import_timeout", re.IGNORECASE)


def _import_error(hit: Hit, view: LogView) -> Hit:
    """Name the exception that broke the DAG file, from the traceback that follows; a file whose
    import ran past dagbag_import_timeout is a slow DAG file, not a broken one."""
    window = "\n".join(view.lines[max(0, hit.index - 5): hit.index + 40])
    if _IMPORT_TIMEOUT.search(window):
        hit.category = K.timeout_deadline
        hit.confidence = 0.8
        hit.causes = ("Importing the DAG file {dag_file} took longer than dagbag_import_timeout (slow top-level code: "
                      "network or database calls, many generated tasks), so Airflow gave up loading it",
                      "Importing the DAG file took longer than dagbag_import_timeout (slow top-level code), so Airflow "
                      "gave up loading it")
        hit.commands = ("airflow config get-value core dagbag_import_timeout", "airflow dags list-import-errors")
        hit.reason = "Shows the import deadline, to compare with how long the file takes to parse"
        return hit
    final = view.final_exception
    if final is not None and final >= hit.index:
        hit.groups["error"] = view.lines[final].strip()[:200]
    return hit


def _task_timeout(hit: Hit, view: LogView) -> Hit | None:
    """`Timeout, PID: N` is also how a DAG file's import timeout reads: then the import-error signature speaks."""
    line = view.lines[hit.index]
    if re.search(r"Broken DAG|Failed to import|DagBag import", line) or (
            "AirflowTaskTimeout" not in line and any("Failed to import" in ln for ln in view.lines[hit.index: hit.index + 5])):
        return None
    return hit


def _xcom(hit: Hit, view: LogView) -> Hit | None:
    """A value JSON cannot hold is an XCom problem only where XCom is storing it."""
    if not any("xcom" in line.lower() for line in view.lines[: view.n_log]):
        return None
    return hit


# States a person (UI, REST API, CLI) sets on a running task; the scheduler's own resets use others.
_HUMAN_STATES = {"failed", "success"}


def _externally_set(hit: Hit, view: LogView) -> Hit:
    """Set to failed/success while running: someone marked it; nothing broke. Set to skipped:
    the scheduler does that to the running tasks of a DAG run that passed its dagrun_timeout."""
    state = hit.groups.get("state", "").lower()
    if state == "skipped":
        hit.category = K.timeout_deadline
        hit.confidence = 0.65
        hit.causes = ("The running task was set to skipped from outside, which is what the scheduler does when the DAG run "
                      "exceeds its dagrun_timeout",)
        hit.commands = ("airflow dags list-runs {dag}",) + C.AIRFLOW_RUN
    elif state in _HUMAN_STATES:
        hit.category = K.other
        hit.causes = ("The running task was marked {state} from outside (a person in the UI, the REST API or the CLI), "
                      "so Airflow stopped it; nothing in the task itself failed",)
        hit.commands = C.AIRFLOW_RUN + ("airflow dags list-runs {dag}",)
        hit.reason = "Shows which tasks of this run were set by hand; the audit log names who did it"
    return hit


_AIRFLOW_WORD = re.compile(r"airflow", re.I)
_SECRET_MISMATCH = re.compile(r"Signature verification failed|InvalidSignatureError|signature of the request was wrong", re.I)
_EXPIRED = re.compile(r"ExpiredSignatureError|Signature has expired|token (?:has )?expired", re.I)


def _execution_token(hit: Hit, view: LogView) -> Hit | None:
    """Airflow 3's execution API rejected a task's token: expired, or signed with another secret."""
    text = "\n".join(view.lines)
    if view.event.airflow is None and view.event.source != "airflow" and not _AIRFLOW_WORD.search(text):
        return None  # a JWT error of some other service: the generic token signatures read it
    if _SECRET_MISMATCH.search(text) and not _EXPIRED.search(text):
        hit.category = K.missing_config_or_secret
        hit.confidence = 0.7
        hit.causes = ("The task's execution-API token was signed with a different secret than the API server checks "
                      "(jwt_secret differs between scheduler/workers and the API server)",)
        hit.commands = C.AIRFLOW_TASK + C.AIRFLOW_RUN
    elif _EXPIRED.search(text):
        hit.confidence = 0.88
    return hit


def _celery_broker(hit: Hit, view: LogView) -> Hit:
    """Celery's broker is Airflow's executor machinery; for another Celery app it is a dependency."""
    if view.event.airflow is None and view.event.source != "airflow" and not _AIRFLOW_WORD.search("\n".join(view.lines[: view.n_log])):
        hit.category = K.dependency_unavailable
        hit.causes = ("The Celery worker lost its message broker ({broker})", "The Celery worker lost its message broker")
        hit.commands = C.WHERE_IT_RAN
    return hit


# Airflow's own metadata database: its tables, and code paths that only touch it. (Not
# `_run_raw_task` or `utils/session.py`: every task's traceback passes through those.)
_METADATA_STRONG = re.compile(
    r"(?:Job|Scheduler|LocalTaskJob\w*|TriggererJob\w*) heartbeat (?:failed|got an exception)|"
    r"airflow/(?:jobs|dag_processing|api_internal|executors)/|"
    r"airflow/models/\w+\.py\", line \d+, in (?:refresh_from_db|_?check_and_change_state_before_execution|set_state|"
    r"get_dagrun|_update_heartbeat|fetch_task_instance|xcom_push|set|update_state|write_dag|_refresh_from_db|"
    r"get_task_instance|_get_dagrun)\b|"
    r"(?:FROM|UPDATE|INSERT INTO|JOIN) (?:dag_run|task_instance|job|dag|serialized_dag|slot_pool|xcom|dag_code|log|"
    r"rendered_task_instance_fields|trigger|callback_request|import_error|dag_version|task_reschedule)\b|"
    r"celery/backends/database|sql_alchemy_conn|metadata database",
)
# Signs that the failing database is one the task itself talks to.
_TASK_DB = re.compile(r"airflow/providers/[\w/]+/(?:hooks|operators)/|Using connection ID|/dags/[\w/.-]+\.py\", line|"
                      r"pandas/io/sql|\bhook\.get_|get_sqlalchemy_engine|to_sql\(")


# Databases Airflow cannot keep its metadata in: an error naming one is always a task's own database.
_NOT_METADATA = re.compile(r"snowflake|bigquery|databricks|redshift|trino|presto|clickhouse|athena|hive|pymongo|"
                           r"\bredis\b|cx_oracle|oracledb|ORA-\d{5}", re.IGNORECASE)


def metadata_db_context(view: LogView, index: int) -> float | None:
    """In an Airflow task, how sure we are that the database error at `index` is Airflow's own
    metadata database (None: no sign of it). Airflow core reaches its database only through
    SQLAlchemy; hooks usually raise the driver's own errors, and name their connection."""
    if view.event.airflow is None and view.event.source != "airflow":
        return None
    lines = view.lines[: view.n_log]
    if index >= len(lines) or _NOT_METADATA.search(lines[index]):
        return None
    window = "\n".join(lines[max(0, index - 50): index + 50])
    task_db = _TASK_DB.search(window)
    if _METADATA_STRONG.search(window) and not task_db:
        return 0.8
    if "sqlalchemy.exc." in lines[index] and not task_db and not _TASK_DB.search("\n".join(lines)):
        # A bare SQLAlchemy-wrapped error with no sign of a task's own database: most likely Airflow's.
        return 0.6
    return None


# Airflow's own metadata tables (a missing one means an uninitialised or unmigrated database).
_AF_TABLES = (r"(?:task_instance|dag_run|dag|job|serialized_dag|slot_pool|xcom|dag_code|log|rendered_task_instance_fields|"
              r"task_reschedule|trigger|callback_request|import_error|dag_version|dag_tag|task_fail|sla_miss|ab_user|"
              r"ab_permission\w*|ab_role|connection|variable|alembic_version)")


def _zombie(hit: Hit, view: LogView) -> Hit | None:
    """A heartbeat that timed out is Airflow's zombie only when it is a task's heartbeat, not a Spark executor's."""
    line = view.lines[hit.index]
    if re.search(r"Executor heartbeat|Lost executor|BlockManager|spark", line, re.IGNORECASE):
        return None
    return hit


def _fernet(hit: Hit, view: LogView) -> Hit | None:
    """`InvalidToken` is cryptography's answer for any Fernet key that does not fit; it is Airflow's fernet_key
    only where Airflow decrypts (a connection or variable), else the job's own key."""
    text = "\n".join(view.lines[: view.n_log])
    if view.event.airflow is None and view.event.source != "airflow" and not _AIRFLOW_WORD.search(text):
        hit.causes = ("The job could not decrypt its data with the Fernet key it was given: the key differs from the one "
                      "that encrypted it (rotated or replaced)",)
        hit.commands = C.POD + C.CRONTAB
        hit.reason = "Shows where the job's key comes from (its environment or secret)"
    return hit


# Airflow 3's task SDK talks to the API server's execution API: a frame of its client, then the HTTP failure.
_SDK_CLIENT = re.compile(r"airflow/sdk/api/client\.py|\[airflow\.sdk\.api\.client\]|airflow\.sdk\.api\.client\.", re.IGNORECASE)
_UNREACHABLE = re.compile(r"^(?:httpx\.)?(?:ConnectError|ConnectTimeout|ReadTimeout|RemoteProtocolError)\b.*|"
                          r"\[Errno -?\d+\] (?:Connection refused|Name or service not known|"
                          r"Temporary failure in name resolution|nodename nor servname provided)", re.IGNORECASE)


def _api_unreachable(view: LogView) -> list[tuple[int, dict[str, str]]]:
    """`httpx.ConnectError` raised through the task SDK's client: the worker could not reach the API server."""
    lines = view.lines[: view.n_log]
    found: list[tuple[int, dict[str, str]]] = []
    for i, line in enumerate(lines):
        text = line.strip()
        if not _UNREACHABLE.search(text) or "httpx" not in text.lower() and "Errno" not in text:
            continue
        if any(_SDK_CLIENT.search(ln) for ln in lines[max(0, i - 40): i]):
            found.append((i, {"api_error": text[:160]}))
    return found[-1:]


_NOT_RUNNING = re.compile(r"'current_state': '(?P<state>\w+)'")


def _execution_api(hit: Hit, view: LogView) -> Hit:
    """The API server refused or failed the task's call; when it said the task should no longer run, the task's
    state was changed under it (cleared, marked, or failed by the scheduler)."""
    line = view.lines[hit.index]
    if "api_error" in hit.groups:
        hit.confidence = 0.8
        hit.causes = ("The worker could not reach Airflow's API server ({api_error}): the execution API URL the workers "
                      "use ([core] execution_api_server_url) is wrong or the API server was down, so the task could not "
                      "start or report",)
        hit.commands = ("airflow config get-value core execution_api_server_url",) + C.AIRFLOW_TASK
        hit.reason = "Shows the API server URL the workers are configured to call"
        return hit
    if "shouldn't be running anymore" in line or "not_running" in line:
        m = _NOT_RUNNING.search(line)
        if m:
            hit.groups["state"] = m.group("state")
        hit.causes = ("Airflow's API server told the running task to stop: its state had been changed to {state} from "
                      "outside (by the scheduler, e.g. after a redelivered or duplicate attempt, or by a person)",
                      "Airflow's API server told the running task to stop: its state had been changed from outside "
                      "(by the scheduler or a person)")
    return hit


def _kpo_xcom(hit: Hit, view: LogView) -> Hit:
    """The sidecar's own `cat` of return.json names the missing file: that is the whole story, not a missing input."""
    if "/airflow/xcom/return.json" in view.lines[hit.index]:
        hit.confidence = 0.84
        hit.groups["xcom_path"] = "/airflow/xcom/return.json"
    if not hit.groups.get("kpo_pod"):
        for line in view.lines[hit.index: hit.index + 30]:
            m = re.search(r"(?:Deleting pod:|Failed to extract xcom from pod:) (?P<pod>[a-z0-9][\w.-]+)", line)
            if m:
                hit.groups["kpo_pod"] = m.group("pod").rstrip(".")
                break
    return hit


_FRAME_FILE = re.compile(r'File "(?P<f>[^"]+)"|"filename":\s*"(?P<j>[^"]+)"')
# Airflow's own code and its providers (installed, or a source checkout like /opt/airflow/airflow/...).
_AIRFLOW_CODE = re.compile(r"/airflow/(?:providers|operators|sensors|models|serialization|utils|sdk|decorators|api|jobs)/"
                           r"|/site-packages/|/task_sdk/|/task-sdk/|/lib/python\d")


def _orm_blocked_where(hit: Hit, view: LogView) -> Hit:
    """Whose code opened the session: the DAG's own code (written for Airflow 2: an upgrade
    incompatibility) or only Airflow's operators and internals (an Airflow bug)."""
    text = "\n".join(view.lines[max(0, hit.index - 60): hit.index + 1])
    files = [m.group("f") or m.group("j") for m in _FRAME_FILE.finditer(text)]
    if files and all(_AIRFLOW_CODE.search(f) for f in files):
        hit.category, hit.confidence = K.bad_code_or_bug, 0.7
        hit.causes = ("An Airflow operator or Airflow's own code opened a metadata-database session, which the Airflow 3 "
                      "task runtime forbids: a bug in that operator or provider (upgrade it), not in the DAG",)
    return hit


SIGNATURES = [
    # A worker killed for memory stops heart-beating: the OOM is the cause, the zombie the outcome.
    S("airflow_zombie", K.scheduler_infra, 0.82, yields_to=frozenset({K.oom}), refine=_zombie,
      patterns=(r"Detected zombie job", r"Marked zombie job", r"Failing \(\d+\) jobs without heartbeat",
                r"\bzombie\b.{0,40}(?:task|job|detected)", r"(?:task instance )?heartbeat (?:timed out|timeout)",
                r"without (?:a recent )?heartbeat", r"missing heartbeat"),
      causes=("The task stopped heart-beating and the scheduler failed it as a zombie: its worker process died or lost contact (often a killed worker)",),
      commands=("airflow jobs check --job-type SchedulerJob",) + C.AIRFLOW_RUN + C.AIRFLOW_TASK,
      reason="Shows whether the scheduler and workers are alive and the task's final state"),
    S("airflow_externally_set", K.scheduler_infra, 0.7, yields_to=frozenset({K.timeout_deadline, K.oom}), refine=_externally_set,
      patterns=(r"State of this instance has been externally set to (?P<state>\w+)",),
      causes=("The task's state was changed from outside while it ran (set to {state} by a user, the API or the scheduler), so it was stopped",),
      commands=C.AIRFLOW_TASK + C.AIRFLOW_RUN),
    S("airflow_pid_mismatch", K.scheduler_infra, 0.78,
      patterns=(r"Recorded pid \d+ does not match the current pid \d+", r"PID of job runner does not match",
                r"Hostname of job runner does not match"),
      causes=("Airflow killed the task because its recorded process id or host no longer matched (a runner/impersonation or worker restart problem)",),
      commands=C.AIRFLOW_TASK + C.AIRFLOW_RUN),
    S("airflow_sigterm", K.scheduler_infra, 0.5, yields_to=frozenset({K.timeout_deadline, K.oom}),
      patterns=(r"Received SIGTERM\. Terminating subprocesses", r"Task received SIGTERM signal",
                r"Killing subprocess \d+ as the task received SIGTERM", r"Negsignal\.SIGTERM", r"return code -15\b",
                r"signal_name=SIGTERM"),
      causes=("The task was sent SIGTERM from outside (a state change, a worker or pod shutdown, or a timeout)",),
      commands=C.AIRFLOW_TASK + C.AIRFLOW_RUN + C.POD),
    S("airflow_sigkill", K.oom, 0.85,
      patterns=(r"Process terminated by signal\. Likely out of memory", r"signal_name=SIGKILL",
                r"Negsignal\.SIGKILL", r"return code -9\b", r"exit status -9\b", r"Signals\.SIGKILL",
                r"died with <?Signals\.SIGKILL", r"exited with (?:return )?code -9\b"),
      causes=("The task process was killed with SIGKILL, almost always by the OOM killer on the worker",),
      commands=C.POD + C.KERNEL_OOM + C.FREE,
      reason="The kernel log names the process the OOM killer chose"),
    S("airflow_task_timeout", K.timeout_deadline, 0.92, refine=_task_timeout,
      patterns=(r"AirflowTaskTimeout", r"Timeout, PID: \d+", r"Task timed out after", r"exceeded (?:its )?execution_timeout"),
      causes=("The task ran longer than its execution_timeout and Airflow killed it",),
      commands=C.AIRFLOW_TASK + C.AIRFLOW_RUN + ("airflow dags list-runs {dag}",),
      reason="Shows this run's tasks and how long the previous runs took"),
    S("airflow_dagrun_timeout", K.timeout_deadline, 0.85,
      patterns=(r"Run (?P<af_run>\S+) of (?P<af_dag>\S+) has timed-out", r"dagrun_timeout (?:exceeded|reached)",
                r"DagRun timed out after (?P<elapsed>[\d:.]+)"),
      causes=("The DAG run exceeded its dagrun_timeout and was failed",),
      commands=("airflow dags list-runs {dag}",) + C.AIRFLOW_RUN),
    S("airflow_sensor_timeout", K.timeout_deadline, 0.7, refine=_sensor,
      patterns=(r"AirflowSensorTimeout", r"Sensor has timed out", r"Snap\. Time is OUT"),
      causes=("The sensor timed out waiting for {target}, which never appeared", "The sensor timed out: what it waited for did not appear in time"),
      commands=C.AIRFLOW_RUN + C.AIRFLOW_TASK,
      reason="Shows which upstream tasks and sensors of this run did not finish"),
    S("airflow_connection_missing", K.missing_config_or_secret, 0.93,
      patterns=(r"The conn_id `(?P<conn>[^`]+)` isn't defined", r"CONNECTION_NOT_FOUND: \{'conn_id': '(?P<conn>[^']+)'",
                r"conn_id (?P<conn>[\w.-]+) (?:isn't defined|not found)"),
      causes=("The Airflow connection {conn} is not defined",),
      # `airflow connections get/list` print passwords, so the guard refuses them.
      commands=C.AIRFLOW_TASK + C.AIRFLOW_RUN,
      reason="The connection must be defined (UI, secrets backend or AIRFLOW_CONN_*) before a re-run; this shows the task's state"),
    S("airflow_variable_missing", K.missing_config_or_secret, 0.93,
      patterns=(r"Variable (?P<var>[^\s']+) does not exist", r"VARIABLE_NOT_FOUND: \{'key': '(?P<var>[^']+)'"),
      causes=("The Airflow Variable {var} is not defined",),
      commands=("airflow variables list",),
      reason="Lists the Variables this Airflow knows (keys only)"),
    # Airflow encrypts connection passwords and variables with [core] fernet_key: a key that differs from the one
    # that encrypted them (regenerated on every container start, not shared by all components, rotated) cannot decrypt.
    S("airflow_fernet_key", K.missing_config_or_secret, 0.84, refine=_fernet,
      patterns=(r"cryptography\.fernet\.InvalidToken\b", r"Could not create Fernet object",
                # Airflow's own words when a Variable or a Connection will not decrypt
                r"Can't decrypt _val for key=(?P<var>\S+?),? invalid token or value",
                r"Can't decrypt (?:encrypted password|`?extra`? params) for login=",
                r"Fernet key must be 32 url-safe base64-encoded bytes"),
      causes=("Airflow could not decrypt a connection or variable: its fernet_key differs from the key that encrypted it "
              "(a key generated per container start, not the same on every component, or rotated without re-encrypting)",),
      commands=C.AIRFLOW_TASK + C.POD,
      reason="Shows the task's state; every Airflow component must run with the same [core] fernet_key"),
    S("airflow_dag_import_error", K.bad_code_or_bug, 0.85, refine=_import_error,
      patterns=(r"Broken DAG: \[(?P<dag_file>[^\]]+)\]", r"Failed to import: (?P<dag_file>\S+)",
                r"Dag '(?P<af_dag>[^']+)' could not be found", r"DAG \"?(?P<af_dag>[\w.-]+)\"? (?:could not be found|not found)",
                r"\bDagNotFound\b"),
      causes=("The DAG file {dag_file} failed to import ({error}), so its tasks could not run",
              "The DAG file {dag_file} failed to import, so its tasks could not run", "The DAG could not be loaded (import error)"),
      commands=("airflow dags list-import-errors",),
      reason="Lists DAG files that fail to import, with their tracebacks"),
    S("airflow_upstream_failed", K.other, 0.35, generic=True,
      patterns=(r"\bupstream_failed\b", r"Dependencies not met for .*upstream", r"Task's trigger rule '\w+' requires"),
      causes=("This task did not run because an upstream task failed (upstream_failed); the cause is in that task",),
      commands=C.AIRFLOW_RUN,
      reason="Shows which task of this run failed first"),
    S("airflow_pool_full", K.resource_quota_scheduling, 0.75,
      patterns=(r"Not scheduling since there are (?P<slots>-?\d+) open slots in pool (?P<pool>[\w.-]+)",
                r"pool (?P<pool>[\w.-]+) (?:is full|has no (?:open|free) slots)",
                r"is >= to the DAG's max_active_tasks", r"max_active_tis_per_dag"),
      causes=("The task waited for a free slot: pool {pool} was full", "The task waited for a free slot (pool or max_active_tasks limit)"),
      commands=("airflow pools list",) + C.AIRFLOW_RUN),
    S("airflow_max_active_runs", K.overlap_concurrency, 0.72,
      patterns=(r"max_active_runs (?:limit|reached)", r"reached (?:its )?max_active_runs", r"maximum number of running (?:DAG )?runs"),
      causes=("Earlier runs of this DAG were still active, so this run waited (max_active_runs)",),
      commands=("airflow dags list-runs {dag}",) + C.AIRFLOW_RUN),
    S("airflow_executor_lost", K.scheduler_infra, 0.82, yields_to=frozenset({K.oom}),
      patterns=(r"Executor reports task instance .* finished \((?:failed|success)\) although the task says (?:it's|its) (?P<af_state>\w+)",
                r"reported that the task instance .* finished with state \w+, but the task instance's state attribute is (?P<af_state>\w+)",
                r"was not found in the executor", r"(?:stuck|timed out) in queued", r"queued for longer than",
                r"Adopted tasks were still pending", r"task_queued_timeout", r"\bWorkerLostError\b"),
      causes=("The executor lost the task (it never started or its worker vanished), not the task's own code",),
      commands=("airflow jobs check --job-type SchedulerJob",) + C.AIRFLOW_TASK + C.AIRFLOW_RUN),
    S("airflow_already_running", K.overlap_concurrency, 0.7,
      patterns=(r"Task Instance .* already running", r"is already running, not running again", r"Task is already running",
                # A second copy of a task instance that is still running refuses to start (Airflow 2's dependency check).
                r"dependency 'Task Instance (?:Not Running|State)' FAILED: Task is in the '?running'? state"),
      causes=("Another attempt of the same task instance was already running",),
      commands=C.AIRFLOW_TASK + C.AIRFLOW_RUN),
    S("airflow_pod_start_timeout", K.resource_quota_scheduling, 0.6,
      patterns=(r"Pod took (?:too long|longer than \d+ seconds) to start", r"Pod .* did not start within",
                # Newer cncf.kubernetes providers time the scheduling phase apart from the start.
                r"Pod took too long to be scheduled on the cluster"),
      causes=("The task's pod did not start in time (not schedulable or its image was slow to pull)",),
      commands=C.POD + C.K8S_EVENTS + C.AIRFLOW_TASK),
    # The task returned a value XCom's JSON serializer cannot store: the operator or DAG code must change.
    S("airflow_xcom_not_serializable", K.bad_code_or_bug, 0.8, refine=_xcom,
      patterns=(r"Could not serialize the XCom value into JSON", r"XCom value .{0,60}not (?:JSON )?serializable",
                r"Failed to serialize (?:the )?XCom", r"Object of type '?(?P<type>[\w.]+)'? is not JSON serializable"),
      causes=("The task returned (or pushed) a value that XCom cannot serialize to JSON: the operator or DAG code "
              "returns an unsupported object (bytes, a custom class)",),
      commands=("pip show apache-airflow",) + C.AIRFLOW_TASK,
      reason="Shows the provider versions; a newer operator may return a serializable value"),
    # Airflow 3 tasks talk to the API server with a short-lived token.
    S("airflow_execution_token", K.credentials_expired, 0.68, refine=_execution_token,
      patterns=(r"Failed to validate JWT", r"Invalid auth token: (?P<detail>.+)", r"\bInvalidSignatureError\b",
                r"/execution/task-instances/\S+.{0,40}(?:\"HTTP/1\.[01] 40[13]|status_code=40[13]\b)",
                r"\bExpiredSignatureError\b", r"\bSignature has expired\b"),
      causes=("The task's execution-API token (JWT) was rejected by the API server: it expired before the task finished "
              "(a task longer than [execution_api] jwt_expiration_time whose token was not refreshed)",),
      commands=("airflow config get-value execution_api jwt_expiration_time",) + C.AIRFLOW_TASK,
      reason="Shows how long task tokens live, to compare with the task's run time"),
    # The worker ran `airflow tasks run` and it failed before the task's own code: not the task's bug.
    S("airflow_celery_command_failed", K.scheduler_infra, 0.62,
      yields_to=frozenset({K.oom, K.dependency_unavailable, K.network_dns, K.bad_code_or_bug, K.dependency_version}),
      patterns=(r"Celery command failed(?: on host: (?P<worker>[\w.-]+))?",),
      causes=("The Celery worker {worker} could not run the task command (the worker's DAG folder, environment or "
              "database access differs from the scheduler's), so the task never really started",
              "The Celery worker could not run the task command (its DAG folder, environment or database access differs "
              "from the scheduler's), so the task never really started"),
      commands=("airflow config get-value core dags_folder",) + C.AIRFLOW_TASK,
      reason="Shows whether the worker sees this DAG where the scheduler says it is"),
    # A job's heartbeat is a write to Airflow's metadata database: when it raises, the database (or
    # the connection to it) failed under the task, and the run can be failed even if the work finished.
    S("airflow_heartbeat_failed", K.scheduler_infra, 0.66,
      yields_to=frozenset({K.oom, K.timeout_deadline}),
      patterns=(r"(?P<af_job>Job|Scheduler|SchedulerJob\w*|LocalTaskJob\w*|TriggererJob\w*) heartbeat (?:failed|got an exception)",),
      causes=("Airflow's {af_job} could not write its heartbeat to the metadata database (the database restarted, was "
              "unreachable or out of connections), so Airflow may have failed the run whatever the task itself did",),
      commands=("airflow db check",) + C.AIRFLOW_RUN,
      reason="Checks that Airflow reaches its metadata database now"),
    S("airflow_celery_broker_lost", K.scheduler_infra, 0.78, refine=_celery_broker,
      patterns=(r"consumer: Connection to broker lost", r"consumer: Cannot connect to (?P<broker>(?:redis|rediss|amqp|amqps|sqs)://\S+)"),
      causes=("Airflow's Celery workers lost the broker ({broker}); queued tasks were not picked up until it came back and "
              "the workers reconnected (often they need a restart)",
              "Airflow's Celery workers lost the broker; queued tasks were not picked up until it came back and the workers "
              "reconnected (often they need a restart)"),
      commands=("airflow jobs check --job-type SchedulerJob",) + C.AIRFLOW_RUN,
      reason="Shows whether the scheduler is alive and which tasks stayed queued"),
    # Airflow's own tables or columns are missing: its metadata database was never initialised or not
    # migrated to this Airflow version (`airflow db migrate`), e.g. after an upgrade or on a fresh database.
    S("airflow_db_not_migrated", K.scheduler_infra, 0.85,
      patterns=(r"no such (?:table|column): (?P<af_table>" + _AF_TABLES + r")\b",
                r"relation \"(?P<af_table>" + _AF_TABLES + r")\" does not exist",
                r"column \"?(?P<af_table>" + _AF_TABLES + r")\.\w+\"? does not exist",
                r"Unknown column '(?P<af_table>" + _AF_TABLES + r")\.\w+'", r"Table '[\w-]+\.(?P<af_table>" + _AF_TABLES + r")' doesn't exist",
                r"You need to initiali[sz]e the database", r"airflow db (?:init|migrate|upgrade)` (?:first|to)"),
      causes=("Airflow's metadata database lacks its own table {af_table}: it was not initialised or not migrated to this "
              "Airflow version (airflow db migrate)",
              "Airflow's metadata database was not initialised or not migrated to this Airflow version (airflow db migrate)"),
      commands=("airflow db check", "airflow version"),
      reason="Checks that Airflow reaches its metadata database, and which version expects which schema"),
    # The UI could not show the task's log: it was never written, or the worker that wrote it is gone.
    S("airflow_log_unavailable", K.scheduler_infra, 0.6,
      yields_to=frozenset({K.oom, K.timeout_deadline, K.bad_code_or_bug, K.dependency_unavailable, K.network_dns,
                           K.credentials_expired, K.missing_config_or_secret, K.dependency_version, K.permissions_rbac}),
      patterns=(r"\*\*\* Log file does not exist", r"\*\*\* Could not read served logs", r"\*\*\* Failed to fetch log file from worker",
                r"\*\*\* Could not read remote logs", r"Could not read served logs: .{0,40}404"),
      causes=("The task left no log where Airflow looks for it: it most likely never started on a worker, or the worker (pod) "
              "that ran it is gone; the executor and worker state explain it",),
      commands=("airflow jobs check --job-type SchedulerJob",) + C.AIRFLOW_TASK + C.AIRFLOW_RUN,
      reason="Shows whether the scheduler is alive and the task's recorded state"),
    # KubernetesPodOperator only reports that its pod failed; the container's own output says why.
    S("airflow_pod_operator_failed", K.other, 0.3, generic=True,
      patterns=(r"Pod (?:Launching failed: Pod )?(?P<kpo_pod>[a-z0-9][\w.-]*)? ?returned a failure",),
      causes=("The pod {kpo_pod} started by the KubernetesPodOperator failed; the container's own log lines say why",
              "The pod started by the KubernetesPodOperator failed; the container's own log lines say why"),
      commands=("kubectl get pods -A --field-selector metadata.name={kpo_pod}",) + C.AIRFLOW_TASK,
      reason="Shows where the task's pod ran and how it ended"),
    # Airflow 3: the task SDK's calls to the API server failed (an error answer, or no answer at all).
    # Airflow 3 blocks the metadata database from task code (AIP-72): code written for Airflow 2
    # that opens a Session, calls DagRun.find or queries XCom directly stops working on upgrade.
    S("airflow3_orm_access_blocked", K.dependency_version, 0.78, refine=_orm_blocked_where,
      patterns=(r"Direct database access via the ORM is not allowed in Airflow 3",),
      causes=("The task's code (or an operator it uses) reads Airflow's metadata database directly, which Airflow 3 "
              "no longer allows: code written for Airflow 2 must use the REST API or the Task SDK, or the provider "
              "be upgraded",),
      commands=("airflow version",) + C.AIRFLOW_RUN,
      reason="Shows the Airflow version the task ran on"),
    S("airflow_execution_api_error", K.scheduler_infra, 0.74, refine=_execution_api, finder=_api_unreachable,
      yields_to=frozenset({K.oom, K.timeout_deadline}),
      patterns=(r"\bServerResponseError\b.{0,20}Server returned error", r"Server indicated the task shouldn't be running anymore",
                r"\[airflow\.sdk\.api\.client\] detail=\{'message': 'Internal server error'",
                r"/execution/\S+.{0,40}\"HTTP/1\.[01] 5\d\d\b"),
      causes=("Airflow's API server refused or failed the task's execution-API call (ServerResponseError), so the "
              "task could not start or report its state: a problem of Airflow's own machinery, not of the task's code",),
      commands=C.AIRFLOW_TASK + C.AIRFLOW_RUN,
      reason="Shows the state Airflow recorded for the task, to compare with what the worker saw"),
    # A templated field names a file Jinja cannot find, or a template refers to something undefined: DAG code.
    S("airflow_template_error", K.bad_code_or_bug, 0.8,
      patterns=(r"jinja2\.exceptions\.TemplateNotFound: (?P<template>.+)", r"jinja2\.exceptions\.UndefinedError: (?P<detail>.+)",
                r"jinja2\.exceptions\.TemplateSyntaxError: (?P<detail>.+)"),
      causes=("Airflow could not render the task's template: {template} was not found (a path that is not relative to "
              "the DAG's folder or template_searchpath, or a templated field whose value ends in a template extension "
              "such as .sql)",
              "Airflow could not render the task's template ({detail}): the DAG's template code is wrong",
              "Airflow could not render the task's template: the DAG's template code is wrong"),
      commands=("airflow dags list-import-errors",) + C.AIRFLOW_TASK,
      reason="Shows the task's state; the template and the DAG's template_searchpath are in the DAG file"),
    # KubernetesPodOperator(do_xcom_push=True) reads /airflow/xcom/return.json through a sidecar: the container never
    # wrote it (it failed first, or does not write it at all).
    S("airflow_kpo_xcom_missing", K.bad_code_or_bug, 0.62, refine=_kpo_xcom,
      patterns=(r"Failed to extract xcom from pod(?:: (?P<kpo_pod>[\w.-]+))?",
                r"can't open '/airflow/xcom/return\.json': No such file or directory"),
      causes=("The pod {kpo_pod} did not leave /airflow/xcom/return.json, which do_xcom_push=True reads: its container failed "
              "before writing it, or its code never writes it",
              "The task's pod did not leave /airflow/xcom/return.json, which do_xcom_push=True reads: its container failed "
              "before writing it, or its code never writes it"),
      commands=("kubectl get pods -A --field-selector metadata.name={kpo_pod}",) + C.AIRFLOW_TASK,
      reason="Shows where the task's pod ran and how it ended"),
    S("airflow_bash_nonzero", K.other, 0.25, generic=True,
      patterns=(r"Bash command failed\. The command returned a non-zero exit code (?P<code>\d+)",),
      causes=("The Bash task's command exited with code {code}; the lines before it say why",),
      commands=C.AIRFLOW_TASK + C.AIRFLOW_RUN),
]
