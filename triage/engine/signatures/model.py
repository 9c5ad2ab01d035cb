"""What a failure signature is: data (line patterns, cause and command templates) plus an
optional small function that refines a match.

A signature matches log lines (and status facts rendered as lines). Its named regex groups,
together with the job's own names from the FailureEvent, fill the cause and command
templates. Command templates are tried in order; the first one whose fields are all known
(and that the read-only guard accepts) is used, so one signature serves every source.
"""

from __future__ import annotations

import re
import shlex
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from triage.models import Category

if TYPE_CHECKING:
    from triage.engine.signatures.logview import LogView

# Values pulled from logs can be long or carry punctuation from the sentence around them.
_MAX_VALUE = 160
_TRAILING = ".,;:)]}>"
_QUOTES = "'\"`"


@dataclass
class Hit:
    """One signature matched: where, on which lines, and what it learnt from them."""

    signature: Signature
    index: int  # position of the deciding line in the combined line list
    lines: list[str]
    groups: dict[str, str]
    category: Category
    confidence: float
    # A refine function may override the templates for this one hit.
    causes: tuple[str, ...] | None = None
    commands: tuple[str, ...] | None = None
    reason: str | None = None


# A refiner adjusts one match (category, confidence, values) or vetoes it (None).
Refiner = Callable[[Hit, "LogView"], "Hit | None"]
# A finder looks at the whole log and returns (line index, groups) pairs.
Finder = Callable[["LogView"], list[tuple[int, dict[str, str]]]]


@dataclass(frozen=True)
class Signature:
    id: str
    category: Category
    confidence: float
    patterns: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    reason: str = "Shows the state that confirms this cause"
    # A generic signature is a hint, not a diagnosis (a bare exit code, BackoffLimitExceeded).
    generic: bool = False
    icase: bool = True
    refine: Refiner | None = None
    finder: Finder | None = None
    # Outcomes that these causes explain: a Job deadline that passed while its pod could not
    # be scheduled is a scheduling failure. Present together, the explaining cause ranks first.
    yields_to: frozenset[Category] = frozenset()
    # Causes that, when they happened EARLIER in the same run, leave this failure behind: a
    # missing file is what a download that could not resolve its host, or a step that was
    # killed, did not write. The earlier cause ranks first, and is not "carried on after".
    consequence_of: frozenset[Category] = frozenset()
    # Signatures that say the same thing more specifically (why an image pull failed): when
    # one of them matched too, it ranks first whatever the order of the lines.
    explained_by: frozenset[str] = frozenset()
    family: str = ""
    compiled: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.patterns and self.finder is None:
            raise ValueError(f"signature {self.id} needs patterns or a finder")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"signature {self.id}: confidence out of range")
        flags = re.IGNORECASE if self.icase else 0
        object.__setattr__(self, "compiled", tuple(re.compile(p, flags) for p in self.patterns))


def clean_value(value: str | None) -> str:
    if not value:
        return ""
    v = value.strip()
    # Punctuation of the sentence around the value, and quotes left unbalanced by the match.
    while v and (v[-1] in _TRAILING or (v[-1] in _QUOTES and v.count(v[-1]) % 2 == 1)):
        v = v[:-1].rstrip()
    while v and (v[0] in "(<[" or (v[0] in _QUOTES and v.count(v[0]) % 2 == 1)):
        v = v[1:].lstrip()
    if len(v) > 1 and v[0] in _QUOTES and v[-1] == v[0]:
        v = v[1:-1]
    return v[:_MAX_VALUE]


def template_fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def render(template: str, values: dict[str, str], quote: bool) -> str | None:
    """Fill a template; None when a field is unknown. Shell values go through shlex.quote."""
    fields = template_fields(template)
    if any(not values.get(f) for f in fields):
        return None
    filled = {f: (shlex.quote(values[f]) if quote else values[f]) for f in fields}
    return template.format(**filled)
