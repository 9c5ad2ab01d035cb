"""The read-only command guard: a suggested command is shown as runnable only if it passes.

`check_command(command)` parses the command with a shell grammar (bashlex) and allows it only
if every part is provably read-only. Default is DENY: anything unknown, anything the parser
cannot read, anything this module does not fully understand is refused with a reason.

The shell layer (this module) decides what the shell itself will do:
- one line of printable ASCII only (a second line is a second command; non-ASCII characters
  can be look-alikes of `-`, `;` or `|` that read differently to a human than to bash);
- the parse must account for every character (no comments, nothing bashlex dropped);
- simple commands joined by `|`, `&&`, `||` or `;` are allowed when EVERY command is allowed
  (a chain of read-only commands is read-only); `&` (background) is refused, as are subshells,
  `{ }` groups, functions, `if`/`for`/`while`, `!`, `time` and `coproc`;
- words are re-read here, not taken from bashlex (its quote removal is wrong for `"a"'b'`):
  parameter, command, arithmetic and process substitution, backticks (also inside double
  quotes), `$'...'`/`$"..."` quoting, history expansion (`!!`) and brace expansion are
  refused; globs are allowed only in path arguments that start with `/`, `./`, `../` or `~/`
  (so no expansion can turn into an option such as `-delete`), never in a program name;
- leading `VAR=value` assignments are refused;
- redirections: only `2>&1`-style duplication of fds 1 and 2, output to `/dev/null`, and
  input from `/dev/null` are allowed. Everything else (`>`, `>>`, `&>file`, `2>file`, `<file`,
  here-docs, here-strings) is refused: writing a file is not read-only, and reading input
  from a file or here-doc feeds data to programs such as psql or openssl;
- the program is named bare (`kubectl`) or by a path in a root-owned system directory
  (`/usr/bin/grep`); `./x`, `/tmp/x`, `~/bin/x` are refused.

Which programs, subcommands and options are read-only is decided in guard_rules/ (the table
is guard_rules/programs.py), and SQL (psql -c, mysql -e) in guard_rules/sql.py.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

import bashlex
from pydantic import BaseModel

from triage.engine.guard_rules.options import Refusal
from triage.engine.guard_rules.programs import PROGRAMS, CommandContext

MAX_COMMAND_LENGTH = 4000
_SYSTEM_DIRS = frozenset({"/bin", "/usr/bin", "/usr/local/bin", "/sbin", "/usr/sbin"})
_GLOB_CHARS = frozenset("*?[")
_SAFE_GLOB_PREFIXES = ("/", "./", "../", "~/")
_CHAIN_OPERATORS = frozenset({"&&", "||", ";"})
# Files whose whole content is a credential; reading them is read-only but leaks secrets.
_SECRET_PATH = re.compile(
    r"/etc/g?shadow\b|\.aws/credentials|\.ssh/id_|\.pgpass|\.netrc|\.git-credentials|\.docker/config\.json"
    r"|/proc/[^/\s]+/environ|\.my\.cnf|\.vault-token|/(var/)?run/secrets/|\.kube/.*token"
)


class GuardVerdict(BaseModel):
    allowed: bool
    reason: str


@dataclass
class Word:
    """One shell word after quote removal, with what the shell would do to it."""

    value: str
    globs: bool  # contains an unquoted *, ? or [


def read_word(raw: str) -> Word:
    """Quote removal for one word, refusing every expansion except `~` and path globs.

    A deliberately small subset of bash: anything outside it is refused, never guessed.
    """
    out: list[str] = []
    globs = False
    unquoted_braces = False
    unquoted_commas = False
    i = 0
    n = len(raw)

    def history(at: int) -> None:
        # Interactive bash expands `!x` even inside double quotes; `!=` and `! ` are literal.
        following = raw[at + 1] if at + 1 < n else ""
        if following not in ("=", " ", "\t", ""):
            raise Refusal(f"history expansion ({raw[at:at + 2]!r}) would change the command")

    while i < n:
        ch = raw[i]
        if ch == "\\":
            if i + 1 >= n:
                raise Refusal("a trailing backslash continues the command on another line")
            out.append(raw[i + 1])
            i += 2
            continue
        if ch == "'":
            end = raw.find("'", i + 1)
            if end < 0:
                raise Refusal("unterminated single quote")
            out.append(raw[i + 1 : end])
            i = end + 1
            continue
        if ch == '"':
            i += 1
            while True:
                if i >= n:
                    raise Refusal("unterminated double quote")
                c = raw[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\" and i + 1 < n and raw[i + 1] in '$`"\\':
                    out.append(raw[i + 1])
                    i += 2
                    continue
                if c == "$":
                    if i + 1 < n and raw[i + 1] == '"':  # "error$" ends with a literal $
                        out.append("$")
                        i += 1
                        continue
                    raise Refusal(f"expansion {raw[i:i + 3]!r}... inside double quotes could run or hide anything")
                if c == "`":
                    raise Refusal("command substitution with backticks")
                if c == "!":
                    history(i)
                out.append(c)
                i += 1
            continue
        if ch == "$":
            if i + 1 == n:  # a trailing $ is literal (grep 'x'$ is rare, grep x$ is common)
                out.append("$")
                i += 1
                continue
            raise Refusal(f"expansion {raw[i:i + 3]!r}... could run or hide anything")
        if ch == "`":
            raise Refusal("command substitution with backticks")
        if ch == "!":
            history(i)
        if ch in "()<>;&|":
            raise Refusal(f"unexpected shell operator {ch!r} inside a word")
        if ch in _GLOB_CHARS:
            globs = True
        elif ch in "{}":
            unquoted_braces = True
        elif ch == ",":
            unquoted_commas = True
        out.append(ch)
        i += 1
    value = "".join(out)
    if unquoted_braces and (unquoted_commas or ".." in raw):
        raise Refusal(f"brace expansion in {raw!r} would produce other words")
    if raw.startswith("~"):
        user = value[1:].split("/", 1)[0]
        if user and not user.replace("-", "").replace("_", "").isalnum():
            raise Refusal(f"unexpected tilde expansion {raw!r}")
    return Word(value=value, globs=globs)


def _check_characters(command: str) -> None:
    if len(command) > MAX_COMMAND_LENGTH:
        raise Refusal(f"command is longer than {MAX_COMMAND_LENGTH} characters")
    for ch in command:
        if ch in "\n\r":
            raise Refusal("command has more than one line (a second line is a second command)")
        if ch == "\t":
            continue
        code = ord(ch)
        if code < 32 or code == 127:
            raise Refusal(f"control character U+{code:04X} in the command")
        if code > 126:
            raise Refusal(f"non-ASCII character {ch!r} (U+{code:04X}) could be a look-alike")


def _covered_spans(node: bashlex.ast.node, spans: list[tuple[int, int]]) -> None:
    """Collect the source spans of the tokens bashlex produced (to find dropped text)."""
    kind = node.kind
    if kind in ("word", "operator", "pipe", "reservedword", "redirect", "assignment"):
        spans.append(node.pos)
        return
    for child in getattr(node, "parts", None) or getattr(node, "list", None) or []:
        _covered_spans(child, spans)


def _check_coverage(command: str, tree: bashlex.ast.node) -> None:
    spans: list[tuple[int, int]] = []
    _covered_spans(tree, spans)
    covered = bytearray(len(command))
    for start, end in spans:
        covered[start:end] = b"\x01" * (end - start)
    for index, ch in enumerate(command):
        if not covered[index] and not ch.isspace():
            rest = command[index:]
            if ch == "#":
                raise Refusal("the command contains a shell comment")
            raise Refusal(f"part of the command was not understood: {rest[:30]!r}")


def _check_word_node(node: bashlex.ast.node, command: str) -> Word:
    for part in getattr(node, "parts", []) or []:
        if part.kind in ("commandsubstitution", "processsubstitution"):
            raise Refusal("command or process substitution runs another command")
        if part.kind == "parameter" and getattr(part, "value", ""):
            raise Refusal(f"variable expansion ${part.value} could hide anything")
    start, end = node.pos
    return read_word(command[start:end])


@dataclass
class _Redirects:
    stdin_null: bool = False
    stdin_other: bool = False


def _check_redirect(node: bashlex.ast.node, command: str, redirects: _Redirects) -> None:
    kind = node.type
    source = getattr(node, "input", None)
    target = node.output
    text = command[node.pos[0] : node.pos[1]]
    if kind in ("<<", "<<-", "<<<"):
        raise Refusal(f"here-document or here-string ({text!r}) feeds hidden input")
    if kind in (">&", "<&") and isinstance(target, int):
        if target in (1, 2) and source in (None, 1, 2):
            return  # 2>&1, >&2: duplicate stdout/stderr, touches no file
        raise Refusal(f"redirection {text!r} uses an unusual file descriptor")
    if isinstance(target, int) or target is None:
        raise Refusal(f"redirection {text!r} is not understood")
    path = _check_word_node(target, command).value
    if kind in (">", ">>", ">|", "&>", ">&", "&>>") and source in (None, 1, 2):
        if path == "/dev/null":
            return
        raise Refusal(f"redirection {text!r} writes a file")
    if kind == "<" and source in (None, 0):
        if path == "/dev/null":
            redirects.stdin_null = True
            return
        raise Refusal(f"input redirection {text!r} feeds a file to the command; only </dev/null is allowed")
    raise Refusal(f"redirection {text!r} is not allowed")


def _program_name(word: Word) -> str:
    if word.globs:
        raise Refusal(f"glob in the program name {word.value!r}")
    name = word.value
    if "/" in name:
        directory, base = posixpath.split(name)
        if directory not in _SYSTEM_DIRS:
            raise Refusal(f"runs a program by path ({name}); only bare names or system directories are allowed")
        name = base
    if not name or not all(c.isalnum() or c in "._+-" for c in name):
        raise Refusal(f"program name {word.value!r} is not a plain name")
    return name


class CommandGuard:
    """Parses a shell command and allows it only if every part is provably read-only."""

    def check(self, command: str) -> GuardVerdict:
        try:
            self._check(command)
        except Refusal as refusal:
            return GuardVerdict(allowed=False, reason=refusal.reason)
        return GuardVerdict(allowed=True, reason="read-only")

    def _check(self, command: str) -> None:
        if not command.strip():
            raise Refusal("empty command")
        _check_characters(command)
        try:
            trees = bashlex.parse(command)
        except Exception as exc:  # bashlex raises ParsingError, NotImplementedError, others
            raise Refusal(f"cannot parse as a shell command ({type(exc).__name__}: {exc})") from None
        if len(trees) != 1:
            raise Refusal("more than one command line")
        tree = trees[0]
        _check_coverage(command, tree)
        self._check_node(tree, command)

    def _check_node(self, node: bashlex.ast.node, command: str) -> None:
        if node.kind == "list":
            for part in node.parts:
                if part.kind == "operator":
                    if part.op not in _CHAIN_OPERATORS:
                        raise Refusal(f"operator {part.op!r} is not allowed (runs in the background)")
                    continue
                self._check_node(part, command)
            return
        if node.kind == "pipeline":
            upstream: list[str] | None = None
            for part in node.parts:
                if part.kind == "pipe":
                    continue
                if part.kind != "command":
                    raise Refusal(f"{part.kind} inside a pipeline is not allowed")
                upstream = self._check_simple(part, command, upstream)
            return
        if node.kind == "command":
            self._check_simple(node, command, None)
            return
        raise Refusal(f"compound shell construct ({node.kind}) is not allowed")

    def _check_simple(self, node: bashlex.ast.node, command: str, upstream: list[str] | None) -> list[str]:
        words: list[Word] = []
        redirects = _Redirects()
        for part in node.parts:
            if part.kind == "assignment":
                raise Refusal(f"variable assignment {part.word!r} before the command changes how it runs")
            if part.kind == "redirect":
                _check_redirect(part, command, redirects)
            elif part.kind == "word":
                words.append(_check_word_node(part, command))
            else:
                raise Refusal(f"{part.kind} in a command is not allowed")
        if not words:
            raise Refusal("redirection without a command")
        program = _program_name(words[0])
        rule = PROGRAMS.get(program)
        if rule is None:
            raise Refusal(f"{program!r} is not a known read-only program")
        for word in words[1:]:
            if word.globs and not word.value.startswith(_SAFE_GLOB_PREFIXES):
                raise Refusal(f"glob {word.value!r} could expand to an option; anchor it with ./ or /")
        argv = [program] + [w.value for w in words[1:]]
        for arg in argv[1:]:
            secret = _SECRET_PATH.search(arg)
            if secret:
                raise Refusal(f"reads a credentials file ({secret.group(0)}); the card must not show secrets")
        if redirects.stdin_null:
            stdin = "null"
        elif upstream is not None:
            stdin = "pipe"
        else:
            stdin = "terminal"
        rule(argv[1:], CommandContext(stdin=stdin, upstream=upstream))
        return argv


_DEFAULT_GUARD = CommandGuard()


def check_command(command: str) -> GuardVerdict:
    """Allow `command` only if it is provably read-only; otherwise say why not."""
    return _DEFAULT_GUARD.check(command)
