"""Airflow signatures on real task and worker logs from public reports, second breadth round. Each log is
quoted from the URL above it."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case, diagnose

CASES = [
    # A connection password Airflow cannot decrypt (fernet_key differs): https://github.com/apache/airflow/issues/20820,
    # https://github.com/apache/airflow/issues/18127 (a new key generated on every container start). Was read as a code bug.
    Case("fernet_invalid_token_connection", "airflow",
         '  File "/usr/local/lib/python3.8/dist-packages/airflow/models/connection.py", line 238, in get_password\n'
         "    return fernet.decrypt(bytes(self._password, 'utf-8')).decode()\n"
         '  File "/usr/local/lib/python3.8/dist-packages/cryptography/fernet.py", line 194, in decrypt\n'
         "    raise InvalidToken\ncryptography.fernet.InvalidToken",
         "missing_config_or_secret", ("fernet_key",), ("airflow tasks state",), 0.8, signature="airflow_fernet_key"),
    # The Celery worker's heartbeat found another host recorded for the task: https://github.com/airflow-helm/charts/issues/596,
    # https://github.com/apache/airflow/issues/28201
    Case("hostname_of_job_runner_mismatch", "airflow",
         "2022-06-03 01:34:47,118: ERROR/ForkPoolWorker-189] Failed to execute task Hostname of job runner does not match.\n"
         "Traceback (most recent call last):\n"
         '  File "/home/airflow/.local/lib/python3.8/site-packages/airflow/executors/celery_executor.py", line 121, in '
         "_execute_in_fork", "scheduler_infra", ("host",), (), 0.6, 0.79, signature="airflow_pid_mismatch"),
    Case("hostname_of_job_runner_exception", "airflow",
         "airflow.exceptions.AirflowException: Hostname of job runner does not match\n"
         "[2022-12-06 14:35:11,715: ERROR/ForkPoolWorker-7] [9f2ecb02-09c0-40cf-bb6d-f1bef4abb879] Failed to execute task "
         "Hostname of job runner does not match.", "scheduler_infra", (), (), 0.6, 0.79, signature="airflow_pid_mismatch"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_airflow_breadth2(case: Case) -> None:
    check_case(case)


def test_fernet_outside_airflow_names_the_jobs_own_key() -> None:
    h = diagnose("cron", 'Traceback (most recent call last):\n  File "/app/decrypt.py", line 10, in <module>\n'
                         "    f.decrypt(tok)\ncryptography.fernet.InvalidToken")
    assert h.category.value == "missing_config_or_secret"
    assert "Airflow" not in h.cause and "Fernet key" in h.cause
