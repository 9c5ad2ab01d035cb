"""Turn "Wrong cause" corrections into draft eval cases, so the suite grows from real misses.

A correction knows the job, the evidence log the engine saw, and the cause and category a
human says are right. It does not know which log lines prove that cause, nor which commands
confirm it, so the exported file is a draft (tagged needs_review): its evidence is the last
error-looking line of the log, its command pattern never matches until someone writes real
ones. Drafts are written to their own directory; a reviewer moves them into evals/cases.

Feedback rows come from the service database: table `feedback` (triage_id, actor, category,
cause, at) joined to `triages` (id, source, job, evidence JSON with log_text, status).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from triage.engine.redact import redact
from triage.models import Category

_ERRORISH = re.compile(r"error|exception|fatal|fail|killed|denied|refused|timed? ?out|not found|no such", re.I)
# Matches nothing that a shell command could be, so a draft never scores a command match.
NEEDS_REVIEW_COMMAND = r"(?!x)x  # REVIEW: write regexes for commands that confirm the cause"


class FeedbackRecord(BaseModel):
    triage_id: str
    source: str
    job: str
    log_text: str
    corrected_cause: str
    corrected_category: str | None = None
    status: dict[str, Any] | None = None


def _evidence_line(log_text: str) -> str | None:
    lines = [ln.strip() for ln in log_text.splitlines() if ln.strip()]
    errorish = [ln for ln in lines if _ERRORISH.search(ln)]
    pick = (errorish or lines or [None])[-1]
    return pick[:200] if pick else None


def _safe_id(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:60] or "x"


def draft_case(record: FeedbackRecord) -> dict[str, Any] | None:
    """The case mapping for one correction, or None if it cannot make a valid case."""
    if record.corrected_category not in {c.value for c in Category}:
        return None
    log_text = redact(record.log_text)
    line = _evidence_line(log_text)
    if not line:
        return None
    case: dict[str, Any] = {
        "id": f"fb-{_safe_id(record.source)}-{_safe_id(record.triage_id)}",
        "source": record.source,
        "job": record.job,
        "url": f"triage:feedback/{record.triage_id}",
        "tags": ["from_feedback", "needs_review"],
        "log": log_text if log_text.endswith("\n") else log_text + "\n",
    }
    if record.status:
        case["status"] = record.status
    case["expected"] = {
        "category": record.corrected_category,
        "cause": redact(record.corrected_cause),
        "evidence": [line],
        "commands": [NEEDS_REVIEW_COMMAND],
    }
    return case


class _LiteralDumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_LiteralDumper.add_representer(str, _str_presenter)


def write_feedback_cases(records: list[FeedbackRecord], out_dir: Path) -> tuple[list[Path], list[str]]:
    """Write one draft case per usable record; returns (files written, records skipped with why)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    skipped: list[str] = []
    for record in records:
        case = draft_case(record)
        if case is None:
            skipped.append(f"{record.triage_id}: needs a taxonomy category and a non-empty log")
            continue
        path = out_dir / f"{case['id']}.yaml"
        path.write_text(yaml.dump(case, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=10_000),
                        encoding="utf-8")
        written.append(path)
    return written, skipped


def records_from_database(database_url: str) -> list[FeedbackRecord]:
    from triage.db import make_engine
    from triage.store import TriageStore

    store = TriageStore(make_engine(database_url))
    records = []
    for row in store.feedback():
        evidence = row.get("evidence") or {}
        records.append(FeedbackRecord(
            triage_id=str(row["triage_id"]), source=row["source"], job=row["job"],
            log_text=evidence.get("log_text") or "", corrected_cause=row["cause"],
            corrected_category=row.get("category"), status=evidence.get("status") or None,
        ))
    return records
