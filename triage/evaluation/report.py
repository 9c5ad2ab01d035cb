"""Print the eval tables, write the JSON report, and compare a run against a baseline."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, TextIO

from triage.evaluation.scoring import CaseResult, Summary

# Metrics the baseline gate checks; for all of them higher is better.
GATED_METRICS = (
    "category_accuracy",
    "evidence_recall",
    "command_readonly_rate",
    "command_match_rate",
    "accuracy_at_high_confidence",
)

CASE_FIELDS = ("id", "expected_category", "category", "correct", "evidence_hit", "command", "command_readonly",
               "command_match", "confidence", "context_tokens", "latency_ms")


def _pct(value: float | None) -> str:
    return "  -  " if value is None else f"{value * 100:5.1f}%"


def _group_rows(results: list[CaseResult], key: str) -> list[tuple[str, int, float, float, float]]:
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        groups[getattr(r, key)].append(r)
    rows = []
    for name in sorted(groups):
        rs = groups[name]
        n = len(rs)
        rows.append((name, n, sum(r.correct for r in rs) / n, sum(r.evidence_hit for r in rs) / n,
                     sum(r.command_match for r in rs) / n))
    return rows


def print_report(results: list[CaseResult], summary: Summary, out: TextIO, verbose: bool = False) -> None:
    for title, key in (("by source", "source"), ("by expected category", "expected_category"),
                       ("by split (holdout: never read to tune)", "split")):
        out.write(f"\n{title:<28}{'cases':>6}{'category':>10}{'evidence':>10}{'command':>10}\n")
        for name, n, acc, ev, cmd in _group_rows(results, key):
            out.write(f"  {name:<26}{n:>6}{_pct(acc):>10}{_pct(ev):>10}{_pct(cmd):>10}\n")
    if verbose:
        out.write("\ncases\n")
        for r in results:
            mark = "ok " if r.correct else "BAD"
            out.write(f"  {mark} {r.id:<52} expected {r.expected_category:<26} got {r.category or 'ERROR':<26}"
                      f" conf {r.confidence if r.confidence is not None else '-'}"
                      f" ev {'y' if r.evidence_hit else 'n'} cmd {'y' if r.command_match else 'n'}\n")
    s = summary
    out.write(
        f"\nsummary ({s.engine}): {s.cases} cases\n"
        f"  category accuracy          {_pct(s.category_accuracy)}\n"
        f"  evidence recall            {_pct(s.evidence_recall)}\n"
        f"  command read-only rate     {_pct(s.command_readonly_rate)}  ({s.commands_suggested} commands suggested)\n"
        f"  command match rate         {_pct(s.command_match_rate)}\n"
        f"  accuracy at confidence>=0.8 {_pct(s.accuracy_at_high_confidence)}  ({s.high_confidence_cases} cases)\n"
        f"  abstain rate               {_pct(s.abstain_rate)}\n"
        f"  red-herring accuracy       {_pct(s.red_herring_accuracy)}\n"
        f"  median context tokens      {s.median_context_tokens}\n"
        f"  median latency             {s.median_latency_ms} ms\n"
        f"  model tokens               {s.prompt_tokens} prompt + {s.completion_tokens} completion, ${s.cost_usd:.4f}\n"
        f"  engine errors              {s.errors}\n"
    )


def report_json(results: list[CaseResult], summary: Summary) -> dict[str, Any]:
    cases = []
    for r in results:
        row = {f: getattr(r, f) for f in CASE_FIELDS}
        row.update({"source": r.source, "split": r.split, "red_herring": r.red_herring, "abstained": r.abstained,
                    "prompt_tokens": r.prompt_tokens, "completion_tokens": r.completion_tokens,
                    "cost_usd": r.cost_usd, "error": r.error})
        cases.append(row)
    return {"summary": summary.model_dump(), "cases": cases}


def write_json(path: Path, results: list[CaseResult], summary: Summary) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report_json(results, summary), indent=2) + "\n", encoding="utf-8")


def check_baseline(summary: Summary, baseline_path: Path) -> list[str]:
    """Every gated metric that fell below the baseline, as readable lines (empty: passed)."""
    data = json.loads(baseline_path.read_text(encoding="utf-8"))
    floor = data.get("summary", data)
    failures = []
    for metric in GATED_METRICS:
        if metric not in floor or floor[metric] is None:
            continue
        value = getattr(summary, metric)
        if value is None or value < float(floor[metric]):
            failures.append(f"{metric} {value} is below the baseline {floor[metric]}")
    if "cases" in floor and summary.cases < int(floor["cases"]):
        failures.append(f"only {summary.cases} cases ran; the baseline was measured on {floor['cases']}")
    return failures


def write_baseline(path: Path, summary: Summary, cases: int) -> None:
    """The gate's floor: this run's figures, rounded DOWN so the same engine passes again."""
    import math

    floor: dict[str, Any] = {"cases": cases}
    for metric in GATED_METRICS:
        value = getattr(summary, metric)
        floor[metric] = None if value is None else math.floor(value * 100) / 100
    data = {"measured_with": f"triage eval --engine {summary.engine} on {cases} cases; rounded down to 2 decimals",
            "summary": floor}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
