"""`POST /v1/events/kubernetes` bodies: the watcher's FailureEvent, a raw Job, or a list."""

from __future__ import annotations

import pytest

from triage.models import FailureEvent, RunOutcome, RunReport
from triage.settings import Settings
from triage.sources.base import PayloadError
from triage.sources.kubernetes import KubernetesSource

JOB_META = {"name": "nightly-report-29031990", "namespace": "reports", "uid": "5f0c2b9e-3b7e-4c1e-9d0a-1f2e3d4c5b6a",
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly-report",
                                 "uid": "1b2c", "controller": True}]}


@pytest.fixture
def source():
    return KubernetesSource(Settings())


def test_the_watchers_event_round_trips(source):
    event = FailureEvent(source="kubernetes", job="nightly-report",
                         kubernetes={"namespace": "reports", "job": "nightly-report-29031990", "pod": "p-1"},
                         exit_code=137, reason="OOMKilled", log_excerpt="loading...")
    [parsed] = source.parse(event.model_dump(mode="json"))
    assert parsed == event


def test_a_failed_job_object_is_a_failure(source):
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": JOB_META,
           "status": {"startTime": "2025-03-14T02:30:00Z", "failed": 3, "conditions": [
               {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                "lastTransitionTime": "2025-03-14T02:39:47Z"}]}}
    [event] = source.parse(job)
    assert event.kubernetes.cronjob == "nightly-report" and event.kubernetes.uid is None
    assert event.reason == "BackoffLimitExceeded" and event.duration_seconds == 587.0
    assert event.failure_key == "kubernetes/reports/nightly-report-29031990"


def test_a_completed_job_is_history_and_a_running_one_nothing(source):
    done = {"kind": "Job", "metadata": JOB_META, "status": {
        "startTime": "2025-03-14T02:30:00Z", "completionTime": "2025-03-14T02:41:00Z", "failed": 1,
        "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": "2025-03-14T02:41:00Z"}]}}
    [report] = source.parse(done)
    assert isinstance(report, RunReport)
    assert report.outcome == RunOutcome.success and report.job_key == "kubernetes/reports/nightly-report"
    assert report.duration_seconds == 660.0
    assert source.parse({"kind": "Job", "metadata": JOB_META, "status": {"active": 1}}) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("nope", "body"),
        ({"source": "kubernetes", "job": "x"}, "kubernetes"),
        ({"source": "kubernetes", "job": "x", "kubernetes": {"namespace": "n"}}, "kubernetes.job"),
        ({"source": "cron", "job": "x"}, "source"),
        ({"kind": "Job", "metadata": {}}, "metadata.name"),
        # Wrong shapes inside a raw Job were a TypeError/AttributeError: a 500, not a 422.
        ({"kind": "Job", "metadata": {"name": "j"}, "status": {"conditions": "Failed"}}, "status.conditions"),
        ({"kind": "Job", "metadata": {"name": "j"}, "status": {"conditions": ["Failed"]}}, "status.conditions"),
        ({"kind": "Job", "metadata": {"name": "j", "labels": ["a"]},
          "status": {"conditions": [{"type": "Failed", "status": "True"}]}}, "metadata.labels"),
        ({"kind": "Job", "metadata": {"name": "j", "ownerReferences": "cronjob"},
          "status": {"conditions": [{"type": "Failed", "status": "True"}]}}, "metadata.ownerReferences"),
        ([{"source": "kubernetes", "job": "x", "kubernetes": {"namespace": "n", "job": "j"}}, {"job": 1, "kubernetes": {"namespace": "n", "job": "j"}}], "[1].job"),
    ],
)
def test_bad_bodies_name_the_field(source, body, field):
    with pytest.raises(PayloadError) as err:
        source.parse(body)
    assert err.value.field == field


def test_times_without_an_offset_are_utc_not_a_crash(source):
    # A hand-made Job or event with one naive time: subtracting it from an aware one raised
    # TypeError (a 500 at intake, or in every inbox render of the card).
    job = {"kind": "Job", "metadata": JOB_META, "status": {"startTime": "2025-03-14T02:30:00", "conditions": [
        {"type": "Failed", "status": "True", "lastTransitionTime": "2025-03-14T02:39:47Z"}]}}
    [event] = source.parse(job)
    assert event.duration_seconds == 587.0
    [event] = source.parse({"job": "x", "kubernetes": {"namespace": "n", "job": "x"},
                            "failed_at": "2025-03-14T02:39:47Z", "started_at": "2025-03-14T02:30:00"})
    assert event.started_at.utcoffset() is not None and event.failed_at.utcoffset() is not None


def test_a_time_that_is_not_a_string_is_unknown_not_a_crash(source):
    job = {"kind": "Job", "metadata": JOB_META, "status": {"startTime": 5, "conditions": [
        {"type": "Failed", "status": "True", "lastTransitionTime": 1741919987}]}}
    [event] = source.parse(job)
    assert event.started_at is None and event.duration_seconds is None
