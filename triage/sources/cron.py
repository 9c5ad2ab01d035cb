"""Cron scripts, reported by `triage wrap` (see triage/wrap.py).

The wrapper sends every run: successes become history, failures, timeouts and skipped
overlaps become triages. The evidence is what the wrapper captured plus our own history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.models import CronRef, Evidence, FailureEvent, RunOutcome, RunReport, Source
from triage.sources.base import IntakeItem, PayloadError, SourcePlugin, as_utc


class CronRunPayload(BaseModel):
    """What `triage wrap` posts for one run (the wire format of the cron source)."""

    # Our own format: an unknown field is a typo or a mismatched wrapper (`log` for `output`
    # would silently lose the log), so it is refused by name rather than dropped.
    model_config = ConfigDict(extra="forbid")

    job: str = Field(min_length=1, max_length=256)
    host: str = Field(min_length=1, max_length=256)
    run_id: str = Field(min_length=1, max_length=128)
    status: Literal["success", "failure", "timeout", "skipped_overlap"]
    command: str = ""
    user: str | None = None
    exit_code: int | None = None
    signal: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    duration_seconds: float | None = Field(None, ge=0)
    output: str = ""
    output_truncated_bytes: int = 0
    timeout_seconds: float | None = None

    _utc = field_validator("started_at", "finished_at")(as_utc)


class CronSource(SourcePlugin):
    name = "cron"

    def parse(self, payload: Any) -> list[IntakeItem]:
        if not isinstance(payload, dict):
            raise PayloadError("body", "expected a JSON object")
        # A ValidationError becomes a 422 listing every bad field (see triage/app.py).
        run = CronRunPayload.model_validate(payload)
        ref = CronRef(host=run.host, job=run.job, command=run.command, user=run.user, run_id=run.run_id)
        if run.status == "success":
            return [RunReport(job_key=f"cron/{run.host}/{run.job}", job=run.job, source=Source.cron,
                              outcome=RunOutcome.success, started_at=run.started_at, finished_at=run.finished_at,
                              duration_seconds=run.duration_seconds, exit_code=run.exit_code, run_id=run.run_id)]
        timeout = (f"killed after the {run.timeout_seconds:g}s timeout" if run.timeout_seconds is not None
                   else "killed at its timeout")
        reason = {"failure": None, "timeout": timeout,
                  "skipped_overlap": "skipped: the previous run of this job still holds its lock"}[run.status]
        event = FailureEvent(
            source=Source.cron, job=run.job, cron=ref, failed_at=run.finished_at or run.started_at,
            started_at=run.started_at, duration_seconds=run.duration_seconds, exit_code=run.exit_code,
            signal=run.signal, reason=reason, log_excerpt=run.output,
            attributes={"status": run.status, "output_truncated_bytes": run.output_truncated_bytes,
                        "timeout_seconds": run.timeout_seconds},
        )
        return [event]

    def collect_evidence(self, event: FailureEvent) -> Evidence:
        assert event.cron is not None
        c = event.cron
        status: dict[str, Any] = {
            "host": c.host,
            "command": c.command,
            "user": c.user,
            "exit_code": event.exit_code,
            "signal": event.signal,
            "duration_seconds": event.duration_seconds,
            "wrapper_status": event.attributes.get("status"),
        }
        if event.reason:
            status["reason"] = event.reason
        notes = []
        dropped = event.attributes.get("output_truncated_bytes") or 0
        if dropped:
            notes.append(f"the wrapper kept the head and tail of the output; {dropped} bytes in between were dropped")
        return Evidence(
            log_text=event.log_excerpt or "",
            log_origin=f"output of `{c.command}` on {c.host}" if c.command else f"output on {c.host}",
            status={k: v for k, v in status.items() if v is not None},
            # Our own records, this failed run included (as the other sources' histories do).
            history=self.history(event.job_key, 10),
            notes=notes,
        )
