"""The engine in one function: the service, `triage analyze` and the eval suite all call it.

redact -> condense to the token budget -> signatures -> (model, if configured) -> guard.
"""

from __future__ import annotations

from pydantic import BaseModel

from triage.engine import condense as condense_mod
from triage.engine import guard, signatures
from triage.engine.redact import redact_obj
from triage.models import Evidence, FailureEvent, Hypothesis
from triage.settings import Settings


class Analysis(BaseModel):
    event: FailureEvent  # redacted
    evidence: Evidence  # redacted, log condensed to the budget
    hypothesis: Hypothesis


def redact_event(event: FailureEvent) -> FailureEvent:
    return FailureEvent.model_validate(redact_obj(event.model_dump(mode="json")))


def redact_evidence(evidence: Evidence) -> Evidence:
    return Evidence.model_validate(redact_obj(evidence.model_dump(mode="json")))


def guard_hypothesis(hypothesis: Hypothesis) -> Hypothesis:
    """Mark the command runnable only if the guard allows it; never show it otherwise."""
    if not hypothesis.command:
        hypothesis.command_allowed = False
        return hypothesis
    verdict = guard.check_command(hypothesis.command)
    hypothesis.command_allowed = verdict.allowed
    if not verdict.allowed:
        hypothesis.notes.append(f"suggested command refused by the guard: {verdict.reason}")
    return hypothesis


def analyze(event: FailureEvent, evidence: Evidence, settings: Settings) -> Analysis:
    event = redact_event(event)
    evidence = redact_evidence(evidence)
    # Signatures read the whole redacted log (one pass); the model sees only the condensed one.
    candidates, hypothesis = signatures.match_and_diagnose(event, evidence)
    log_budget = settings.token_budget
    if settings.llm_enabled:
        from triage.engine.llm import log_token_budget

        # The budget bounds the whole prompt: the log gets what the instructions, the facts
        # and the candidates leave (if they alone do not fit, the model is not asked).
        log_budget = log_token_budget(event, evidence, candidates, settings)
        if log_budget < 1:
            log_budget = settings.token_budget  # shown on the card; the model is not asked
    # Lines that carry a known signature survive condensation, so the model sees them too.
    condensed = condense_mod.condense(evidence.log_text, log_budget,
                                      is_signature_line=signatures.interesting_line)
    shown = evidence.model_copy(update={"log_text": condensed.text})
    hypothesis.context_tokens = condensed.tokens
    if settings.llm_enabled:
        # The model sees only redacted, condensed evidence; on any failure it falls back to
        # the signature hypothesis and says so on the card.
        from triage.engine.llm import diagnose_with_llm

        hypothesis = diagnose_with_llm(event, shown, candidates, hypothesis, settings)
    hypothesis = guard_hypothesis(hypothesis)
    return Analysis(event=event, evidence=shown, hypothesis=hypothesis)
