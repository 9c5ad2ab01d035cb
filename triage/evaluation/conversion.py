"""Turn a case into the FailureEvent + Evidence the service would have built for it.

It is the same builder `triage analyze` uses (triage/engine/case_input.py), so the eval
measures exactly what production sees.
"""

from __future__ import annotations

from triage.engine.case_input import build_event_and_evidence
from triage.evaluation.cases import EvalCase
from triage.models import Evidence, FailureEvent


def event_and_evidence(case: EvalCase) -> tuple[FailureEvent, Evidence]:
    return build_event_and_evidence(case.source.value, case.job, case.log_text, case.status, case.history)
