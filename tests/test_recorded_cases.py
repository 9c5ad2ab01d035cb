"""The eval cases recorded on this machine (evals/recorders) stay valid and stay long.

They exist to exercise condensation and red herrings, so a re-recording that shrinks a log
below the budget, loses an evidence string, or drops the origin marker is a regression.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from triage.engine.tokens import count_tokens
from triage.evaluation.cases import load_cases

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "evals" / "cases"


def _recorded():
    return [c for c in load_cases(CASES) if c.origin == "recorded-here"]


def test_recorded_cases_are_marked_and_point_at_their_generator():
    recorded = _recorded()
    assert {c.id for c in recorded} == {p.stem for p in CASES.glob("rec-*.yaml")}
    for case in recorded:
        assert case.url.startswith("repo:evals/recorders/"), case.id
        assert (ROOT / case.url.removeprefix("repo:")).is_file(), case.id
        assert case.log_file and case.log_file.startswith("logs/rec-"), case.id


def test_recorded_logs_are_long_and_exceed_the_condensation_budget():
    recorded = _recorded()
    assert len(recorded) >= 15
    for case in recorded:
        assert case.log_text.count("\n") >= 300, case.id
        assert len(case.log_text.encode()) < 3 * 1024 * 1024, case.id
    over_budget = [c.id for c in recorded if count_tokens(c.log_text) > 40_000]
    assert len(over_budget) >= 5
    assert sum(c.red_herring for c in recorded) >= 6


def test_check_script_accepts_the_committed_cases():
    out = subprocess.run([sys.executable, str(ROOT / "evals" / "recorders" / "check_cases.py")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "PROBLEM" not in out.stdout
