"""Approved re-runs create exactly one Job per approval, through the real client over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.kube_apiserver import FakeKubeAPIServer, install_scenario, load_scenario
from triage.models import FailureEvent, KubernetesRef, Source
from triage.settings import Settings
from triage.sources.kube.rerun import APPROVAL_ANNOTATION, rerun_job_name
from triage.sources.kubernetes import KubernetesSource

DATA = Path(__file__).parent / "data" / "kubernetes"


@pytest.fixture
def source(kubeconfig):
    return KubernetesSource(Settings(kubeconfig=kubeconfig, kubernetes_rerun_enabled=True))


def event_for(namespace: str, job: str) -> FailureEvent:
    return FailureEvent(source=Source.kubernetes, job=job, kubernetes=KubernetesRef(namespace=namespace, job=job))


def new_jobs(kube: FakeKubeAPIServer, namespace: str) -> list[dict]:
    return [j for j in kube.list("Job", namespace) if "-manual-" in j["metadata"]["name"]]


def test_rerun_from_cronjob_like_kubectl_create_job_from(kube, source):
    scenario = load_scenario(DATA / "oomkilled.json")
    install_scenario(kube, scenario)
    event = event_for("reports", scenario["failed_job"]["job"])
    assert source.can_rerun
    assert "CronJob nightly-report" not in (source.describe_rerun(event) or "")  # cronjob not known yet
    result = source.rerun(event, "approval-7f3e")
    assert result.ok, result.detail
    assert result.reference == rerun_job_name("nightly-report", "approval-7f3e")
    assert result.reference.startswith("nightly-report-manual-")
    [created] = new_jobs(kube, "reports")
    cronjob = kube.get("CronJob", "reports", "nightly-report")
    meta = created["metadata"]
    assert meta["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert meta["annotations"][APPROVAL_ANNOTATION] == "approval-7f3e"
    [owner] = meta["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"], owner["controller"]) == (
        "CronJob", "nightly-report", cronjob["metadata"]["uid"], True)
    assert meta["labels"]["app"] == "nightly-report"
    template_spec = cronjob["spec"]["jobTemplate"]["spec"]
    assert created["spec"]["template"]["spec"]["containers"] == template_spec["template"]["spec"]["containers"]
    assert created["spec"]["backoffLimit"] == template_spec["backoffLimit"]


def test_same_approval_twice_is_still_one_job(kube, source):
    scenario = load_scenario(DATA / "cronjob_history.json")
    install_scenario(kube, scenario)
    event = event_for("data", scenario["failed_job"]["job"])
    first = source.rerun(event, "appr-1")
    second = source.rerun(event, "appr-1")
    assert first.ok and second.ok
    assert first.reference == second.reference
    assert "already created" in second.detail
    assert len(new_jobs(kube, "data")) == 1
    assert len(kube.requests_matching("POST", "/namespaces/data/jobs")) == 2  # the retry got 409
    # A different approval is a different re-run.
    third = source.rerun(event, "appr-2")
    assert third.ok and third.reference != first.reference
    assert len(new_jobs(kube, "data")) == 2


def test_bare_job_is_copied_without_its_generated_selector(kube, source):
    job = {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "one-off-migration", "namespace": "db",
                     "uid": "0d6f1a52-8c1e-4d1b-9a57-3c2a7d0e9b11",
                     "labels": {"app": "migrate", "batch.kubernetes.io/controller-uid": "0d6f1a52-8c1e-4d1b-9a57-3c2a7d0e9b11",
                                "controller-uid": "0d6f1a52-8c1e-4d1b-9a57-3c2a7d0e9b11", "job-name": "one-off-migration"}},
        "spec": {"backoffLimit": 1, "manualSelector": False,
                 "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "0d6f1a52-8c1e-4d1b-9a57-3c2a7d0e9b11"}},
                 "template": {"metadata": {"labels": {
                     "app": "migrate", "batch.kubernetes.io/controller-uid": "0d6f1a52-8c1e-4d1b-9a57-3c2a7d0e9b11",
                     "batch.kubernetes.io/job-name": "one-off-migration", "controller-uid": "0d6f1a52-8c1e-4d1b-9a57-3c2a7d0e9b11",
                     "job-name": "one-off-migration"}},
                     "spec": {"containers": [{"name": "migrate", "image": "ghcr.io/acme/migrate:5"}], "restartPolicy": "Never"}}},
        "status": {"failed": 2, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]},
    }
    kube.put(job)
    event = event_for("db", "one-off-migration")
    assert "Job one-off-migration" in source.describe_rerun(event)
    result = source.rerun(event, "a-1")
    assert result.ok, result.detail
    [created] = new_jobs(kube, "db")
    posted = created  # the fake adds a fresh selector and labels, as the API server does
    new_uid = posted["metadata"]["uid"]
    assert posted["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": new_uid}}
    assert posted["spec"]["template"]["metadata"]["labels"]["controller-uid"] == new_uid
    assert posted["spec"]["template"]["metadata"]["labels"]["job-name"] == created["metadata"]["name"]
    assert posted["metadata"]["labels"] == {"app": "migrate"}
    assert not posted["metadata"].get("ownerReferences")


def test_disabled_reruns_do_nothing(kube, kubeconfig):
    scenario = load_scenario(DATA / "oomkilled.json")
    install_scenario(kube, scenario)
    source = KubernetesSource(Settings(kubeconfig=kubeconfig))
    event = event_for("reports", scenario["failed_job"]["job"])
    assert source.describe_rerun(event) is None
    result = source.rerun(event, "approval-1")
    assert not result.ok and "TRIAGE_KUBERNETES_RERUN_ENABLED" in result.detail
    assert not kube.requests_matching("POST", "/jobs")


def test_forbidden_create_and_foreign_name_clash_fail_visibly(kube, source):
    scenario = load_scenario(DATA / "oomkilled.json")
    install_scenario(kube, scenario)
    event = event_for("reports", scenario["failed_job"]["job"])
    # A Job with the derived name that triage did not create for this approval.
    name = rerun_job_name("nightly-report", "approval-9")
    kube.put({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": "reports"}, "spec": {}})
    clash = source.rerun(event, "approval-9")
    assert not clash.ok and "not created for this approval" in clash.detail
    kube.forbid("jobs")
    event.kubernetes.cronjob = "nightly-report"  # known, so only the create is refused
    denied = source.rerun(event, "approval-10")
    assert not denied.ok and denied.detail.startswith("could not create Job reports/nightly-report-manual-")
    assert "forbidden" in denied.detail


def test_rerun_name_fits_the_label_limit():
    name = rerun_job_name("a" * 52, "approval-123")
    assert len(name) <= 63 and name.endswith(name[-6:]) and "-manual-" in name
    assert rerun_job_name("x", "a") != rerun_job_name("x", "b")
