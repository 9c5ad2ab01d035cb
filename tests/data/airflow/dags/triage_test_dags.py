"""Failing DAGs for triage's Airflow tests (real failures, nothing canned).

Every DAG reports through the triage notifier; the server URL comes from the Airflow Variable
`triage_server_url` (templated), so a test can point Airflow at the triage service it started.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

from triage_airflow import TriageNotifier, make_failure_callback

SERVER = "{{ var.value.get('triage_server_url', '') }}"
START = datetime(2024, 1, 1)


def _notifier() -> TriageNotifier:
    return TriageNotifier(server_url=SERVER, instance="test-airflow", timeout_seconds=3, retries=1)


def report_with_plain_callback(context) -> None:
    # The plain-function form of the notifier (for setups without BaseNotifier).
    from airflow.sdk import Variable

    make_failure_callback(Variable.get("triage_server_url", default=""), instance="test-airflow")(context)


def fetch_prices() -> None:
    # Connects to a loopback port nobody listens on: a real ConnectionRefusedError.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    print(f"fetching prices from 127.0.0.1:{closed_port}")
    socket.create_connection(("127.0.0.1", closed_port), timeout=5)


def load_rows(**context) -> None:
    print(f"loading rows, try {context['ti'].try_number}")
    raise ValueError("row 17: column 'amount' is not a number: 'n/a'")


def killed() -> None:
    print("allocating a large buffer")
    os.kill(os.getpid(), 9)


with DAG("triage_raises", schedule=None, start_date=START, catchup=False,
         default_args={"on_failure_callback": _notifier()}):
    PythonOperator(task_id="fetch_prices", python_callable=fetch_prices)

with DAG("triage_bash_exit", schedule=None, start_date=START, catchup=False,
         default_args={"on_failure_callback": report_with_plain_callback}):
    BashOperator(task_id="export_report",
                 bash_command="echo 'exporting report'; ls /nonexistent/triage/input; exit 3")

# Reported twice: by the failed task (default_args) and by the DAG run's failure callback, whose
# context carries the failed task instance (Airflow 3.3.2); triage keeps one triage for both.
with DAG("triage_cascade", schedule=None, start_date=START, catchup=False, on_failure_callback=_notifier(),
         default_args={"on_failure_callback": _notifier()}):
    extract = PythonOperator(task_id="extract", python_callable=load_rows)
    transform = BashOperator(task_id="transform", bash_command="echo transform")
    publish = BashOperator(task_id="publish", bash_command="echo publish")
    extract >> transform >> publish

with DAG("triage_retry", schedule=None, start_date=START, catchup=False,
         default_args={"on_failure_callback": _notifier(), "retries": 1,
                       "retry_delay": timedelta(seconds=2)}):
    PythonOperator(task_id="load_rows", python_callable=load_rows)

with DAG("triage_sigkill", schedule=None, start_date=START, catchup=False,
         default_args={"on_failure_callback": _notifier()}):
    PythonOperator(task_id="build_index", python_callable=killed)


def check_partition(part: str) -> None:
    print(f"checking partition {part}")
    if part.endswith("02"):
        raise FileNotFoundError(f"partition {part} has no _SUCCESS marker")


# Dynamic task mapping: only map index 1 fails; the failure is identified by its map index.
with DAG("triage_mapped", schedule=None, start_date=START, catchup=False,
         default_args={"on_failure_callback": _notifier()}):
    PythonOperator.partial(task_id="check_partition", python_callable=check_partition).expand(
        op_args=[["2024-01-01"], ["2024-01-02"], ["2024-01-03"]])
