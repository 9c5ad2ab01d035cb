"""Read-only command guard: how many adversarial commands it refuses, how many real read-only
checks it allows, and how many checks per second it makes.

Usage: python benchmarks/guard.py [--seconds 3] [--corpus-dir tests/data/guard] [--show-misses]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from triage.engine.guard import check_command  # noqa: E402


def load(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def signature_commands() -> list[str]:
    """Commands the signature library can show, rendered with typical names: a corpus no
    guard test was written against."""
    try:
        import importlib
        import pkgutil
        import shlex

        import triage.engine.signatures as package
        from triage.engine.signatures.model import Signature, template_fields
    except ImportError:
        return []
    templates: set[str] = set()
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"triage.engine.signatures.{info.name}")
        for value in vars(module).values():
            items = value if isinstance(value, (list, tuple)) else [value]
            for item in items:
                if isinstance(item, Signature):
                    templates.update(item.commands)
                elif isinstance(item, str) and "{" in item and " " in item and item.split()[0].isidentifier():
                    templates.add(item)
    names = {"ns": "jobs", "k8s_job": "nightly-export-283", "pod": "nightly-export-283-abcde", "cronjob": "nightly-export",
             "dag": "etl_daily", "run": "manual__2024-05-01T00:00:00+00:00", "task": "extract", "cron_user": "etl",
             "cron_job": "backup", "cron_host": "batch-1", "host": "db.internal", "port": "5432", "svc": "postgres",
             "svc_ns": "data", "url": "https://api.example.com/health", "path": "/var/lib/app/data",
             "code_file": "/opt/jobs/etl.py", "code_from": "37", "code_to": "47"}
    commands = []
    for template in sorted(templates):
        try:
            commands.append(template.format(**{f: shlex.quote(names.get(f, "value-1")) for f in template_fields(template)}))
        except (KeyError, IndexError, ValueError):
            continue
    return commands


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-dir", type=Path, default=Path(__file__).parent.parent / "tests" / "data" / "guard")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to measure throughput")
    parser.add_argument("--show-misses", action="store_true", help="print every command the guard got wrong")
    args = parser.parse_args()

    adversarial = load(args.corpus_dir / "adversarial.txt")
    read_only = load(args.corpus_dir / "read_only.txt")

    leaked = [c for c in adversarial if check_command(c).allowed]
    refused = len(adversarial) - len(leaked)
    blocked = [(c, check_command(c).reason) for c in read_only if not check_command(c).allowed]
    allowed = len(read_only) - len(blocked)

    print(f"adversarial refused {refused}/{len(adversarial)}")
    print(f"read-only allowed {allowed}/{len(read_only)} ({100.0 * allowed / len(read_only):.1f}%)")
    if args.show_misses:
        for command in leaked:
            print(f"  LEAKED: {command}")
        for command, reason in blocked:
            print(f"  BLOCKED: {command}  ({reason})")

    held_out = signature_commands()
    if held_out:
        refused_held = [(c, check_command(c).reason) for c in held_out if not check_command(c).allowed]
        print(f"held-out: signature command templates (written by others) allowed "
              f"{len(held_out) - len(refused_held)}/{len(held_out)}")
        for command, reason in refused_held:
            print(f"  refused: {command}  ({reason})")

    mixed = adversarial + read_only
    checks = 0
    latencies: list[float] = []
    start = time.perf_counter()
    deadline = start + args.seconds
    while time.perf_counter() < deadline:
        for command in mixed:
            t0 = time.perf_counter()
            check_command(command)
            latencies.append(time.perf_counter() - t0)
        checks += len(mixed)
    elapsed = time.perf_counter() - start
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1e3
    p99 = latencies[int(len(latencies) * 0.99)] * 1e3
    print(f"checks per second {checks / elapsed:.0f} ({checks} checks in {elapsed:.1f} s; "
          f"p50 {p50:.3f} ms, p99 {p99:.3f} ms, single process)")
    return 0 if not leaked else 1


if __name__ == "__main__":
    sys.exit(main())
