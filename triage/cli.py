"""The `triage` command. Each subcommand lives in its own module under triage/commands/.

A module there defines `register(subparsers)`, which adds its parser and sets `func`
(called with the parsed args; its return value is the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import triage.commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="triage", description="Triage failed scheduled jobs.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(triage.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"triage.commands.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
