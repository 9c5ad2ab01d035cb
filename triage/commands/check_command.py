"""`triage check-command`: ask the read-only guard about a command (or a file of them).

    triage check-command 'kubectl get pods -n jobs'   -> prints `allowed`, exit 0
    triage check-command 'kubectl delete pod x'       -> prints `refused: REASON`, exit 1
    triage check-command --file commands.txt          -> one JSON object per line;
                                                         exit 0 only if all are allowed

In a file, each line is one command; blank lines and lines starting with `#` are skipped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("check-command", help="check whether a shell command is provably read-only")
    p.add_argument("shell_command", nargs="?", metavar="COMMAND", help="the command, quoted as one argument")
    p.add_argument("--file", type=Path, help="check one command per line of this file, printing JSON lines")
    p.set_defaults(func=run)


def run(args) -> int:
    from triage.engine.guard import check_command

    if (args.shell_command is None) == (args.file is None):
        print("triage check-command: give either COMMAND or --file FILE", file=sys.stderr)
        return 2
    if args.file is None:
        verdict = check_command(args.shell_command)
        print("allowed" if verdict.allowed else f"refused: {verdict.reason}")
        return 0 if verdict.allowed else 1
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"triage check-command: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    all_allowed = True
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        verdict = check_command(line)
        all_allowed = all_allowed and verdict.allowed
        print(json.dumps({"command": line, "allowed": verdict.allowed, "reason": verdict.reason}))
    return 0 if all_allowed else 1
