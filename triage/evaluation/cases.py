"""Case files: one recorded real failure, its log, and the answer established in its thread.

The format is shared with the other case collectors, so anything dropped into the cases
directory that follows it is picked up. Validation is strict on purpose: a case whose
evidence strings do not occur in its own log would make evidence scoring meaningless.
"""

from __future__ import annotations

import hashlib

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from triage.models import Category, Source

# Sources a case may come from (alertmanager alerts are not a job source of their own).
CASE_SOURCES = (Source.kubernetes, Source.airflow, Source.cron)


class CaseError(ValueError):
    """A case file is malformed; the message names the file and the problem."""


class Expected(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    cause: str = Field(min_length=1)
    evidence: list[str] = Field(min_length=1)
    commands: list[str] = Field(min_length=1)

    @field_validator("evidence")
    @classmethod
    def _non_empty_strings(cls, v: list[str]) -> list[str]:
        if any(not isinstance(s, str) or not s.strip() for s in v):
            raise ValueError("evidence entries must be non-empty strings")
        return v

    @field_validator("commands")
    @classmethod
    def _regexes_compile(cls, v: list[str]) -> list[str]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"command regex {pattern!r} does not compile: {exc}") from None
        return v


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    source: Source
    job: str = Field(min_length=1)
    url: str = Field(min_length=1)
    log: str | None = None
    log_file: str | None = None
    status: dict[str, Any] | str | None = None
    history: list[dict[str, Any]] | str | None = None
    expected: Expected
    tags: list[str] = Field(default_factory=list)
    # Where the log came from: None = posted publicly by a user; "recorded-here" = a real run
    # recorded on a test machine by evals/recorders (so reports can split the two).
    origin: str | None = None
    # Filled by the loader: where the case came from, and the log text resolved from log_file.
    path: Path | None = Field(default=None, exclude=True)
    log_text: str = Field(default="", exclude=True)

    @field_validator("source")
    @classmethod
    def _job_source(cls, v: Source) -> Source:
        if v not in CASE_SOURCES:
            raise ValueError(f"source must be one of {', '.join(s.value for s in CASE_SOURCES)}")
        return v

    @model_validator(mode="after")
    def _one_log(self) -> EvalCase:
        if bool(self.log) == bool(self.log_file):
            raise ValueError("give exactly one of 'log' or 'log_file'")
        return self

    @property
    def status_text(self) -> str:
        """The status as text, for checking evidence strings that point at status facts."""
        if self.status is None:
            return ""
        if isinstance(self.status, str):
            return self.status
        return yaml.safe_dump(self.status, allow_unicode=True, sort_keys=False, width=10_000)

    @property
    def red_herring(self) -> bool:
        return "red_herring" in self.tags

    @property
    def split(self) -> str:
        """`dev` (may be read while improving the engine) or `holdout` (never read for that).

        Fixed by a hash of the id, so a case never changes side and new cases fall in at the
        same 60/40 ratio. The holdout figures are the honest estimate for unseen failures.
        """
        return "holdout" if int(hashlib.sha256(self.id.encode()).hexdigest()[:8], 16) % 10 < 4 else "dev"


def load_case(path: Path) -> EvalCase:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CaseError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise CaseError(f"{path}: a case file must be a YAML mapping")
    try:
        case = EvalCase.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '?'}: {e['msg']}" for e in exc.errors())
        raise CaseError(f"{path}: {problems}") from None
    case.path = path
    if case.log_file:
        log_path = (path.parent / case.log_file).resolve()
        if not log_path.is_file():
            raise CaseError(f"{path}: log_file {case.log_file} does not exist")
        case.log_text = log_path.read_text(encoding="utf-8", errors="replace")
    else:
        case.log_text = case.log or ""
    haystack = case.log_text + "\n" + case.status_text
    missing = [e for e in case.expected.evidence if e not in haystack]
    if missing:
        raise CaseError(f"{path}: expected evidence not found in the log or status: {missing}")
    return case


def load_cases(directory: Path) -> list[EvalCase]:
    """Every *.yaml case under `directory` (not recursive), sorted by id; ids must be unique."""
    if not directory.is_dir():
        raise CaseError(f"{directory}: no such cases directory")
    cases = [load_case(p) for p in sorted(directory.glob("*.yaml"))]
    seen: dict[str, Path | None] = {}
    for case in cases:
        if case.id in seen:
            raise CaseError(f"duplicate case id {case.id!r} in {seen[case.id]} and {case.path}")
        seen[case.id] = case.path
    return sorted(cases, key=lambda c: c.id)
