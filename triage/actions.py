"""Human decisions on a triage, shared by Slack's buttons and the web inbox's forms.

Acknowledge, dismiss, "wrong cause" (feedback) and "approve re-run". Every decision,
refused ones included, lands in the audit table with who, when, what and the outcome.
An approval moves the triage published/acknowledged -> approved -> rerun_requested ->
rerun_done | failed and calls the source's `rerun` once for that approval: a double click
is stopped by the state check, a replayed request by its idempotency key.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from triage.db import AuditRow, FeedbackRow
from triage.engine.redact import redact
from triage.models import Category, TriageState, TriageView, utcnow
from triage.observability import ERRORS
from triage.sources.base import RerunResult, SourcePlugin
from triage.store import TriageStore

log = logging.getLogger(__name__)

# How long one process may hold a triage to carry out its re-run before recovery may take it over
# (a crashed carrier): far longer than creating a Job or clearing a task instance takes.
RERUN_LEASE_SECONDS = 300.0

# Where each decision may start from (the inverse of models.HUMAN_TRANSITIONS).
ACK_FROM = {TriageState.published, TriageState.failed}
DISMISS_FROM = {TriageState.published, TriageState.acknowledged, TriageState.failed}
APPROVE_FROM = {TriageState.published, TriageState.acknowledged}

_SLACK_GROUP = re.compile(r"^S[A-Z0-9]{6,}$")
# A Slack user (U…, or W… on Enterprise Grid) or group id: never an inbox user's name.
_SLACK_ID = re.compile(r"^[UWS][A-Z0-9]{6,}$")
_APPROVAL = re.compile(r"^approval (\S+):")


@dataclass(frozen=True)
class Actor:
    """Who acts: `slack:U0123ABC`, `inbox:alice`, `api-token` or `local` (loopback, no login)."""

    id: str
    name: str = ""

    @property
    def label(self) -> str:
        return f"{self.id} ({self.name})" if self.name and self.name not in self.id else self.id


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message: str
    state: TriageState | None = None
    approval_id: str | None = None


class Approvers:
    """Who may approve a re-run. `settings.approvers` mixes Slack user ids (U.../W...),
    Slack user group ids (S..., members looked up through `group_members`) and inbox user
    names (plain, or as `inbox:NAME`); `api-token` and `local` may be listed too."""

    def __init__(self, entries: list[str], group_members: Callable[[str], set[str]] | None = None,
                 cache_seconds: float = 60.0):
        self.entries = [e.strip() for e in entries if e.strip()]
        self.group_members = group_members
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, set[str]]] = {}
        self._lock = threading.Lock()

    def allows(self, actor: Actor) -> bool:
        kind, _, name = actor.id.partition(":")
        if kind == "slack":
            if name in self.entries or actor.id in self.entries:
                return True
            return any(name in self._members(g) for g in self.entries if _SLACK_GROUP.match(g))
        if kind == "inbox":
            # A plain entry that is a Slack id names a Slack user, even if an inbox user has that name.
            return actor.id in self.entries or (name in self.entries and not _SLACK_ID.match(name))
        return actor.id in self.entries

    def _members(self, group: str) -> set[str]:
        if self.group_members is None:
            return set()
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(group)
            if hit and now - hit[0] < self.cache_seconds:
                return hit[1]
        try:
            members = self.group_members(group)
        except Exception:
            # Fail closed: an unreachable Slack means nobody in the group is an approver now.
            ERRORS.labels("slack_usergroup").inc()
            log.exception("could not list the members of user group %s", group)
            return set()
        with self._lock:
            self._cache[group] = (now, members)
        return members


def approval_id_for(idempotency_key: str) -> str:
    """Derived from the request, so a retry of the same request names the same approval."""
    return "a" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]


class TriageActions:
    def __init__(self, store: TriageStore, sources: dict[str, SourcePlugin], approvers: Approvers):
        self.store = store
        self.sources = sources
        self.approvers = approvers
        # Called with a triage id after each change (Slack edits its card).
        self.listeners: list[Callable[[str], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- what can be done ---------------------------------------------------------------
    def rerun_plan(self, view: TriageView) -> str | None:
        """Exactly what an approval would run, or None when this failure cannot be re-run."""
        source = self.sources.get(view.source.value)
        if source is None or not source.can_rerun:
            return None
        try:
            return source.describe_rerun(view.event)
        except Exception:
            ERRORS.labels("rerun").inc()
            log.exception("describe_rerun failed for %s", view.id)
            return None

    # --- decisions ----------------------------------------------------------------------
    def acknowledge(self, triage_id: str, actor: Actor, idempotency_key: str) -> ActionResult:
        return self._simple(triage_id, actor, idempotency_key, TriageState.acknowledged, "acknowledge", ACK_FROM)

    def dismiss(self, triage_id: str, actor: Actor, idempotency_key: str) -> ActionResult:
        return self._simple(triage_id, actor, idempotency_key, TriageState.dismissed, "dismiss", DISMISS_FROM)

    def _simple(self, triage_id: str, actor: Actor, key: str, to: TriageState, action: str,
                allowed_from: set[TriageState]) -> ActionResult:
        if self.store.transition(triage_id, to, actor.id, action, allowed_from=allowed_from, idempotency_key=key):
            self._changed(triage_id)
            return ActionResult(True, f"{to.value} by {actor.label}", to)
        return self._refusal(triage_id, action)

    def wrong_cause(self, triage_id: str, actor: Actor, cause: str, category: str | None,
                    idempotency_key: str) -> ActionResult:
        cause = cause.strip()
        if not cause:
            return ActionResult(False, "say what the real cause was")
        if len(cause) > 3000:
            return ActionResult(False, "keep the cause under 3000 characters")
        if category is not None and category not in Category.__members__:
            return ActionResult(False, f"unknown category {category!r}")
        if self.store.get(triage_id) is None:
            return ActionResult(False, f"no triage {triage_id}")
        # People paste the log line that proves it, password and all: the trail is shown on
        # the card, in the inbox and by the API, so it holds the redacted text only.
        cause = redact(cause)
        # The same two rows store.add_feedback writes, plus the idempotency key, in one
        # transaction: a replayed modal submission must not count as a second correction.
        now = utcnow()
        try:
            with self.store.session() as s:
                s.add(AuditRow(triage_id=triage_id, actor=actor.id, action="wrong_cause", detail=cause,
                               outcome=f"category {category}" if category else None,
                               idempotency_key=idempotency_key, at=now))
                s.flush()
                s.add(FeedbackRow(triage_id=triage_id, actor=actor.id, cause=cause, category=category, at=now))
        except IntegrityError:
            return ActionResult(False, "this correction was already recorded")
        self._changed(triage_id)
        return ActionResult(True, f"correction recorded from {actor.label}")

    def approve(self, triage_id: str, actor: Actor, idempotency_key: str) -> ActionResult:
        """Record an approval (fast); `carry_out` then re-runs (slow, in the background)."""
        view = self.store.get(triage_id)
        if view is None:
            return ActionResult(False, f"no triage {triage_id}")
        if not self.approvers.allows(actor):
            self.store.audit(triage_id, actor.id, "approve_rerun", detail="refused: not a configured approver",
                             outcome="refused")
            self._changed(triage_id)
            return ActionResult(False, "only configured approvers (TRIAGE_APPROVERS) may approve a re-run",
                                view.state)
        plan = self.rerun_plan(view)
        if plan is None:
            return ActionResult(False, f"{view.source.value} cannot re-run this job", view.state)
        approval_id = approval_id_for(idempotency_key)
        if not self.store.transition(triage_id, TriageState.approved, actor.id, "approve_rerun",
                                     detail=f"approval {approval_id}: {plan}", allowed_from=APPROVE_FROM,
                                     idempotency_key=idempotency_key):
            return self._refusal(triage_id, "approve_rerun")
        self._changed(triage_id)
        return ActionResult(True, f"re-run approved by {actor.label}", TriageState.approved, approval_id)

    def carry_out(self, triage_id: str, approval_id: str) -> ActionResult:
        """Re-run through the source once for this approval and record the outcome."""
        view = self.store.get(triage_id)
        if view is None:
            return ActionResult(False, f"no triage {triage_id}")
        if view.state == TriageState.approved:
            if not self.store.transition(triage_id, TriageState.rerun_requested, "triage", "rerun_requested",
                                         detail=f"approval {approval_id}", allowed_from={TriageState.approved},
                                         idempotency_key=f"rerun:{approval_id}"):
                return self._refusal(triage_id, "rerun")
            self._changed(triage_id)
        elif view.state != TriageState.rerun_requested:
            return ActionResult(False, f"not re-run: the triage is {view.state.value}", view.state)
        # One carrier at a time across replicas: every replica's recovery loop resumes re-runs, and a
        # second call to a source that is not idempotent (Airflow clears only failed task instances)
        # would do nothing and report it as a failure.
        owner = f"rerun:{approval_id}:{uuid.uuid4().hex[:8]}"
        if not self.store.lease_rerun(triage_id, owner, RERUN_LEASE_SECONDS):
            return ActionResult(False, "the re-run is already being carried out", TriageState.rerun_requested, approval_id)
        try:
            return self._carry_out_leased(triage_id, approval_id, view)
        finally:
            self.store.release_rerun(triage_id, owner)

    def _carry_out_leased(self, triage_id: str, approval_id: str, view: TriageView) -> ActionResult:
        source = self.sources[view.source.value]
        try:
            result = source.rerun(view.event, approval_id)
        except Exception as exc:  # the outcome must be recorded whatever the source does
            ERRORS.labels("rerun").inc()
            log.exception("re-run of %s failed", triage_id)
            result = RerunResult(ok=False, detail=f"{type(exc).__name__}: {exc}")
        if not result.ok:
            ERRORS.labels("rerun").inc()
        to = TriageState.rerun_done if result.ok else TriageState.failed
        # A client's error may name the URL it used, credentials included.
        detail = redact(result.detail + (f" [{result.reference}]" if result.reference else ""))
        recorded = self.store.transition(triage_id, to, "triage", "rerun_done" if result.ok else "rerun_failed",
                                         detail=detail, allowed_from={TriageState.rerun_requested},
                                         idempotency_key=f"rerun-result:{approval_id}")
        if recorded:
            self._set_approval_outcome(triage_id, approval_id, ("done: " if result.ok else "failed: ") + detail)
            self._changed(triage_id)
        return ActionResult(result.ok, detail, to, approval_id)

    def approve_and_rerun(self, triage_id: str, actor: Actor, idempotency_key: str) -> ActionResult:
        approved = self.approve(triage_id, actor, idempotency_key)
        if not approved.ok or approved.approval_id is None:
            return approved
        return self.carry_out(triage_id, approved.approval_id)

    # --- recovery -----------------------------------------------------------------------
    def resume_interrupted(self, older_than_seconds: float = 60.0) -> int:
        """Carry on approvals a crash interrupted (state approved or rerun_requested for a
        while). Every replica runs this; the carry-out lease lets one process at a time re-run a
        triage, and a crashed carrier's lease expires before another takes over."""
        cutoff = utcnow() - timedelta(seconds=older_than_seconds)
        resumed = 0
        for state in (TriageState.approved, TriageState.rerun_requested):
            for view in self.store.list(100, state.value):
                if view.updated_at > cutoff:
                    continue
                approval_id = next((m.group(1) for a in reversed(self.store.audit_trail(view.id))
                                    if a["action"] == "approve_rerun" and (m := _APPROVAL.match(a["detail"] or ""))),
                                   None)
                if approval_id is None:
                    continue
                log.warning("resuming interrupted re-run %s of triage %s", approval_id, view.id)
                self.carry_out(view.id, approval_id)
                resumed += 1
        return resumed

    def start(self, interval_seconds: float = 30.0) -> None:
        def loop() -> None:
            while not self._stop.wait(interval_seconds):
                try:
                    self.resume_interrupted()
                except Exception:
                    ERRORS.labels("rerun").inc()
                    log.exception("could not resume interrupted re-runs")

        self._thread = threading.Thread(target=loop, name="triage-actions", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)

    # --- internals ----------------------------------------------------------------------
    def _refusal(self, triage_id: str, action: str) -> ActionResult:
        view = self.store.get(triage_id)
        if view is None:
            return ActionResult(False, f"no triage {triage_id}")
        return ActionResult(False, f"nothing done: the triage is {view.state.value} (already handled)", view.state)

    def _set_approval_outcome(self, triage_id: str, approval_id: str, outcome: str) -> None:
        with self.store.session() as s:
            s.execute(update(AuditRow)
                      .where(AuditRow.triage_id == triage_id, AuditRow.action == "approve_rerun",
                             AuditRow.detail.like(f"approval {approval_id}:%"))
                      .values(outcome=outcome))

    def _changed(self, triage_id: str) -> None:
        for listener in self.listeners:
            try:
                listener(triage_id)
            except Exception:
                ERRORS.labels("publish").inc()
                log.exception("could not refresh the card of %s", triage_id)


def install_actions(app, services) -> TriageActions:
    """Wire decisions into the service: the shared `TriageActions`, Slack (cards and the
    signed interactivity endpoint) when a bot token is set, and their background loops."""
    from triage.slack import install_slack

    actions = TriageActions(services.store, services.sources, Approvers(services.settings.approvers))
    services.extras["actions"] = actions
    services.extras.setdefault("background", []).append(actions)
    install_slack(app, services, actions)
    return actions


def note_redeliveries(services, triage_ids: list[str]) -> None:
    """After intake: tell the publishers about failures that were already known."""
    hooks = services.extras.get("redelivery_hooks", [])
    for triage_id in triage_ids:
        for hook in hooks:
            try:
                hook(triage_id)
            except Exception:  # the event is stored already; the card catches up later
                ERRORS.labels("publish").inc()
                log.exception("could not note the redelivery of %s", triage_id)
