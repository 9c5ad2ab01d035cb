"""Evidence for failed Jobs, read by the real `kubernetes` client from a loopback API server.

Each scenario in tests/data/kubernetes/ is served by tests/fakes/kube_apiserver.py; the
source collects evidence over HTTP with a kubeconfig, and the engine's hypothesis must name
the right category and a command with the real namespace and pod.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes.kube_apiserver import FakeKubeAPIServer, install_scenario, load_scenario
from triage.engine.analyze import analyze
from triage.models import FailureEvent, KubernetesRef, RunOutcome, Source
from triage.settings import Settings
from triage.sources.kube.failure import failure_event_from_job
from triage.sources.kubernetes import KubernetesSource

DATA = Path(__file__).parent / "data" / "kubernetes"


@pytest.fixture
def settings(kubeconfig):
    return Settings(kubeconfig=kubeconfig, kubernetes_timeout_seconds=5)


def alert_event(namespace: str, job: str) -> FailureEvent:
    """What the Alertmanager front door makes of KubeJobFailed: no pod, no uid, no cronjob."""
    return FailureEvent(source=Source.kubernetes, job=job, kubernetes=KubernetesRef(namespace=namespace, job=job),
                        reason="KubeJobFailed")


def run_scenario(name: str, kube: FakeKubeAPIServer, settings: Settings):
    scenario = load_scenario(DATA / f"{name}.json")
    install_scenario(kube, scenario)
    where = scenario["failed_job"]
    event = alert_event(where["namespace"], where["job"])
    evidence = KubernetesSource(settings).collect_evidence(event)
    analysis = analyze(event, evidence, settings)
    return scenario, event, evidence, analysis


def assert_command_names_pod(analysis, namespace: str, pod: str, *others: str) -> None:
    """The command is runnable and names the real namespace and a real object: the failed
    pod, or (when a signature has a sharper check) the Job or the object the evidence names."""
    h = analysis.hypothesis
    assert h.command, h
    assert h.command_allowed, h.notes
    assert f"-n {namespace}" in h.command, h.command
    assert analysis.event.kubernetes.pod == pod  # the card can always name the real pod
    assert any(name in h.command for name in (pod, *others)), h.command


def test_oomkilled(kube, settings):
    scenario, event, evidence, analysis = run_scenario("oomkilled", kube, settings)
    expect = scenario["expect"]
    assert event.kubernetes.pod == expect["pod"]  # filled in from the API
    assert event.kubernetes.cronjob == "nightly-report"
    assert evidence.status["termination_reason"] == "OOMKilled"
    assert evidence.status["exit_code"] == 137
    assert evidence.status["memory_limit"] == "512Mi"
    assert evidence.status["job_condition_reason"] == "BackoffLimitExceeded"
    assert evidence.status["job"]["backoffLimit"] == 2
    assert len(evidence.status["pods"]) == 3
    assert "loaded 48213442 rows" in evidence.log_text
    assert "BackoffLimitExceeded" in evidence.status["event_reasons"]
    assert analysis.hypothesis.category.value == "oom"
    assert_command_names_pod(analysis, "reports", expect["pod"])


def test_deadline_exceeded_with_logs_captured_by_the_watcher(kube, settings):
    scenario = load_scenario(DATA / "deadline_exceeded.json")
    install_scenario(kube, scenario)
    job = kube.get("Job", "etl", scenario["failed_job"]["job"])
    # The watcher saw the pod and its log before the Job controller deleted the pod.
    event = failure_event_from_job(job, [scenario["watch_pod"]], scenario["watch_log"])
    assert event.kubernetes.uid is None and event.attributes["job_uid"] == job["metadata"]["uid"]
    evidence = KubernetesSource(settings).collect_evidence(event)
    assert any("no pods left" in n for n in evidence.notes)
    assert evidence.log_origin.startswith("captured by triage watch-kubernetes")
    assert "received SIGTERM" in evidence.log_text
    assert evidence.status["job_condition_reason"] == "DeadlineExceeded"
    assert evidence.status["job"]["activeDeadlineSeconds"] == 1800
    assert evidence.status["pod"] == scenario["expect"]["pod"]
    analysis = analyze(event, evidence, settings)
    assert analysis.hypothesis.category.value == "timeout_deadline"
    assert_command_names_pod(analysis, "etl", scenario["expect"]["pod"], scenario["failed_job"]["job"])


def test_image_pull_backoff(kube, settings):
    scenario, event, evidence, analysis = run_scenario("image_pull_backoff", kube, settings)
    assert evidence.status["waiting_reason"] == "ImagePullBackOff"
    assert any("never started" in n for n in evidence.notes)
    failed = [e for e in evidence.status["events"] if e["reason"] == "Failed"]
    assert any("not found" in e["message"] for e in failed)
    # No log request for a container that never started.
    assert not kube.requests_matching("GET", "/log")
    assert analysis.hypothesis.category.value == "image_pull"
    assert_command_names_pod(analysis, "billing", scenario["expect"]["pod"])


def test_create_container_config_error_missing_secret(kube, settings):
    scenario, event, evidence, analysis = run_scenario("create_container_config_error", kube, settings)
    assert evidence.status["waiting_reason"] == "CreateContainerConfigError"
    assert 'secret "settlement-db-credentials" not found' in evidence.status["waiting_message"]
    assert analysis.hypothesis.category.value == "missing_config_or_secret"
    assert_command_names_pod(analysis, "payments", scenario["expect"]["pod"], "settlement-db-credentials")


def test_evicted_for_ephemeral_storage(kube, settings):
    scenario, event, evidence, analysis = run_scenario("evicted", kube, settings)
    assert evidence.status["pod_reason"] == "Evicted"
    assert "ephemeral-storage" in evidence.status["pod_message"]
    assert "Evicted" in evidence.status["event_reasons"]
    assert analysis.hypothesis.category.value == "disk_full"
    assert_command_names_pod(analysis, "ml", scenario["expect"]["pod"])


def test_failed_scheduling(kube, settings):
    scenario, event, evidence, analysis = run_scenario("failed_scheduling", kube, settings)
    assert evidence.status["unschedulable_reason"] == "Unschedulable"
    assert "Insufficient memory" in evidence.status["unschedulable_message"]
    assert "FailedScheduling" in evidence.status["event_reasons"]
    assert evidence.status["memory_request"] == "48Gi"
    assert evidence.log_text == ""  # the container never existed
    assert not kube.requests_matching("GET", "/log")
    assert_command_names_pod(analysis, "analytics", scenario["expect"]["pod"], scenario["failed_job"]["job"])


def test_failed_scheduling_category(kube, settings):
    scenario, event, evidence, analysis = run_scenario("failed_scheduling", kube, settings)
    assert analysis.hypothesis.category.value == "resource_quota_scheduling"


def test_cronjob_history_successes_then_failures(kube, settings):
    scenario, event, evidence, analysis = run_scenario("cronjob_history", kube, settings)
    outcomes = [r.outcome.value for r in evidence.history]
    assert outcomes == scenario["expect"]["history"]
    latest = evidence.history[0]
    assert latest.name == scenario["failed_job"]["job"] and latest.detail == "BackoffLimitExceeded"
    ok = evidence.history[2]
    assert ok.outcome == RunOutcome.success and ok.duration_seconds == 47.0
    cj = evidence.status["cronjob"]
    assert cj["schedule"] == "*/15 * * * *" and cj["concurrencyPolicy"] == "Forbid"
    assert cj["lastSuccessfulTime"] == "2025-03-14T09:16:02Z"
    assert "Connection refused" in evidence.log_text
    assert analysis.hypothesis.category.value == "dependency_unavailable"
    assert_command_names_pod(analysis, "data", scenario["expect"]["pod"], "orders-db")


def test_logs_already_gone_is_a_note_not_a_crash(kube, settings):
    scenario, event, evidence, analysis = run_scenario("logs_gone", kube, settings)
    pod = scenario["expect"]["pod"]
    assert any(n.startswith(f"could not read pod logs for ops/{pod} (clean): not found") for n in evidence.notes), evidence.notes
    assert evidence.log_text == ""
    assert evidence.status["exit_code"] == 2
    assert_command_names_pod(analysis, "ops", pod, scenario["failed_job"]["job"])


def test_forbidden_logs_and_events_become_notes(kube, settings):
    scenario = load_scenario(DATA / "oomkilled.json")
    install_scenario(kube, scenario)
    kube.forbid("pods/log")
    kube.forbid("events")
    event = alert_event("reports", scenario["failed_job"]["job"])
    evidence = KubernetesSource(settings).collect_evidence(event)
    assert any("pod logs" in n and ": forbidden" in n for n in evidence.notes), evidence.notes
    assert any(n.startswith("could not read events of Job") and "forbidden" in n for n in evidence.notes)
    # Everything else is still there.
    assert evidence.status["termination_reason"] == "OOMKilled"
    assert evidence.status["events"] == []


def test_deleted_job_and_unreachable_api_are_notes(kube, settings, tmp_path):
    event = alert_event("reports", "gone-job-1")
    evidence = KubernetesSource(settings).collect_evidence(event)
    assert any("Job reports/gone-job-1: not found" in n for n in evidence.notes)
    # An API server that is not there: a note, within the timeout, no exception.
    cfg = json.loads(Path(settings.kubeconfig).read_text())
    cfg["clusters"][0]["cluster"]["server"] = "http://127.0.0.1:9"  # discard port: connection refused
    bad = tmp_path / "bad-kubeconfig"
    bad.write_text(json.dumps(cfg))
    evidence = KubernetesSource(Settings(kubeconfig=str(bad), kubernetes_timeout_seconds=2)).collect_evidence(event)
    assert any("API unreachable" in n for n in evidence.notes)


def test_no_cluster_configured_is_a_note(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    monkeypatch.setenv("HOME", str(tmp_path))
    event = alert_event("reports", "x")
    evidence = KubernetesSource(Settings()).collect_evidence(event)
    assert any("TRIAGE_KUBECONFIG" in n for n in evidence.notes)


def test_label_selector_keeps_other_jobs_pods_out(kube, settings):
    for name in ("oomkilled", "cronjob_history"):
        install_scenario(kube, load_scenario(DATA / f"{name}.json"))
    scenario = load_scenario(DATA / "cronjob_history.json")
    event = alert_event("data", scenario["failed_job"]["job"])
    evidence = KubernetesSource(settings).collect_evidence(event)
    assert {p["name"] for p in evidence.status["pods"]} == {"orders-import-29032425-f5xlp", "orders-import-29032425-c8nqt"}
    assert "nightly" not in evidence.log_text


def test_restarted_container_previous_log_and_failed_init_container(kube, settings):
    """restartPolicy OnFailure: the current container is in CrashLoopBackOff, the reason is in
    lastState, and the previous container's log holds the crash; a failed init container's
    log is read too, a succeeded one's is not."""
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": {"name": "reindex-1", "namespace": "search"},
           "spec": {"backoffLimit": 4, "template": {"spec": {"restartPolicy": "OnFailure", "containers": [
               {"name": "reindex", "image": "ghcr.io/acme/reindex:9", "resources": {"limits": {"memory": "1Gi"}}}]}}},
           "status": {"failed": 1, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                                   "message": "Job has reached the specified backoff limit"}]}}
    crash = {"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": "2025-03-14T05:00:10Z",
                            "finishedAt": "2025-03-14T05:02:41Z"}}
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "reindex-1-7xq2v", "namespace": "search", "labels": {"batch.kubernetes.io/job-name": "reindex-1"}},
           "spec": {"initContainers": [{"name": "wait-for-es", "image": "busybox:1.36"},
                                       {"name": "fetch-mapping", "image": "curlimages/curl:8.8.0"}],
                    "containers": [{"name": "reindex", "image": "ghcr.io/acme/reindex:9", "resources": {"limits": {"memory": "1Gi"}}}]},
           "status": {"phase": "Running",
                      "initContainerStatuses": [
                          {"name": "wait-for-es", "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                          {"name": "fetch-mapping", "restartCount": 1, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                           "lastState": {"terminated": {"exitCode": 22, "reason": "Error"}}}],
                      "containerStatuses": [{"name": "reindex", "restartCount": 3, "lastState": crash,
                                             "state": {"waiting": {"reason": "CrashLoopBackOff",
                                                                   "message": "back-off 40s restarting failed container=reindex"}}}]}}
    kube.put(job)
    kube.put(pod)
    kube.set_log("search", "reindex-1-7xq2v", "reindex", "starting reindex, attempt 4\n")
    kube.set_log("search", "reindex-1-7xq2v", "reindex", "indexed 1200000 docs\nbulk buffer 980MiB\n", previous=True)
    kube.set_log("search", "reindex-1-7xq2v", "wait-for-es", "es is up\n")
    kube.set_log("search", "reindex-1-7xq2v", "fetch-mapping", "", previous=False)
    kube.set_log("search", "reindex-1-7xq2v", "fetch-mapping", "curl: (22) The requested URL returned error: 503\n", previous=True)
    event = alert_event("search", "reindex-1")
    evidence = KubernetesSource(settings).collect_evidence(event)
    assert evidence.status["termination_reason"] == "OOMKilled" and evidence.status["exit_code"] == 137
    assert evidence.status["container"] == "reindex" and evidence.status["memory_limit"] == "1Gi"
    assert evidence.status["waiting_reason"] == "CrashLoopBackOff"
    assert "==> search/reindex-1-7xq2v reindex (previous) <==\nindexed 1200000 docs" in evidence.log_text
    assert "starting reindex, attempt 4" in evidence.log_text
    assert "returned error: 503" in evidence.log_text
    assert "es is up" not in evidence.log_text  # a succeeded init container says nothing
    containers = {c["name"]: c for c in evidence.status["pods"][0]["containers"]}
    assert containers["fetch-mapping"]["init"] and containers["fetch-mapping"]["lastState"]["exitCode"] == 22
    assert containers["reindex"]["restartCount"] == 3
    logs_asked = kube.requests_matching("GET", "/log")
    assert all("tailLines=200" in p and "limitBytes=65536" in p for p in logs_asked)
