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
    # The same "Process timed out" inside a running task is its execution_timeout: https://github.com/apache/airflow/issues/11201
    Case("kpo_execution_timeout", "airflow",
         "[2020-09-30 05:44:29,153] {pod_launcher.py:166} INFO - Pod run-processing-ec9d835e49604024aa90b5867b1797a0 has state running\n"
         "[2020-09-30 05:44:29,923] {timeout.py:42} ERROR - Process timed out, PID: 12846\n"
         "[2020-09-30 05:44:30,060] {taskinstance.py:1150} ERROR - Pod Launching failed: Pod Launching failed: Timeout, PID: 12846\n"
         "Traceback (most recent call last):\n"
         '  File "/opt/bitnami/airflow/venv/lib/python3.6/site-packages/airflow/contrib/operators/kubernetes_pod_operator.py", line 403, '
         "in create_new_pod_for_operator\n    final_state, result = launcher.monitor_pod(pod=pod, get_logs=self.get_logs)",
         "timeout_deadline", ("execution_timeout",), (), 0.85, signature="airflow_task_timeout"),
    # KubernetesPodOperator's own failure says only that the pod failed: a hint, not a diagnosis.
    # https://github.com/GoogleCloudPlatform/python-docs-samples/issues/8122, https://github.com/apache/airflow/pull/3312
    Case("kpo_pod_returned_failure", "airflow",
         '  File "/opt/python3.8/lib/python3.8/site-packages/airflow/providers/cncf/kubernetes/operators/kubernetes_pod.py", line 452, in cleanup\n'
         "    raise AirflowException(f'Pod {pod and pod.metadata.name} returned a failure: {remote_pod}')\n"
         "airflow.exceptions.AirflowException: Pod ex-pod-affinity.4188bcd51e2543d9a91c95828c870f69 returned a failure: {'api_version': 'v1',",
         "other", ("ex-pod-affinity.4188bcd51e2543d9a91c95828c870f69",),
         ("kubectl get pods -A --field-selector metadata.name=ex-pod-affinity.4188bcd51e2543d9a91c95828c870f69",), 0.0, 0.35),
    Case("kpo_pod_launching_failed", "airflow",
         "[2018-05-03 23:19:04,552] {models.py:1680} ERROR - Pod Launching failed: Pod returned a failure: running\n"
         "AirflowException: Pod Launching failed: Pod returned a failure: running", "other", ("KubernetesPodOperator",), (), 0.0, 0.35),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_airflow_breadth(case: Case) -> None:
    check_case(case)


def test_a_real_task_timeout_still_reads_as_execution_timeout() -> None:
    from tests.signatures.support import diagnose
    h = diagnose("airflow", "airflow.exceptions.AirflowTaskTimeout: Timeout, PID: 4242")
    assert h.signature == "airflow_task_timeout" and "execution_timeout" in h.cause
