"""`triage redact`: filter stdin to stdout, line for line, with secrets replaced.

Streams: each line is written and flushed as soon as it is read, so it can sit in a pipe
(`kubectl logs -f job/x | triage redact`). Private-key blocks spanning lines are handled.
Bytes that are not valid UTF-8 pass through unchanged.
"""

from __future__ import annotations

import argparse
import sys

from triage.engine.redact import StreamRedactor


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "redact", help="copy stdin to stdout with secrets replaced by [REDACTED:kind] placeholders"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    sys.stdin.reconfigure(errors="surrogateescape")
    sys.stdout.reconfigure(errors="surrogateescape")
    redactor = StreamRedactor()
    out = sys.stdout
    try:
        for line in sys.stdin:
            out.write(redactor.redact_line(line))
            out.flush()
    except BrokenPipeError:  # `triage redact | head`: the reader left, which is not an error
        sys.stderr.close()
        return 0
    return 0
