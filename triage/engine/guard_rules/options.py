"""Command-line option parsing for the read-only command guard.

The guard must see the argument vector the way the program will: `-fn5` is `-f -n 5` to
getopt, `--fol` is `--follow` to getopt_long (unambiguous prefixes are accepted), and the
word after `-n` is a value, not an operand. `OptionSpec` describes one program's options;
`parse_options` splits argv into options and operands or raises `Refusal`.

Two modes:
- deny-list (`allowed is None`): for programs that cannot write or run anything by design
  (grep, tail, journalctl...); only the listed options are refused. Any long option that is
  a prefix of a refused one is refused too, because getopt_long would expand it.
- allow-list (`allowed` set): for programs that can write, send or execute (curl, psql,
  nc, openssl...); every option must be listed and written in full.

Safety rule for spec authors: list an option as value-taking only if it REALLY takes a
required value. Wrongly marking one would hide the next word from every check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


class Refusal(Exception):
    """Raised anywhere in the guard with the reason a command is not provably read-only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


ValueCheck = Callable[[str], str | None]  # returns a refusal reason, or None when fine


@dataclass(frozen=True)
class OptionSpec:
    short_values: str = ""  # short letters that take a required value
    long_values: frozenset[str] = frozenset()  # long names (no dashes) that take a value
    allowed: frozenset[str] | None = None  # allow-list of '-x'/'--name'; None = deny-list mode
    denied: Mapping[str, str] = field(default_factory=dict)  # '-x'/'--name' -> reason
    checks: Mapping[str, ValueCheck] = field(default_factory=dict)  # '-x'/'--name' -> value check
    abbreviations: bool = True  # getopt_long accepts prefixes; pflag (kubectl, docker) does not
    normalise_underscores: bool = False  # pflag programs treat --log_file as --log-file


@dataclass
class ParsedArgs:
    options: list[tuple[str, str | None]]  # ('-f', None), ('--output', 'json')
    operands: list[str]

    def has(self, *names: str) -> bool:
        return any(name in names for name, _ in self.options)

    def values(self, *names: str) -> list[str]:
        return [value or "" for name, value in self.options if name in names]


def _resolve_long(name: str, spec: OptionSpec) -> str:
    """Return the long option name the program will act on, refusing denied prefixes."""
    if spec.normalise_underscores:
        name = name.replace("_", "-")
    full = f"--{name}"
    if full in spec.denied:
        raise Refusal(spec.denied[full])
    if spec.allowed is not None:
        if full not in spec.allowed:
            raise Refusal(f"option {full} is not on the read-only list for this program")
        return full
    if spec.abbreviations and name:
        for denied, reason in spec.denied.items():
            if denied.startswith("--") and denied[2:].startswith(name) and f"--{name}" not in _known(spec):
                raise Refusal(f"{full} abbreviates {denied}: {reason}")
    return full


def _known(spec: OptionSpec) -> set[str]:
    return {f"--{n}" for n in spec.long_values} | set(spec.checks)


def _check_value(option: str, value: str | None, spec: OptionSpec) -> None:
    check = spec.checks.get(option)
    if check is not None:
        reason = check(value or "")
        if reason:
            raise Refusal(f"{option} {value!r}: {reason}" if value is not None else reason)


def parse_options(args: list[str], spec: OptionSpec) -> ParsedArgs:
    parsed = ParsedArgs(options=[], operands=[])
    i = 0
    only_operands = False
    while i < len(args):
        token = args[i]
        i += 1
        if only_operands or token == "-" or not token.startswith("-"):
            parsed.operands.append(token)
            continue
        if token == "--":
            only_operands = True
            continue
        if token.startswith("--"):
            name, eq, value = token[2:].partition("=")
            option = _resolve_long(name, spec)
            if option[2:] in spec.long_values and not eq:
                if i >= len(args):
                    raise Refusal(f"option {option} needs a value")
                value, eq = args[i], "="
                i += 1
            _check_value(option, value if eq else None, spec)
            parsed.options.append((option, value if eq else None))
            continue
        # A cluster of short options: -sSL, -n5, -qO-
        j = 1
        while j < len(token):
            letter = token[j]
            option = f"-{letter}"
            if option in spec.denied:
                raise Refusal(spec.denied[option])
            if spec.allowed is not None and option not in spec.allowed:
                raise Refusal(f"option {option} is not on the read-only list for this program")
            if letter in spec.short_values:
                value = token[j + 1 :]
                if spec.normalise_underscores and value.startswith("="):
                    value = value[1:]  # pflag reads `-o=yaml` as `-o yaml`
                if not value:
                    if i >= len(args):
                        raise Refusal(f"option {option} needs a value")
                    value = args[i]
                    i += 1
                _check_value(option, value, spec)
                parsed.options.append((option, value))
                break
            _check_value(option, None, spec)
            parsed.options.append((option, None))
            j += 1
    return parsed
