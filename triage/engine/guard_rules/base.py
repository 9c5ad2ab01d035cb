"""Shared pieces of the guard's program rules: the rule signature, option-spec builders,
and helpers for the common shapes (text filters, `PROGRAM SUBCOMMAND ...` paths).

A rule is `rule(args, context)`: it returns when the invocation is read-only and raises
`Refusal` with a reason otherwise.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from triage.engine.guard_rules.options import OptionSpec, Refusal, parse_options


@dataclass(frozen=True)
class CommandContext:
    stdin: str  # "terminal", "pipe" (fed by the previous command) or "null" (</dev/null)
    upstream: list[str] | None = None  # argv of the command piping into this one


Rule = Callable[[list[str], CommandContext], None]

NEVER_ENDS = "never ends (follows or watches until interrupted)"
WRITES_FILE = "writes a file"
# A command that repeats (top -n, ping -c, free -c) must finish within about this long: the
# human runs it to confirm a hypothesis, not to sit in front of it.
MAX_REPEAT_SECONDS = 60
_NUMBER = re.compile(r"^(?:\d+(?:\.\d*)?|\.\d+)$")


def number(text: str) -> float | None:
    """A plain non-negative decimal (`3`, `0.5`, `.2`), or None for anything else (`1e9`, `inf`,
    `1_000`, `-1`): what a program's strtod/atoi would read differently is not guessed."""
    return float(text) if _NUMBER.match(text) else None


def runs_too_long(program: str, seconds: float, how: str) -> Refusal:
    return Refusal(f"{program} {how} runs for about {seconds:.0f} s; only runs that end within "
                   f"{MAX_REPEAT_SECONDS} s are allowed")


def name_set(*names: str) -> frozenset[str]:
    return frozenset(names)


def option_spec(
    short_values: str = "",
    long_values: Iterable[str] = (),
    *,
    allowed: Iterable[str] | None = None,
    denied: dict[str, str] | None = None,
    checks: dict | None = None,
    abbreviations: bool = True,
    pflag: bool = False,
) -> OptionSpec:
    return OptionSpec(
        short_values=short_values,
        long_values=frozenset(long_values),
        allowed=None if allowed is None else frozenset(allowed),
        denied=denied or {},
        checks=checks or {},
        abbreviations=abbreviations and not pflag,
        normalise_underscores=pflag,
    )


def deny(reason: str, *names: str) -> dict[str, str]:
    return {name: f"{name} {reason}" for name in names}


# Files that block or stream forever when read: the kernel's message and trace pipes, another
# process's (or our own) descriptors, which may be a terminal or a pipe.
_NEVER_ENDING_FILE = re.compile(r"^/proc/kmsg$|/trace_pipe(?:_raw)?$|^/proc/(?:self|\d+|thread-self)/fd(?:/|$)|"
                                r"^/sys/kernel/(?:debug|tracing)/")


# Trees whose files include some that never end: recursing through them (or from /) reaches those.
_KERNEL_TREES = ("/proc", "/sys", "/dev")


def _normal(name: str) -> str:
    """An absolute path as the kernel resolves its dots (`/proc/../proc/kmsg` is /proc/kmsg)."""
    return posixpath.normpath(name) if name.startswith("/") else name


def never_ending_file(name: str) -> bool:
    normal = _normal(name)
    return (normal.startswith("/dev/") and normal != "/dev/null") or bool(_NEVER_ENDING_FILE.search(normal))


def reaches_never_ending_files(directory: str) -> bool:
    """A recursive read from here (grep -r) would meet files that block or never end."""
    normal = _normal(directory)
    return normal == "/" or any(normal == tree or normal.startswith(tree + "/") for tree in _KERNEL_TREES)


def needs_input(program: str, files: list[str], context: CommandContext) -> None:
    for name in files:
        if never_ending_file(name):
            raise Refusal(f"{program} {name}: reading a device can block or stream forever")
    if not files and context.stdin == "terminal":
        raise Refusal(f"{program} with no file and nothing piped in would wait for terminal input")


def filter_rule(
    program: str,
    spec: OptionSpec,
    *,
    max_operands: int | None = None,
    reads_stdin: bool = True,
    operand_reason: str = "too many operands",
) -> Rule:
    """A rule for a text filter or inspector: options checked by `spec`, operands are files."""

    def rule(args: list[str], context: CommandContext) -> None:
        parsed = parse_options(args, spec)
        if max_operands is not None and len(parsed.operands) > max_operands:
            raise Refusal(f"{program}: {operand_reason}")
        if reads_stdin:
            needs_input(program, parsed.operands, context)

    return rule



def no_operands(program: str, spec: OptionSpec = OptionSpec(), reason: str = "takes no operands here") -> Rule:
    def rule(args: list[str], context: CommandContext) -> None:
        parsed = parse_options(args, spec)
        if parsed.operands:
            raise Refusal(f"{program} {parsed.operands[0]!r}: {reason}")

    return rule


def no_check(args: list[str], context: CommandContext) -> None:
    """For programs with no option that writes, executes or runs forever (ps, id, uptime)."""


def refuse(reason: str) -> Rule:
    def rule(args: list[str], context: CommandContext) -> None:
        raise Refusal(reason)

    return rule


def version_only(program: str, flags: Iterable[str], reason: str) -> Rule:
    allowed = frozenset(flags)

    def rule(args: list[str], context: CommandContext) -> None:
        if len(args) != 1 or args[0] not in allowed:
            raise Refusal(f"{program} {reason}; only `{program} {sorted(allowed)[0]}` is allowed")

    return rule


def split_command_path(program: str, args: list[str], values: frozenset[str], bools: frozenset[str], depth: int,
             normalise: bool = True) -> tuple[list[str], list[str]]:
    """Split off the command path (e.g. `get`, `tasks list`) from global options before it.

    An option before the command path must be known: otherwise we cannot tell whether it takes
    the next word, and so which word is the subcommand.
    """
    path: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args) and len(path) < depth:
        arg = args[i]
        i += 1
        if not arg.startswith("-") or arg == "-":
            path.append(arg)
            continue
        rest.append(arg)
        if arg.startswith("--"):
            name = arg.split("=", 1)[0]
            if normalise:
                name = name.replace("_", "-")
            takes_value, known = name in values and "=" not in arg, name in values or name in bools
        else:
            name = arg[:2]
            takes_value, known = name in values and len(arg) == 2, name in values or (name in bools and len(arg) == 2)
        if not known:
            raise Refusal(f"{program}: option {arg} before the subcommand is not understood")
        if takes_value:
            if i >= len(args):
                raise Refusal(f"{program} {name} needs a value")
            rest.append(args[i])
            i += 1
    rest.extend(args[i:])
    return path, rest

