"""Airflow 2 DAG that runs the recorders' nightly ETL (jobs/nightly_etl.py) as tasks.

Each task runs some of the job's stages in-process, so the job's own logging lands in the
real Airflow task log. The recorder passes the job's settings in REC_* environment
variables (inherited by `airflow tasks run`), so one DAG file serves every Airflow recorder.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import datetime, timedelta

from airflow import DAG
from airflow.hooks.base import BaseHook
from airflow.operators.python import PythonOperator


def _job(stages: str):
    sys.path.insert(0, os.environ["REC_APP_DIR"])
    import nightly_etl  # the deployed job, as a DAG's helper module would be

    logging.getLogger("nightly_etl").setLevel(logging.DEBUG)
    args = argparse.Namespace(
        input=os.environ["REC_INPUT"], output=os.environ["REC_OUTPUT"], checkpoint_dir="",
        date=os.environ["REC_RUN_DATE"], stages=stages, lookback=int(os.environ.get("REC_LOOKBACK", "0")),
        api_url=os.environ.get("REC_API_URL", "http://127.0.0.1:9"), ca_bundle="", ref_pages=3,
        ref_cache=os.environ.get("REC_REF_CACHE", ""), retries=4, http_timeout=5.0,
        batch_size=int(os.environ.get("REC_BATCH", "100")), progress_every=int(os.environ.get("REC_PROGRESS", "200")),
        index_fanout=int(os.environ.get("REC_FANOUT", "0")), slow_transform=float(os.environ.get("REC_SLOW", "0")),
        loud_quarantine=bool(os.environ.get("REC_LOUD_QUARANTINE")), dsn="", statement_timeout="", rollup_sql="",
        adjust_customers=0, adjust_reverse=False, adjust_pause=0.0,
        pushgateway=os.environ.get("REC_PUSHGATEWAY", "http://127.0.0.1:9"),
        lock_file="/tmp/nightly_etl/warehouse.lock", lock_attempts=1, lock_wait=0.0, uploader="s3sync",
        upload_target="",
    )
    job = nightly_etl.Job(args)
    for stage in stages.split(","):
        getattr(job, stage)()
    return job


def extract_transform() -> None:
    _job(os.environ.get("REC_STAGES", "bootstrap,reference,extract,transform,write"))


WAREHOUSE_CONN_ID = "warehouse_pg"


def load_warehouse() -> None:
    job = _job(os.environ.get("REC_STAGES", "bootstrap,extract,transform"))
    conn = BaseHook.get_connection(WAREHOUSE_CONN_ID)
    logging.getLogger("nightly_etl").info("loading %d rows into %s", len(job.rows), conn.host)


with DAG(
    dag_id="nightly_orders",
    schedule="15 2 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"owner": "data-eng", "retries": 0},
    tags=["orders", "etl"],
) as dag:
    et = PythonOperator(
        task_id="extract_transform",
        python_callable=extract_transform,
        execution_timeout=timedelta(seconds=int(os.environ.get("REC_EXEC_TIMEOUT", "3600"))),
    )
    load = PythonOperator(task_id="load_warehouse", python_callable=load_warehouse)
    et >> load
