"""Known failure signatures: recognisers grouped by family, ranked, with an honest abstention.

Public API (used by the engine, the condenser and the LLM step):
- `match(event, evidence)` -> candidates, best first
- `diagnose(event, evidence)` -> the best hypothesis, or "unclear; here is what to check"
- `interesting_line(line)` -> whether a log line carries a signature (kept by the condenser)
- `job_check_command(event)` -> the generic read-only check for the job's source

Each family module (kubernetes, airflow, shell, runtimes, databases, cloud, network,
storage) exports SIGNATURES: data plus small refine/finder functions.
"""

from __future__ import annotations

import re
from collections import Counter

from triage.engine.signatures import airflow, cloud, databases, kubernetes, network, runtimes, shell, storage
from triage.engine.signatures.checks import job_check_command
from triage.engine.signatures.logview import build as build_view
from triage.engine.signatures.model import Signature
from triage.engine.signatures.prefilter import LinePrefilter
from triage.engine.signatures.ranking import Candidate, decide, find_hits, rank
from triage.models import Evidence, FailureEvent, Hypothesis

__all__ = ["Candidate", "SIGNATURES", "diagnose", "interesting_line", "job_check_command", "match"]

_FAMILIES = {
    "kubernetes": kubernetes.SIGNATURES,
    "airflow": airflow.SIGNATURES,
    "shell": shell.SIGNATURES,
    "runtimes": runtimes.SIGNATURES,
    "databases": databases.SIGNATURES,
    "cloud": cloud.SIGNATURES,
    "network": network.SIGNATURES,
    "storage": storage.SIGNATURES,
}


def _registry() -> tuple[Signature, ...]:
    out: list[Signature] = []
    for family, sigs in _FAMILIES.items():
        for sig in sigs:
            object.__setattr__(sig, "family", family)
            out.append(sig)
    dupes = [k for k, n in Counter(s.id for s in out).items() if n > 1]
    if dupes:
        raise ValueError(f"duplicate signature ids: {dupes}")
    return tuple(out)


SIGNATURES: tuple[Signature, ...] = _registry()

# Lines that open or close an exception are worth keeping even without a signature.
_EXCEPTION_MARKERS = (
    r"Traceback \(most recent call last\)",
    r"^\s*Caused by: ",
    r"Exception in thread \"",
    r"^panic: ",
    r"^(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception): ",
    r"During handling of the above exception|The above exception was the direct cause",
)
# A cheap first pass (literals every match must contain), then each signature's own literals.
_PREFILTER = LinePrefilter([p for s in SIGNATURES for p in s.patterns])
_SIGNATURE_FILTERS = {s.id: LinePrefilter(list(s.patterns)) for s in SIGNATURES if s.patterns}
_MARKERS = re.compile("|".join(_EXCEPTION_MARKERS))
_MARKER_FILTER = LinePrefilter(list(_EXCEPTION_MARKERS))


def interesting_line(line: str) -> bool:
    """Whether the line carries a known signature or opens/closes an exception (condenser keeps it)."""
    lowered = line.lower()
    if _MARKER_FILTER.may_match_lower(lowered) and _MARKERS.search(line):
        return True
    if not _PREFILTER.may_match_lower(lowered):
        return False
    for sig in SIGNATURES:
        if sig.patterns and _SIGNATURE_FILTERS[sig.id].admits_lower(lowered):
            if any(rx.search(line) for rx in sig.compiled):
                return True
    return False


def _hits(event: FailureEvent, evidence: Evidence):
    view = build_view(event, evidence)
    return view, find_hits(view, SIGNATURES, _PREFILTER, _SIGNATURE_FILTERS)


def match(event: FailureEvent, evidence: Evidence) -> list[Candidate]:
    view, hits = _hits(event, evidence)
    return rank(view, hits)


def diagnose(event: FailureEvent, evidence: Evidence) -> Hypothesis:
    return match_and_diagnose(event, evidence)[1]


def match_and_diagnose(event: FailureEvent, evidence: Evidence) -> tuple[list[Candidate], Hypothesis]:
    """The ranked candidates and the decision, from one pass over the log."""
    view, hits = _hits(event, evidence)
    candidates = rank(view, hits)
    return candidates, decide(view, candidates)
