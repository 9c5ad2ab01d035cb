"""The Job watcher against the loopback API server, through the real `kubernetes` client.

Watch streams are real chunked HTTP responses; 410 Gone and dropped connections are made
by the server (history compaction, sockets shut down mid-stream), not simulated in the client.
"""

from __future__ import annotations

import copy
import threading
import time
from pathlib import Path

import pytest

from tests.fakes.kube_apiserver import FakeKubeAPIServer, install_scenario, load_scenario
from triage.models import FailureEvent
from triage.settings import Settings
from triage.sources.kube.api import KubeAPI, api_client_from_settings
from triage.sources.kube.watcher import JobWatcher

DATA = Path(__file__).parent / "data" / "kubernetes"


@pytest.fixture
def api(kubeconfig):
    settings = Settings(kubeconfig=kubeconfig, kubernetes_timeout_seconds=5)
    return KubeAPI(api_client_from_settings(settings), settings.kubernetes_timeout_seconds)


class Running:
    """A JobWatcher on a thread, with its reports collected."""

    def __init__(self, api: KubeAPI, namespace: str | None, **kw):
        self.reports: list[FailureEvent] = []
        self.watcher = JobWatcher(api, namespace, self.reports.append, backoff_initial=0.1, **kw)
        self.thread = threading.Thread(target=self.watcher.run, daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.watcher.close()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()

    def wait(self, predicate, timeout: float = 30.0, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}: reports={self.reports} lists={self.watcher.lists} "
                             f"reconnects={self.watcher.reconnects} gone={self.watcher.gone}")


def watching(kube: FakeKubeAPIServer, path_part: str) -> int:
    return len([p for p in kube.requests_matching("GET", path_part) if "watch=" in p])


def oom_scenario() -> dict:
    return load_scenario(DATA / "oomkilled.json")


def active_copy(job: dict) -> dict:
    """The same Job while it is still running (before its Failed condition)."""
    running = copy.deepcopy(job)
    running["status"] = {"startTime": job["status"]["startTime"], "active": 1}
    return running


def failed_job(name: str, namespace: str = "batch-jobs", reason: str = "BackoffLimitExceeded") -> dict:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
            "spec": {"backoffLimit": 0, "template": {"spec": {"containers": [{"name": "main", "image": "busybox:1.36"}],
                                                              "restartPolicy": "Never"}}},
            "status": {"startTime": now, "failed": 1, "conditions": [
                {"type": "FailureTarget", "status": "True", "reason": reason, "lastTransitionTime": now},
                {"type": "Failed", "status": "True", "reason": reason, "message": "Job has reached the specified backoff limit",
                 "lastTransitionTime": now}]}}


def test_job_that_fails_is_reported_once_with_its_logs(kube, api):
    scenario = oom_scenario()
    job = next(o for o in scenario["objects"] if o["kind"] == "Job" and o["metadata"]["name"] == scenario["failed_job"]["job"])
    kube.put(active_copy(job))
    with Running(api, "reports", watch_timeout_seconds=30) as run:
        run.wait(lambda: watching(kube, "/namespaces/reports/jobs") >= 1, what="the watch request")
        # The pods and their logs exist when the Job's Failed condition arrives.
        install_scenario(kube, {**scenario, "objects": [o for o in scenario["objects"] if o["kind"] == "Pod"]})
        kube.put(copy.deepcopy(job))
        run.wait(lambda: len(run.reports) == 1, what="one report")
        # Later changes to the same failed Job (labels, finalizers) are not new failures.
        again = copy.deepcopy(kube.get("Job", "reports", job["metadata"]["name"]))
        again["metadata"]["labels"]["touched"] = "yes"
        kube.put(again)
        marker = failed_job("marker-1", namespace="reports")
        kube.put(marker)
        run.wait(lambda: len(run.reports) == 2, what="the marker Job")
    first, second = run.reports
    assert second.kubernetes.job == "marker-1"
    assert first.kubernetes.job == job["metadata"]["name"]
    assert first.kubernetes.uid is None and first.attributes["job_uid"] == job["metadata"]["uid"]
    assert first.kubernetes.pod == scenario["expect"]["pod"]
    assert first.kubernetes.cronjob == "nightly-report"
    assert (first.reason, first.exit_code) == ("OOMKilled", 137)
    assert "loaded 48213442 rows" in first.log_excerpt
    assert first.failure_key == f"kubernetes/reports/{job['metadata']['name']}"


def test_job_that_retried_then_completed_is_not_a_failure(kube, api):
    with Running(api, "batch-jobs", watch_timeout_seconds=30) as run:
        run.wait(lambda: watching(kube, "/namespaces/batch-jobs/jobs") >= 1, what="the watch request")
        flaky = failed_job("flaky-1")
        flaky["status"] = {"startTime": flaky["status"]["startTime"], "active": 1, "failed": 2}
        kube.put(flaky)  # two pods failed, a third is running
        done = copy.deepcopy(kube.get("Job", "batch-jobs", "flaky-1"))
        t = done["status"]["startTime"]
        done["status"] = {"startTime": t, "completionTime": t, "failed": 2, "succeeded": 1, "conditions": [
            {"type": "SuccessCriteriaMet", "status": "True", "lastTransitionTime": t},
            {"type": "Complete", "status": "True", "lastTransitionTime": t}]}
        kube.put(done)
        # A Job that did fail, after it: once it is reported, the stream was read past flaky-1.
        kube.put(failed_job("broken-1"))
        run.wait(lambda: len(run.reports) >= 1, what="the failed Job")
        time.sleep(0.3)
    assert [r.kubernetes.job for r in run.reports] == ["broken-1"]


def test_410_gone_lists_again_and_finds_what_it_missed(kube, api):
    with Running(api, "batch-jobs", watch_timeout_seconds=1) as run:
        run.wait(lambda: watching(kube, "/namespaces/batch-jobs/jobs") >= 1, what="the watch request")
        assert run.watcher.lists == 1
        # A Job fails, and the server compacts its history before the watcher resumes:
        # resuming from the old resourceVersion gets an ERROR event with a 410 Status.
        with kube.cluster.cond:
            kube.put(failed_job("missed-1"))
            kube.compact()
        run.wait(lambda: [r.kubernetes.job for r in run.reports] == ["missed-1"], timeout=15, what="missed-1 after a re-list")
    assert run.watcher.gone >= 1
    assert run.watcher.lists >= 2


def test_dropped_connection_reconnects_from_the_last_version(kube, api):
    kube.put(failed_job("old-failure", reason="DeadlineExceeded"))  # reported by the first list
    with Running(api, "batch-jobs", watch_timeout_seconds=60) as run:
        run.wait(lambda: watching(kube, "/namespaces/batch-jobs/jobs") >= 1 and len(run.reports) == 1, what="the watch")
        kube.drop_watches()
        run.wait(lambda: run.watcher.reconnects >= 1, what="a reconnect")
        kube.put(failed_job("after-drop"))
        run.wait(lambda: len(run.reports) == 2, what="after-drop")
        lists = run.watcher.lists
    assert [r.kubernetes.job for r in run.reports] == ["old-failure", "after-drop"]
    assert lists == 1  # resumed from its resourceVersion, no re-list needed
    assert run.reports[0].reason == "DeadlineExceeded"


def test_old_failures_are_not_reported_on_start(kube, api):
    old = failed_job("last-week")
    for cond in old["status"]["conditions"]:
        cond["lastTransitionTime"] = "2025-01-01T00:00:00Z"
    kube.put(old)
    kube.put(failed_job("just-now"))
    with Running(api, "batch-jobs", watch_timeout_seconds=30, max_age_seconds=3600) as run:
        run.wait(lambda: len(run.reports) >= 1, what="just-now")
        time.sleep(0.2)
    assert [r.kubernetes.job for r in run.reports] == ["just-now"]


def test_undelivered_report_is_retried(kube, api):
    delivered: list[str] = []
    attempts = {"n": 0}

    def flaky_report(event: FailureEvent) -> None:
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise RuntimeError("triage service unreachable")
        delivered.append(event.kubernetes.job)

    watcher = JobWatcher(api, "batch-jobs", flaky_report, watch_timeout_seconds=1, backoff_initial=0.1)
    kube.put(failed_job("needs-retry"))
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not delivered and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        watcher.close()
        thread.join(timeout=10)
    assert delivered == ["needs-retry"]
    assert attempts["n"] == 2


def test_all_namespaces(kube, api):
    with Running(api, None, watch_timeout_seconds=30) as run:
        run.wait(lambda: watching(kube, "/apis/batch/v1/jobs") >= 1, what="the cluster-wide watch")
        kube.put(failed_job("a", namespace="team-a"))
        kube.put(failed_job("b", namespace="team-b"))
        run.wait(lambda: len(run.reports) == 2, what="two namespaces")
    assert sorted(r.kubernetes.namespace for r in run.reports) == ["team-a", "team-b"]


def test_list_follows_continue_pages(kube, api):
    for i in range(7):
        kube.put(failed_job(f"paged-{i}"))
    with Running(api, "batch-jobs", watch_timeout_seconds=30, list_page_size=3) as run:
        run.wait(lambda: len(run.reports) == 7, what="all seven failed Jobs")
    assert sorted(r.kubernetes.job for r in run.reports) == [f"paged-{i}" for i in range(7)]
    pages = [p for p in kube.requests_matching("GET", "/namespaces/batch-jobs/jobs") if "watch=" not in p]
    assert len(pages) == 3 and sum("continue=" in p for p in pages) == 2


def test_close_ends_a_quiet_watch_at_once(kube, api):
    # No events arrive: the watch read would block for its whole 60 s window without a shutdown.
    run = Running(api, "quiet", watch_timeout_seconds=60)
    with run:
        run.wait(lambda: watching(kube, "/namespaces/quiet/jobs") >= 1, what="the watch")
        time.sleep(0.3)
        started = time.monotonic()
    assert time.monotonic() - started < 5


def test_a_failure_with_many_large_container_logs_is_still_accepted_by_the_service(kube, api, triage_server):
    # Three pods, each with an app, a sidecar and a log shipper that restarted: 18 logs of up to
    # 64 KiB each (LOG_LIMIT_BYTES) made a report over the service's 1 MiB body limit. The 413
    # kept the failure pending, refused again on every retry: it never became a triage.
    from triage.commands.watch_kubernetes import HttpReporter

    job = failed_job("wide-1", namespace="wide")
    kube.put(job)
    line = "x" * 319 + "\n"
    for i in range(3):
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": f"wide-1-{i}", "namespace": "wide",
                            "labels": {"batch.kubernetes.io/job-name": "wide-1", "job-name": "wide-1"}},
               "spec": {"containers": [{"name": c, "image": "busybox:1.36"} for c in ("app", "proxy", "shipper")]},
               "status": {"phase": "Failed", "containerStatuses": [
                   {"name": c, "restartCount": 1,
                    "state": {"terminated": {"exitCode": 1, "reason": "Error"}},
                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}
                   for c in ("app", "proxy", "shipper")]}}
        kube.put(pod)
        for c in ("app", "proxy", "shipper"):
            for previous in (False, True):
                kube.set_log("wide", f"wide-1-{i}", c, line * 199 + f"FATAL {c} {i} {previous}\n", previous=previous)
    server = triage_server()
    event = JobWatcher(api, "wide", lambda e: None).capture(job)
    # Each log keeps its end, where the failure is told, and the cut is said.
    assert all(f"FATAL {c} 0 {p}" in event.log_excerpt for c in ("app", "proxy", "shipper") for p in (False, True))
    assert any("keeps the last part of each" in n for n in event.attributes["capture_notes"])
    HttpReporter(server.url, None, attempts=1)(event)  # raised: HTTP 413
    assert [i["job"] for i in server.get("/v1/triages").json()["items"]] == ["wide-1"]


def test_a_log_of_long_lines_keeps_its_last_line(kube, api):
    # The API applies limitBytes to the START of the tailLines window: 200 structured (JSON) log
    # lines of 1 KB each were cut after the first 64 KiB, dropping the last lines, the failure.
    job = failed_job("jsonlog-1", namespace="jl")
    kube.put(job)
    kube.put({"apiVersion": "v1", "kind": "Pod",
              "metadata": {"name": "jsonlog-1-a", "namespace": "jl", "labels": {"batch.kubernetes.io/job-name": "jsonlog-1"}},
              "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]},
              "status": {"phase": "Failed", "containerStatuses": [
                  {"name": "main", "restartCount": 0, "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}})
    lines = [f'{{"level": "info", "n": {i}, "msg": "{"y" * 960}"}}' for i in range(300)]
    lines.append('{"level": "fatal", "msg": "disk quota exceeded writing /data/out.parquet"}')
    kube.set_log("jl", "jsonlog-1-a", "main", "\n".join(lines) + "\n")
    event = JobWatcher(api, "jl", lambda e: None).capture(job)
    assert "disk quota exceeded" in event.log_excerpt
    assert len(event.log_excerpt.encode()) <= 64 * 1024 + 200
