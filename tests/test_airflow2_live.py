"""The Airflow 2.x paths against a REAL Apache Airflow 2.10.5: the notifier on Airflow 2's
BaseNotifier and the plain callback, evidence through /api/v1 with basic auth (text logs), the
poller's v1 listing, and an approved clear."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.airflow_harness import AIRFLOW2_VERSION, Airflow2Server, ensure_airflow_venv, run_failing_dags, running_airflow
from tests.support.server import TriageServer, free_port
from triage.settings import Settings
from triage.sources.airflow import AirflowSource

# The first test also pays for installing Airflow into its cached venv on a fresh machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

INSTANCE = "test-airflow2"
TOKEN = "tok-airflow2"
DAGS = ["triage2_raises", "triage2_bash_exit"]


@pytest.fixture(scope="module")
def airflow2(tmp_path_factory):
    venv = ensure_airflow_venv(version=AIRFLOW2_VERSION)
    with running_airflow(Airflow2Server, venv, tmp_path_factory.mktemp("airflow2"), DAGS, TOKEN) as server:
        yield server


def _instances(airflow: Airflow2Server) -> str:
    return json.dumps([{"name": INSTANCE, "url": airflow.url, "username": "admin",
                        "password": airflow.users["admin"], "api_version": 2, "timeout_seconds": 20}])


@pytest.fixture(scope="module")
def triage(airflow2, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("triage2")
    server = TriageServer(workdir, f"sqlite:///{workdir / 'triage.db'}", free_port(),
                          {"TRIAGE_AIRFLOW_INSTANCES": _instances(airflow2), "TRIAGE_API_TOKEN": TOKEN})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def runs(airflow2, triage):
    return run_failing_dags(airflow2, triage.url, DAGS, created_status=200)


def _find(items: list[dict], dag: str) -> dict | None:
    return next((i for i in items if f"/{dag}/" in i["failure_key"]), None)


def test_airflow2_notifier_and_callback_with_text_logs(airflow2, triage, runs):
    items = triage.wait_for(lambda it: all(_find(it, d) for d in DAGS) and it, timeout=60,
                            what="both Airflow 2 failures")
    raises = triage.wait_published(_find(items, "triage2_raises")["id"], timeout=60)
    assert raises["failure_key"] == f"airflow/{INSTANCE}/triage2_raises/{runs['triage2_raises']}/load_rows/-1/1"
    ev = raises["evidence"]
    assert "ValueError: row 17: column 'amount' is not a number: 'n/a'" in ev["log_text"]
    assert "loading rows" in ev["log_text"] and "Found local files" not in ev["log_text"]
    assert ev["log_origin"].startswith("Airflow /api/v1 log")
    assert ev["status"]["state"] == "failed" and ev["status"]["operator"] == "PythonOperator"
    assert not ev["notes"], ev["notes"]
    assert [h["name"] for h in ev["history"]] == [runs["triage2_raises"]]

    bash = triage.wait_published(_find(items, "triage2_bash_exit")["id"], timeout=60)["evidence"]
    assert "No such file or directory" in bash["log_text"] and bash["status"]["exit_code"] == 3


def test_airflow2_poller_lists_failures_and_they_deduplicate(airflow2, triage, runs):
    before = {i["failure_key"] for i in triage.get("/v1/triages", params={"limit": 500}).json()["items"]}
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update({"TRIAGE_AIRFLOW_INSTANCES": _instances(airflow2), "TRIAGE_API_TOKEN": TOKEN})
    out = subprocess.run([sys.executable, "-m", "triage", "watch-airflow", "--once", "--server", triage.url],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "reported 2 failed task instance(s)" in out.stdout  # both listed through /api/v1 and posted
    time.sleep(1)
    after = [i["failure_key"] for i in triage.get("/v1/triages", params={"limit": 500}).json()["items"]]
    assert sorted(after) == sorted(before)  # the same failures: no new triage


def test_airflow2_approved_clear(airflow2, runs):
    dag, run_id, task = "triage2_raises", runs["triage2_raises"], "load_rows"
    src = AirflowSource(Settings(_env_file=None, airflow_instances=json.loads(_instances(airflow2))))
    [event] = src.parse({"dag_id": dag, "task_id": task, "run_id": run_id, "instance": INSTANCE})
    result = src.rerun(event, "approval-v2")
    assert result.ok, result.detail
    deadline = time.monotonic() + 120
    ti = {}
    while time.monotonic() < deadline:
        ti = airflow2.api("GET", f"/dags/{dag}/dagRuns/{run_id}/taskInstances/{task}").json()
        if ti["try_number"] == 2 and ti["state"] == "failed":
            break
        time.sleep(1)
    assert ti["try_number"] == 2 and ti["state"] == "failed", ti
    AirflowSource._applied.clear()
    again = src.rerun(event, "approval-v2")
    assert again.ok and "not cleared again" in again.detail


def test_airflow2_mapped_rerun_clears_only_its_index(airflow2, runs):
    # Airflow 2's clearTaskInstances takes plain task ids (a [task, map_index] pair is a 400):
    # the re-run of one failed map index must still clear that index, and only it.
    dag, task = "triage2_mapped", "check_partition"
    airflow2.wait_dags([dag])
    run_id = airflow2.trigger(dag)
    assert airflow2.wait_run(dag, run_id)["state"] == "failed"
    src = AirflowSource(Settings(_env_file=None, airflow_instances=json.loads(_instances(airflow2))))
    [event] = src.parse({"dag_id": dag, "task_id": task, "run_id": run_id, "map_index": 1, "instance": INSTANCE})
    result = src.rerun(event, "approval-v2-mapped")
    assert result.ok and result.reference == f"{dag}/{run_id}/{task}[1]", result
    deadline = time.monotonic() + 120
    tis = {}
    while time.monotonic() < deadline:
        listed = airflow2.api("GET", f"/dags/{dag}/dagRuns/{run_id}/taskInstances").json()["task_instances"]
        tis = {t["map_index"]: (t["state"], t["try_number"]) for t in listed}
        if tis.get(1) == ("failed", 2):
            break
        time.sleep(1)
    assert tis == {0: ("success", 1), 1: ("failed", 2), 2: ("success", 1)}
