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
