"""The read-only command guard. (First cut: a strict allow-list of simple commands.)"""

from __future__ import annotations

import shlex

from pydantic import BaseModel

_READ_ONLY = {"kubectl": {"get", "describe", "logs"}, "df": None, "free": None, "ls": None,
              "tail": None, "head": None, "grep": None, "dig": None, "getent": None, "id": None}
_META = set(";&|<>`$()\n")


class GuardVerdict(BaseModel):
    allowed: bool
    reason: str


def check_command(command: str) -> GuardVerdict:
    if any(ch in _META for ch in command):
        return GuardVerdict(allowed=False, reason="shell operators are not allowed")
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return GuardVerdict(allowed=False, reason=f"cannot parse: {exc}")
    if not argv or argv[0] not in _READ_ONLY:
        return GuardVerdict(allowed=False, reason=f"{argv[0] if argv else 'empty'} is not a known read-only program")
    subs = _READ_ONLY[argv[0]]
    if subs is not None and (len(argv) < 2 or argv[1] not in subs):
        return GuardVerdict(allowed=False, reason=f"{argv[0]} subcommand is not read-only")
    if any(a in ("-f", "--follow", "-w", "--watch") for a in argv[1:]):
        return GuardVerdict(allowed=False, reason="commands that do not terminate are not allowed")
    return GuardVerdict(allowed=True, reason="read-only")
