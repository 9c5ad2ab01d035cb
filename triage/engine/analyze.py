"""The engine in one function: the service, `triage analyze` and the eval suite all call it."""

from __future__ import annotations

from pydantic import BaseModel

from triage.engine import condense as condense_mod
from triage.engine import guard, signatures
from triage.engine.redact import redact, redact_obj
from triage.models import Evidence, FailureEvent, Hypothesis
from triage.settings import Settings


class Analysis(BaseModel):
    event: FailureEvent
    evidence: Evidence  # redacted, log condensed to the budget
    hypothesis: Hypothesis


def redact_event(event: FailureEvent) -> FailureEvent:
    data = event.model_dump(mode="json")
    return FailureEvent.model_validate(redact_obj(data))


def redact_evidence(evidence: Evidence) -> Evidence:
    data = evidence.model_dump(mode="json")
    return Evidence.model_validate(redact_obj(data))


def analyze(event: FailureEvent, evidence: Evidence, settings: Settings) -> Analysis:
    event = redact_event(event)
    evidence = redact_evidence(evidence)
    condensed = condense_mod.condense(evidence.log_text, settings.token_budget)
    hypothesis = signatures.diagnose(event, evidence)
    hypothesis.context_tokens = condensed.tokens
    if hypothesis.command:
        verdict = guard.check_command(hypothesis.command)
        hypothesis.command_allowed = verdict.allowed
        if not verdict.allowed:
            hypothesis.notes.append(f"suggested command refused by the guard: {verdict.reason}")
    shown = evidence.model_copy(update={"log_text": condensed.text})
    return Analysis(event=event, evidence=shown, hypothesis=hypothesis)
