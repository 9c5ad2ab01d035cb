"""Airflow signatures on real task, scheduler and DAG-processor log lines."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case, diagnose

TB = """[2023-02-12, 10:01:02 UTC] {{taskinstance.py:1768}} ERROR - Task failed with exception
Traceback (most recent call last):
  File "/usr/local/airflow/.local/lib/python3.10/site-packages/airflow/hooks/base.py", line 70, in get_connection
    conn = Connection.get_connection_from_secrets(conn_id)
  File "/usr/local/airflow/.local/lib/python3.10/site-packages/airflow/models/connection.py", line 432, in get_connection_from_secrets
    raise AirflowNotFoundException(f"The conn_id `{{conn_id}}` isn't defined")
{last}"""

CASES = [
    # https://github.com/aws/aws-mwaa-local-runner/issues/209
    Case("connection_missing", "airflow",
         TB.format(last="airflow.exceptions.AirflowNotFoundException: The conn_id `postgres` isn't defined"),
         "missing_config_or_secret", ("postgres",), (), 0.9),
    # https://github.com/apache/airflow/pull/52968 (Airflow 3 task SDK wording)
    Case("connection_missing_af3", "airflow",
         "[2025-07-07, 13:41:04] ERROR - Task failed with exception: source=\"task\"\n"
         "AirflowRuntimeError: CONNECTION_NOT_FOUND: {'conn_id': 'my_conn'}\n"
         'File "/opt/airflow/task-sdk/src/airflow/sdk/execution_time/task_runner.py", line 875 in run',
         "missing_config_or_secret", ("my_conn",), (), 0.9),
    # https://github.com/astronomer/astronomer-providers/issues/238
    Case("variable_missing", "airflow",
         "Broken DAG: [/usr/local/airflow/dags/example_livy.py] Traceback (most recent call last):\n"
         '  File "/usr/local/airflow/dags/example_livy.py", line 30, in <module>\n'
         '    PRIVATE_KEY = Variable.get("providers_team_keypair")\n'
         '  File "/usr/local/lib/python3.9/site-packages/airflow/models/variable.py", line 140, in get\n'
         "    raise KeyError(f'Variable {key} does not exist')\n"
         "KeyError: 'Variable providers_team_keypair does not exist'",
         "missing_config_or_secret", ("providers_team_keypair",), (), 0.9),
    # airflow/jobs/base_job.py logs this when the heartbeat (a metadata-database write) raises;
    # the task had finished, the PostgreSQL pod holding the metadata database had restarted.
    Case("heartbeat_exception", "airflow",
         "[2022-03-07, 12:19:30 IST] {local_task_job.py:264} INFO - 0 downstream tasks scheduled from follow-on schedule check\n"
         "[2022-03-07, 12:19:32 IST] {base_job.py:230} ERROR - LocalTaskJob heartbeat got an exception\n"
         "Traceback (most recent call last):\n"
         '  File "/home/airflow/.local/lib/python3.8/site-packages/sqlalchemy/engine/base.py", line 2336, in _wrap_pool_connect\n'
         "    return fn()\n",
         "scheduler_infra", ("metadata database",), ("airflow db check",), 0.6, 0.79),
    # https://github.com/apache/airflow/issues/51969
    Case("zombie", "airflow",
         "[2025-06-20T00:41:18.162+0000] {scheduler_job_runner.py:2086} WARNING - Failing (1) jobs without heartbeat after 2025-06-20 00:41:08.156992+00:00\n"
         "[2025-06-20T00:41:18.162+0000] {scheduler_job_runner.py:2110} ERROR - Detected zombie job: {'full_filepath': '/usr/local/airflow/dags/zombie.py', "
         "'processor_subdir': '/usr/local/airflow/dags', 'msg': \"{'DAG Id': 'my_dag', 'Task Id': 'test', 'Run Id': 'scheduled__2025-06-19T00:00:00+00:00'}\"}",
         "scheduler_infra", ("zombie",), (), 0.8),
    # https://github.com/apache/airflow/issues/27741 (title); the usual local_task_job line around it
    Case("negsignal_sigkill", "airflow",
         "[2022-11-17, 10:12:01 UTC] {local_task_job.py:159} INFO - Task exited with return code Negsignal.SIGKILL",
         "oom", ("SIGKILL",), (), 0.8),
    # https://github.com/apache/airflow/issues/15766
    Case("execution_timeout", "airflow",
         "[2021-05-08 19:48:35,385] {timeout.py:36} ERROR - Process timed out, PID: 10082\n"
         "[2021-05-08 19:48:35,392] {taskinstance.py:1482} ERROR - Task failed with exception\n"
         "Traceback (most recent call last):\n"
         '  File "/usr/local/lib/python3.7/site-packages/airflow/utils/timeout.py", line 37, in handle_timeout\n'
         "    raise AirflowTaskTimeout(self.error_message)\n"
         "airflow.exceptions.AirflowTaskTimeout: Timeout, PID: 10082",
         "timeout_deadline", ("execution_timeout",), (), 0.9),
    # https://github.com/apache/airflow/issues/16573 (title line)
    Case("externally_set", "airflow",
         "[2021-07-27 09:54:50,123] {local_task_job.py:194} WARNING - State of this instance has been externally set to up_for_retry. Terminating instance.",
         "scheduler_infra", ("up_for_retry",), (), 0.45, 0.7),
    # https://github.com/NASA-IMPACT/veda-data-airflow/issues/282
    # https://github.com/apache/airflow/issues/28201: the state change explains the SIGTERM that follows it
    Case("externally_set_then_sigterm", "airflow",
         "[2022-12-07, 15:37:49 UTC] {local_task_job.py:223} WARNING - State of this instance has been externally set to up_for_retry. "
         "Terminating instance.\n"
         "[2022-12-07, 15:37:49 UTC] {process_utils.py:133} INFO - Sending Signals.SIGTERM to group 89412. PIDs of all processes in the group: [89412]\n"
         "[2022-12-07, 15:37:49 UTC] {taskinstance.py:1562} ERROR - Received SIGTERM. Terminating subprocesses.",
         "scheduler_infra", ("from outside", "up_for_retry"), (), 0.5, 0.79),
    # https://github.com/apache/airflow/issues/38113
    Case("pid_mismatch", "airflow",
         "[2024-03-13, 15:19:53 UTC] {local_task_job.py:260} WARNING - Recorded pid 248 does not match the current pid 249\n"
         "[2024-03-13, 15:19:53 UTC] {taskinstance.py:1488} ERROR - Received SIGTERM. Terminating subprocesses.\n"
         "airflow.exceptions.AirflowException: Task received SIGTERM signal",
         "scheduler_infra", ("process id",), (), 0.6, 0.79),
    Case("dag_import_module_missing", "airflow",
         "Broken DAG: [/opt/airflow/dags/veda_data_pipeline/utils/build_stac/utils/stac.py]\n"
         "Traceback (most recent call last):\n"
         '  File "<frozen importlib._bootstrap>", line 241, in _call_with_frames_removed\n'
         '  File "/opt/airflow/dags/veda_data_pipeline/utils/build_stac/utils/stac.py", line 7, in <module>\n'
         "    from rio_stac import stac\n"
         "ModuleNotFoundError: No module named 'rio_stac'",
         "dependency_version", ("rio_stac",), (), 0.8),
    # https://github.com/Snowflake-Labs/OpenLineage-AccessHistory-Setup/issues/6
    Case("dag_import_name_error", "airflow",
         "Broken DAG: [/opt/airflow/dags/etl/etl_new_deliveries.py] Traceback (most recent call last):\n"
         '  File "<frozen importlib._bootstrap>", line 219, in _call_with_frames_removed\n'
         '  File "/opt/airflow/dags/etl/etl_new_deliveries.py", line 19, in <module>\n'
         "    'start_date': days_ago(1),\n"
         "NameError: name 'days_ago' is not defined",
         "bad_code_or_bug", ("etl_new_deliveries.py",), (), 0.75),
    Case("sensor_timeout_file", "airflow",
         "[2024-05-01, 06:00:00 UTC] {filesystem.py:64} INFO - Poking for file /data/incoming/orders_2024-05-01.csv\n"
         "[2024-05-01, 08:00:00 UTC] {taskinstance.py:1937} ERROR - Task failed with exception\n"
         "airflow.exceptions.AirflowSensorTimeout: Sensor has timed out; run duration of 7200.1 seconds exceeds the specified timeout of 7200.0.",
         "data_input_missing", ("/data/incoming/orders_2024-05-01.csv",), (), 0.75),
    Case("sensor_timeout_generic", "airflow",
         "airflow.exceptions.AirflowSensorTimeout: Sensor has timed out; run duration of 3600.2 seconds exceeds the specified timeout of 3600.0.",
         "timeout_deadline", (), (), 0.6, 0.75),
    # https://github.com/apache/airflow/issues/39717 (newer scheduler wording of the same event)
    Case("executor_lost_new_wording", "airflow",
         "[2024-07-07 13:22:59,976] {scheduler_job_runner.py:843} ERROR - Executor CeleryExecutor(parallelism=32) reported that the task "
         "instance <TaskInstance: CSDISPATCHER_OTHERS.dispatch_restores scheduled__2024-07-07T12:07:00+00:00 [queued]> finished with state "
         "failed, but the task instance's state attribute is queued. Learn more: https://airflow.apache.org/docs/apache-airflow/stable/troubleshooting.html#task-state-changed-externally",
         "scheduler_infra", ("executor",), (), 0.8),
    Case("executor_lost_old_wording", "airflow",
         "ERROR - Executor reports task instance <TaskInstance: CSDISPATCHER_OTHERS.dispatch_restores scheduled__2024-07-07T12:07:00+00:00 [queued]> "
         "finished (failed) although the task says it's queued. (Info: None) Was the task killed externally?",
         "scheduler_infra", (), (), 0.8),
    # https://github.com/apache/airflow/pull/12172 (the operator pushed bytes to XCom)
    Case("xcom_bytes_not_serializable", "airflow",
         "[2020-11-08 10:00:01,000] {taskinstance.py:1150} ERROR - Object of type 'bytes' is not JSON serializable when using "
         "store_to_xcom_key parameter.",
         "bad_code_or_bug", ("XCom",), (), 0.75, signature="airflow_xcom_not_serializable"),
    # https://github.com/apache/airflow/issues/59637 (Airflow 3 task SDK client)
    Case("execution_token_expired_sdk", "airflow",
         "airflow.sdk.api.client.ServerResponseError: Invalid auth token: Signature has expired",
         "credentials_expired", ("jwt_expiration_time",), ("jwt_expiration_time",), 0.8),
    # https://github.com/apache/airflow/issues/62026: every task rejected, the token's signature does not verify
    Case("execution_token_wrong_secret", "airflow",
         "airflow.sdk.api.client.ServerResponseError: Invalid auth token: Signature verification failed",
         "missing_config_or_secret", ("secret",), (), 0.6, 0.79),
    # https://github.com/apache/airflow/issues/21078 (the worker's `airflow tasks run` failed, here on MySQL errors)
    Case("celery_command_failed", "airflow",
         "[2022-08-17 17:56:46,095: ERROR/ForkPoolWorker-188] Task airflow.executors.celery_executor.execute_command"
         "[17c83c4d-01cf-46dc-9c12-8b91d09cabd1] raised unexpected: AirflowException('Celery command failed on host: "
         "rdev-fff1b45c-8295-48b4-bcbc-adbe279ded98-zn4xt.corp.rdev.svc.kube.corp.company.com')",
         "scheduler_infra", ("rdev-fff1b45c",), ("dags_folder",), 0.55, 0.79),
    # https://github.com/apache/airflow/issues/34686 (host masked by the reporter)
    Case("celery_command_failed_masked_host", "airflow",
         "airflow.exceptions.AirflowException: Celery command failed on host: ***",
         "scheduler_infra", ("Celery worker",), (), 0.55, 0.79),
    # https://github.com/apache/airflow/issues/32484 (the worker stops consuming after a Redis restart)
    Case("celery_broker_lost", "airflow",
         "[2023-07-09 01:07:58,950: WARNING/MainProcess] consumer: Connection to broker lost. Trying to re-establish the connection...",
         "scheduler_infra", ("broker",), ("airflow jobs check",), 0.6),
    # https://github.com/apache/airflow/issues/14100
    Case("celery_broker_unreachable", "airflow",
         "[2021-02-04 17:33:00,442: ERROR/MainProcess] consumer: Cannot connect to redis://localhost:6379/0: Error 107 connecting "
         "to redis:6379. Operation on closed file..\nTrying again in 12.00 seconds... (6/100)",
         "scheduler_infra", ("broker",), (), 0.6),
    # The message Airflow's own test expects after a test marks the running instance failed
    # (apache/airflow tests/jobs/test_local_task_job.py); a person or the API did it, nothing broke.
    Case("externally_set_failed", "airflow",
         "[2024-05-01, 02:06:29 UTC] {local_task_job_runner.py:302} WARNING - State of this instance has been externally set to "
         "failed. Terminating instance.\n"
         "[2024-05-01, 02:06:29 UTC] {taskinstance.py:2611} ERROR - Received SIGTERM. Terminating subprocesses.",
         "other", ("marked failed",), ("states-for-dag-run",), 0.5, 0.7),
    # apache/airflow airflow/jobs/local_task_job_runner.py: "A DagRun timeout will cause tasks to be externally
    # marked as skipped", logged as below (its test, test_dagrun_timeout_logged_in_task_logs, expects the first line).
    Case("dagrun_timeout_in_task_log", "airflow",
         "[2024-05-01, 03:00:02 UTC] {local_task_job_runner.py:294} WARNING - DagRun timed out after 1:00:00.418291.\n"
         "[2024-05-01, 03:00:02 UTC] {local_task_job_runner.py:302} WARNING - State of this instance has been externally set to "
         "skipped. Terminating instance.",
         "timeout_deadline", ("dagrun_timeout",), ("airflow dags list-runs",), 0.6),
    Case("externally_skipped_without_reason", "airflow",
         "[2024-05-01, 03:00:02 UTC] {local_task_job_runner.py:302} WARNING - State of this instance has been externally set to "
         "skipped. Terminating instance.",
         "timeout_deadline", ("dagrun_timeout",), (), 0.5, 0.7),
    # https://github.com/puckel/docker-airflow/issues/231 (the task ran as a user whose Airflow had no initialised DB)
    Case("metadata_db_not_initialised", "airflow",
         "[2018-09-16 09:30:27,083] {base_task_runner.py:98} INFO - Subtask: sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) "
         "no such table: task_instance [SQL: 'SELECT task_instance.try_number AS task_instance_try_number, task_instance.task_id "
         "AS task_instance_task_id, task_instance.dag_id AS task_instance_dag_id, task_instance.execution_date ....",
         "scheduler_infra", ("task_instance", "airflow db migrate"), ("airflow db check",), 0.8),
    # https://github.com/tensorflow/tfx/issues/1851 (an upgraded Airflow on an old database; `airflow initdb` fixed it)
    Case("metadata_db_not_migrated", "airflow",
         "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such column: task_instance.pool_slots",
         "scheduler_infra", ("migrated",), (), 0.8),
    # https://github.com/apache/airflow/issues/53713: the execution API refuses the task's (expired) token with 403
    Case("execution_api_403", "airflow",
         "2025-07-23 01:27:58,919 {_client.py:1025} INFO - HTTP Request: PATCH http://127.0.0.1:8085/airflow/execution/task-instances/"
         "019835de-0955-74d4-8db6-2aea4332ab1b/run \"HTTP/1.1 403 Forbidden\"\n"
         "2025-07-23 01:27:58 [warning  ] Server error                   [airflow.sdk.api.client] detail=None",
         "credentials_expired", ("token",), ("jwt_expiration_time",), 0.6, 0.79),
    Case("pool_full", "airflow",
         "[2024-05-01 02:00:05,011] {scheduler_job.py:1012} INFO - Not scheduling since there are 0 open slots in pool etl_pool",
         "resource_quota_scheduling", ("etl_pool",), (), 0.7),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_airflow_signature(case: Case) -> None:
    check_case(case)


def test_upstream_failed_points_elsewhere() -> None:
    h = diagnose("airflow", "", {"state": "upstream_failed"})
    assert h.category.value == "other" and h.confidence <= 0.3
    assert "upstream" in h.cause
    assert "states-for-dag-run" in h.command or "sales_etl" in h.command


def test_upstream_failed_loses_to_a_real_error_in_the_same_log() -> None:
    log = ("[2024-05-01] {taskinstance.py:1} INFO - Dependencies not met for <TaskInstance: sales_etl.report>, upstream_failed\n"
           "[2024-05-01] ERROR - psycopg2.OperationalError: FATAL:  password authentication failed for user \"etl\"")
    h = diagnose("airflow", log)
    assert h.category.value == "credentials_expired"
    assert "etl" in h.cause


def test_airflow3_json_exception_is_read() -> None:
    # Airflow 3's task log API returns structured events; the exception type and value are fields.
    log = ('{"event": "Task failed with exception", "level": "error", "error_detail": [{"exc_type": "KeyError", '
           '"exc_value": "\'Variable sales_target does not exist\'", "syntax_error": null, "is_cause": false, "frames": []}]}')
    h = diagnose("airflow", log)
    assert h.category.value == "missing_config_or_secret"
    assert "sales_target" in h.cause


@pytest.mark.parametrize("name,category,signature", [
    ("sigkill", "oom", "airflow_sigkill"),
    ("raises", "dependency_unavailable", "connection_refused"),
    ("bash_exit", "data_input_missing", "input_missing"),
])
def test_real_airflow3_task_logs(name: str, category: str, signature: str) -> None:
    # Task logs recorded from a real Airflow 3.3.2 run (tests/data/airflow/recorded), flattened
    # by the Airflow source exactly as the service does before diagnosis.
    import json
    from pathlib import Path

    from triage.engine import signatures
    from triage.models import Evidence
    from triage.sources import airflow_log
    from tests.signatures.support import AIRFLOW

    body = json.loads((Path(__file__).parents[1] / "data" / "airflow" / "recorded" / f"log_v2_{name}.json").read_text())
    log = "\n".join(airflow_log.flatten_log_response(body))
    h = signatures.diagnose(AIRFLOW, Evidence(log_text=log, status=airflow_log.status_facts(body["content"])))
    assert (h.category.value, h.signature) == (category, signature)
    # A refused connection says what failed, not why: it stays just below the confident band.
    assert h.confidence >= (0.75 if category in ("dependency_unavailable", "network_dns") else 0.8)


def test_celery_broker_outside_airflow_is_a_dependency() -> None:
    # https://github.com/celery/celery/issues/8030: a plain Celery app, not Airflow's executor
    log = ("[2023-03-13 11:15:58,007: INFO/MainProcess] Connected to redis://redis:6379/0\n"
           "[2023-03-13 11:15:58,605: WARNING/MainProcess] consumer: Connection to broker lost. Trying to re-establish the connection...")
    h = diagnose("cron", log)
    assert h.category.value == "dependency_unavailable"
    assert h.signature == "airflow_celery_broker_lost"


def test_xcom_signature_needs_xcom() -> None:
    # A value json.dumps cannot handle outside XCom is the generic code bug, not an XCom problem.
    h = diagnose("cron", "TypeError: Object of type Decimal is not JSON serializable")
    assert h.signature == "python_not_json_serializable"
    assert h.category.value == "bad_code_or_bug"


def test_airflow_jwt_wording_in_another_service_is_the_generic_token() -> None:
    # https://github.com/jalantechnologies/flask-react-template/issues/43 (a Flask API, no Airflow)
    h = diagnose("cron", "jwt.exceptions.ExpiredSignatureError: Signature has expired")
    assert h.category.value == "credentials_expired"
    assert h.signature == "token_expired"


def test_metadata_db_error_in_airflow_is_scheduler_infra() -> None:
    # https://github.com/bitnami/charts/issues/6148: Celery's result backend on Airflow's metadata database
    log = ("Traceback (most recent call last):\n"
           '  File "/opt/bitnami/airflow/venv/lib/python3.6/site-packages/celery/backends/database/__init__.py", line 51, in _inner\n'
           "    return fun(*args, **kwargs)\n"
           '  File "/opt/bitnami/airflow/venv/lib/python3.6/site-packages/celery/backends/database/__init__.py", line 154, in _get_task_meta_for\n'
           "    session = self.ResultSession()\n"
           'sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) FATAL:  too many connections for role "bn_airflow"')
    h = diagnose("airflow", log)
    assert h.category.value == "scheduler_infra"
    assert "metadata database" in h.cause
    assert h.confidence >= 0.75


def test_task_own_database_stays_a_dependency() -> None:
    # The hook names its connection: the refused database is one the task uses, not Airflow's.
    log = ("[2024-05-01, 02:00:01 UTC] {base.py:84} INFO - Using connection ID 'warehouse' for task execution.\n"
           'psycopg2.OperationalError: connection to server at "10.0.3.7", port 5432 failed: Connection refused')
    h = diagnose("airflow", log)
    assert h.category.value == "dependency_unavailable"
    assert "metadata" not in h.cause


def test_a_pod_that_was_never_scheduled_in_time_is_scheduling() -> None:
    # The cncf.kubernetes provider's wording when the scheduling phase alone outlasts schedule_timeout.
    h = diagnose("airflow", "[2025-02-01, 03:00:00 UTC] {taskinstance.py:3311} ERROR - Task failed with exception\n"
                            "airflow.exceptions.AirflowException: Pod took too long to be scheduled on the cluster, giving up. "
                            "More than 120s. Check the pod events in kubernetes.")
    assert h.category.value == "resource_quota_scheduling" and h.signature == "airflow_pod_start_timeout"


def test_task_code_reading_the_metadata_db_breaks_on_airflow_3() -> None:
    # Modelled on https://github.com/apache/airflow/issues/50944 (an XCom cleanup written for Airflow 2, in the DAG);
    # the frames are written for this test, the message is Airflow 3's own.
    log = ("Traceback (most recent call last):\n"
           '  File "/opt/airflow/dags/migrator.py", line 41, in cleanup_xcom\n'
           "    session.query(XCom).filter(XCom.dag_id == dag_id).delete()\n"
           '  File "/home/airflow/.local/lib/python3.12/site-packages/airflow/utils/session.py", line 40, in create_session\n'
           "    session = Session()\n"
           "RuntimeError: Direct database access via the ORM is not allowed in Airflow 3.0")
    h = diagnose("airflow", log)
    assert h.category.value == "dependency_version" and h.signature == "airflow3_orm_access_blocked"
    assert h.confidence < 0.8
    # The bare message, without frames, reads the same way.
    assert diagnose("airflow", "RuntimeError: Direct database access via the ORM is not allowed in Airflow 3.0"
                    ).category.value == "dependency_version"


def test_airflows_own_code_opening_a_session_on_airflow_3_is_airflows_bug() -> None:
    # https://github.com/apache/airflow/issues/47483 (an example DAG's serialisation, only Airflow's frames)
    log = ('Traceback (most recent call last):\n  File "/opt/airflow/airflow/utils/session.py", line 40, in create_session\n'
           "    session = Session()\n"
           '  File "/opt/airflow/task-sdk/src/airflow/sdk/execution_time/supervisor.py", line 207, in __init__\n'
           '    raise RuntimeError("Direct database access via the ORM is not allowed in Airflow 3.0")\n'
           "RuntimeError: Direct database access via the ORM is not allowed in Airflow 3.0")
    h = diagnose("airflow", log)
    assert h.category.value == "bad_code_or_bug" and h.signature == "airflow3_orm_access_blocked"


def test_a_variable_that_will_not_decrypt_is_a_fernet_key_mismatch() -> None:
    # Airflow's models/variable.py logs this when the Variable was encrypted with another [core] fernet_key
    h = diagnose("airflow", "[2019-03-02 10:00:01,123] {variable.py:64} ERROR - Can't decrypt _val for key=date, "
                            "invalid token or value")
    assert h.category.value == "missing_config_or_secret" and h.signature == "airflow_fernet_key"
