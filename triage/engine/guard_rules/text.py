"""Rules for text tools: filters that read files or a pipe (grep, tail, sort, jq, sed, awk...).

sed and awk can write files and run commands, so only print-only programs are accepted.
"""

from __future__ import annotations

import re

from triage.engine.guard_rules.base import (
    NEVER_ENDS, WRITES_FILE, CommandContext, Rule, filter_rule, needs_input, option_spec, reaches_never_ending_files,
)
from triage.engine.guard_rules.options import Refusal, parse_options

def _tr(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, option_spec())
    if len(parsed.operands) > 2:
        raise Refusal("tr: too many operands")
    needs_input("tr", [], context)


def _grep_rule(program: str) -> Rule:
    spec = option_spec(
        "efmABCdD",
        ("regexp", "file", "max-count", "after-context", "before-context", "context", "label",
         "include", "exclude", "exclude-dir", "exclude-from", "binary-files", "devices", "directories",
         "group-separator"),
    )

    def rule(args: list[str], context: CommandContext) -> None:
        parsed = parse_options(args, spec)
        files = parsed.operands if parsed.has("-e", "-f", "--regexp", "--file") else parsed.operands[1:]
        if not parsed.operands and not parsed.has("-e", "-f", "--regexp", "--file"):
            raise Refusal(f"{program} without a pattern")
        if parsed.has("-r", "-R", "--recursive", "--dereference-recursive"):
            # Recursing through the kernel's trees (or from /) reaches files that never end (/proc/kmsg,
            # trace_pipe, other processes' descriptors).
            for name in files:
                if reaches_never_ending_files(name):
                    raise Refusal(f"{program} -r {name}: recursing there reaches files that block or never end")
            return
        needs_input(program, files, context)

    return rule



# --- Core text tools ------------------------------------------------------------------

_TAIL = option_spec("ncs", ("lines", "bytes", "pid", "sleep-interval", "max-unchanged-stats"),
              denied={"-f": f"tail -f {NEVER_ENDS}", "-F": f"tail -F {NEVER_ENDS}",
                      "--follow": f"tail --follow {NEVER_ENDS}"})
_HEAD = option_spec("nc", ("lines", "bytes"))
_SORT = option_spec("ktSoT", ("key", "field-separator", "buffer-size", "temporary-directory", "output",
                        "parallel", "batch-size", "compress-program", "files0-from", "random-source", "sort"),
              denied={"-o": f"sort -o {WRITES_FILE}", "--output": f"sort --output {WRITES_FILE}",
                      "--compress-program": "sort --compress-program runs another program"})
_UNIQ = option_spec("fsw", ("skip-fields", "skip-chars", "check-chars"))
_CUT = option_spec("bcdf", ("bytes", "characters", "delimiter", "fields", "output-delimiter"))
_WC = option_spec("", ("files0-from",))
_JQ_DENIED = {"-f": "jq -f reads its program from a file the guard cannot see",
              "--from-file": "jq --from-file reads its program from a file the guard cannot see"}


def _jq(args: list[str], context: CommandContext) -> None:
    spec = option_spec("L", ("indent", "tab-size"), denied=_JQ_DENIED)
    # --arg NAME VALUE takes two words; walk them by hand before option parsing.
    flat: list[str] = []
    i = 0
    while i < len(args):
        if args[i] in ("--arg", "--argjson", "--slurpfile", "--rawfile"):
            i += 3
            continue
        flat.append(args[i])
        i += 1
    parsed = parse_options(flat, spec)
    program = parsed.operands[0] if parsed.operands else "."
    if re.search(r"\benv\b|\$ENV|\$__prog|input_filename|\bhalt|\bdebug\b|\bstderr\b", program):
        raise Refusal("jq program reads the environment (secrets) or has side effects")
    needs_input("jq", parsed.operands[1:], context)


_SED_PRINT = re.compile(
    r"""^(?:(?:\d+|\$|/[^/\\;{}\n]*/)(?:,(?:\d+|\$|/[^/\\;{}\n]*/|\+\d+))?)?p$"""
)
_SED_QUIT = re.compile(r"^\d+q$")


def _sed(args: list[str], context: CommandContext) -> None:
    """Only `sed -n 'ADDRp'` (print a range) and `sed 'Nq'`; sed can write (w, -i) and run (e)."""
    spec = option_spec("e", ("expression",), allowed=("-n", "--quiet", "--silent", "-E", "-r", "--regexp-extended",
                                                 "-e", "--expression", "-u", "--unbuffered", "-z"),
                 denied={"-i": "sed -i edits files in place", "--in-place": "sed --in-place edits files",
                         "-f": "sed -f reads a script the guard cannot see", "-s": "sed -s is not needed"})
    parsed = parse_options(args, spec)
    scripts = parsed.values("-e", "--expression")
    files = parsed.operands
    if not scripts:
        if not files:
            raise Refusal("sed without a script")
        scripts, files = [files[0]], files[1:]
    quiet = parsed.has("-n", "--quiet", "--silent")
    for script in scripts:
        script = script.strip()
        if quiet and _SED_PRINT.match(script):
            continue
        if _SED_QUIT.match(script):
            continue
        raise Refusal(f"sed script {script!r} is not a plain print (only -n 'N,Mp' or 'Nq'); sed can write and execute")
    needs_input("sed", files, context)


_AWK_PRINT = re.compile(r"^\{\s*print(?:\s+\$(?:\d+|NF)(?:\s*,\s*\$(?:\d+|NF))*)?\s*;?\s*\}$")


def _awk(args: list[str], context: CommandContext) -> None:
    """Only `awk '{print $1, $3}'`: awk programs can run commands (system, |) and write files."""
    spec = option_spec("F", ("field-separator",), allowed=("-F", "--field-separator"))
    parsed = parse_options(args, spec)
    if not parsed.operands:
        raise Refusal("awk without a program")
    program, files = parsed.operands[0], parsed.operands[1:]
    if not _AWK_PRINT.match(program.strip()):
        raise Refusal("awk programs can run commands and write files; only '{print $N, ...}' is allowed")
    needs_input("awk", files, context)


def _find(args: list[str], context: CommandContext) -> None:
    denied = {"-exec": "runs a command", "-execdir": "runs a command", "-ok": "runs a command",
              "-okdir": "runs a command", "-delete": "deletes files", "-fprint": WRITES_FILE,
              "-fprint0": WRITES_FILE, "-fprintf": WRITES_FILE, "-fls": WRITES_FILE}
    for arg in args:
        if arg in denied:
            raise Refusal(f"find {arg} {denied[arg]}")



def _echo(args: list[str], context: CommandContext) -> None:
    """echo only prints its (already expansion-free) words."""



RULES: dict[str, Rule] = {
    "cat": filter_rule("cat", option_spec()),
    "head": filter_rule("head", _HEAD),
    "tail": filter_rule("tail", _TAIL),
    "grep": _grep_rule("grep"),
    "egrep": _grep_rule("egrep"),
    "fgrep": _grep_rule("fgrep"),
    "zgrep": _grep_rule("zgrep"),
    "wc": filter_rule("wc", _WC),
    "sort": filter_rule("sort", _SORT),
    "uniq": filter_rule("uniq", _UNIQ, max_operands=1, operand_reason="a second operand is an output file uniq would write"),
    "cut": filter_rule("cut", _CUT),
    "tr": _tr,
    "jq": _jq,
    "sed": _sed,
    "awk": _awk,
    "echo": _echo,
    "find": _find,
}
