"""A real Prometheus Alertmanager posting its webhook to a real `triage serve`.

The triage service reads the cluster through a kubeconfig that points at the loopback API
server (tests/fakes/kube_apiserver.py), so a KubeJobFailed alert ends in a triage whose
evidence holds the pod's termination reason, its logs and the CronJob's last runs.
Alertmanager's repeat_interval re-sends must not make a second triage, and its `resolved`
notice must update the existing one. Needs scripts/install-alertmanager.sh (Debian package).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.kube_apiserver import FakeKubeAPIServer, install_scenario, load_scenario
from tests.support.server import free_port

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data" / "kubernetes"
TOKEN = "am-test-token-5b1f"


def alertmanager_binary() -> str:
    for name in ("alertmanager", "prometheus-alertmanager"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Alertmanager is not installed: run scripts/install-alertmanager.sh (Debian prometheus-alertmanager)")


class Alertmanager:
    """One Alertmanager on loopback, clustering off, in its own process group."""

    def __init__(self, workdir: Path, webhook_url: str, http_config: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        config = {
            "route": {"receiver": "triage", "group_by": ["alertname"], "group_wait": "1s",
                      "group_interval": "2s", "repeat_interval": "4s"},
            "receivers": [{"name": "triage", "webhook_configs": [
                {"url": webhook_url, "send_resolved": True, "max_alerts": 0, "http_config": http_config}]}],
        }
        (workdir / "am.yml").write_text(yaml.safe_dump(config))
        (workdir / "am-data").mkdir(exist_ok=True)
        self.log_path = workdir / "alertmanager.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [alertmanager_binary(), f"--config.file={self.workdir / 'am.yml'}", f"--storage.path={self.workdir / 'am-data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=", f"--web.external-url={self.url}"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log()
            try:
                if httpx.get(self.url + "/-/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("Alertmanager did not become ready:\n" + self.log())

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def post_alerts(self, alerts: list[dict]) -> None:
        r = httpx.post(self.url + "/api/v2/alerts", json=alerts, timeout=5)
        assert r.status_code == 200, r.text


@pytest.fixture
def kube():
    with FakeKubeAPIServer() as server:
        for name in ("oomkilled", "cronjob_history"):
            install_scenario(server, load_scenario(DATA / f"{name}.json"))
        yield server


@pytest.fixture
def alertmanager(tmp_path):
    started: list[Alertmanager] = []

    def start(webhook_url: str, http_config: dict) -> Alertmanager:
        am = Alertmanager(tmp_path, webhook_url, http_config)
        am.start()
        started.append(am)
        return am

    yield start
    for am in started:
        am.stop()


def ksm_alert(namespace: str, job_name: str, starts: datetime, ends: datetime | None = None) -> dict:
    """KubeJobFailed as kube-prometheus fires it: the metric's labels plus the exporter's."""
    alert = {
        "labels": {"alertname": "KubeJobFailed", "namespace": namespace, "job_name": job_name, "condition": "true",
                   "severity": "warning", "job": "kube-state-metrics", "container": "kube-state-metrics",
                   "pod": "kube-state-metrics-6f7d9c7b8-2xk4p", "instance": "10.244.1.9:8080"},
        "annotations": {"summary": "Job failed to complete.",
                        "description": f"Job {namespace}/{job_name} failed to complete."},
        "startsAt": starts.isoformat(),
        "generatorURL": "http://prometheus.local:9090/graph?g0.expr=kube_job_failed",
    }
    if ends:
        alert["endsAt"] = ends.isoformat()
    return alert


def events_received(server, kind: str) -> float:
    text = httpx.get(server.url + "/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (sample.name == "triage_events_received_total" and sample.labels.get("source") == "alertmanager"
                    and sample.labels.get("kind") == kind):
                return sample.value
    return 0.0


def wait_until(predicate, timeout: float, what: str, log: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{log}")


def test_kube_job_failed_through_a_real_alertmanager(kube, triage_server, alertmanager, tmp_path):
    oom = load_scenario(DATA / "oomkilled.json")
    hist = load_scenario(DATA / "cronjob_history.json")
    kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig")
    server = triage_server(env={"TRIAGE_API_TOKEN": TOKEN, "TRIAGE_KUBECONFIG": str(kubeconfig),
                                "TRIAGE_KUBERNETES_TIMEOUT_SECONDS": "5"})
    am = alertmanager(server.url + "/v1/events/alertmanager",
                      {"authorization": {"type": "Bearer", "credentials": TOKEN}})

    starts = datetime.now(timezone.utc) - timedelta(minutes=2)
    firing = [ksm_alert("reports", oom["failed_job"]["job"], starts), ksm_alert("data", hist["failed_job"]["job"], starts)]
    generic = {"labels": {"alertname": "BackupTooOld", "instance": "db-1:9100", "severity": "critical"},
               "annotations": {"summary": "Last successful backup is 31h old"}, "startsAt": starts.isoformat()}
    am.post_alerts(firing + [generic])

    items = server.wait_for(lambda xs: xs if len(xs) == 3 else None, timeout=20, what="three triages")
    by_job = {i["failure_key"]: i for i in items}
    oom_key = f"kubernetes/reports/{oom['failed_job']['job']}"
    hist_key = f"kubernetes/data/{hist['failed_job']['job']}"
    assert {oom_key, hist_key} <= by_job.keys()

    # OOMKilled: the pod's termination reason and its logs, read from the API by the service.
    card = server.wait_published(by_job[oom_key]["id"], timeout=30)
    assert card["source"] == "kubernetes"
    status = card["evidence"]["status"]
    assert status["termination_reason"] == "OOMKilled" and status["exit_code"] == 137
    assert status["pod"] == oom["expect"]["pod"]
    assert "loaded 48213442 rows" in card["evidence"]["log_text"]
    assert card["hypothesis"]["category"] == "oom"
    command = card["hypothesis"]["command"]
    assert command and "-n reports" in command, card["hypothesis"]
    assert oom["expect"]["pod"] in command or oom["failed_job"]["job"] in command

    # The CronJob's last runs, as history.
    card = server.wait_published(by_job[hist_key]["id"], timeout=30)
    assert [r["outcome"] for r in card["evidence"]["history"]] == hist["expect"]["history"]
    assert card["evidence"]["status"]["cronjob"]["schedule"] == "*/15 * * * *"
    assert card["evidence"]["status"]["pod"] == hist["expect"]["pod"]
    assert "Connection refused" in card["evidence"]["log_text"]

    [other] = [i for i in items if i["source"] == "alertmanager"]
    card = server.wait_published(other["id"], timeout=30)
    assert card["evidence"]["status"]["alertname"] == "BackupTooOld"
    assert "Last successful backup is 31h old" in card["evidence"]["log_text"]

    # repeat_interval (4s): Alertmanager re-sends both groups; still three triages.
    wait_until(lambda: events_received(server, "failure") >= 6, 30, "a repeat_interval re-send", am.log())
    assert len(server.get("/v1/triages", params={"limit": 500}).json()["items"]) == 3

    # Resolution: the same alerts with an end time; Alertmanager sends `resolved`.
    ended = datetime.now(timezone.utc)
    am.post_alerts([ksm_alert("reports", oom["failed_job"]["job"], starts, ended),
                    ksm_alert("data", hist["failed_job"]["job"], starts, ended)])
    wait_until(lambda: all("resolved" in server.get(f"/v1/triages/{by_job[k]['id']}").json()["timeline"]
                           for k in (oom_key, hist_key)), 30, "resolved notices", am.log())
    assert events_received(server, "resolved") >= 2
    final = server.get("/v1/triages", params={"limit": 500}).json()["items"]
    assert len(final) == 3
    audit = server.get(f"/v1/triages/{by_job[oom_key]['id']}").json()["audit"]
    assert any(a["action"] == "resolved" for a in audit)
    # The generic alert is still firing: not resolved.
    assert "resolved" not in server.get(f"/v1/triages/{other['id']}").json()["timeline"]


def test_basic_auth_from_alertmanager(triage_server, alertmanager):
    server = triage_server(env={"TRIAGE_API_TOKEN": TOKEN, "TRIAGE_ALERTMANAGER_USERNAME": "alertmanager",
                                "TRIAGE_ALERTMANAGER_PASSWORD": "pw-9d2c"})
    am = alertmanager(server.url + "/v1/events/alertmanager",
                      {"basic_auth": {"username": "alertmanager", "password": "pw-9d2c"}})
    am.post_alerts([{"labels": {"alertname": "DiskAlmostFull", "instance": "nfs-2:9100"},
                     "annotations": {"description": "/export is 97% full"},
                     "startsAt": datetime.now(timezone.utc).isoformat()}])
    [item] = server.wait_for(lambda xs: xs or None, timeout=20, what="one triage")
    assert item["source"] == "alertmanager" and item["job"] == "nfs-2:9100"
