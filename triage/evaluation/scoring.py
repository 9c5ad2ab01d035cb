"""Score one hypothesis against a case, and summarise a run. No judge model is involved.

Definitions (also in evals/README.md):

category correct    the hypothesis' category equals the expected category.
evidence hit        some line the hypothesis cites (Hypothesis.evidence) and some expected
                    evidence string E match: either E occurs in the cited line, or the cited
                    line's key part occurs in E. The key part is the line without its log
                    prefix (timestamps, [brackets], {file.py:NN}, level words) and only counts
                    when it has at least KEY_PART_MIN characters, so a cited "ERROR" or a bare
                    timestamp never matches. Comparison ignores case and runs of whitespace.
                    A hypothesis that cites nothing has no hit.
command read-only   the hypothesis' command passes triage.engine.guard.check_command. The rate
                    is over cases that suggested a command (it measures safety).
command match       the command is shown (guard-allowed) and one of the expected regexes
                    re.search-es it. The rate is over all cases (no command = no match).
abstain             category "other" with confidence below ABSTAIN_BELOW.
high confidence     confidence >= HIGH_CONFIDENCE; accuracy_at_high_confidence is accuracy
                    over those cases only (null when there are none).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable

from pydantic import BaseModel

from triage.engine import guard
from triage.evaluation.cases import EvalCase
from triage.models import Category, Hypothesis

KEY_PART_MIN = 12
HIGH_CONFIDENCE = 0.8
ABSTAIN_BELOW = 0.5

# Leading log decorations: timestamps, [bracketed] fields, {file.py:NN}, pod/container prefixes
# ending in '|', level words and the separators between them.
_PREFIX = re.compile(
    r"""^(?:\s+
        |\[[^\]]*\]
        |\{[^}]*\}
        |\d{4}-\d{2}-\d{2}[T ,]?[\d:.,]*(?:Z|[+-]\d{2}:?\d{2}|\s*UTC)?
        |[\w.-]+\s+\|
        |(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)\b
        |[-:|>]+
    )""",
    re.VERBOSE,
)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def key_part(line: str) -> str:
    """The line without its log prefix (see module docstring)."""
    rest = line
    while True:
        stripped = _PREFIX.sub("", rest, count=1)
        if stripped == rest:
            return rest.strip()
        rest = stripped


def evidence_hit(cited: Iterable[str], expected: Iterable[str]) -> bool:
    expected_n = [_norm(e) for e in expected if e.strip()]
    for line in cited:
        line_n = _norm(line)
        if not line_n:
            continue
        key_n = _norm(key_part(line))
        for exp in expected_n:
            if exp in line_n:
                return True
            if len(key_n) >= KEY_PART_MIN and key_n in exp:
                return True
    return False


def command_readonly(command: str | None) -> bool | None:
    """None when no command was suggested."""
    if not command:
        return None
    return guard.check_command(command).allowed


def command_match(hypothesis: Hypothesis, patterns: Iterable[str]) -> bool:
    command = hypothesis.command if hypothesis.command_allowed else None
    if not command:
        return False
    return any(re.search(p, command) for p in patterns)


class CaseResult(BaseModel):
    id: str
    source: str
    expected_category: str
    category: str | None
    correct: bool
    evidence_hit: bool
    command: str | None
    command_readonly: bool | None
    command_match: bool
    confidence: float | None
    context_tokens: int | None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    latency_ms: float
    abstained: bool = False
    red_herring: bool = False
    split: str = "dev"
    engine: str | None = None
    error: str | None = None
    notes: list[str] = []


def score_case(case: EvalCase, hypothesis: Hypothesis, latency_ms: float) -> CaseResult:
    return CaseResult(
        id=case.id,
        source=case.source.value,
        expected_category=case.expected.category.value,
        category=hypothesis.category.value,
        correct=hypothesis.category == case.expected.category,
        evidence_hit=evidence_hit(hypothesis.evidence, case.expected.evidence),
        command=hypothesis.command,
        command_readonly=command_readonly(hypothesis.command),
        command_match=command_match(hypothesis, case.expected.commands),
        confidence=hypothesis.confidence,
        context_tokens=hypothesis.context_tokens,
        prompt_tokens=hypothesis.prompt_tokens,
        completion_tokens=hypothesis.completion_tokens,
        cost_usd=hypothesis.cost_usd,
        latency_ms=round(latency_ms, 2),
        abstained=hypothesis.category == Category.other and hypothesis.confidence < ABSTAIN_BELOW,
        red_herring=case.red_herring,
        split=case.split,
        engine=hypothesis.engine,
        notes=list(hypothesis.notes),
    )


def failed_case(case: EvalCase, error: str, latency_ms: float) -> CaseResult:
    """A case the engine raised on: it counts as wrong everywhere (the report stays honest)."""
    return CaseResult(
        id=case.id, source=case.source.value, expected_category=case.expected.category.value,
        category=None, correct=False, evidence_hit=False, command=None, command_readonly=None,
        command_match=False, confidence=None, context_tokens=None, latency_ms=round(latency_ms, 2),
        red_herring=case.red_herring, split=case.split, error=error,
    )


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


class Summary(BaseModel):
    cases: int
    category_accuracy: float | None
    evidence_recall: float | None
    command_readonly_rate: float | None
    command_match_rate: float | None
    accuracy_at_high_confidence: float | None
    high_confidence_cases: int
    abstain_rate: float | None
    median_context_tokens: float | None
    median_latency_ms: float | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    commands_suggested: int
    errors: int
    red_herring_accuracy: float | None
    engine: str


def summarise(results: list[CaseResult], engine: str) -> Summary:
    n = len(results)
    with_command = [r for r in results if r.command_readonly is not None]
    high = [r for r in results if r.confidence is not None and r.confidence >= HIGH_CONFIDENCE]
    tokens = [r.context_tokens for r in results if r.context_tokens is not None]
    latencies = [r.latency_ms for r in results]
    herrings = [r for r in results if r.red_herring]
    return Summary(
        cases=n,
        category_accuracy=_rate(sum(r.correct for r in results), n),
        evidence_recall=_rate(sum(r.evidence_hit for r in results), n),
        command_readonly_rate=_rate(sum(bool(r.command_readonly) for r in with_command), len(with_command)),
        command_match_rate=_rate(sum(r.command_match for r in results), n),
        accuracy_at_high_confidence=_rate(sum(r.correct for r in high), len(high)),
        high_confidence_cases=len(high),
        abstain_rate=_rate(sum(r.abstained for r in results), n),
        median_context_tokens=statistics.median(tokens) if tokens else None,
        median_latency_ms=round(statistics.median(latencies), 2) if latencies else None,
        prompt_tokens=sum(r.prompt_tokens or 0 for r in results),
        completion_tokens=sum(r.completion_tokens or 0 for r in results),
        cost_usd=round(sum(r.cost_usd or 0.0 for r in results), 6),
        commands_suggested=len(with_command),
        errors=sum(r.error is not None for r in results),
        red_herring_accuracy=_rate(sum(r.correct for r in herrings), len(herrings)),
        engine=engine,
    )
