"""The cron source's reading of `triage wrap`'s payload (no server needed)."""

from __future__ import annotations

from triage.models import FailureEvent
from triage.settings import Settings
from triage.sources.cron import CronSource

RUN = {"job": "nightly", "host": "h1", "run_id": "r1", "started_at": "2026-11-28T02:00:00Z"}


def _event(**fields) -> FailureEvent:
    [item] = CronSource(Settings()).parse({**RUN, **fields})
    assert isinstance(item, FailureEvent)
    return item


def test_a_timeout_names_its_limit() -> None:
    assert _event(status="timeout", timeout_seconds=300, signal="SIGTERM").reason == "killed after the 300s timeout"


def test_a_timeout_without_its_limit_says_so_in_words() -> None:
    # A wrapper that did not send timeout_seconds: the reason must not read "the Nones timeout".
    assert _event(status="timeout").reason == "killed at its timeout"


def test_a_skipped_overlap_names_the_lock() -> None:
    assert "previous run" in _event(status="skipped_overlap").reason
