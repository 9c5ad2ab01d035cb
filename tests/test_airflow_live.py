"""The Airflow source against a REAL Apache Airflow 3.3.2 and a real `triage serve`.

Airflow is installed into a cached venv by tests/airflow_harness.py (first run only) and
started once for this module; the notifier is pip-installed into a folder on its PYTHONPATH.
The DAGs in tests/data/airflow/dags fail for real: an exception, a non-zero bash exit, an
upstream_failed cascade, a retried task, and a task SIGKILLed by itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.airflow_harness import AirflowServer, ensure_airflow_venv, run_failing_dags, running_airflow
from tests.support.server import TriageServer, free_port
from triage.settings import Settings
from triage.sources import airflow_api
from triage.sources.airflow import AirflowSource

# The first test also pays for installing Airflow into its cached venv on a fresh machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

INSTANCE = "test-airflow"
TOKEN = "tok-airflow"
DAGS = ["triage_raises", "triage_bash_exit", "triage_cascade", "triage_retry", "triage_sigkill", "triage_mapped"]


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    with running_airflow(AirflowServer, ensure_airflow_venv(), tmp_path_factory.mktemp("airflow"), DAGS, TOKEN) as server:
        yield server


def _instances(airflow: AirflowServer, user: str = "admin", password: str | None = None) -> str:
    return json.dumps([{"name": INSTANCE, "url": airflow.url, "username": user,
                        "password": password or airflow.users[user], "timeout_seconds": 20}])


@pytest.fixture(scope="module")
def triage(airflow, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("triage")
    server = TriageServer(workdir, f"sqlite:///{workdir / 'triage.db'}", free_port(),
                          {"TRIAGE_AIRFLOW_INSTANCES": _instances(airflow), "TRIAGE_API_TOKEN": TOKEN,
                           "TRIAGE_APPROVERS": '["api-token"]'})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def runs(airflow, triage):
    return run_failing_dags(airflow, triage.url, DAGS, created_status=201)


def _source(airflow: AirflowServer, user: str = "admin", password: str | None = None) -> AirflowSource:
    settings = Settings(_env_file=None, airflow_instances=json.loads(_instances(airflow, user, password)))
    return AirflowSource(settings)


def _airflow_events_received(triage: TriageServer) -> float:
    text = triage.get("/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("triage_events_received_total{") and 'source="airflow"' in line
               and 'kind="failure"' in line)


def _by_key(items: list[dict], dag: str, task: str) -> dict | None:
    return next((i for i in items if f"/{dag}/" in i["failure_key"] and f"/{task}/" in i["failure_key"]), None)


def test_notifier_reports_real_failures_with_logs_and_history(airflow, triage, runs):
    expected = [("triage_raises", "fetch_prices"), ("triage_bash_exit", "export_report"),
                ("triage_cascade", "extract"), ("triage_retry", "load_rows"), ("triage_mapped", "check_partition")]
    found = triage.wait_for(lambda items: all(_by_key(items, d, t) for d, t in expected) and items,
                            timeout=60, what="the notifier's five failures")
    published = {(d, t): triage.wait_published(_by_key(found, d, t)["id"], timeout=60) for d, t in expected}

    raises = published[("triage_raises", "fetch_prices")]
    assert raises["failure_key"] == f"airflow/{INSTANCE}/triage_raises/{runs['triage_raises']}/fetch_prices/-1/1"
    ev = raises["evidence"]
    # Real log lines read back through the REST API, the exception rendered as a traceback.
    assert "Traceback (most recent call last):" in ev["log_text"]
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in ev["log_text"]
    assert "fetching prices from 127.0.0.1:" in ev["log_text"]
    assert ev["status"]["state"] == "failed" and ev["status"]["operator"] == "PythonOperator"
    assert ev["status"]["pool"] == "default_pool" and ev["status"]["exception_type"] == "ConnectionRefusedError"
    assert not ev["notes"], ev["notes"]
    # Run history from the DAG's runs: this run (still finishing when the notifier fired).
    [this_run] = [h for h in ev["history"] if h["name"] == runs["triage_raises"]]
    assert this_run["outcome"] in ("failure", "running") and this_run["started_at"]
    # The check command names the real DAG and run (it is the generic Airflow command).
    command = raises["hypothesis"]["command"]
    assert command and "triage_raises" in command and runs["triage_raises"] in command

    bash = published[("triage_bash_exit", "export_report")]["evidence"]
    assert "No such file or directory" in bash["log_text"]
    assert bash["status"]["exit_code"] == 3 and bash["status"]["operator"] == "BashOperator"

    retry = published[("triage_retry", "load_rows")]
    assert retry["failure_key"].endswith("/load_rows/-1/2")  # the final try, not the retried one
    rlog = retry["evidence"]["log_text"]
    assert "load_rows try 1 (earlier try" in rlog and "load_rows try 2 (the failed try)" in rlog
    assert "loading rows, try 1" in rlog and "loading rows, try 2" in rlog
    assert sorted(t["try_number"] for t in retry["evidence"]["status"]["tries"]) == [1, 2]

    # A mapped task: the failure is map index 1, and its own log and state are read.
    mapped = triage.wait_published(_by_key(found, "triage_mapped", "check_partition")["id"], timeout=60)
    assert mapped["failure_key"].endswith("/check_partition/1/1")
    mev = mapped["evidence"]
    assert "FileNotFoundError: partition 2024-01-02 has no _SUCCESS marker" in mev["log_text"]
    assert "checking partition 2024-01-01" not in mev["log_text"]
    # States are read when the failure is triaged: the sibling indexes may still be running then.
    states = mev["status"]["run_task_states"]
    assert set(states) == {"check_partition[0]", "check_partition[1]", "check_partition[2]"}
    assert states["check_partition[1]"] == "failed"
    assert {states["check_partition[0]"], states["check_partition[2]"]} <= {"success", "running", "queued", "scheduled"}

    # The cascade's root was reported by its task callback and by the DAG's callback: one triage;
    # its downstream tasks were upstream_failed and got none.
    deadline = time.monotonic() + 60
    while _airflow_events_received(triage) < 6 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _airflow_events_received(triage) >= 6  # 5 task callbacks + the DAG-level one
    items = triage.get("/v1/triages", params={"limit": 500}).json()["items"]
    assert [i["job"] for i in items if "/triage_cascade/" in i["failure_key"]] == ["triage_cascade.extract"]


def test_sigkill_is_caught_by_the_poller_and_deduplicated(airflow, triage, runs):
    # Airflow 3.3.2 does not run on_failure_callback when the task process is SIGKILLed.
    items = triage.get("/v1/triages", params={"limit": 500}).json()["items"]
    callback_fired = bool(_by_key(items, "triage_sigkill", "build_index"))
    print(f"on_failure_callback fired for the SIGKILLed task: {callback_fired}")
    before = {i["failure_key"] for i in items}

    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update({"TRIAGE_AIRFLOW_INSTANCES": _instances(airflow), "TRIAGE_API_TOKEN": TOKEN})
    out = subprocess.run([sys.executable, "-m", "triage", "watch-airflow", "--once", "--server", triage.url,
                          "--window", "30"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr

    items = triage.wait_for(lambda it: _by_key(it, "triage_sigkill", "build_index") and it, timeout=30,
                            what="the poller's SIGKILL report")
    killed = triage.wait_published(_by_key(items, "triage_sigkill", "build_index")["id"], timeout=60)
    assert killed["evidence"]["status"]["signal"] == "SIGKILL"
    # Paging: small pages list the same failed task instances as one big page.
    client = _source(airflow).client(INSTANCE)
    since = datetime.now(timezone.utc) - timedelta(minutes=30)
    one_page = client.failed_task_instances(since)
    paged = client.failed_task_instances(since, page_size=2)
    assert len(one_page) >= 5
    assert sorted(t["id"] for t in paged) == sorted(t["id"] for t in one_page)
    # The poller sends no log link; the evidence points at the task in Airflow's UI.
    link = killed["links"]["airflow_task"]
    assert link.startswith(airflow.url) and "/tasks/build_index?try_number=1" in link
    # The signal in the status reaches the signatures: a SIGKILL reads as the OOM killer.
    assert killed["hypothesis"]["category"] == "oom", killed["hypothesis"]
    assert "Process terminated by signal" in killed["evidence"]["log_text"]
    [this_run] = [h for h in killed["evidence"]["history"] if h["name"] == runs["triage_sigkill"]]
    assert this_run["outcome"] == "failure" and this_run["duration_seconds"] > 0
    # The poller re-reported the failures the notifier already sent: still one triage each.
    keys = [i["failure_key"] for i in items]
    assert len(keys) == len(set(keys))
    assert before <= set(keys) and len(set(keys) - before) == (0 if callback_fired else 1)


def test_upstream_failed_task_shows_the_failed_upstream_log(airflow, runs):
    src = _source(airflow)
    [event] = src.parse({"dag_id": "triage_cascade", "task_id": "publish", "run_id": runs["triage_cascade"],
                         "try_number": 0, "instance": INSTANCE, "state": "upstream_failed", "reported_by": "manual"})
    ev = src.collect_evidence(event)
    assert ev.status["state"] == "upstream_failed"
    assert ev.status["upstream_failed_root"] == "extract"
    assert "row 17: column 'amount' is not a number" in ev.log_text
    assert any("upstream task extract" in n for n in ev.notes)
    assert ev.status["run_task_states"] == {"extract": "failed", "transform": "upstream_failed",
                                            "publish": "upstream_failed"}


def test_denied_and_missing_become_notes(airflow, runs):
    wrong = _source(airflow, "admin", "not-the-password")
    [event] = wrong.parse({"dag_id": "triage_raises", "task_id": "fetch_prices", "run_id": runs["triage_raises"],
                           "instance": INSTANCE, "exception_type": "ConnectionRefusedError",
                           "exception_message": "[Errno 111] Connection refused"})
    ev = wrong.collect_evidence(event)
    assert ev.notes and all("HTTP 401" in n for n in ev.notes)
    assert "ConnectionRefusedError" in ev.log_text  # falls back to what the notifier sent

    src = _source(airflow)
    [gone] = src.parse({"dag_id": "no_such_dag", "task_id": "t", "run_id": "r", "instance": INSTANCE})
    ev = src.collect_evidence(gone)
    assert any("HTTP 404" in n for n in ev.notes)

    viewer = _source(airflow, "viewer")
    [event] = viewer.parse({"dag_id": "triage_bash_exit", "task_id": "export_report",
                            "run_id": runs["triage_bash_exit"], "instance": INSTANCE})
    assert "No such file or directory" in viewer.collect_evidence(event).log_text  # a viewer may read logs
    result = viewer.rerun(event, "viewer-approval")
    assert not result.ok and "HTTP 403" in result.detail
    assert airflow.task_instance("triage_bash_exit", runs["triage_bash_exit"], "export_report")["state"] == "failed"


def test_expired_token_is_refreshed(airflow, runs):
    src = _source(airflow)
    client = src.client(INSTANCE)
    expired = airflow.expired_token()
    r = httpx.get(f"{airflow.url}/api/v2/dags", headers={"Authorization": f"Bearer {expired}"}, timeout=10)
    assert r.status_code == 401  # what Airflow answers to an expired token
    airflow_api._TOKENS[client.token_key()] = expired
    ti = client.task_instance("triage_raises", runs["triage_raises"], "fetch_prices")
    assert ti["state"] == "failed"
    assert airflow_api._TOKENS[client.token_key()] != expired


def test_approved_rerun_clears_the_task_once(airflow, triage, runs):
    dag, run_id, task = "triage_bash_exit", runs["triage_bash_exit"], "export_report"
    items = triage.get("/v1/triages", params={"limit": 500}).json()["items"]
    view = next(i for i in items if i["failure_key"] == f"airflow/{INSTANCE}/{dag}/{run_id}/{task}/-1/1")
    assert view["state"] == "published"

    # A human approves through the service (the inbox's action, with the API token as the actor).
    approve = httpx.post(f"{triage.url}/triages/{view['id']}/actions/approve", data={"nonce": "n-1"},
                         headers={**triage.headers(), "Accept": "application/json"}, timeout=30)
    assert approve.status_code == 200 and approve.json()["ok"], approve.text
    done = triage.wait_published(view["id"], timeout=30)
    deadline = time.monotonic() + 60
    while done["state"] in ("approved", "rerun_requested") and time.monotonic() < deadline:
        time.sleep(0.5)
        done = triage.get(f"/v1/triages/{view['id']}").json()
    assert done["state"] == "rerun_done", done
    audit = json.dumps(done["audit"])
    assert "cleared 1 task instance(s)" in audit and "export_report" in audit

    # Airflow really re-queued it: the scheduler runs try 2 (which fails again, for real).
    deadline = time.monotonic() + 120
    ti = {}
    while time.monotonic() < deadline:
        ti = airflow.task_instance(dag, run_id, task)
        if ti["try_number"] == 2 and ti["state"] == "failed":
            break
        time.sleep(1)
    assert ti["try_number"] == 2 and ti["state"] == "failed", ti
    assert "triage approval a" in (ti["note"] or "")  # the approval id, visible in Airflow

    # A replay of the same approval, in a process with no memory of it, does not clear again.
    approval_id = ti["note"].split("triage approval ", 1)[1].split()[0]
    src = _source(airflow)
    [event] = src.parse({"dag_id": dag, "task_id": task, "run_id": run_id, "try_number": 1, "instance": INSTANCE})
    assert "dry_run false" in src.describe_rerun(event)
    again = src.rerun(event, approval_id)
    assert again.ok and "not cleared again" in again.detail
    # And the same approval id twice in one process returns the recorded outcome.
    assert src.rerun(event, approval_id) == again
    time.sleep(3)
    assert airflow.task_instance(dag, run_id, task)["try_number"] == 2


def test_mapped_task_rerun_clears_only_its_index(airflow, runs):
    dag, run_id, task = "triage_mapped", runs["triage_mapped"], "check_partition"
    src = _source(airflow)
    [event] = src.parse({"dag_id": dag, "task_id": task, "run_id": run_id, "map_index": 1, "try_number": 1,
                         "instance": INSTANCE})
    result = src.rerun(event, "approval-mapped")
    assert result.ok and result.reference == f"{dag}/{run_id}/{task}[1]", result
    deadline = time.monotonic() + 120
    tis = {}
    while time.monotonic() < deadline:
        listed = airflow.api("GET", f"/dags/{dag}/dagRuns/{run_id}/taskInstances").json()["task_instances"]
        tis = {t["map_index"]: (t["state"], t["try_number"]) for t in listed}
        if tis.get(1) == ("failed", 2):
            break
        time.sleep(1)
    assert tis == {0: ("success", 1), 1: ("failed", 2), 2: ("success", 1)}
