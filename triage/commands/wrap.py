"""`triage wrap --job NAME [--server URL] [--timeout S] [--lock] -- CMD ARGS...`"""

from __future__ import annotations

import math
import os
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "wrap", help="run a cron command and report its runs",
        description="Runs CMD, passes its output through, exits with its exit code, and reports the run "
                    "to the triage service (failures become triage cards; successes become history).")
    p.add_argument("--job", required=True, help="the job's name (one name per crontab line)")
    p.add_argument("--server", default=os.environ.get("TRIAGE_URL", "http://127.0.0.1:8080"),
                   help="triage service URL (TRIAGE_URL, default http://127.0.0.1:8080)")
    p.add_argument("--timeout", type=float, help="kill the command after this many seconds and report it")
    p.add_argument("--lock", action="store_true",
                   help=f"refuse to start while a previous run of the same job is still going (exit 75)")
    p.add_argument("cmd", nargs="+", metavar="CMD", help="the command, after --")
    p.set_defaults(func=run)


def run(args) -> int:
    from triage.wrap import wrap

    # `not > 0` also refuses nan; inf would overflow the wait.
    if args.timeout is not None and not (0 < args.timeout < math.inf):
        print("triage wrap: --timeout must be a positive number of seconds", file=sys.stderr)
        return 2
    return wrap(args.job, args.cmd, args.server, os.environ.get("TRIAGE_API_TOKEN"), args.timeout, args.lock)
