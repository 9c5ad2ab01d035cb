"""Condensation benchmark: throughput and peak memory on a big generated log, and evidence
recall against plain tail truncation on the eval cases.

    .venv/bin/python benchmarks/condense.py [--mb 500] [--budget 6000] [--skip-big]

1. Writes a generated log of --mb megabytes into a temporary directory (deleted after),
   condenses it in a fresh process that streams the file, and prints MB/s and that
   process's peak RSS (with the RSS of the same process before condensing, for scale).
2. For every evals/cases/*.yaml (`log` or `log_file`, `expected.evidence`), prints the share
   of evidence substrings still present after `condense` and after `tail_truncate` at the
   same budget: on the case logs as they are, at a few tighter budgets, and with each log
   embedded in generated filler (lines before it, and lines after it as a job's shutdown
   chatter would be). The filler is synthetic; the evidence strings are the cases' own.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from triage.engine.condense import condense, tail_truncate  # noqa: E402

WORDS = (
    "fetch load merge rows table partition orders users invoices shipment replica cache warm index "
    "vacuum export import bucket object stream window checkpoint offset topic consumer schema batch "
    "upload commit snapshot manifest segment shard worker lease heartbeat metrics flush compact"
).split()


def filler(rng: random.Random, n: int, level: str = "INFO") -> list[str]:
    return [
        f"2024-05-01T02:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z {level} "
        f"{rng.choice(WORDS)}.{rng.choice(WORDS)} {' '.join(rng.sample(WORDS, 6))} id={rng.getrandbits(48):x}"
        for _ in range(n)
    ]


def big_chunk(rng: random.Random) -> str:
    """About 4 MB of a busy job's log: distinct lines, progress runs, warnings, a traceback."""
    lines: list[str] = []
    while sum(len(x) + 1 for x in lines) < 4_000_000:
        lines += filler(rng, rng.randint(50, 400))
        start = rng.randint(0, 10**6)
        lines += [f"2024-05-01T02:10:{i % 60:02d}Z INFO progress {start + i}/{10**7} rows ({(start + i) / 1e5:.2f}%)" for i in range(rng.randint(20, 3000))]
        if rng.random() < 0.3:
            lines.append(f"2024-05-01T02:11:00Z WARN slow query took {rng.randint(2, 90)}s on {rng.choice(WORDS)}")
        if rng.random() < 0.05:
            lines += [
                "Traceback (most recent call last):",
                f'  File "/app/{rng.choice(WORDS)}.py", line {rng.randint(1, 900)}, in run',
                "    client.fetch(batch)",
                f"TimeoutError: read timed out after {rng.randint(5, 60)}s",
            ]
    return "\n".join(lines) + "\n"


_WORKER = r"""
import resource, sys, time
from triage.engine.condense import condense
from triage.engine.tokens import count_tokens
count_tokens("warm up")  # load tiktoken before measuring the baseline
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
path, budget = sys.argv[1], int(sys.argv[2])
t0, c0 = time.perf_counter(), time.process_time()
with open(path, encoding="utf-8", errors="replace") as f:
    out = condense(f, budget)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(wall, cpu, base, peak, out.tokens, out.total_lines, out.kept_lines)
"""


def throughput(mb: int, budget: int) -> None:
    rng = random.Random(42)
    with tempfile.TemporaryDirectory(prefix="condense-bench-") as tmp:
        path = Path(tmp) / "big.log"
        chunk = big_chunk(rng)
        size = 0
        with path.open("w") as f:
            f.write("$ python -m etl.nightly --date 2024-05-01\netl 2.3.1 python 3.11.7\n")
            while size < mb * 1_000_000:
                f.write(chunk)
                size += len(chunk)
            f.write("psycopg2.OperationalError: server closed the connection unexpectedly\nTask exited with return code 1\n")
        size = path.stat().st_size
        res = subprocess.run([sys.executable, "-c", _WORKER, str(path), str(budget)], capture_output=True, text=True, cwd=ROOT)
        if res.returncode:
            print(res.stderr)
            raise SystemExit("condense worker failed")
        wall, cpu, base, peak, tokens, total, kept = res.stdout.split()
        mbs = size / 1e6
        print(f"condense {mbs:.0f} MB ({int(total):,} lines) to {tokens} tokens (budget {budget}), {kept} lines shown")
        print(f"  throughput: {mbs / float(wall):.1f} MB/s wall, {mbs / float(cpu):.1f} MB/s per CPU second")
        print(f"  peak RSS: {int(peak) / 1024:.0f} MB (process before condensing: {int(base) / 1024:.0f} MB)")


def load_cases() -> list[tuple[str, str, list[str]]]:
    cases_dir = ROOT / "evals" / "cases"
    out = []
    if not cases_dir.is_dir():
        return out
    for path in sorted(cases_dir.glob("*.yaml")):
        try:
            case = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            print(f"  skipped {path.name}: {exc}")
            continue
        log = case.get("log")
        if log is None and case.get("log_file"):
            log_path = path.parent / case["log_file"]
            log = log_path.read_text(errors="replace") if log_path.exists() else None
        evidence = [e for e in (case.get("expected") or {}).get("evidence") or [] if isinstance(e, str)]
        if log and evidence:
            out.append((path.stem, log, evidence))
    return out


def recall(cases, budget: int, wrap, predicate) -> tuple[float, float]:
    found_c = found_t = total = 0
    for name, log, evidence in cases:
        text = wrap(name, log)
        kept_c = condense(text, budget, is_signature_line=predicate).text
        kept_t = tail_truncate(text, budget).text
        total += len(evidence)
        found_c += sum(1 for e in evidence if e in kept_c)
        found_t += sum(1 for e in evidence if e in kept_t)
    return found_c / total, found_t / total


def evidence_recall(budget: int) -> None:
    cases = load_cases()
    if not cases:
        print("evidence recall: no eval cases with a log and expected.evidence under evals/cases")
        return
    try:
        from triage.engine.signatures import interesting_line as predicate
    except ImportError:
        predicate = None
    n_ev = sum(len(c[2]) for c in cases)
    in_log = sum(1 for _, log, ev in cases for e in ev if e in log) / n_ev
    print(f"evidence recall on {len(cases)} eval cases ({n_ev} evidence strings), condense vs tail truncation"
          f" (signature predicate: {'interesting_line' if predicate else 'built-in'}):")
    print(f"  (ceiling: {in_log:.1%} of the evidence strings occur in the logs at all; the rest are in status)")

    def as_is(name: str, log: str) -> str:
        return log

    def embedded(name: str, log: str) -> str:
        rng = random.Random(name)
        return "\n".join([*filler(rng, 3000), log, *filler(rng, 400, level="DEBUG")])

    for label, wrap, budgets in (
        ("case logs as they are", as_is, [budget, 200, 100]),
        ("embedded in 3,000 filler lines before and 400 after", embedded, [budget, 2000]),
    ):
        for b in budgets:
            c, t = recall(cases, b, wrap, predicate)
            print(f"  {label:<52} budget {b:>5}: condense {c:6.1%}   tail {t:6.1%}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=500)
    ap.add_argument("--budget", type=int, default=6000)
    ap.add_argument("--skip-big", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    if not args.skip_big:
        throughput(args.mb, args.budget)
    evidence_recall(args.budget)
    print(f"(benchmark took {time.perf_counter() - t0:.0f}s)")


if __name__ == "__main__":
    main()
