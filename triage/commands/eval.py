"""`triage eval`: run the recorded real failures through the engine and score it.

    triage eval [--cases DIR] [--engine signatures|llm|replay] [--json OUT] [--record DIR]
                [--fail-under BASELINE.json] [--verbose]
    triage eval export-feedback (--database-url URL) --out DIR

Exit codes: 0 ok, 1 a metric fell below the baseline, 2 bad cases or setup.
"""

from __future__ import annotations

import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("eval", help="score the engine on the recorded failures in evals/cases")
    p.add_argument("--cases", type=Path, default=Path("evals/cases"), help="directory of case files (default evals/cases)")
    p.add_argument("--engine", choices=["signatures", "llm", "replay"], default="signatures",
                   help="signatures only; a live OpenAI-compatible model (TRIAGE_LLM_*); or recorded model answers")
    p.add_argument("--json", dest="json_out", type=Path, help="write the summary and per-case results as JSON")
    p.add_argument("--record", type=Path,
                   help="with --engine llm: save every model exchange here; with --engine replay: read them from here")
    p.add_argument("--fail-under", type=Path, help="baseline JSON; exit 1 if a gated metric falls below it")
    p.add_argument("--only", action="append", default=[], help="run only cases whose id contains this (repeatable)")
    p.add_argument("--write-baseline", type=Path,
                   help="write this run's gated figures (rounded down to 2 decimals) as the new baseline")
    p.add_argument("--tag", action="append", default=[],
                   help="run only cases carrying this tag (repeatable), e.g. fresh-2026-11-28 or red_herring")
    p.add_argument("--split", choices=["dev", "holdout"],
                   help="run one side only; read only `dev` results when improving the engine")
    p.add_argument("--verbose", "-v", action="store_true", help="print one line per case")
    p.set_defaults(func=run)

    sub = p.add_subparsers(dest="eval_command", metavar="SUBCOMMAND")
    fb = sub.add_parser("export-feedback", help="write 'Wrong cause' corrections as draft case files")
    fb.add_argument("--database-url", help="service database (default: TRIAGE_DATABASE_URL)")
    fb.add_argument("--out", type=Path, required=True, help="directory for the draft case files")
    fb.set_defaults(func=run_export_feedback)


def run(args) -> int:
    from triage.evaluation.cases import CaseError, load_cases
    from triage.evaluation.report import check_baseline, print_report, write_baseline, write_json
    from triage.evaluation.runner import Engine, EvalSetupError, run_cases
    from triage.evaluation.scoring import summarise
    from triage.settings import load_settings

    settings = load_settings()
    try:
        cases = load_cases(args.cases)
    except CaseError as exc:
        print(f"triage eval: {exc}", file=sys.stderr)
        return 2
    if args.only:
        cases = [c for c in cases if any(s in c.id for s in args.only)]
    if args.tag:
        cases = [c for c in cases if set(args.tag) & set(c.tags)]
    if args.split:
        cases = [c for c in cases if c.split == args.split]
    if not cases:
        print(f"triage eval: no cases in {args.cases}", file=sys.stderr)
        return 2
    engine = Engine(args.engine)
    try:
        results = run_cases(cases, settings, engine, record_dir=args.record)
    except EvalSetupError as exc:
        print(f"triage eval: {exc}", file=sys.stderr)
        return 2
    summary = summarise(results, engine.value)
    print_report(results, summary, sys.stdout, verbose=args.verbose)
    if args.json_out:
        write_json(args.json_out, results, summary)
        print(f"wrote {args.json_out}")
    if args.write_baseline:
        write_baseline(args.write_baseline, summary, len(cases))
        print(f"wrote baseline {args.write_baseline}")
    if args.fail_under:
        failures = check_baseline(summary, args.fail_under)
        for line in failures:
            print(f"FAIL: {line}", file=sys.stderr)
        if failures:
            return 1
        print(f"baseline {args.fail_under}: passed")
    return 0


def run_export_feedback(args) -> int:
    from triage.evaluation.feedback import records_from_database, write_feedback_cases
    from triage.settings import load_settings

    url = args.database_url
    if not url:
        url = load_settings().sqlalchemy_url
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    written, skipped = write_feedback_cases(records_from_database(url), args.out)
    for line in skipped:
        print(f"skipped {line}", file=sys.stderr)
    print(f"wrote {len(written)} draft case(s) to {args.out} (tagged needs_review; add evidence and command regexes)")
    return 0
