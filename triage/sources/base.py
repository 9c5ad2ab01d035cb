"""The small interface every source (kubernetes, airflow, cron, alertmanager) implements.

A source answers three questions: how to parse what it sends, how to collect evidence for
one of its failures, and how to re-run a failed job (if it can). Adding a scheduler means
adding one module with one `SourcePlugin` subclass; the pipeline does not change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, ClassVar

from pydantic import BaseModel

from triage.models import Evidence, FailureEvent, RunRecord, RunReport
from triage.settings import Settings


def as_utc(dt: datetime | None) -> datetime | None:
    """A timestamp in UTC. One sent without an offset is read as UTC (as the store does): mixing
    naive and aware times made every subtraction of them raise (500s at intake and in the inbox).
    One with another offset is converted: the inbox, Slack and run history print times as UTC."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    try:
        return dt.astimezone(timezone.utc)
    except OverflowError:
        # 0001-01-01T00:00+05:00 is before year 1 in UTC. A ValueError names the field (a 422),
        # in a validator as it is; the OverflowError was a 500.
        raise ValueError(f"{dt.isoformat()} is outside the years 1-9999 in UTC") from None


class PayloadError(ValueError):
    """A payload a source cannot accept; `field` names what is wrong (it becomes a 422)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Resolved(BaseModel):
    """A notice that an earlier failure has cleared (Alertmanager's `resolved`)."""

    failure_key: str
    detail: str = ""


# What one webhook body can turn into: failures to triage, runs for history, resolutions.
IntakeItem = FailureEvent | RunReport | Resolved


class RerunResult(BaseModel):
    ok: bool
    detail: str
    # What was created or cleared, e.g. the new Job's name.
    reference: str | None = None


# Reads a job's recorded run history from our own database (newest first).
HistoryReader = Callable[[str, int], list[RunRecord]]


class SourcePlugin(ABC):
    name: ClassVar[str]
    can_rerun: ClassVar[bool] = False

    def __init__(self, settings: Settings, history: HistoryReader | None = None):
        self.settings = settings
        self.history = history or (lambda job_key, limit: [])

    @abstractmethod
    def parse(self, payload: Any) -> list[IntakeItem]:
        """Turn a webhook body into intake items; raise PayloadError naming the bad field."""

    @abstractmethod
    def collect_evidence(self, event: FailureEvent) -> Evidence:
        """Gather logs, status and run history. Never raise for a missing piece: add a note."""

    def describe_rerun(self, event: FailureEvent) -> str | None:
        """Exactly what an approved re-run would do, or None when this source cannot re-run."""
        return None

    def rerun(self, event: FailureEvent, approval_id: str) -> RerunResult:
        """Re-run once for this approval id; a retry with the same id must not run twice."""
        return RerunResult(ok=False, detail=f"{self.name} jobs cannot be re-run by triage")
