"""Airflow signatures on real task and DAG-processor logs from public reports. Each log is quoted
from the URL above it."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case

CASES = [
    # A DAG file whose import ran past dagbag_import_timeout: https://github.com/puckel/docker-airflow/issues/454,
    # https://github.com/apache/airflow/issues/21450, https://github.com/apache/airflow/pull/44 (Airflow 1 wording)
    Case("dagbag_import_timeout_celery", "airflow",
         "[2019-10-17 08:28:14,712] {timeout.py:42} ERROR - Process timed out, PID: 7010\n"
         "[2019-10-17 08:28:15,415] {dagbag.py:205} ERROR - Failed to import: /usr/local/airflow/dags/providers/"
         "p10-monetization-facebook-ils/monetization_facebook_ils.py\nTraceback (most recent call last):\n"
         '  File "/usr/local/lib/python3.7/site-packages/airflow/models/dagbag.py", line 202, in process_file\n'
         "    m = imp.load_source(mod_name, filepath)",
         "timeout_deadline", ("dagbag_import_timeout", "monetization_facebook_ils.py"),
         ("airflow config get-value core dagbag_import_timeout",), 0.75, signature="airflow_dag_import_error"),
    Case("dagbag_import_timeout_indented", "airflow",
         "    [2022-02-09 05:27:59,084] {timeout.py:36} ERROR - Process timed out, PID: 759\n"
         "    [2022-02-09 05:27:59,088] {dagbag.py:334} ERROR - Failed to import: /usr/local/airflow/dags/many_tasks.py\n"
         "    Traceback (most recent call last):\n"
         '      File "/usr/local/lib/python3.9/site-packages/airflow/models/dagbag.py", line 331, in _load_modules_from_file\n'
         "        loader.exec_module(new_module)", "timeout_deadline", ("many_tasks.py",), (), 0.75),
    Case("dagbag_import_timeout_airflow1", "cron",
         "ERROR:root:Process timed out\nERROR:root:Failed to import: /mnt/home/maxime_beauchemin/Airflow/airflow/example_dags/tutorial.py\n"
         "ERROR:root:\nTraceback (most recent call last):\n"
         '  File "/mnt/home/maxime_beauchemin/Airflow/airflow/models.py", line 160, in process_file\n'
         "    m = imp.load_source(mod_name, filepath)\n"
         '  File "/mnt/home/maxime_beauchemin/Airflow/airflow/utils.py", line 427, in handle_timeout\n'
         "    raise TimeoutError(self.error_message)\nTimeoutError: Timeout", "timeout_deadline", ("dagbag_import_timeout",), (), 0.75),
    # The UI banner (issue title of puckel/docker-airflow#454): a parse timeout, not the task's execution_timeout.
    Case("broken_dag_timeout_banner", "airflow", "Broken DAG: [/path/to/dag.py] Timeout, PID: 1234",
         "timeout_deadline", ("dagbag_import_timeout",), (), 0.75, signature="airflow_dag_import_error"),
    # KubernetesPodOperator startup timeout: https://github.com/apache/airflow/issues/11190
    Case("kpo_pod_took_too_long", "airflow", "Pod Took too long to start",
         "resource_quota_scheduling", (), (), 0.5, signature="airflow_pod_start_timeout"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_airflow_breadth(case: Case) -> None:
    check_case(case)


def test_a_real_task_timeout_still_reads_as_execution_timeout() -> None:
    from tests.signatures.support import diagnose
    h = diagnose("airflow", "airflow.exceptions.AirflowTaskTimeout: Timeout, PID: 4242")
    assert h.signature == "airflow_task_timeout" and "execution_timeout" in h.cause
