from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from triage.models import AirflowRef, CronRef, FailureEvent, Hypothesis, KubernetesRef


def test_failure_key_is_stable_across_redeliveries_and_distinct_per_run():
    a = FailureEvent(source="airflow", job="etl.load", airflow=AirflowRef(dag_id="etl", task_id="load", run_id="r1", try_number=2))
    b = FailureEvent(source="airflow", job="etl.load", airflow=AirflowRef(dag_id="etl", task_id="load", run_id="r1", try_number=2),
                     failed_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
    c = FailureEvent(source="airflow", job="etl.load", airflow=AirflowRef(dag_id="etl", task_id="load", run_id="r1", try_number=3))
    assert a.failure_key == b.failure_key
    assert a.failure_key != c.failure_key
    assert a.job_key == c.job_key


def test_event_needs_the_identity_of_its_source():
    with pytest.raises(ValidationError, match="kubernetes"):
        FailureEvent(source="kubernetes", job="x", cron=CronRef(host="h", job="x", run_id="1"))
    ev = FailureEvent(source="kubernetes", job="x", kubernetes=KubernetesRef(namespace="ns", job="x-123", cronjob="x"))
    assert ev.job_key == "kubernetes/ns/x"


def test_hypothesis_hides_a_command_the_guard_did_not_allow():
    h = Hypothesis(category="oom", cause="c", confidence=0.9, command="kubectl delete pod x", command_allowed=False)
    assert h.public()["command"] is None
    with pytest.raises(ValidationError):
        Hypothesis(category="not-a-category", cause="c", confidence=0.5)
    with pytest.raises(ValidationError):
        Hypothesis(category="oom", cause="c", confidence=1.5)
