"""The `triage` command. Each subcommand lives in its own module under triage/commands/.

A module there defines `register(subparsers)`, which adds its parser and sets `func`
(called with the parsed args; its return value is the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

import triage.commands


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """All subcommands, or just `only` (so `triage wrap` in a crontab imports nothing heavy)."""
    parser = argparse.ArgumentParser(prog="triage", description="Triage failed scheduled jobs.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = sorted(m.name for m in pkgutil.iter_modules(triage.commands.__path__))
    if only is not None and only.replace("-", "_") in names:
        names = [only.replace("-", "_")]
    for name in names:
        importlib.import_module(f"triage.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(only=argv[0] if argv and not argv[0].startswith("-") else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # `triage analyze LOG | head`: the reader left; that is not an error of ours. Point stdout
        # at devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        # A wrong setting is reported here for every subcommand, as one line naming the variable.
        # Looked up in sys.modules so commands that never read settings (`triage wrap` in a
        # crontab) do not pay for importing pydantic.
        settings = sys.modules.get("triage.settings")
        if settings is None or not isinstance(exc, settings.SettingsError):
            raise
        print(f"triage {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
