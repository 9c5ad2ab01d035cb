"""The Airflow source: failed task instances reported by the notifier or `triage watch-airflow`.

Payload (`POST /v1/events/airflow`, one JSON object, as integrations/airflow sends it):
    dag_id, task_id, run_id (required); try_number, max_tries, map_index, instance,
    logical_date, start_date, end_date, state, hostname, operator, exception_type,
    exception_message, traceback, log_url, reason, reported_by ("notifier" | "callback" | "poller").
`instance` names the configured Airflow (TRIAGE_AIRFLOW_INSTANCES / TRIAGE_AIRFLOW_URL) whose
REST API is read for evidence and used for an approved re-run (clearing the task instance).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from triage.models import AirflowRef, Evidence, FailureEvent, RunOutcome, RunRecord, Source
from triage.settings import AirflowInstance
from triage.sources.airflow_api import AirflowAPIError, AirflowClient
from triage.sources.base import IntakeItem, PayloadError, RerunResult, SourcePlugin, as_utc

# How many earlier tries' logs to include, and how many of their last lines each.
EARLIER_TRIES = 2
EARLIER_TRY_LINES = 40
HISTORY_RUNS = 10
# A try the notifier reported may still look running for a moment (see _settled_task_instance).
UNSETTLED_STATES = {"running", "queued", "scheduled", "restarting"}
SETTLE_SECONDS = 20.0
SETTLE_POLL_SECONDS = 0.5
# Task states that mean "this attempt is over and failed": a re-run may clear them.
FAILED_STATES = {"failed", "upstream_failed"}

_RUN_OUTCOME = {
    "success": RunOutcome.success,
    "failed": RunOutcome.failure,
    "running": RunOutcome.running,
    "queued": RunOutcome.running,
}


class AirflowPayload(BaseModel):
    """What the notifier sends; unknown keys are ignored so newer notifiers keep working."""

    model_config = ConfigDict(extra="ignore")

    dag_id: str = Field(min_length=1, max_length=250)
    task_id: str = Field(min_length=1, max_length=250)
    run_id: str = Field(min_length=1, max_length=250)
    try_number: int = Field(1, ge=0)
    max_tries: int | None = Field(None, ge=0)
    map_index: int = Field(-1, ge=-1)
    instance: str = Field("default", min_length=1, max_length=100)
    logical_date: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    state: str | None = None
    hostname: str | None = None
    operator: str | None = None
    exception_type: str | None = None
    exception_message: str | None = None
    traceback: str | None = None
    log_url: str | None = None
    reason: str | None = None
    reported_by: Literal["notifier", "callback", "poller", "manual"] = "notifier"

    _utc = field_validator("logical_date", "start_date", "end_date")(as_utc)

    @field_validator("dag_id", "task_id", "run_id", "instance")
    @classmethod
    def _no_slash_only(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


class AirflowSource(SourcePlugin):
    name = "airflow"
    can_rerun = True

    # Approval ids already applied in this process (the core also records outcomes, and the
    # task instance's own state and note are checked before any clear). One lock per approval
    # id is held for the whole check-then-clear, so a second carry-out of the same approval in
    # this process (the approver's request and the recovery loop at once) waits for the first
    # and returns its result instead of reading the still-failed task instance and clearing too.
    _applied: dict[str, RerunResult] = {}
    _applied_lock = threading.Lock()
    _approval_locks: dict[str, threading.Lock] = {}

    # --- intake -------------------------------------------------------------------------
    def parse(self, payload: Any) -> list[IntakeItem]:
        if not isinstance(payload, dict):
            raise PayloadError("body", "expected a JSON object describing one failed task instance")
        try:
            p = AirflowPayload.model_validate(payload)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(x) for x in err["loc"]) or "body"
            raise PayloadError(field, err["msg"]) from None
        known = {i.name for i in self.settings.airflow()}
        if known and p.instance not in known:
            raise PayloadError("instance", f"unknown Airflow instance {p.instance!r}; configured: {', '.join(sorted(known))}")

        excerpt = None
        if p.exception_type or p.exception_message:
            excerpt = f"{p.exception_type or 'Error'}: {p.exception_message or ''}".strip()
            if p.traceback:
                excerpt = p.traceback.strip()[-3000:]
        duration = (p.end_date - p.start_date).total_seconds() if p.start_date and p.end_date else None
        event = FailureEvent(
            source=Source.airflow,
            job=f"{p.dag_id}.{p.task_id}",
            airflow=AirflowRef(dag_id=p.dag_id, task_id=p.task_id, run_id=p.run_id,
                               try_number=p.try_number, map_index=p.map_index, instance=p.instance),
            failed_at=p.end_date or datetime.now(timezone.utc),
            started_at=p.start_date,
            duration_seconds=duration,
            reason=p.exception_type or p.reason or p.state,
            log_excerpt=excerpt,
            links={"airflow_log": p.log_url} if p.log_url else {},
            labels={k: v for k, v in {"dag_id": p.dag_id, "task_id": p.task_id, "instance": p.instance,
                                      "operator": p.operator or ""}.items() if v},
            attributes={k: v for k, v in {
                "max_tries": p.max_tries, "hostname": p.hostname, "operator": p.operator,
                "logical_date": p.logical_date.isoformat() if p.logical_date else None,
                "state": p.state, "reported_by": p.reported_by,
                "exception_type": p.exception_type, "exception_message": p.exception_message,
            }.items() if v is not None},
        )
        return [event]

    # --- evidence -----------------------------------------------------------------------
    def _instance(self, name: str) -> AirflowInstance | None:
        return next((i for i in self.settings.airflow() if i.name == name), None)

    def client(self, name: str) -> AirflowClient | None:
        inst = self._instance(name)
        return AirflowClient(inst) if inst else None

    def collect_evidence(self, event: FailureEvent) -> Evidence:
        ref = event.airflow
        assert ref is not None
        ev = Evidence(status={"task_id": ref.task_id, "dag_id": ref.dag_id, "run_id": ref.run_id,
                              "try_number": ref.try_number, "map_index": ref.map_index})
        if event.log_excerpt:
            ev.status["reported_exception"] = event.attributes.get("exception_type")
        ev.links.update(event.links)
        client = self.client(ref.instance)
        if client is None:
            ev.notes.append(f"no Airflow instance named {ref.instance!r} is configured "
                            "(set TRIAGE_AIRFLOW_URL or TRIAGE_AIRFLOW_INSTANCES); only the reported excerpt is shown")
            ev.log_text = event.log_excerpt or ""
            ev.log_origin = "notifier excerpt"
            return ev
        try:
            self._collect(client, event, ev)
        finally:
            client.close()
        if not ev.log_text and event.log_excerpt:
            ev.log_text = event.log_excerpt
            ev.log_origin = "notifier excerpt (the log could not be read)"
        return ev

    def _note(self, ev: Evidence, what: str, exc: AirflowAPIError) -> None:
        ev.notes.append(f"could not read {what}: {exc.note()}")

    def _collect(self, client: AirflowClient, event: FailureEvent, ev: Evidence) -> None:
        ref = event.airflow
        assert ref is not None
        ti: dict[str, Any] = {}
        try:
            ti = self._settled_task_instance(client, event)
            for key in ("state", "try_number", "max_tries", "duration", "hostname", "pool", "queue",
                        "operator", "start_date", "end_date", "pid", "executor"):
                if ti.get(key) is not None:
                    ev.status["duration_seconds" if key == "duration" else f"current_{key}" if key == "try_number" else key] = ti[key]
        except AirflowAPIError as exc:
            self._note(ev, "the task instance", exc)

        run_tis: list[dict] = []
        try:
            run_tis = client.run_task_instances(ref.dag_id, ref.run_id)
            ev.status["run_task_states"] = {
                t["task_id"] + (f"[{t['map_index']}]" if t.get("map_index", -1) >= 0 else ""): t.get("state")
                for t in run_tis}
        except AirflowAPIError as exc:
            self._note(ev, "the run's other task instances", exc)

        # An upstream_failed task never ran: the evidence is in the upstream task that failed.
        log_task, log_try, log_map = ref.task_id, ref.try_number, ref.map_index
        if ti.get("state") == "upstream_failed" or event.attributes.get("state") == "upstream_failed":
            root = self._first_failed_upstream(client, ref.dag_id, ref.task_id, run_tis, ev)
            if root:
                log_task, log_try, log_map = root["task_id"], int(root.get("try_number") or 1), int(root.get("map_index", -1))
                ev.status["upstream_failed_root"] = root["task_id"]
                ev.notes.append(f"{ref.task_id} did not run (upstream_failed); the log shown is from upstream task "
                                f"{root['task_id']}, which failed first (try {log_try})")
            else:
                ev.notes.append(f"{ref.task_id} is upstream_failed but no failed upstream task was found in the run")
        elif ti.get("try_number") and ti["try_number"] > ref.try_number:
            ev.notes.append(f"the task has been retried since: it is now on try {ti['try_number']} ({ti.get('state')})")

        if "airflow_log" not in ev.links and client.v3:
            # Events from the poller carry no link: point at the task in Airflow's UI.
            ev.links["airflow_task"] = (f"{client.base}/dags/{quote(ref.dag_id)}/runs/{quote(ref.run_id, safe='')}"
                                        f"/tasks/{quote(ref.task_id)}"
                                        + (f"/mapped/{ref.map_index}" if ref.map_index >= 0 else "")
                                        + f"?try_number={ref.try_number}")
        self._collect_logs(client, ref.dag_id, ref.run_id, log_task, log_try, log_map, ev)
        self._collect_history(client, ref.dag_id, ev)

    def _settled_task_instance(self, client: AirflowClient, event: FailureEvent) -> dict[str, Any]:
        """The task instance once Airflow has recorded the end of the reported try.

        The notifier runs inside the task process, before Airflow stores the final state (and
        the last log lines), so a prompt worker may find the try still "running": wait a little.
        """
        ref = event.airflow
        assert ref is not None
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            ti = client.task_instance(ref.dag_id, ref.run_id, ref.task_id, ref.map_index)
            still_running = ti.get("state") in UNSETTLED_STATES and int(ti.get("try_number") or 0) == ref.try_number
            if not still_running or time.monotonic() >= deadline:
                return ti
            time.sleep(SETTLE_POLL_SECONDS)

    def _first_failed_upstream(self, client: AirflowClient, dag_id: str, task_id: str,
                               run_tis: list[dict], ev: Evidence) -> dict | None:
        failed = [t for t in run_tis if t.get("state") == "failed"]
        if not failed:
            return None
        ancestors: set[str] | None = None
        try:
            tasks = client.dag_tasks(dag_id)
            upstream: dict[str, set[str]] = {}
            for t in tasks:
                for down in t.get("downstream_task_ids") or []:
                    upstream.setdefault(down, set()).add(t["task_id"])
            ancestors, todo = set(), [task_id]
            while todo:
                for parent in upstream.get(todo.pop(), ()):
                    if parent not in ancestors:
                        ancestors.add(parent)
                        todo.append(parent)
        except AirflowAPIError as exc:
            self._note(ev, "the DAG's task structure (using any failed task of the run)", exc)
        candidates = [t for t in failed if ancestors is None or t["task_id"] in ancestors] or failed
        # The one that failed first started the cascade.
        return min(candidates, key=lambda t: t.get("end_date") or "9999")

    def _collect_logs(self, client: AirflowClient, dag_id: str, run_id: str, task_id: str,
                      try_number: int, map_index: int, ev: Evidence) -> None:
        parts: list[str] = []
        tries: list[dict] = []
        if try_number > 1:  # a first try has no earlier ones to read
            try:
                tries = client.task_tries(dag_id, run_id, task_id, map_index)
                ev.status["tries"] = [{"try_number": t.get("try_number"), "state": t.get("state"),
                                       "duration": t.get("duration"), "hostname": t.get("hostname")} for t in tries]
            except AirflowAPIError as exc:
                self._note(ev, "the earlier tries", exc)
        earlier = sorted({int(t["try_number"]) for t in tries if t.get("try_number") and int(t["try_number"]) < try_number})
        for n in earlier[-EARLIER_TRIES:]:
            try:
                lines, _ = client.task_log(dag_id, run_id, task_id, n, map_index)
                parts.append(f"----- {task_id} try {n} (earlier try, last {EARLIER_TRY_LINES} lines) -----")
                parts.extend(lines[-EARLIER_TRY_LINES:])
            except AirflowAPIError as exc:
                self._note(ev, f"the log of try {n}", exc)
        try:
            lines, facts = client.task_log(dag_id, run_id, task_id, try_number, map_index)
            if parts:
                parts.append(f"----- {task_id} try {try_number} (the failed try) -----")
            parts.extend(lines)
            # The failed try's facts; a signal means the process was killed (OOM or an operator).
            ev.status.update(facts)
            ev.log_origin = (f"Airflow {client.prefix} log of {dag_id}/{run_id}/{task_id}"
                             f"{f'[{map_index}]' if map_index >= 0 else ''} try {try_number}")
        except AirflowAPIError as exc:
            self._note(ev, f"the log of try {try_number}", exc)
        ev.log_text = "\n".join(parts)

    def _collect_history(self, client: AirflowClient, dag_id: str, ev: Evidence) -> None:
        try:
            runs = client.dag_runs(dag_id, limit=HISTORY_RUNS)
        except AirflowAPIError as exc:
            self._note(ev, "the DAG's recent runs", exc)
            return
        for r in runs:
            started, ended = _dt(r.get("start_date")), _dt(r.get("end_date"))
            duration = r.get("duration")
            if duration is None and started and ended:
                duration = (ended - started).total_seconds()
            ev.history.append(RunRecord(
                outcome=_RUN_OUTCOME.get(str(r.get("state")), RunOutcome.unknown),
                started_at=started, finished_at=ended, duration_seconds=duration,
                name=r.get("dag_run_id"), detail=f"{r.get('run_type', '')} run, state {r.get('state')}".strip()))

    # --- approved re-run ----------------------------------------------------------------
    def describe_rerun(self, event: FailureEvent) -> str | None:
        ref = event.airflow
        if ref is None or self._instance(ref.instance) is None:
            return None
        return (f"Clear the failed task instance {ref.task_id} (or, if it is upstream_failed, the upstream task "
                f"that failed) and its failed downstream tasks, in DAG "
                f"{ref.dag_id}, run {ref.run_id}, on Airflow {ref.instance!r} "
                f"(POST /clearTaskInstances, only_failed, dry_run false); the scheduler then runs it again "
                f"as try {ref.try_number + 1}.")

    def rerun(self, event: FailureEvent, approval_id: str) -> RerunResult:
        with self._applied_lock:
            approval_lock = self._approval_locks.setdefault(approval_id, threading.Lock())
        with approval_lock:
            return self._rerun_once(event, approval_id)

    def _rerun_once(self, event: FailureEvent, approval_id: str) -> RerunResult:
        ref = event.airflow
        assert ref is not None
        with self._applied_lock:
            done = self._applied.get(approval_id)
        if done is not None:
            return done
        client = self.client(ref.instance)
        if client is None:
            return RerunResult(ok=False, detail=f"no Airflow instance named {ref.instance!r} is configured")
        marker = f"triage approval {approval_id}"
        ti_path = f"{ref.dag_id}/{ref.run_id}/{ref.task_id}" + (f"[{ref.map_index}]" if ref.map_index >= 0 else "")
        try:
            ti = client.task_instance(ref.dag_id, ref.run_id, ref.task_id, ref.map_index)
            # Idempotence across processes: the note we leave, or a newer try, means it was done.
            if marker in str(ti.get("note") or "") or int(ti.get("try_number") or 0) > ref.try_number \
                    or ti.get("state") not in FAILED_STATES:
                result = RerunResult(ok=True, reference=ti_path,
                                     detail=f"not cleared again: {ti_path} is now {ti.get('state')} "
                                            f"on try {ti.get('try_number')} (already re-run)")
            else:
                task_id, map_index = ref.task_id, ref.map_index
                if ti.get("state") == "upstream_failed":
                    # Clearing a task whose upstream still failed would only cascade again:
                    # clear the failed root; include_downstream brings the reported task along.
                    root = self._first_failed_upstream(client, ref.dag_id, ref.task_id,
                                                       client.run_task_instances(ref.dag_id, ref.run_id), Evidence())
                    if root:
                        task_id, map_index = root["task_id"], int(root.get("map_index", -1))
                task_ids: list[Any] = [[task_id, map_index]] if map_index >= 0 else [task_id]
                refused = None
                if map_index >= 0 and not client.v3:
                    # Airflow 2's API takes plain task ids only ([task, map_index] is a 400), and a
                    # plain id clears every failed index of the task in the run: use it only when
                    # this index is the one failed index, so nothing else is cleared.
                    others = sorted(int(t.get("map_index", -1)) for t in client.failed_task_instances_of(
                        ref.dag_id, ref.run_id, task_id) if int(t.get("map_index", -1)) != map_index)
                    if others:
                        refused = RerunResult(ok=False, reference=ti_path, detail=(
                            f"re-run not done: Airflow 2's API cannot clear one map index, and clearing "
                            f"{task_id} would also clear its failed map indexes {others}; clear "
                            f"{task_id}[{map_index}] in Airflow's UI instead"))
                    task_ids = [task_id]
                body = {} if refused else client.clear_task_instances(ref.dag_id, ref.run_id, task_ids, note=marker)
                cleared = [t.get("task_id", "?") for t in body.get("task_instances", [])]
                if refused:
                    result = refused
                elif cleared:
                    result = RerunResult(ok=True, reference=ti_path,
                                         detail=f"cleared {len(cleared)} task instance(s) of {ref.dag_id} run "
                                                f"{ref.run_id}: {', '.join(cleared)}; the scheduler re-queues them")
                else:
                    result = RerunResult(ok=False, reference=ti_path,
                                         detail="Airflow cleared nothing (the task instance is no longer failed)")
        except AirflowAPIError as exc:
            return RerunResult(ok=False, reference=ti_path, detail=f"re-run not done: {exc.note()}")
        finally:
            client.close()
        with self._applied_lock:
            self._applied[approval_id] = result
        return result
