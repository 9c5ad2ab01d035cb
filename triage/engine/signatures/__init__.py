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
# One compiled alternation: a cheap first pass over every line, and the condenser's predicate.
_PREFILTER = re.compile("|".join(p for s in SIGNATURES for p in s.prefilter_source()))
_INTERESTING = re.compile("|".join([_PREFILTER.pattern, *_EXCEPTION_MARKERS]), re.MULTILINE)


def interesting_line(line: str) -> bool:
    return _INTERESTING.search(line) is not None


def match(event: FailureEvent, evidence: Evidence) -> list[Candidate]:
    view = build_view(event, evidence)
    return rank(view, find_hits(view, SIGNATURES, _PREFILTER))


def diagnose(event: FailureEvent, evidence: Evidence) -> Hypothesis:
    view = build_view(event, evidence)
    return decide(view, rank(view, find_hits(view, SIGNATURES, _PREFILTER)))
