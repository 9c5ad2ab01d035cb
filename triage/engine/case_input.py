"""Build the FailureEvent and Evidence for a log that did not come through a source plug-in:
`triage analyze` on a file, and the eval suite on a recorded case.

The event is as plausible as the input allows: names come from the status facts when they
are there (namespace, pod, dag_id, run_id, host...), otherwise from the job name.
"""

from __future__ import annotations

import socket
from typing import Any

from pydantic import ValidationError

from triage.models import (
    AirflowRef,
    CronRef,
    Evidence,
    FailureEvent,
    KubernetesRef,
    RunOutcome,
    RunRecord,
    Source,
)

DEFAULT_RUN_ID = "manual"


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _str(status: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = status.get(key)
        if isinstance(value, (str, int)) and str(value).strip():
            return str(value).strip()
    return None


def history_records(history: list[Any] | str | None, notes: list[str]) -> list[RunRecord]:
    """Past runs as RunRecords; free text is kept as a note rather than dropped."""
    if not history:
        return []
    if isinstance(history, str):
        notes.append(f"run history (as reported): {history.strip()}")
        return []
    runs: list[RunRecord] = []
    outcomes = {o.value for o in RunOutcome}
    for entry in history:
        if not isinstance(entry, dict):
            runs.append(RunRecord(outcome=RunOutcome.unknown, detail=str(entry)))
            continue
        data = dict(entry)
        outcome = str(data.get("outcome") or data.get("state") or data.get("status") or "").lower()
        data["outcome"] = {"failed": "failure", "succeeded": "success", "ok": "success"}.get(outcome, outcome)
        if data["outcome"] not in outcomes:
            data["outcome"] = RunOutcome.unknown.value
        known = {k: v for k, v in data.items() if k in RunRecord.model_fields}
        try:
            runs.append(RunRecord.model_validate(known))
        except ValidationError:
            runs.append(RunRecord(outcome=RunOutcome(data["outcome"]), detail=str(entry)))
    return runs


def build_event_and_evidence(
    source: str | Source,
    job: str | None,
    log_text: str,
    status: dict[str, Any] | str | None = None,
    history: list[Any] | str | None = None,
) -> tuple[FailureEvent, Evidence]:
    src = Source(source)
    facts: dict[str, Any] = dict(status) if isinstance(status, dict) else ({"text": status} if status else {})
    notes: list[str] = []
    runs = history_records(history, notes)
    name = (job or _str(facts, "job", "job_name", "cronjob", "dag_id") or "unnamed-job").strip()
    common: dict[str, Any] = {
        "job": name,
        "exit_code": _int(facts.get("exit_code", facts.get("exitCode"))),
        "reason": _str(facts, "reason"),
        "signal": _str(facts, "signal"),
    }
    if src == Source.kubernetes:
        event = FailureEvent(source=src, kubernetes=KubernetesRef(
            namespace=_str(facts, "namespace") or "default",
            job=_str(facts, "job_name") or name,
            cronjob=_str(facts, "cronjob"),
            pod=_str(facts, "pod", "pod_name"),
        ), **common)
    elif src == Source.airflow:
        dag, _, task = name.partition(".")
        event = FailureEvent(source=src, airflow=AirflowRef(
            dag_id=_str(facts, "dag_id") or dag,
            task_id=_str(facts, "task_id") or task or dag,
            run_id=_str(facts, "run_id", "dag_run_id") or DEFAULT_RUN_ID,
            try_number=_int(facts.get("try_number")) or 1,
        ), **common)
    elif src == Source.cron:
        event = FailureEvent(source=src, cron=CronRef(
            host=_str(facts, "host", "hostname") or socket.gethostname(),
            job=name,
            command=_str(facts, "command") or "",
            user=_str(facts, "user"),
            run_id=_str(facts, "run_id") or DEFAULT_RUN_ID,
        ), **common)
    else:
        raise ValueError(f"cannot build an event for source {src.value!r}: use kubernetes, airflow or cron")
    evidence = Evidence(log_text=log_text, log_origin="triage analyze", status=facts, history=runs, notes=notes)
    return event, evidence
