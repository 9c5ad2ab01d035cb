"""Durable triage storage: intake, dedup, claiming work, state transitions, history, audit.

Every write that a worker makes is fenced by its lease: if the lease was lost (the worker
stalled and another replica took over), the write changes nothing and the worker stops.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from triage.db import AuditRow, FeedbackRow, RunRow, TriageRow
from triage.engine.redact import redact, redact_obj
from triage.models import (
    WORK_STATES,
    Evidence,
    FailureEvent,
    Hypothesis,
    RunOutcome,
    RunRecord,
    RunReport,
    TriageState,
    TriageView,
    utcnow,
)


def _text_safe(value: Any) -> Any:
    """PostgreSQL stores no NUL character in text or JSONB; a job's output may hold one.
    Stored as U+FFFD (what the wrapper already puts for undecodable bytes) on every backend."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {_text_safe(k): _text_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text_safe(v) for v in value]
    return value


def _redacted_event(event: Any) -> Any:
    """The stored event of a triage that ends without the pipeline (which stores its own redacted
    copy): every string redacted, NULs replaced."""
    return _text_safe(redact_obj(event)) if event is not None else event


def _aware(dt: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything we store is UTC. PostgreSQL hands back
    # timestamptz in the session's TimeZone, which need not be UTC: cards print times as UTC.
    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc) if dt is not None else None


@dataclass(frozen=True)
class Intake:
    triage_id: str
    created: bool


@dataclass(frozen=True)
class Claim:
    triage_id: str
    owner: str
    attempts: int
    event: FailureEvent
    state: TriageState


class LeaseLost(Exception):
    """Another worker owns this triage now; stop working on it."""


class TriageStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)
        self.dialect = engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._session.begin() as s:
            yield s

    def _insert(self, table):
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    # --- intake ---------------------------------------------------------------------
    def accept_failure(self, event: FailureEvent) -> Intake:
        """Persist a failure once; a redelivery returns the triage already there."""
        [[result]] = self.accept_batch([[event]])
        return Intake(result["triage_id"], result["created"])

    def accept_batch(self, batches: list[list[Any]]) -> list[list[dict[str, Any]]]:
        """Persist the intake items of many requests in ONE transaction (group commit).

        Items are FailureEvent, RunReport or Resolved; the answer per item says what
        happened. One multi-row INSERT per table (Core, not the ORM) keeps the per-event
        cost low: intake speed is what a burst of failures waits on.
        """
        from triage.sources.base import Resolved

        now = utcnow()
        events = [item for items in batches for item in items if isinstance(item, FailureEvent)]
        # A plain connection, not an ORM session: cheaper per request, and the statements are
        # executemany with a fixed shape, so SQLAlchemy compiles them once.
        with self.engine.begin() as conn:
            created: dict[str, str] = {}
            existing: dict[str, str] = {}
            if events:
                rows, new_ids = [], {}
                for event in events:
                    key = event.failure_key
                    if key in new_ids:
                        continue  # the same failure twice in one batch: one row
                    new_ids[key] = uuid.uuid4().hex
                    rows.append({
                        "id": new_ids[key], "failure_key": key, "job_key": event.job_key,
                        "source": event.source.value, "job": event.job, "state": TriageState.received.value,
                        "event": _text_safe(event.model_dump(mode="json")), "attempts": 0, "next_attempt_at": now,
                        "timeline": {TriageState.received.value: now.isoformat()}, "created_at": now,
                        "updated_at": now,
                    })
                table = TriageRow.__table__
                stmt = (self._insert(table).on_conflict_do_nothing(index_elements=["failure_key"])
                        .returning(table.c.id, table.c.failure_key))
                # rowcount is unreliable for ON CONFLICT across drivers; RETURNING is not.
                created = {key: tid for tid, key in conn.execute(stmt, rows).all()}
                existing = dict(conn.execute(
                    select(TriageRow.failure_key, TriageRow.id).where(
                        TriageRow.failure_key.in_([k for k in new_ids if k not in created]))
                ).all()) if len(created) < len(new_ids) else {}
            # Each new failure is also a run in its job's history.
            failure_runs = [(event_run_report(e), created[e.failure_key]) for e in events if e.failure_key in created]
            report_runs = [(item, None) for items in batches for item in items if isinstance(item, RunReport)]
            report_recorded = iter(self._record_runs(conn, failure_runs + report_runs)[len(failure_runs):])

            out: list[list[dict[str, Any]]] = []
            reported: set[str] = set()
            for items in batches:
                results: list[dict[str, Any]] = []
                for item in items:
                    if isinstance(item, FailureEvent):
                        key = item.failure_key
                        is_new = key in created and key not in reported
                        reported.add(key)
                        results.append({"kind": "failure", "triage_id": created.get(key) or existing[key],
                                        "created": is_new, "failure_key": key})
                    elif isinstance(item, RunReport):
                        results.append({"kind": "run", "recorded": next(report_recorded)})
                    elif isinstance(item, Resolved):
                        with Session(bind=conn) as s:
                            results.append({"kind": "resolved",
                                            "triage_id": self._mark_resolved(s, item.failure_key, item.detail)})
                            s.flush()
                    else:
                        raise TypeError(f"not an intake item: {type(item).__name__}")
                out.append(results)
        return out

    def record_run(self, report: RunReport) -> bool:
        with self.engine.begin() as conn:
            return self._record_runs(conn, [(report, None)])[0]

    def _record_runs(self, conn: Connection, runs: list[tuple[RunReport, str | None]]) -> list[bool]:
        """Insert runs; a report already recorded (same job and run id, e.g. re-sent from
        the wrapper's spool) is skipped. Returns, per run, whether it was new."""
        if not runs:
            return []
        now = utcnow()
        rows = [{
            "job_key": r.job_key, "source": r.source.value, "job": r.job, "outcome": r.outcome.value,
            "run_id": r.run_id, "started_at": r.started_at, "finished_at": r.finished_at,
            "duration_seconds": r.duration_seconds, "exit_code": r.exit_code, "detail": _text_safe(r.detail),
            "triage_id": triage_id, "recorded_at": now,
        } for r, triage_id in runs]
        table = RunRow.__table__
        stmt = (self._insert(table).on_conflict_do_nothing(index_elements=["job_key", "run_id"])
                .returning(table.c.job_key, table.c.run_id))
        inserted = {tuple(row) for row in conn.execute(stmt, rows).all()}
        out, seen = [], set()
        for r, _ in runs:
            key = (r.job_key, r.run_id)
            # Runs without a run id never conflict; count them as new.
            out.append(r.run_id is None or (key in inserted and key not in seen))
            seen.add(key)
        return out

    def mark_resolved(self, failure_key: str, detail: str = "") -> str | None:
        """Note that the failure cleared (e.g. Alertmanager `resolved`); no new triage."""
        with self.session() as s:
            return self._mark_resolved(s, failure_key, detail)

    def _mark_resolved(self, s: Session, failure_key: str, detail: str) -> str | None:
        now = utcnow()
        row = s.scalar(select(TriageRow).where(TriageRow.failure_key == failure_key))
        if row is None:
            return None
        if row.resolved_at is None:
            row.resolved_at = now
            row.timeline = {**row.timeline, "resolved": now.isoformat()}
            row.updated_at = now
            s.add(AuditRow(triage_id=row.id, actor="source", action="resolved", detail=detail or None, at=now))
        return row.id

    # --- work queue -----------------------------------------------------------------
    def claim(self, owner: str, lease_seconds: float, max_attempts: int | None = None) -> Claim | None:
        """Take the oldest triage that needs work and whose lease is free or expired.

        With `max_attempts`, a triage whose claims already died that many times (a crash each
        time) is not taken again: it is left to `fail_exhausted`. Else a poison event would crash
        every worker that restarts, before any of them was idle long enough to sweep it."""
        now = utcnow()
        with self.session() as s:
            q = (
                select(TriageRow.id)
                .where(
                    TriageRow.state.in_([st.value for st in WORK_STATES]),
                    TriageRow.next_attempt_at <= now,
                    or_(TriageRow.lease_until.is_(None), TriageRow.lease_until < now),
                    *(() if max_attempts is None else (TriageRow.attempts < max_attempts,)),
                )
                .order_by(TriageRow.created_at)
                .limit(1)
            )
            if self.dialect == "postgresql":
                # Replicas sharing one database skip rows another replica is claiming.
                q = q.with_for_update(skip_locked=True)
            triage_id = s.scalar(q)
            if triage_id is None:
                return None
            result = s.execute(
                update(TriageRow)
                .where(
                    TriageRow.id == triage_id,
                    or_(TriageRow.lease_until.is_(None), TriageRow.lease_until < now),
                )
                .values(
                    lease_owner=owner,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=TriageRow.attempts + 1,
                    updated_at=now,
                )
                .returning(TriageRow.attempts, TriageRow.event, TriageRow.state)
            ).first()
            if result is None:
                return None
            attempts, event, state = result
            return Claim(triage_id, owner, attempts, FailureEvent.model_validate(event), TriageState(state))

    def _fenced(self, s: Session, claim: Claim, **values: Any) -> None:
        now = utcnow()
        values.setdefault("updated_at", now)
        res = s.execute(
            update(TriageRow)
            .where(TriageRow.id == claim.triage_id, TriageRow.lease_owner == claim.owner)
            .values(**values)
        )
        if res.rowcount != 1:
            raise LeaseLost(claim.triage_id)

    def _timeline_with(self, s: Session, claim: Claim, state: TriageState, at: datetime) -> dict[str, str]:
        """The triage's timeline plus `state` reached `at`, read in the fenced write's transaction."""
        timeline = s.scalar(select(TriageRow.timeline).where(TriageRow.id == claim.triage_id)) or {}
        return {**timeline, state.value: at.isoformat()}

    def heartbeat(self, claim: Claim, lease_seconds: float) -> None:
        with self.session() as s:
            self._fenced(s, claim, lease_until=utcnow() + timedelta(seconds=lease_seconds))

    def advance(self, claim: Claim, state: TriageState, **values: Any) -> None:
        """Move a claimed triage to a new working state, recording when."""
        now = utcnow()
        with self.session() as s:
            self._fenced(s, claim, state=state.value, timeline=self._timeline_with(s, claim, state, now), **values)

    def publish(self, claim: Claim, event: FailureEvent, evidence: Evidence, hypothesis: Hypothesis) -> None:
        """Store the result and release the lease: the single write that finishes a triage."""
        now = utcnow()
        with self.session() as s:
            self._fenced(
                s,
                claim,
                state=TriageState.published.value,
                # Evidence may have named the job better (a CronJob behind a Job an alert named).
                job=event.job,
                job_key=event.job_key,
                event=_text_safe(event.model_dump(mode="json")),
                evidence=_text_safe(evidence.model_dump(mode="json")),
                hypothesis=_text_safe(hypothesis.model_dump(mode="json")),
                error=None,
                lease_owner=None,
                lease_until=None,
                timeline=self._timeline_with(s, claim, TriageState.published, now),
            )

    def retry_later(self, claim: Claim, error: str, delay_seconds: float, max_attempts: int) -> TriageState:
        """Release a claim after a transient error; after max_attempts end in `failed`."""
        now = utcnow()
        # Shown on the failed triage's card: an exception's text can quote a URL or a DSN with
        # its password, and this triage never reached the pipeline's redaction.
        error = _text_safe(redact(error))
        with self.session() as s:
            if claim.attempts >= max_attempts:
                self._fenced(
                    s, claim, state=TriageState.failed.value, error=error, lease_owner=None, lease_until=None,
                    timeline=self._timeline_with(s, claim, TriageState.failed, now),
                    # A published triage keeps the pipeline's redacted event; a failed one never got
                    # there, and is kept (and shown) for good: redact what it stores now.
                    event=_redacted_event(claim.event.model_dump(mode="json")),
                )
                return TriageState.failed
            self._fenced(
                s, claim, error=error, lease_owner=None, lease_until=None,
                next_attempt_at=now + timedelta(seconds=delay_seconds),
            )
            return claim.state

    def fail_exhausted(self, max_attempts: int) -> int:
        """Triages whose claims kept dying (e.g. a crash each time) end visibly failed.

        A worker may claim one of them between this read and the write below (its last lease
        expired, so it is free to) and even publish it. Like every lease-fenced write, the
        write is conditional: it changes a triage only if it is still exhausted, unclaimed and
        unchanged since it was read. On PostgreSQL the rows read are also locked (skipping
        those a claimer holds), so a claimer skips them in turn."""
        now = utcnow()
        exhausted = (
            TriageRow.state.in_([st.value for st in WORK_STATES]),
            TriageRow.attempts >= max_attempts,
            or_(TriageRow.lease_until.is_(None), TriageRow.lease_until < now),
        )
        failed = 0
        with self.session() as s:
            q = select(TriageRow.id, TriageRow.attempts, TriageRow.error, TriageRow.timeline, TriageRow.event).where(*exhausted)
            if self.dialect == "postgresql":
                q = q.with_for_update(skip_locked=True)
            for triage_id, attempts, error, timeline, event in s.execute(q).all():
                res = s.execute(
                    update(TriageRow)
                    .where(TriageRow.id == triage_id, TriageRow.attempts == attempts, *exhausted)
                    .values(
                        state=TriageState.failed.value,
                        error=error or f"gave up after {attempts} attempts (the worker stopped each time)",
                        timeline={**(timeline or {}), TriageState.failed.value: now.isoformat()},
                        event=_redacted_event(event),
                        lease_owner=None,
                        lease_until=None,
                        updated_at=now,
                    )
                    .execution_options(synchronize_session=False)
                )
                failed += res.rowcount
        return failed

    # --- carrying out an approved re-run ---------------------------------------------------
    def lease_rerun(self, triage_id: str, owner: str, lease_seconds: float) -> bool:
        """Take the triage's lease to carry out its re-run (state rerun_requested): one process
        at a time, across replicas. The worker's lease fields are free once a triage is
        published, and a worker never claims a triage in this state. False if another
        process holds it; a crashed holder's lease expires and recovery takes it then."""
        now = utcnow()
        with self.session() as s:
            res = s.execute(
                update(TriageRow)
                .where(TriageRow.id == triage_id, TriageRow.state == TriageState.rerun_requested.value,
                       or_(TriageRow.lease_until.is_(None), TriageRow.lease_until < now))
                .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds))
                .execution_options(synchronize_session=False)
            )
            return res.rowcount == 1

    def release_rerun(self, triage_id: str, owner: str) -> None:
        with self.session() as s:
            s.execute(
                update(TriageRow)
                .where(TriageRow.id == triage_id, TriageRow.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )

    # --- human decisions ------------------------------------------------------------
    def transition(self, triage_id: str, to: TriageState, actor: str, action: str, *,
                   detail: str | None = None, allowed_from: set[TriageState] | None = None,
                   idempotency_key: str | None = None) -> bool:
        """A recorded human (or action) state change; False when not allowed or a replay."""
        now = utcnow()
        try:
            with self.session() as s:
                q = select(TriageRow).where(TriageRow.id == triage_id)
                if self.dialect == "postgresql":
                    q = q.with_for_update()
                row = s.scalar(q)
                if row is None:
                    return False
                if allowed_from is not None and TriageState(row.state) not in allowed_from:
                    return False
                s.add(AuditRow(triage_id=triage_id, actor=actor, action=action, detail=detail,
                               idempotency_key=idempotency_key, at=now))
                s.flush()  # a replayed idempotency key fails here, before the state moves
                row.state = to.value
                row.timeline = {**row.timeline, to.value: now.isoformat()}
                row.updated_at = now
                return True
        except IntegrityError:
            return False

    def audit(self, triage_id: str, actor: str, action: str, detail: str | None = None,
              outcome: str | None = None) -> None:
        with self.session() as s:
            s.add(AuditRow(triage_id=triage_id, actor=actor, action=action, detail=detail, outcome=outcome, at=utcnow()))

    def audit_trail(self, triage_id: str) -> list[dict[str, Any]]:
        with self.session() as s:
            rows = s.scalars(select(AuditRow).where(AuditRow.triage_id == triage_id).order_by(AuditRow.id)).all()
            return [
                {"actor": r.actor, "action": r.action, "detail": r.detail, "outcome": r.outcome,
                 "at": _aware(r.at).isoformat()}
                for r in rows
            ]

    def add_feedback(self, triage_id: str, actor: str, cause: str, category: str | None) -> None:
        with self.session() as s:
            s.add(FeedbackRow(triage_id=triage_id, actor=actor, cause=cause, category=category, at=utcnow()))
            s.add(AuditRow(triage_id=triage_id, actor=actor, action="wrong_cause", detail=cause, at=utcnow()))

    def feedback(self) -> list[dict[str, Any]]:
        with self.session() as s:
            rows = s.execute(select(FeedbackRow, TriageRow).join(TriageRow, TriageRow.id == FeedbackRow.triage_id)).all()
            return [
                {"triage_id": f.triage_id, "actor": f.actor, "cause": f.cause, "category": f.category,
                 "at": _aware(f.at).isoformat(), "source": t.source, "job": t.job, "event": t.event,
                 "evidence": t.evidence, "hypothesis": t.hypothesis}
                for f, t in rows
            ]

    # --- reads ----------------------------------------------------------------------
    def get(self, triage_id: str) -> TriageView | None:
        with self.session() as s:
            row = s.get(TriageRow, triage_id)
            return _view(row) if row else None

    def list(self, limit: int = 50, state: str | None = None, source: str | None = None,
             job_key: str | None = None) -> list[TriageView]:
        with self.session() as s:
            q = select(TriageRow).order_by(TriageRow.created_at.desc()).limit(limit)
            if state:
                q = q.where(TriageRow.state == state)
            if source:
                q = q.where(TriageRow.source == source)
            if job_key:
                q = q.where(TriageRow.job_key == job_key)
            return [_view(r) for r in s.scalars(q).all()]

    def history(self, job_key: str, limit: int = 10) -> list[RunRecord]:
        """The job's recent runs as we recorded them, newest first."""
        with self.session() as s:
            rows = s.scalars(
                select(RunRow).where(RunRow.job_key == job_key)
                .order_by(func.coalesce(RunRow.started_at, RunRow.recorded_at).desc(), RunRow.id.desc())
                .limit(limit)
            ).all()
            return [
                RunRecord(outcome=RunOutcome(r.outcome), started_at=_aware(r.started_at),
                          finished_at=_aware(r.finished_at), duration_seconds=r.duration_seconds,
                          name=r.run_id, exit_code=r.exit_code, detail=r.detail)
                for r in rows
            ]

    def history_of(self, view: TriageView, limit: int = 10) -> list[RunRecord]:
        """The runs shown with a triage: those its evidence recorded, else the job's recent runs."""
        if view.evidence and view.evidence.history:
            return view.evidence.history
        return self.history(view.job_key, limit)

    def counts_by_state(self) -> dict[str, int]:
        with self.session() as s:
            return dict(s.execute(select(TriageRow.state, func.count()).group_by(TriageRow.state)).all())

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")


def event_run_report(event: FailureEvent, triage_id: str | None = None) -> RunReport:
    """The failure as one run in the job's history."""
    run_id = event.cron.run_id if event.cron else event.failure_key
    return RunReport(
        job_key=event.job_key, job=event.job, source=event.source, outcome=RunOutcome.failure,
        started_at=event.started_at, finished_at=event.failed_at, duration_seconds=event.duration_seconds,
        exit_code=event.exit_code, detail=event.reason, run_id=run_id,
    )


def _view(row: TriageRow) -> TriageView:
    return TriageView(
        id=row.id,
        source=row.source,
        job=row.job,
        job_key=row.job_key,
        failure_key=row.failure_key,
        state=TriageState(row.state),
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
        timeline={k: datetime.fromisoformat(v) for k, v in (row.timeline or {}).items()},
        attempts=row.attempts,
        error=row.error,
        event=FailureEvent.model_validate(row.event),
        evidence=Evidence.model_validate(row.evidence) if row.evidence else None,
        hypothesis=Hypothesis.model_validate(row.hypothesis) if row.hypothesis else None,
    )
