"""Failing DAGs for triage's Airflow 2.x tests (the 2.x import paths; same failures as dags/)."""

from __future__ import annotations

from datetime import datetime

from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator

from triage_airflow import TriageNotifier, make_failure_callback


def report_with_plain_callback(context) -> None:
    make_failure_callback(Variable.get("triage_server_url", default_var=""), instance="test-airflow2")(context)


def load_rows() -> None:
    print("loading rows")
    raise ValueError("row 17: column 'amount' is not a number: 'n/a'")


with DAG("triage2_raises", schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
         default_args={"on_failure_callback": TriageNotifier(
             server_url="{{ var.value.get('triage_server_url', '') }}", instance="test-airflow2")}):
    PythonOperator(task_id="load_rows", python_callable=load_rows)

with DAG("triage2_bash_exit", schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
         default_args={"on_failure_callback": report_with_plain_callback}):
    BashOperator(task_id="export_report", bash_command="echo 'exporting report'; ls /nonexistent/triage/input; exit 3")


def check_partition(day: str) -> None:
    print(f"checking partition {day}")
    if day == "2024-01-02":
        raise ValueError(f"partition {day} has 0 rows")


# Dynamic task mapping: only map index 1 fails (triggered by its own test, not by the fixture).
with DAG("triage2_mapped", schedule=None, start_date=datetime(2024, 1, 1), catchup=False):
    PythonOperator.partial(task_id="check_partition", python_callable=check_partition).expand(
        op_args=[["2024-01-01"], ["2024-01-02"], ["2024-01-03"]])
