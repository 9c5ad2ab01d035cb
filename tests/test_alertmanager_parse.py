"""Alertmanager's webhook (version 4) turned into intake items: routing, identity, errors.

The bodies here have the exact shape Alertmanager 0.25 posts (see test_alertmanager_real.py
for the real thing end to end).
"""

from __future__ import annotations

import base64
import copy

import pytest

from triage.models import FailureEvent, Source
from triage.settings import Settings
from triage.sources import build_sources
from triage.sources.alertmanager import AlertmanagerSource, check_basic_auth
from triage.sources.base import PayloadError, Resolved
from triage.sources.kube.failure import failure_event_from_job

STARTS = "2025-03-14T02:40:17.123Z"


def alert(labels: dict[str, str], status: str = "firing", annotations: dict[str, str] | None = None,
          fingerprint: str = "6a1b2c3d4e5f6071", starts: str = STARTS) -> dict:
    return {
        "status": status,
        "labels": labels,
        "annotations": annotations or {},
        "startsAt": starts,
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2025-03-14T03:10:17.123Z",
        "generatorURL": "http://prometheus.monitoring:9090/graph?g0.expr=kube_job_failed%7Bjob%3D%22kube-state-metrics%22%7D+%3E+0",
        "fingerprint": fingerprint,
    }


def webhook(*alerts: dict, status: str = "firing") -> dict:
    return {
        "receiver": "triage",
        "status": status,
        "alerts": list(alerts),
        "groupLabels": {"alertname": alerts[0]["labels"].get("alertname", "")},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.monitoring:9093",
        "version": "4",
        "groupKey": '{}:{alertname="KubeJobFailed"}',
        "truncatedAlerts": 0,
    }


KSM_LABELS = {
    # kube-prometheus' KubeJobFailed: the metric's labels plus the exporter's target labels.
    "alertname": "KubeJobFailed", "namespace": "reports", "job_name": "nightly-report-29031990",
    "condition": "true", "severity": "warning", "job": "kube-state-metrics", "container": "kube-state-metrics",
    "endpoint": "http", "instance": "10.244.1.9:8080", "pod": "kube-state-metrics-6f7d9c7b8-2xk4p",
    "service": "kube-state-metrics", "prometheus": "monitoring/k8s",
}
KSM_ANNOTATIONS = {
    "description": "Job reports/nightly-report-29031990 failed to complete. Removing failed job after investigation should clear this alert.",
    "runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubejobfailed",
    "summary": "Job failed to complete.",
}


@pytest.fixture
def source():
    return AlertmanagerSource(Settings())


def test_registered_under_its_name():
    sources = build_sources(Settings())
    assert isinstance(sources["alertmanager"], AlertmanagerSource)
    assert sources["kubernetes"].name == "kubernetes"


def test_kube_job_failed_routes_to_kubernetes(source):
    [event] = source.parse(webhook(alert(KSM_LABELS, annotations=KSM_ANNOTATIONS)))
    assert isinstance(event, FailureEvent)
    assert event.source == Source.kubernetes
    k = event.kubernetes
    assert (k.namespace, k.job, k.uid) == ("reports", "nightly-report-29031990", None)
    # The exporter's pod label is not the Job's pod.
    assert k.pod is None
    assert event.failure_key == "kubernetes/reports/nightly-report-29031990"
    assert "failed to complete" in event.log_excerpt
    assert event.links["source"].startswith("http://prometheus")


def test_watcher_and_alert_share_one_failure_key(source):
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": {"name": "nightly-report-29031990", "namespace": "reports", "uid": "5f0c2b9e-3b7e-4c1e-9d0a-1f2e3d4c5b6a"},
           "status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}}
    watched = failure_event_from_job(job, [])
    [alerted] = source.parse(webhook(alert(KSM_LABELS)))
    assert watched.failure_key == alerted.failure_key


def test_repeat_interval_resend_has_the_same_identity(source):
    body = webhook(alert(KSM_LABELS), alert({"alertname": "BackupTooOld", "instance": "db-1:9100"}, fingerprint="ffee"))
    first = [i.failure_key for i in source.parse(body)]
    resent = copy.deepcopy(body)
    resent["groupKey"] = "other"  # nothing but the alert identity matters
    assert [i.failure_key for i in source.parse(resent)] == first
    assert len(set(first)) == 2


def test_airflow_labels_route_to_airflow(source):
    labels = {"alertname": "AirflowTaskFailed", "dag_id": "billing_daily", "task_id": "load_invoices",
              "run_id": "scheduled__2025-03-14T00:00:00+00:00", "try_number": "2"}
    [event] = source.parse(webhook(alert(labels)))
    assert event.source == Source.airflow
    a = event.airflow
    assert (a.dag_id, a.task_id, a.run_id, a.try_number) == ("billing_daily", "load_invoices",
                                                             "scheduled__2025-03-14T00:00:00+00:00", 2)


def test_airflow_alert_without_run_id_uses_the_alert_identity(source):
    labels = {"alertname": "AirflowTaskFailed", "dag_id": "d", "task_id": "t"}
    [event] = source.parse(webhook(alert(labels, fingerprint="abc123")))
    assert event.airflow.run_id == "alert-abc123-2025-03-14T02:40:17.123000Z"
    assert event.airflow.try_number == 1
    [again] = source.parse(webhook(alert(labels, fingerprint="abc123")))
    assert again.failure_key == event.failure_key
    [later] = source.parse(webhook(alert(labels, fingerprint="abc123", starts="2025-03-15T02:40:17Z")))
    assert later.failure_key != event.failure_key  # a new firing is a new failure


def test_generic_alert_and_its_evidence(source):
    labels = {"alertname": "BackupTooOld", "instance": "db-1:9100", "severity": "critical"}
    annotations = {"summary": "Last successful backup is 31h old", "description": "pg_dump has not succeeded since yesterday"}
    [event] = source.parse(webhook(alert(labels, annotations=annotations, fingerprint="0badc0ffee")))
    assert event.source == Source.alertmanager
    assert event.failure_key == "alertmanager/0badc0ffee/2025-03-14T02:40:17.123000Z"
    evidence = source.collect_evidence(event)
    assert evidence.status["alertname"] == "BackupTooOld"
    assert evidence.status["annotation.summary"] == "Last successful backup is 31h old"
    assert evidence.status["labels"]["instance"] == "db-1:9100"
    assert evidence.log_text.startswith("summary: Last successful backup is 31h old")
    assert evidence.links["alertmanager"] == "http://alertmanager.monitoring:9093"


def test_resolved_alert_updates_instead_of_creating(source):
    firing = source.parse(webhook(alert(KSM_LABELS), alert({"alertname": "X"}, fingerprint="f1")))
    resolved = source.parse(webhook(alert(KSM_LABELS, status="resolved"), alert({"alertname": "X"}, status="resolved", fingerprint="f1"),
                                    status="resolved"))
    assert all(isinstance(r, Resolved) for r in resolved)
    assert [r.failure_key for r in resolved] == [f.failure_key for f in firing]
    assert "resolved at 2025-03-14T03:10:17.123Z" in resolved[0].detail


def test_several_alerts_are_several_items(source):
    body = webhook(*[alert({"alertname": "KubeJobFailed", "namespace": "n", "job_name": f"j-{i}"}) for i in range(4)])
    items = source.parse(body)
    assert [i.kubernetes.job for i in items] == ["j-0", "j-1", "j-2", "j-3"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("alerts"), "alerts"),
        (lambda b: b.__setitem__("alerts", "nope"), "alerts"),
        (lambda b: b["alerts"][2].__setitem__("labels", ["a"]), "alerts[2].labels"),
        (lambda b: b["alerts"][2]["labels"].__setitem__("n", 3), "alerts[2].labels.n"),
        (lambda b: b["alerts"][1].__setitem__("status", "pending"), "alerts[1].status"),
        (lambda b: b["alerts"][0].__setitem__("startsAt", "yesterday"), "alerts[0].startsAt"),
        (lambda b: b["alerts"][1].pop("startsAt"), "alerts[1].startsAt"),
        (lambda b: b.__setitem__("version", "3"), "version"),
        (lambda b: b["alerts"][2]["labels"].update(dag_id="d", task_id="t", try_number="two"), "alerts[2].labels.try_number"),
    ],
)
def test_malformed_bodies_name_the_field(source, mutate, field):
    body = webhook(*[alert({"alertname": "A", "i": str(i)}) for i in range(3)])
    mutate(body)
    with pytest.raises(PayloadError) as err:
        source.parse(body)
    assert err.value.field == field


def test_not_an_object(source):
    with pytest.raises(PayloadError) as err:
        source.parse([1, 2])
    assert err.value.field == "body"


def test_check_basic_auth():
    settings = Settings(alertmanager_username="alertmanager", alertmanager_password="s3cret:with-colon")
    good = "Basic " + base64.b64encode(b"alertmanager:s3cret:with-colon").decode()
    assert check_basic_auth(good, settings)
    assert not check_basic_auth("Basic " + base64.b64encode(b"alertmanager:wrong").decode(), settings)
    assert not check_basic_auth("Basic " + base64.b64encode(b"someone:s3cret:with-colon").decode(), settings)
    assert not check_basic_auth("Basic !!!notbase64", settings)
    assert not check_basic_auth("Bearer abc", settings)
    assert not check_basic_auth(None, settings)
    # Not configured: basic auth never lets anyone in.
    assert not check_basic_auth(good, Settings())


def test_an_alert_starting_at_another_offset_failed_at_that_instant_in_utc():
    from triage.settings import Settings
    from triage.sources.alertmanager import AlertmanagerSource

    body = {"alerts": [{"status": "firing", "labels": {"alertname": "Backup"}, "startsAt": "2026-11-28T04:00:00+02:00"}]}
    [event] = AlertmanagerSource(Settings()).parse(body)
    assert event.failed_at.isoformat() == "2026-11-28T02:00:00+00:00"
    assert event.failure_key.endswith("/2026-11-28T04:00:00+02:00")  # the key as before: redeliveries dedup
