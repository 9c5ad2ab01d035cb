"""Redaction benchmark: leaks and benign-line changes on the seeded corpus, and throughput.

    .venv/bin/python benchmarks/redact.py [--mb 100]

Prints: secrets leaked (their value still in the output), benign lines altered, lines
changed in the eval cases' real logs, and MB/s of
`redact_stream` (chunked path used for files) and of `StreamRedactor.redact_lines` (per-line
path used by `triage redact` on a pipe) over a generated log of realistic lines.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.redaction_corpus import Gen, benign_lines, secret_samples  # noqa: E402

from triage.engine.redact import StreamRedactor, redact, redact_stream  # noqa: E402


def quality() -> tuple[int, int, int, float]:
    samples = secret_samples(n=1000, seed=101)
    secrets = sum(len(s.secrets) for s in samples)
    leaks = 0
    for s in samples:
        out = redact(s.text)
        leaks += sum(1 for v in s.secrets if v in out)
    benign = benign_lines(n=5000, seed=202)
    altered = sum(1 for line in benign if redact(line) != line)
    return leaks, secrets, len({s.kind for s in samples}), altered / len(benign)


def ordinary_lines(g: Gen) -> list[str]:
    r = g.r
    return [
        f"{g.airflow()}Processed batch {r.randint(1, 10**6)} of partition {r.randint(0, 512)} ({r.randint(1, 10**5)} rows, {r.random():.3f}s)",
        f"{g.ts()} INFO  com.acme.etl.Loader - wrote {r.randint(1, 10**6)} records to warehouse.events_{r.randint(2020, 2024)}",
        f"{g.ts()} DEBUG http GET /api/v1/items/{r.randint(1, 10**7)} 200 {r.randint(1, 900)}ms",
        f"{g.airflow()}Dependencies all met for dep_context=non-requeueable deps ti=<TaskInstance: nightly_etl.load scheduled__2024-05-01 [queued]>",
        f"{g.ts()} stdout F   {r.randint(1, 100)}%|{'#' * r.randint(1, 30)}| {r.randint(1, 10**4)}/10000 [00:{r.randint(10, 59)}<00:{r.randint(10, 59)}, {r.random() * 100:.2f}it/s]",
        f"  Normal  Created  {r.randint(1, 59)}m  kubelet  Created container {g.k8s_name()}",
        f"{g.ts()} WARN  retrying request to {g.host()} in {r.randint(1, 30)}s (attempt {r.randint(1, 5)}/5)",
    ]


def generate_log(mb: float, seed: int = 5) -> str:
    g = Gen(seed)
    rng = random.Random(seed)
    benign = benign_lines(n=2000, seed=seed)
    secrets = [s.text for s in secret_samples(n=300, seed=seed)]
    lines: list[str] = []
    size = 0
    target = int(mb * 1024 * 1024)
    while size < target:
        for line in ordinary_lines(g):
            roll = rng.random()
            if roll < 0.01:
                line = rng.choice(secrets)
            elif roll < 0.10:
                line = rng.choice(benign)
            lines.append(line)
            size += len(line) + 1
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=100.0)
    args = ap.parse_args()

    leaks, secrets, kinds, altered = quality()
    print(f"corpus: {secrets} secret values of {kinds} kinds -> leaks: {leaks}")
    print(f"benign lines altered: {altered:.2%}")

    # Real logs (the eval cases): every changed line is listed in the count; most real logs
    # hold no secret, so this bounds the false-positive rate from above.
    from benchmarks.condense import load_cases

    cases = load_cases()
    lines = [line for _, log, _ in cases for line in log.splitlines()]
    changed = sum(1 for line in lines if redact(line) != line)
    print(f"eval case logs: {changed} of {len(lines):,} lines changed ({changed / max(1, len(lines)):.3%})")

    text = generate_log(args.mb)
    size_mb = len(text.encode()) / 1e6
    # Wall time depends on what else runs on the machine; CPU time is the steadier figure.
    sink = io.StringIO()
    t0, c0 = time.perf_counter(), time.process_time()
    redact_stream(io.StringIO(text), sink)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(f"redact_stream (chunked, files): {size_mb:.0f} MB: {size_mb / dt:.1f} MB/s wall, {size_mb / dc:.1f} MB/s per CPU second")

    part = text[: len(text) // 10]
    part_mb = len(part.encode()) / 1e6
    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    for out in StreamRedactor().redact_lines(io.StringIO(part)):
        n += len(out)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(f"redact_lines (per line, triage redact): {part_mb:.0f} MB: {part_mb / dt:.1f} MB/s wall, {part_mb / dc:.1f} MB/s per CPU second")


if __name__ == "__main__":
    main()
