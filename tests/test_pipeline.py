"""run_triage end to end on a real store: a channel that fails does not undo or stop publishing."""

from __future__ import annotations

import logging

from tests.slack_support import cron_event, make_store
from triage.models import TriageState, TriageView
from triage.observability import ERRORS
from triage.pipeline import run_triage
from triage.settings import Settings
from triage.sources import build_sources


class _Broken:
    def publish(self, view: TriageView) -> None:
        raise RuntimeError("channel down")


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def publish(self, view: TriageView) -> None:
        self.seen.append(view.id)


def test_a_failing_publisher_is_logged_and_counted_and_the_next_one_still_publishes(tmp_path, caplog):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 't.db'}")
    store = make_store(settings.sqlalchemy_url)
    intake = store.accept_failure(cron_event("nightly-etl"))
    claim = store.claim("w1", 30)
    assert claim is not None
    recorder = _Recorder()
    before = ERRORS.labels("publish")._value.get()
    with caplog.at_level(logging.ERROR, logger="triage.pipeline"):
        run_triage(claim, store, build_sources(settings), settings, [_Broken(), recorder])
    assert recorder.seen == [intake.triage_id]
    assert store.get(intake.triage_id).state == TriageState.published
    assert ERRORS.labels("publish")._value.get() == before + 1
    assert any("_Broken" in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_restarted_worker_does_not_take_a_triage_whose_claims_kept_dying(tmp_path):
    """max_attempts claims that each died with their worker: the next worker (after a restart)
    leaves it to the sweep, which ends it failed, instead of crashing on it again."""
    import time

    from triage.worker import Worker

    settings = Settings(database_url=f"sqlite:///{tmp_path / 't.db'}", max_attempts=2)
    store = make_store(settings.sqlalchemy_url)
    intake = store.accept_failure(cron_event("poison"))
    for _ in range(2):
        assert store.claim("dead-worker", lease_seconds=0.01) is not None
        time.sleep(0.02)
    recorder = _Recorder()
    worker = Worker(store, build_sources(settings), settings, [recorder], name="restarted")
    assert worker.run_once() is False
    worker._sweep_exhausted()
    assert recorder.seen == []
    assert store.get(intake.triage_id).state == TriageState.failed
