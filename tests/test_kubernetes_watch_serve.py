"""`triage watch-kubernetes` as a process, reporting to a real `triage serve`.

The watcher and the service both reach the loopback API server through a kubeconfig. A Job
that fails becomes one triage; Alertmanager's KubeJobFailed for the same Job lands on that
same triage; the watcher's captured logs survive the pods being deleted.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.kube_apiserver import install_scenario, load_scenario

DATA = Path(__file__).parent / "data" / "kubernetes"
TOKEN = "watch-test-token-77a1"


@pytest.fixture
def watcher_process(tmp_path):
    procs: list[subprocess.Popen] = []

    def start(server_url: str, kubeconfig: Path, namespace: str) -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
        env.update({"TRIAGE_KUBECONFIG": str(kubeconfig), "TRIAGE_API_TOKEN": TOKEN, "TRIAGE_LOG_JSON": "false"})
        log = open(tmp_path / "watch.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "triage", "watch-kubernetes", "--server", server_url,
                                 "--namespace", namespace, "--watch-timeout", "5"],
                                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_watcher_reports_to_serve_and_the_alert_joins_the_same_triage(kube, triage_server, watcher_process, tmp_path):
    scenario = load_scenario(DATA / "deadline_exceeded.json")
    kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig")
    install_scenario(kube, {**scenario, "objects": [o for o in scenario["objects"] if o["kind"] != "Job"
                                                    or o["metadata"]["name"] != scenario["failed_job"]["job"]]})
    failed = next(o for o in scenario["objects"] if o["kind"] == "Job" and o["metadata"]["name"] == scenario["failed_job"]["job"])
    running = copy.deepcopy(failed)
    running["status"] = {"startTime": failed["status"]["startTime"], "active": 1}
    kube.put(running)
    pod = copy.deepcopy(scenario["watch_pod"])
    kube.put(pod)
    kube.set_log("etl", pod["metadata"]["name"], "sync", scenario["watch_log"])

    # No workers yet: the triage waits in `received` until the pod is gone (see below).
    env = {"TRIAGE_API_TOKEN": TOKEN, "TRIAGE_KUBECONFIG": str(kubeconfig)}
    server = triage_server(env={**env, "TRIAGE_WORKER_THREADS": "0"})
    proc = watcher_process(server.url, kubeconfig, "etl")
    deadline = time.monotonic() + 20
    while not [p for p in kube.requests_matching("GET", "/namespaces/etl/jobs") if "watch=" in p]:
        assert proc.poll() is None, (tmp_path / "watch.log").read_text()
        assert time.monotonic() < deadline, "the watcher never started watching"
        time.sleep(0.1)

    kube.put(copy.deepcopy(failed))  # the Job controller marks it Failed
    [item] = server.wait_for(lambda xs: xs or None, timeout=20, what="the watcher's report")
    assert item["failure_key"] == f"kubernetes/etl/{failed['metadata']['name']}"
    # The Job controller deletes the pod; only then does a worker collect the evidence
    # (a second service process on the same database): the watcher's captured log remains.
    kube.delete("Pod", "etl", pod["metadata"]["name"])
    assert server.get(f"/v1/triages/{item['id']}").json()["state"] == "received"
    worker = triage_server(env=env, database_url=server.database_url)
    card = worker.wait_published(item["id"], timeout=30)
    assert card["evidence"]["log_origin"] == "captured by triage watch-kubernetes when the Job failed"
    assert "received SIGTERM" in card["evidence"]["log_text"]
    assert any("no pods left" in n for n in card["evidence"]["notes"])
    assert card["evidence"]["status"]["pod"] == pod["metadata"]["name"]
    assert card["evidence"]["status"]["job_condition_reason"] == "DeadlineExceeded"
    assert card["hypothesis"]["category"] == "timeout_deadline"

    # Alertmanager's KubeJobFailed for the same Job: no second triage.
    webhook = {"version": "4", "status": "firing", "receiver": "triage", "groupKey": "{}:{}", "truncatedAlerts": 0,
               "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am:9093",
               "alerts": [{"status": "firing", "labels": {"alertname": "KubeJobFailed", "namespace": "etl",
                                                          "job_name": failed["metadata"]["name"]},
                           "annotations": {}, "startsAt": "2025-03-14T11:31:00Z", "endsAt": "0001-01-01T00:00:00Z",
                           "generatorURL": "", "fingerprint": "8f2a61c0d3b94e57"}]}
    r = server.post("/v1/events/alertmanager", json=webhook)
    assert r.status_code == 202, r.text
    assert r.json()["items"][0] == {"kind": "failure", "triage_id": item["id"], "created": False,
                                    "failure_key": item["failure_key"]}
    assert len(server.get("/v1/triages").json()["items"]) == 1

    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(10) == 0
