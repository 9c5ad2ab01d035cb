"""What a job's recent runs say, in words both the Slack card and the web inbox show."""

from __future__ import annotations

import statistics
from datetime import datetime

from triage.models import RunOutcome, RunRecord, TriageView


def when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt else "?"


def human_seconds(seconds: float) -> str:
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {(s % 3600) // 60:02d}m"


def streak_text(history: list[RunRecord]) -> str:
    """'first failure after N successes' or 'failing since ...' from newest-first history."""
    failures = 0
    for r in history:
        if r.outcome != RunOutcome.failure:
            break
        failures += 1
    successes = 0
    for r in history[failures:]:
        if r.outcome != RunOutcome.success:
            break
        successes += 1
    if failures == 1 and successes:
        return f"first failure after {successes} success{'es' if successes != 1 else ''}"
    if failures > 1:
        since = history[failures - 1]
        return f"failing since {when(since.started_at or since.finished_at)} ({failures} failures in a row)"
    return ""


def this_run_seconds(view: TriageView) -> float | None:
    e = view.event
    if e.duration_seconds is not None:
        return e.duration_seconds
    if e.started_at and e.failed_at:
        return max((e.failed_at - e.started_at).total_seconds(), 0.0)
    return None


def duration_text(view: TriageView, history: list[RunRecord]) -> str:
    """This run's duration against the job's usual one (median of its successful runs)."""
    ok = [r.duration_seconds for r in history if r.outcome == RunOutcome.success and r.duration_seconds is not None]
    this = this_run_seconds(view)
    parts = []
    if this is not None:
        parts.append(f"This run took {human_seconds(this)}")
    if ok:
        parts.append(f"usually {human_seconds(statistics.median(ok))} (median of {len(ok)} successful run"
                     f"{'s' if len(ok) != 1 else ''})")
    return "; ".join(parts)
