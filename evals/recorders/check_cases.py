#!/usr/bin/env python3
"""Validate the recorded cases (evals/cases/rec-*.yaml) and print their sizes.

    .venv/bin/python evals/recorders/check_cases.py

Loads each case with the eval suite's own loader (YAML, required keys, taxonomy category,
regexes compile, every evidence substring occurs in the log), then checks what the
recorded cases promise on top: origin, a log_file under logs/, a generator script that
exists, and the log size limit. Exit 1 on any problem.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from triage.engine.tokens import count_tokens  # noqa: E402
from triage.evaluation.cases import CaseError, load_case  # noqa: E402

MAX_BYTES = 3 * 1024 * 1024


def main() -> int:
    problems: list[str] = []
    per_category: Counter[str] = Counter()
    rows = []
    for path in sorted((ROOT / "evals" / "cases").glob("rec-*.yaml")):
        try:
            case = load_case(path)
        except CaseError as exc:
            problems.append(str(exc))
            continue
        if case.origin != "recorded-here":
            problems.append(f"{path.name}: origin must be 'recorded-here'")
        if not case.log_file or not case.log_file.startswith("logs/rec-"):
            problems.append(f"{path.name}: log_file must be logs/rec-*.log")
        script = case.url.removeprefix("repo:")
        if not case.url.startswith("repo:") or not (ROOT / script).is_file():
            problems.append(f"{path.name}: url must be repo:<generator script> that exists ({case.url})")
        size = len(case.log_text.encode())
        if size > MAX_BYTES:
            problems.append(f"{path.name}: log is {size} bytes (limit {MAX_BYTES})")
        lines = case.log_text.count("\n")
        if lines < 300:
            problems.append(f"{path.name}: log has only {lines} lines (need >= 300)")
        tokens = count_tokens(case.log_text)
        per_category[case.expected.category.value] += 1
        rows.append((case.id, case.expected.category.value, lines, tokens, size, ",".join(case.tags)))
    print(f"{'case':44} {'category':26} {'lines':>7} {'tokens':>8} {'bytes':>9}  tags")
    for r in rows:
        print(f"{r[0]:44} {r[1]:26} {r[2]:7d} {r[3]:8d} {r[4]:9d}  {r[5]}")
    print(f"\n{len(rows)} recorded cases; red herrings: {sum('red_herring' in r[5] for r in rows)}; "
          f"over 40,000 tokens: {sum(r[3] > 40_000 for r in rows)}; over 3,000 lines: {sum(r[2] >= 3000 for r in rows)}")
    print("per category: " + ", ".join(f"{k} {v}" for k, v in sorted(per_category.items())))
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
