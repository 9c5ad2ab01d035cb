"""Turn a case into the FailureEvent + Evidence the service would have built for it.

The service's own builder (`build_event_and_evidence(source, job, log_text, status,
history)`, being written for `triage analyze`) is used when it exists, so the eval
measures exactly what production sees. Until then a minimal equivalent lives here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from triage.evaluation.cases import EvalCase
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

# Where the shared builder may live; the first one that imports wins.
_BUILDER_MODULES = ("triage.engine.case_input", "triage.commands.analyze")

Builder = Callable[..., tuple[FailureEvent, Evidence]]


def shared_builder() -> Builder | None:
    for name in _BUILDER_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        builder = getattr(module, "build_event_and_evidence", None)
        if callable(builder):
            return builder
    return None


def event_and_evidence(case: EvalCase) -> tuple[FailureEvent, Evidence]:
    builder = shared_builder()
    if builder is not None:
        return builder(case.source.value, case.job, case.log_text, case.status, case.history)
    return minimal_event_and_evidence(case.source, case.job, case.log_text, case.status, case.history, case.id)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _history(history: list[dict[str, Any]] | str | None, notes: list[str]) -> list[RunRecord]:
    if history is None:
        return []
    if isinstance(history, str):
        notes.append(f"run history (as reported): {history}")
        return []
    runs = []
    for entry in history:
        data = dict(entry)
        if data.get("outcome") not in {o.value for o in RunOutcome}:
            data["outcome"] = RunOutcome.unknown.value
        try:
            runs.append(RunRecord.model_validate(data))
        except ValidationError:
            # Keep what we can: an unparseable run is still a run of unknown outcome.
            runs.append(RunRecord(outcome=RunOutcome.unknown, detail=str(entry)))
    return runs


def minimal_event_and_evidence(
    source: Source,
    job: str,
    log_text: str,
    status: dict[str, Any] | str | None,
    history: list[dict[str, Any]] | str | None,
    run_id: str = "eval",
) -> tuple[FailureEvent, Evidence]:
    status_facts: dict[str, Any] = {}
    if isinstance(status, dict):
        status_facts = dict(status)
    elif isinstance(status, str):
        status_facts = {"text": status}
    notes: list[str] = []
    runs = _history(history, notes)
    exit_code = _int(status_facts.get("exit_code"))
    reason = status_facts.get("reason") if isinstance(status_facts.get("reason"), str) else None
    common: dict[str, Any] = {"job": job, "exit_code": exit_code, "reason": reason}
    if source == Source.airflow:
        dag_id, _, task_id = job.partition(".")
        event = FailureEvent(
            source=source,
            airflow=AirflowRef(dag_id=dag_id, task_id=task_id or dag_id, run_id=run_id,
                               try_number=_int(status_facts.get("try_number")) or 1),
            **common,
        )
    elif source == Source.kubernetes:
        namespace = str(status_facts.get("namespace") or "default")
        event = FailureEvent(
            source=source,
            kubernetes=KubernetesRef(namespace=namespace, job=job, pod=status_facts.get("pod")),
            **common,
        )
    else:
        event = FailureEvent(source=source, cron=CronRef(host=str(status_facts.get("host") or "eval-host"), job=job,
                                                         run_id=run_id), **common)
    evidence = Evidence(log_text=log_text, log_origin="eval case", status=status_facts, history=runs, notes=notes)
    return event, evidence
