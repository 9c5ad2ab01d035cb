"""Which programs, subcommands and options the guard accepts as read-only.

`PROGRAMS` maps a program name to a rule: `rule(args, context)` returns when the invocation
is read-only and raises `Refusal` otherwise. A program missing from the map is refused.

Policy decisions, in one place:
- Programs that cannot write or execute by design (grep, tail, journalctl, ps...) use a
  deny-list of options that never end (`-f`, `--follow`, `-w`) or change state (`--vacuum-*`,
  `dmesg -C`, `sort -o`, `date -s`). Programs that can send, write or execute (curl, wget,
  nc, openssl, psql, mysql, sed, awk) use an allow-list: every option must be known.
- Commands that print secrets are refused even though they are read-only: the card is shown
  to people and may be pasted anywhere (`airflow connections get/export/list`,
  `variables get/export`, `config list`, `kubectl get secret -o yaml`, `kubectl config view
  --raw`, `helm get values/manifest/all`, `aws secretsmanager get-secret-value`, `az ...
  keys list`, `env`, `printenv`).
- Programs that would wait on the terminal are refused: `less`, plain `top`, `psql` or
  `mysql` without a query, `cat`/`grep`/`sort` with no file and nothing piped in.
- A pager started by journalctl, systemctl or aws when printing to a terminal is accepted:
  it ends when the human quits and runs nothing by itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from triage.engine.guard_options import OptionSpec, ParsedArgs, Refusal, parse_options
from triage.engine.guard_sql import check_mysql_sql, check_postgres_sql


@dataclass(frozen=True)
class CommandContext:
    stdin: str  # "terminal", "pipe" (fed by the previous command) or "null" (</dev/null)
    upstream: list[str] | None = None  # argv of the command piping into this one


Rule = Callable[[list[str], CommandContext], None]

NEVER_ENDS = "never ends (follows or watches until interrupted)"
WRITES_FILE = "writes a file"


def _fs(*names: str) -> frozenset[str]:
    return frozenset(names)


def _spec(
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


def _deny(reason: str, *names: str) -> dict[str, str]:
    return {name: f"{name} {reason}" for name in names}


def _needs_input(program: str, files: list[str], context: CommandContext) -> None:
    for name in files:
        if name.startswith("/dev/") and name != "/dev/null" or name in ("/proc/kmsg",):
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
            _needs_input(program, parsed.operands, context)

    return rule


def _tr(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, _spec())
    if len(parsed.operands) > 2:
        raise Refusal("tr: too many operands")
    _needs_input("tr", [], context)


def _grep_rule(program: str) -> Rule:
    spec = _spec(
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
            return
        _needs_input(program, files, context)

    return rule


def _no_operands(program: str, spec: OptionSpec = OptionSpec(), reason: str = "takes no operands here") -> Rule:
    def rule(args: list[str], context: CommandContext) -> None:
        parsed = parse_options(args, spec)
        if parsed.operands:
            raise Refusal(f"{program} {parsed.operands[0]!r}: {reason}")

    return rule


def _anything(args: list[str], context: CommandContext) -> None:
    """For programs with no option that writes, executes or runs forever (ps, id, uptime)."""


def _refuse(reason: str) -> Rule:
    def rule(args: list[str], context: CommandContext) -> None:
        raise Refusal(reason)

    return rule


# --- Core text tools ------------------------------------------------------------------

_TAIL = _spec("ncs", ("lines", "bytes", "pid", "sleep-interval", "max-unchanged-stats"),
              denied={"-f": f"tail -f {NEVER_ENDS}", "-F": f"tail -F {NEVER_ENDS}",
                      "--follow": f"tail --follow {NEVER_ENDS}"})
_HEAD = _spec("nc", ("lines", "bytes"))
_SORT = _spec("ktSoT", ("key", "field-separator", "buffer-size", "temporary-directory", "output",
                        "parallel", "batch-size", "compress-program", "files0-from", "random-source", "sort"),
              denied={"-o": f"sort -o {WRITES_FILE}", "--output": f"sort --output {WRITES_FILE}",
                      "--compress-program": "sort --compress-program runs another program"})
_UNIQ = _spec("fsw", ("skip-fields", "skip-chars", "check-chars"))
_CUT = _spec("bcdf", ("bytes", "characters", "delimiter", "fields", "output-delimiter"))
_WC = _spec("", ("files0-from",))
_JQ_DENIED = {"-f": "jq -f reads its program from a file the guard cannot see",
              "--from-file": "jq --from-file reads its program from a file the guard cannot see"}


def _jq(args: list[str], context: CommandContext) -> None:
    spec = _spec("", ("arg", "argjson", "slurpfile", "rawfile", "indent", "args", "jsonargs"),
                 denied=_JQ_DENIED)
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
    _needs_input("jq", parsed.operands[1:], context)


_SED_PRINT = re.compile(
    r"""^(?:(?:\d+|\$|/[^/\\;{}\n]*/)(?:,(?:\d+|\$|/[^/\\;{}\n]*/|\+\d+))?)?p$"""
)
_SED_QUIT = re.compile(r"^\d+q$")


def _sed(args: list[str], context: CommandContext) -> None:
    """Only `sed -n 'ADDRp'` (print a range) and `sed 'Nq'`; sed can write (w, -i) and run (e)."""
    spec = _spec("e", ("expression",), allowed=("-n", "--quiet", "--silent", "-E", "-r", "--regexp-extended",
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
    _needs_input("sed", files, context)


_AWK_PRINT = re.compile(r"^\{\s*print(?:\s+\$(?:\d+|NF)(?:\s*,\s*\$(?:\d+|NF))*)?\s*;?\s*\}$")


def _awk(args: list[str], context: CommandContext) -> None:
    """Only `awk '{print $1, $3}'`: awk programs can run commands (system, |) and write files."""
    spec = _spec("F", ("field-separator",), allowed=("-F", "--field-separator"))
    parsed = parse_options(args, spec)
    if not parsed.operands:
        raise Refusal("awk without a program")
    program, files = parsed.operands[0], parsed.operands[1:]
    if not _AWK_PRINT.match(program.strip()):
        raise Refusal("awk programs can run commands and write files; only '{print $N, ...}' is allowed")
    _needs_input("awk", files, context)


def _find(args: list[str], context: CommandContext) -> None:
    denied = {"-exec": "runs a command", "-execdir": "runs a command", "-ok": "runs a command",
              "-okdir": "runs a command", "-delete": "deletes files", "-fprint": WRITES_FILE,
              "-fprint0": WRITES_FILE, "-fprintf": WRITES_FILE, "-fls": WRITES_FILE}
    for arg in args:
        if arg in denied:
            raise Refusal(f"find {arg} {denied[arg]}")


# --- System inspection -----------------------------------------------------------------

_JOURNALCTL = _spec(
    "uptSUDMoiFgcT",
    ("unit", "user-unit", "identifier", "priority", "since", "until", "directory", "machine", "output",
     "file", "field", "grep", "cursor", "after-cursor", "namespace", "output-fields", "facility", "root",
     "image", "boot-id", "case-sensitive"),
    denied={
        "-f": f"journalctl -f {NEVER_ENDS}",
        **_deny(NEVER_ENDS, "--follow"),
        **_deny("deletes journal files", "--vacuum-size", "--vacuum-time", "--vacuum-files", "--rotate"),
        **_deny("changes the journal", "--flush", "--sync", "--relinquish-var", "--smart-relinquish-var",
                "--setup-keys", "--update-catalog"),
        "--cursor-file": f"journalctl --cursor-file {WRITES_FILE}",
    },
)
_DMESG = _spec(
    "flsFn",
    ("facility", "level", "buffer-size", "file", "console-level", "time-format"),
    denied={
        **_deny("clears the kernel ring buffer", "-C", "--clear", "-c", "--read-clear"),
        **_deny("changes console logging", "-D", "--console-off", "-E", "--console-on", "-n", "--console-level"),
        **_deny(NEVER_ENDS, "-w", "--follow", "-W", "--follow-new"),
    },
)


def _date(args: list[str], context: CommandContext) -> None:
    spec = _spec("dfr", ("date", "file", "reference", "rfc-3339"),
                 denied=_deny("sets the system clock", "-s", "--set"))
    parsed = parse_options(args, spec)
    for operand in parsed.operands:
        if not operand.startswith("+"):
            raise Refusal(f"date {operand!r} would set the system clock")


def _hostname(args: list[str], context: CommandContext) -> None:
    spec = _spec("", (), denied=_deny("sets the hostname", "-F", "--file", "-b", "--boot"))
    parsed = parse_options(args, spec)
    if parsed.operands:
        raise Refusal(f"hostname {parsed.operands[0]!r} would set the hostname")


def _free(args: list[str], context: CommandContext) -> None:
    parse_options(args, _spec("c", ("count",), denied=_deny("repeats until interrupted", "-s", "--seconds")))


def _top(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, _spec("dnpuUoOE", ()))
    if not parsed.has("-b") or not parsed.has("-n"):
        raise Refusal("top is interactive; only `top -b -n N` (batch, N iterations) is allowed")


def _ping(args: list[str], context: CommandContext) -> None:
    spec = _spec("cIiswWltpQMm", (), denied={"-f": "ping -f floods the network"})
    parsed = parse_options(args, spec)
    counts = parsed.values("-c")
    if not counts or not all(c.isdigit() and 0 < int(c) <= 100 for c in counts):
        raise Refusal(f"{'ping'} needs -c N (1-100) or it never ends")


def _nslookup(args: list[str], context: CommandContext) -> None:
    operands = [a for a in args if not a.startswith("-")]
    if not operands:
        raise Refusal("nslookup without a name starts an interactive session")


_SS = _spec("FADfN", ("filter", "query", "socket", "family", "diag", "net"),
            denied={**_deny("kills sockets", "-K", "--kill"), **_deny(WRITES_FILE, "-D", "--diag"),
                    **_deny(NEVER_ENDS, "-E", "--events")})
_NETSTAT = _spec("", (), denied=_deny("repeats until interrupted", "-c", "--continuous"))
_LSOF = _spec("", (), denied=_deny("repeats until interrupted", "-r"))
def _lsof(args: list[str], context: CommandContext) -> None:
    if any(a.startswith(("+r", "-r")) for a in args):
        raise Refusal(f"lsof -r/+r repeats until interrupted")
    parse_options([a for a in args if not a.startswith("+")], _LSOF)


_FILE = _spec("emfFP", ("exclude", "magic-file", "files-from", "separator", "parameter", "exclude-quiet"),
              denied=_deny("compiles and writes a magic file", "-C", "--compile"))
_DF = _spec("Btx", ("block-size", "type", "exclude-type"))
_DU = _spec("BdtX", ("block-size", "max-depth", "threshold", "exclude", "exclude-from", "files0-from", "time-style"))
_LS = _spec("ITw", ("ignore", "hide", "tabsize", "width", "format", "sort", "time", "time-style", "block-size",
                    "quoting-style", "indicator-style"))
_STAT = _spec("c", ("format", "printf"))

_IP_OBJECTS = {
    "a": "address", "addr": "address", "address": "address", "l": "link", "link": "link",
    "r": "route", "ro": "route", "route": "route", "n": "neigh", "neigh": "neigh",
    "neighbor": "neigh", "neighbour": "neigh", "rule": "rule", "netns": "netns",
}
_IP_VERBS = {"show", "sh", "list", "lst", "ls"}


def _ip(args: list[str], context: CommandContext) -> None:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        option = args[i]
        if option in ("-b", "-batch", "-force", "-B"):
            raise Refusal(f"ip {option} runs commands from a file")
        if option in ("-f", "-family", "-n", "-netns", "-l", "-loops", "-rc", "-rcvbuf"):
            i += 1
        i += 1
    if i >= len(args):
        raise Refusal("ip without an object")
    obj = _IP_OBJECTS.get(args[i])
    if obj is None:
        raise Refusal(f"ip {args[i]} is not a read-only ip object here")
    verb = args[i + 1] if i + 1 < len(args) else "show"
    allowed = _IP_VERBS | ({"get"} if obj == "route" else set())
    if verb not in allowed or (obj == "netns" and verb not in ("list", "ls", "show")):
        raise Refusal(f"ip {args[i]} {verb} is not read-only (only show/list)")


def _systemctl(args: list[str], context: CommandContext) -> None:
    spec = _spec("tpsHMnoP", ("type", "property", "signal", "host", "machine", "lines", "output", "state",
                              "root", "job-mode", "kill-whom", "what", "timestamp", "message", "image"))
    parsed = parse_options(args, spec)
    verb = parsed.operands[0] if parsed.operands else "list-units"
    if verb not in _SYSTEMCTL_READ:
        raise Refusal(f"systemctl {verb} is not read-only (allowed: {', '.join(sorted(_SYSTEMCTL_READ))})")


_SYSTEMCTL_READ = _fs("status", "show", "list-units", "list-timers", "list-unit-files", "list-sockets",
                      "list-dependencies", "list-jobs", "is-active", "is-failed", "is-enabled",
                      "is-system-running", "cat", "get-default", "list-machines")


def _timedatectl(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, _spec("HM", ("host", "machine")))
    verb = parsed.operands[0] if parsed.operands else "status"
    if verb not in ("status", "show", "list-timezones", "timesync-status", "show-timesync"):
        raise Refusal(f"timedatectl {verb} is not read-only")


def _crontab(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, _spec("u", (), allowed=("-l", "-u")))
    if not parsed.has("-l") or parsed.operands:
        raise Refusal("only `crontab -l` is read-only (a file operand installs a new crontab)")


def _command_builtin(args: list[str], context: CommandContext) -> None:
    if not args or args[0] not in ("-v", "-V"):
        raise Refusal("`command` runs its argument; only `command -v NAME` is allowed")


def _version_only(program: str, flags: Iterable[str], reason: str) -> Rule:
    allowed = frozenset(flags)

    def rule(args: list[str], context: CommandContext) -> None:
        if len(args) != 1 or args[0] not in allowed:
            raise Refusal(f"{program} {reason}; only `{program} {sorted(allowed)[0]}` is allowed")

    return rule


# --- Network clients -------------------------------------------------------------------

def _http_url(url: str) -> str | None:
    if "://" in url and not url.lower().startswith(("http://", "https://")):
        return "only http:// and https:// URLs (other schemes can talk to any service)"
    return None


def _curl_write_out(value: str) -> str | None:
    return "%output{...} writes a file" if "%output" in value else None


def _curl_header(value: str) -> str | None:
    name = value.split(":", 1)[0].strip().lower()
    if "method" in name:
        return "a method-override header can turn the GET into a write"
    return None


def _curl_method(value: str) -> str | None:
    return None if value.upper() in ("GET", "HEAD") else f"method {value} can change state"


def _curl_output(value: str) -> str | None:
    return None if value in ("/dev/null", "-") else WRITES_FILE


def _curl_dump_header(value: str) -> str | None:
    return None if value in ("/dev/null", "-") else WRITES_FILE


_CURL_SHORT_VALUES = "HmuAeXwoDxE"
_CURL = _spec(
    _CURL_SHORT_VALUES,
    ("header", "max-time", "connect-timeout", "user", "user-agent", "referer", "request", "write-out",
     "output", "dump-header", "proxy", "resolve", "cacert", "capath", "cert", "key", "retry", "retry-delay",
     "retry-max-time", "max-redirs", "url", "noproxy", "connect-to", "unix-socket", "cert-type", "key-type",
     "interface", "max-filesize", "limit-rate", "oauth2-bearer", "aws-sigv4", "dns-servers"),
    allowed=(
        "-s", "--silent", "-S", "--show-error", "-I", "--head", "-i", "--include", "-v", "--verbose",
        "-L", "--location", "-k", "--insecure", "-f", "--fail", "--fail-with-body", "--compressed",
        "-4", "-6", "-q", "--no-progress-meter", "--http1.1", "--http2", "-g", "--globoff",
        "-G", "--get", "--ipv4", "--ipv6", "--no-buffer", "-N", "--raw", "--tcp-nodelay", "--ssl-reqd",
        "--tlsv1.2", "--tlsv1.3", "--path-as-is", "--no-keepalive", "-#", "--progress-bar",
        *(f"-{c}" for c in _CURL_SHORT_VALUES),
        "--header", "--max-time", "--connect-timeout", "--user", "--user-agent", "--referer", "--request",
        "--write-out", "--output", "--dump-header", "--proxy", "--resolve", "--cacert", "--capath", "--cert",
        "--key", "--retry", "--retry-delay", "--retry-max-time", "--max-redirs", "--url", "--noproxy",
        "--connect-to", "--unix-socket", "--cert-type", "--key-type", "--interface", "--max-filesize",
        "--limit-rate", "--oauth2-bearer", "--aws-sigv4", "--dns-servers",
    ),
    denied={
        **_deny("sends a request body", "-d", "--data", "--data-raw", "--data-binary", "--data-urlencode",
                "--data-ascii", "--json", "-F", "--form", "--form-string"),
        **_deny("uploads a file", "-T", "--upload-file"),
        **_deny(WRITES_FILE, "-O", "--remote-name", "--remote-name-all", "-J", "--remote-header-name",
                "-c", "--cookie-jar", "--trace", "--trace-ascii", "--libcurl", "--stderr", "--hsts",
                "--alt-svc", "--etag-save", "--create-dirs", "--output-dir"),
        **_deny("reads options from a file the guard cannot see", "-K", "--config"),
        **_deny("sends FTP commands", "-Q", "--quote"),
    },
    checks={"-X": _curl_method, "--request": _curl_method, "-w": _curl_write_out, "--write-out": _curl_write_out,
            "-o": _curl_output, "--output": _curl_output, "-D": _curl_dump_header, "--dump-header": _curl_dump_header,
            "--url": _http_url, "-x": _http_url, "--proxy": _http_url, "-H": _curl_header, "--header": _curl_header},
    abbreviations=False,
)


def _curl(args: list[str], context: CommandContext) -> None:
    if args in (["--version"], ["-V"]):
        return
    parsed = parse_options(args, _CURL)
    urls = parsed.operands + parsed.values("--url")
    if not urls:
        raise Refusal("curl without a URL")
    for url in parsed.operands:
        reason = _http_url(url)
        if reason:
            raise Refusal(f"curl {url!r}: {reason}")


def _wget(args: list[str], context: CommandContext) -> None:
    spec = _spec(
        "OTtUe",
        ("output-document", "timeout", "tries", "header", "user-agent", "max-redirect", "connect-timeout",
         "read-timeout", "dns-timeout", "ca-certificate"),
        allowed=("--spider", "-q", "--quiet", "-O", "--output-document", "-S", "--server-response", "-T",
                 "--timeout", "-t", "--tries", "--no-check-certificate", "--header", "-U", "--user-agent",
                 "-4", "-6", "--max-redirect", "-nv", "--no-verbose", "--connect-timeout", "--read-timeout",
                 "--dns-timeout", "--ca-certificate", "-v", "--verbose"),
        denied={**_deny("writes a log file", "-o", "--output-file", "-a", "--append-output"),
                **_deny("sends a request body", "--post-data", "--post-file", "--body-data", "--body-file", "--method"),
                **_deny("downloads recursively into files", "-r", "--recursive", "-m", "--mirror", "-P"),
                **_deny("runs wgetrc commands", "-e", "--execute"), **_deny("reads URLs from a file", "-i")},
        abbreviations=False,
    )
    # wget spells some short options with two letters (-nv); treat them as words.
    parsed = parse_options([("--no-verbose" if a == "-nv" else a) for a in args], spec)
    documents = parsed.values("-O", "--output-document")
    if any(d != "-" for d in documents):
        raise Refusal(f"wget -O {documents[0]} {WRITES_FILE}")
    if not parsed.has("--spider") and not documents:
        raise Refusal("wget saves the download to a file; use --spider or -O -")
    if not parsed.operands:
        raise Refusal("wget without a URL")
    for url in parsed.operands:
        reason = _http_url(url)
        if reason:
            raise Refusal(f"wget {url!r}: {reason}")


def _nc(args: list[str], context: CommandContext) -> None:
    spec = _spec("wsp", ("wait",), allowed=("-z", "-v", "-vv", "-w", "-u", "-4", "-6", "-n", "-s", "-p"),
                 denied={**_deny("runs a program", "-e", "-c", "--exec", "--sh-exec", "--lua-exec"),
                         **_deny("listens for connections", "-l", "--listen", "-k")}, abbreviations=False)
    parsed = parse_options(args, spec)
    if not parsed.has("-z"):
        raise Refusal("nc without -z sends terminal input to the service; only `nc -z HOST PORT` is allowed")


_OPENSSL_S_CLIENT_VALUES = _fs("-connect", "-servername", "-CAfile", "-CApath", "-verify", "-alpn", "-starttls",
                               "-cert", "-key", "-proxy", "-host", "-port", "-name", "-verify_hostname",
                               "-cipher", "-ciphersuites")
_OPENSSL_S_CLIENT_FLAGS = _fs("-showcerts", "-brief", "-verify_return_error", "-tls1_2", "-tls1_3", "-status",
                              "-prexit", "-msg", "-state", "-no_ticket", "-servername_none", "-noservername",
                              "-4", "-6", "-crlf")
_OPENSSL_X509_VALUES = _fs("-in", "-inform", "-ext", "-nameopt", "-checkend", "-certopt")
_OPENSSL_X509_FLAGS = _fs("-noout", "-text", "-dates", "-enddate", "-startdate", "-subject", "-issuer",
                          "-serial", "-fingerprint", "-sha256", "-sha1", "-md5", "-purpose", "-pubkey", "-email",
                          "-ocsp_uri", "-modulus", "-subject_hash", "-issuer_hash", "-hash", "-alias", "-ocspid")
_OPENSSL_VERIFY_VALUES = _fs("-CAfile", "-CApath", "-untrusted", "-purpose", "-verify_hostname", "-attime")
_OPENSSL_VERIFY_FLAGS = _fs("-verbose", "-show_chain", "-x509_strict", "-no-CAfile", "-no-CApath")
_ECHO_FEEDS = ([], ["-n"], ["Q"], ["-n", "Q"], [""])


def _single_dash(program: str, args: list[str], values: frozenset[str], flags: frozenset[str]) -> list[str]:
    """openssl-style options: one dash, whole words, no clustering. Returns the operands."""
    operands: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-") and arg != "-":
            if arg in values:
                if i + 1 >= len(args):
                    raise Refusal(f"{program} {arg} needs a value")
                i += 2
                continue
            if arg in flags:
                i += 1
                continue
            raise Refusal(f"{program} option {arg} is not on the read-only list")
        operands.append(arg)
        i += 1
    return operands


def _openssl(args: list[str], context: CommandContext) -> None:
    if not args:
        raise Refusal("openssl without a subcommand is interactive")
    sub, rest = args[0], args[1:]
    if sub == "version":
        _single_dash("openssl version", rest, _fs(), _fs("-a", "-v", "-b", "-o", "-f", "-p", "-d"))
    elif sub == "s_client":
        _single_dash("openssl s_client", rest, _OPENSSL_S_CLIENT_VALUES, _OPENSSL_S_CLIENT_FLAGS)
        upstream = context.upstream
        fed_by_echo = context.stdin == "pipe" and upstream is not None and upstream[0] == "echo" and (
            upstream[1:] in _ECHO_FEEDS
        )
        if context.stdin != "null" and not fed_by_echo:
            raise Refusal("openssl s_client sends terminal input to the server; add </dev/null")
    elif sub == "x509":
        operands = _single_dash("openssl x509", rest, _OPENSSL_X509_VALUES, _OPENSSL_X509_FLAGS)
        if operands:
            raise Refusal(f"openssl x509 operand {operands[0]!r} is not understood")
        if "-in" not in rest:
            _needs_input("openssl x509", [], context)
    elif sub == "verify":
        _single_dash("openssl verify", rest, _OPENSSL_VERIFY_VALUES, _OPENSSL_VERIFY_FLAGS)
    elif sub == "ciphers":
        _single_dash("openssl ciphers", rest, _fs(), _fs("-v", "-V", "-s", "-tls1_2", "-tls1_3"))
    else:
        raise Refusal(f"openssl {sub} is not a read-only openssl subcommand here")


def _echo(args: list[str], context: CommandContext) -> None:
    """echo only prints its (already expansion-free) words."""


# --- Databases -------------------------------------------------------------------------

_PSET_NAMES = _fs("pager", "format", "border", "footer", "tuples_only", "null", "expanded", "fieldsep",
                  "recordsep", "columns", "linestyle", "unicode_border_linestyle", "title")


def _pset(value: str) -> str | None:
    return None if value.split("=", 1)[0] in _PSET_NAMES else "is not a display setting"


_PSQL = _spec(
    "hpUdcvPFRT",
    ("host", "port", "username", "dbname", "command", "set", "variable", "pset", "field-separator",
     "record-separator", "table-attr"),
    allowed=("-h", "--host", "-p", "--port", "-U", "--username", "-d", "--dbname", "-c", "--command", "-v",
             "--set", "--variable", "-P", "--pset", "-F", "--field-separator", "-R", "--record-separator", "-T",
             "--table-attr", "-X", "--no-psqlrc", "-A", "--no-align", "-t", "--tuples-only", "-q", "--quiet",
             "-x", "--expanded", "-w", "--no-password", "-W", "--password", "--csv", "-H", "--html", "-l",
             "--list", "-E", "--echo-hidden", "-e", "--echo-queries", "-a", "--echo-all", "-b", "--echo-errors",
             "-n", "--no-readline", "-0", "-z", "-V", "--version", "-1", "--single-transaction"),
    denied={**_deny("runs SQL from a file the guard cannot see", "-f", "--file"),
            **_deny(WRITES_FILE, "-o", "--output", "-L", "--log-file"),
            **_deny("is interactive", "-s", "--single-step")},
    checks={"-P": _pset, "--pset": _pset},
    abbreviations=False,
)
# psql meta-commands that only describe objects; arguments are plain patterns (psql would
# run `backticks` and interpolate :variables inside meta-command arguments).
_PSQL_META = re.compile(r"^\\(?:d[tivsmnfuTDEbpxgoclyaCL]?S?\+?|l\+?|dn\+?|du\+?|dx\+?|conninfo|z|dp)"
                        r"(?:\s+[A-Za-z0-9_.*\"]+)?\s*$")


def _psql(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, _PSQL)
    if len(parsed.operands) > 2:
        raise Refusal("psql takes at most a database and a user name")
    commands = parsed.values("-c", "--command")
    if not commands:
        if parsed.has("-l", "--list", "-V", "--version"):
            return
        raise Refusal("psql without -c starts an interactive session (or reads SQL from stdin)")
    if len(commands) > 1:
        raise Refusal("psql with more than one -c runs more than one statement")
    sql = commands[0].strip()
    if sql.startswith("\\"):
        if not _PSQL_META.match(sql):
            raise Refusal(f"psql meta-command {sql.split()[0]!r} is not a read-only describe command")
        return
    check_postgres_sql(sql)


def _mysql(args: list[str], context: CommandContext) -> None:
    # -pSECRET / -p: the password is an optional attached value, never the next word.
    normalised = ["--password" if a.startswith("-p") and not a.startswith("--") else a for a in args]
    normalised = ["--password" if a.startswith("--password=") else a for a in normalised]
    spec = _spec(
        "hPuDeS",
        ("host", "port", "user", "database", "execute", "socket", "protocol", "ssl-ca", "ssl-cert", "ssl-key",
         "ssl-mode", "connect-timeout", "default-character-set", "login-path"),
        allowed=("-h", "--host", "-P", "--port", "-u", "--user", "-D", "--database", "-e", "--execute", "-S",
                 "--socket", "--protocol", "--ssl-ca", "--ssl-cert", "--ssl-key", "--ssl-mode", "--connect-timeout",
                 "--default-character-set", "--login-path", "--password", "-N", "--skip-column-names", "-B",
                 "--batch", "-s", "--silent", "-t", "--table", "-E", "--vertical", "-r", "--raw", "-A",
                 "--no-auto-rehash", "-v", "--verbose", "-V", "--version", "-C", "--compress", "--ssl"),
        denied={**_deny(WRITES_FILE, "--tee"), **_deny("runs a pager program", "--pager"),
                **_deny("runs extra SQL", "--init-command"),
                **_deny("reads options from a file the guard cannot see", "--defaults-file", "--defaults-extra-file"),
                **_deny("lets the server read client files", "--local-infile")},
        abbreviations=False,
    )
    parsed = parse_options(normalised, spec)
    if len(parsed.operands) > 1:
        raise Refusal("mysql takes at most a database name")
    queries = parsed.values("-e", "--execute")
    if not queries:
        if parsed.has("-V", "--version"):
            return
        raise Refusal("mysql without -e starts an interactive session (or reads SQL from stdin)")
    if len(queries) > 1:
        raise Refusal("mysql with more than one -e runs more than one statement")
    check_mysql_sql(queries[0])


# --- Orchestrators and clouds ------------------------------------------------------------

def _leading(program: str, args: list[str], values: frozenset[str], bools: frozenset[str], depth: int,
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


_KUBECTL_GLOBAL_VALUES = _fs(
    "-n", "--namespace", "--context", "--cluster", "--user", "--kubeconfig", "-s", "--server", "--token", "--as",
    "--as-group", "--as-uid", "--request-timeout", "--cache-dir", "--certificate-authority",
    "--client-certificate", "--client-key", "--tls-server-name", "--username", "--password", "-v", "--v",
    "--vmodule", "--profile",
)
_KUBECTL_GLOBAL_BOOLS = _fs("--insecure-skip-tls-verify", "--warnings-as-errors", "--match-server-version",
                            "--disable-compression", "-A", "--all-namespaces")
_KUBECTL_DENIED_GLOBAL = {
    **_deny(WRITES_FILE, "--profile-output", "--log-file", "--log-dir"),
    "--profile": "kubectl --profile writes a profile file",
}


def _must_be_false(flag: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value.lower() == "false" else f"{flag} {NEVER_ENDS}"

    return check


def _kubectl_spec(short_values: str, long_values: Iterable[str], denied: dict[str, str] | None = None,
                  checks: dict | None = None) -> OptionSpec:
    return _spec(
        "nsv" + short_values,
        {v.lstrip("-") for v in _KUBECTL_GLOBAL_VALUES if v.startswith("--")} | set(long_values),
        denied={**_KUBECTL_DENIED_GLOBAL, **(denied or {})},
        checks=checks,
        pflag=True,
    )


_KUBECTL_SPECS: dict[str, OptionSpec] = {
    "get": _kubectl_spec(
        "olfkL",
        ("output", "selector", "field-selector", "filename", "kustomize", "label-columns", "sort-by", "template",
         "chunk-size", "raw", "subresource"),
        denied={"-w": f"kubectl get -w {NEVER_ENDS}"},
        checks={"--watch": _must_be_false("--watch"), "--watch-only": _must_be_false("--watch-only")},
    ),
    "describe": _kubectl_spec("lfk", ("selector", "filename", "kustomize", "chunk-size")),
    "logs": _kubectl_spec(
        "cl",
        ("container", "since", "since-time", "tail", "limit-bytes", "selector", "max-log-requests",
         "pod-running-timeout"),
        denied={"-f": f"kubectl logs -f {NEVER_ENDS}"},
        checks={"--follow": _must_be_false("--follow")},
    ),
    "top": _kubectl_spec("l", ("selector", "sort-by", "field-selector")),
    "events": _kubectl_spec("o", ("for", "types", "output", "chunk-size"), denied={"-w": f"kubectl events -w {NEVER_ENDS}"},
                            checks={"--watch": _must_be_false("--watch")}),
    "explain": _kubectl_spec("o", ("api-version", "output")),
    "version": _kubectl_spec("o", ("output",)),
    "api-resources": _kubectl_spec("o", ("output", "api-group", "sort-by", "verbs", "categories")),
    "api-versions": _kubectl_spec("", ()),
    "cluster-info": _kubectl_spec("o", ("output", "namespaces", "pod-running-timeout", "output-directory"),
                                  denied={"--output-directory": f"kubectl cluster-info dump --output-directory {WRITES_FILE}"}),
    "auth": _kubectl_spec("o", ("subresource", "output")),
    "config": _kubectl_spec("o", ("output",), denied={"--raw": "kubectl config view --raw prints credentials"}),
    "rollout": _kubectl_spec("o", ("revision", "output")),
}
_KUBECTL_MUTATING = _fs(
    "apply", "create", "delete", "edit", "patch", "replace", "scale", "autoscale", "exec", "attach",
    "port-forward", "proxy", "cp", "debug", "run", "expose", "drain", "cordon", "uncordon", "taint", "label",
    "annotate", "set", "certificate", "wait", "diff", "kustomize", "plugin", "alpha", "completion", "convert",
)
_SECRET_OUTPUTS = re.compile(r"^(yaml|json|jsonpath|go-template|template|custom-columns)", re.IGNORECASE)


def _kubectl_secret_output(parsed: ParsedArgs) -> None:
    outputs = parsed.values("-o", "--output")
    reveals = any(_SECRET_OUTPUTS.match(o) for o in outputs) or parsed.has("--template")
    for raw in parsed.values("--raw"):
        if "secret" in raw.lower():
            raise Refusal("kubectl get --raw on secrets prints secret values")
        if re.search(r"/(exec|attach|portforward|proxy)\b", raw):
            raise Refusal("kubectl get --raw on exec/attach/portforward/proxy reaches into pods and nodes")
    if not reveals:
        return
    for operand in parsed.operands[:1] + [o for o in parsed.operands if "/" in o]:
        for item in operand.split(","):
            kind = item.split("/", 1)[0].split(".", 1)[0].lower()
            if kind in ("secret", "secrets"):
                raise Refusal("kubectl get secrets with -o yaml/json/jsonpath prints secret values")


def _kubectl(args: list[str], context: CommandContext) -> None:
    path, rest = _leading("kubectl", args, _KUBECTL_GLOBAL_VALUES, _KUBECTL_GLOBAL_BOOLS, 1)
    if not path:
        raise Refusal("kubectl without a subcommand")
    sub = path[0]
    if sub in _KUBECTL_MUTATING:
        raise Refusal(f"kubectl {sub} is not read-only")
    spec = _KUBECTL_SPECS.get(sub)
    if spec is None:
        raise Refusal(f"kubectl {sub} is not a known read-only kubectl subcommand (plugins are refused)")
    parsed = parse_options(rest, spec)
    operands = parsed.operands
    if sub == "get":
        _kubectl_secret_output(parsed)
    elif sub == "top" and (not operands or operands[0] not in ("node", "nodes", "no", "pod", "pods", "po")):
        raise Refusal("kubectl top needs `node` or `pod`")
    elif sub == "cluster-info" and operands and operands != ["dump"]:
        raise Refusal(f"kubectl cluster-info {operands[0]} is not understood")
    elif sub == "auth" and (not operands or operands[0] not in ("can-i", "whoami")):
        raise Refusal(f"kubectl auth {operands[0] if operands else ''} is not read-only (only can-i, whoami)")
    elif sub == "config" and (not operands or operands[0] not in
                              ("view", "get-contexts", "current-context", "get-clusters", "get-users")):
        raise Refusal(f"kubectl config {operands[0] if operands else ''} is not read-only")
    elif sub == "rollout" and (not operands or operands[0] != "history"):
        raise Refusal(f"kubectl rollout {operands[0] if operands else ''} is not read-only (only history)")


_AIRFLOW_READ = {
    ("tasks", "states-for-dag-run"), ("tasks", "state"), ("tasks", "list"), ("tasks", "failed-deps"),
    ("dags", "list"), ("dags", "list-runs"), ("dags", "state"), ("dags", "show"), ("dags", "list-import-errors"),
    ("dags", "details"), ("dags", "list-jobs"), ("dags", "next-execution"),
    ("config", "get-value"), ("pools", "list"), ("pools", "get"), ("jobs", "check"), ("providers", "list"),
    ("db", "check"), ("variables", "list"), ("dag-processor", "--help"),
}
_AIRFLOW_SINGLE = _fs("info", "version", "cheat-sheet")
_AIRFLOW_SECRETS = {
    ("connections", "get"): "prints the connection's password",
    ("connections", "export"): "prints connection passwords",
    ("connections", "list"): "prints connection URIs with passwords",
    ("variables", "get"): "prints variable values, which hold secrets",
    ("variables", "export"): "prints variable values, which hold secrets",
    ("config", "list"): "prints the configuration with its secrets",
}
_AIRFLOW_SECRET_KEYS = re.compile(r"conn|password|secret|key|token|broker_url|result_backend|dsn", re.IGNORECASE)


def _airflow(args: list[str], context: CommandContext) -> None:
    words = [a for a in args if not a.startswith("-")]
    if not words:
        if args in (["--version"], ["-h"], ["--help"]):
            return
        raise Refusal("airflow without a subcommand")
    group = words[0]
    if args[0] != group:
        raise Refusal("airflow: put the subcommand first")
    if group in _AIRFLOW_SINGLE:
        return
    if len(words) < 2 or args[1] != words[1]:
        raise Refusal(f"airflow {group} needs a subcommand right after it")
    pair = (group, words[1])
    if pair in _AIRFLOW_SECRETS:
        raise Refusal(f"airflow {' '.join(pair)} {_AIRFLOW_SECRETS[pair]}")
    if pair not in _AIRFLOW_READ:
        raise Refusal(f"airflow {' '.join(pair)} is not a read-only airflow command")
    # argparse accepts unambiguous prefixes: --sa is --save, --subd is --subdir.
    denied = {**_deny("imports and runs the Python files in that folder", "-S", "--subdir")}
    if pair == ("dags", "show"):
        denied.update({"-s": "airflow dags show -s writes a file", "--save": "airflow dags show --save writes a file"})
    parsed = parse_options(args[2:], _spec("o", ("output",), denied=denied))
    if pair == ("config", "get-value"):
        key = " ".join(parsed.operands)
        if _AIRFLOW_SECRET_KEYS.search(key):
            raise Refusal(f"airflow config get-value {key} prints a secret")


_DOCKER_GLOBAL_VALUES = _fs("-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--tlscacert",
                            "--tlscert", "--tlskey")
_DOCKER_GLOBAL_BOOLS = _fs("-D", "--debug", "--tls", "--tlsverify")
_DOCKER_READ = {
    ("ps",), ("logs",), ("inspect",), ("images",), ("stats",), ("events",), ("version",), ("info",), ("top",),
    ("port",), ("history",), ("diff",),
    ("container", "ls"), ("container", "ps"), ("container", "list"), ("container", "logs"),
    ("container", "inspect"), ("container", "top"), ("container", "port"), ("container", "stats"),
    ("container", "diff"), ("image", "ls"), ("image", "list"), ("image", "inspect"), ("image", "history"),
    ("network", "ls"), ("network", "list"), ("network", "inspect"), ("volume", "ls"), ("volume", "list"),
    ("volume", "inspect"), ("system", "df"), ("system", "info"), ("system", "events"),
}
_DOCKER_GROUPS = _fs("container", "image", "network", "volume", "system")


def _docker(args: list[str], context: CommandContext) -> None:
    path, rest = _leading("docker", args, _DOCKER_GLOBAL_VALUES, _DOCKER_GLOBAL_BOOLS, 1, normalise=False)
    if not path:
        raise Refusal("docker without a subcommand")
    key: tuple[str, ...] = (path[0],)
    if path[0] in _DOCKER_GROUPS:
        sub_path, rest = _leading("docker", rest, _fs(), _fs(), 1, normalise=False)
        key = (path[0], *(sub_path[:1]))
    if key not in _DOCKER_READ:
        raise Refusal(f"docker {' '.join(key)} is not a read-only docker command")
    action = key[-1]
    spec = _spec("nf" if action != "logs" else "n",
                 ("tail", "since", "until", "format", "filter", "type", "last"),
                 denied={"-f": f"docker logs -f {NEVER_ENDS}", "--follow": f"docker logs --follow {NEVER_ENDS}"}
                 if action == "logs" else {}, pflag=True)
    parsed = parse_options(rest, spec)
    if action == "stats" and not parsed.has("--no-stream"):
        raise Refusal(f"docker stats without --no-stream {NEVER_ENDS}")
    if action == "events" and not parsed.has("--until"):
        raise Refusal(f"docker events without --until {NEVER_ENDS}")


_AWS_GLOBAL_VALUES = _fs("--region", "--profile", "--output", "--query", "--endpoint-url", "--cli-read-timeout",
                         "--cli-connect-timeout", "--ca-bundle", "--color", "--cli-binary-format")
_AWS_GLOBAL_BOOLS = _fs("--debug", "--no-paginate", "--no-verify-ssl", "--no-sign-request", "--no-cli-pager",
                        "--cli-auto-prompt", "--no-cli-auto-prompt")
_AWS_SECRET_OPERATIONS = {
    "get-secret-value": "prints a secret", "get-login-password": "prints a registry password",
    "get-authorization-token": "prints an access token", "get-session-token": "creates and prints credentials",
    "get-federation-token": "creates and prints credentials", "get-token": "prints an access token",
    "get-cluster-credentials": "prints database credentials",
    "get-cluster-credentials-with-iam": "prints database credentials",
    "get-credentials-for-identity": "prints credentials", "get-open-id-token": "prints a token",
    "get-role-credentials": "prints credentials", "get-instance-access-details": "prints private keys",
    "get-password-data": "prints an instance password",
}
_AWS_WRITES_OUTFILE = _fs("get-object", "get-object-torrent", "get-export", "get-sdk", "get-job-output",
                          "get-media", "get-snapshot-block", "get-package-version-asset")


def _aws(args: list[str], context: CommandContext) -> None:
    path, rest = _leading("aws", args, _AWS_GLOBAL_VALUES, _AWS_GLOBAL_BOOLS, 2)
    if len(path) < 2:
        raise Refusal("aws needs a service and an operation")
    service, operation = path
    if operation in _AWS_SECRET_OPERATIONS:
        raise Refusal(f"aws {service} {operation} {_AWS_SECRET_OPERATIONS[operation]}")
    if operation in _AWS_WRITES_OUTFILE:
        raise Refusal(f"aws {service} {operation} {WRITES_FILE}")
    if service == "ssm" and "--with-decryption" in rest:
        raise Refusal("aws ssm ... --with-decryption prints secret parameters")
    if any(a.startswith("--cli-input") or a == "--generate-cli-skeleton" for a in rest):
        raise Refusal("aws --cli-input-* reads parameters from a file the guard cannot see")
    if (service, operation) in (("s3", "ls"), ("logs", "tail")):
        if any(a == "--follow" or a.startswith("--follow=") for a in rest):
            raise Refusal(f"aws logs tail --follow {NEVER_ENDS}")
        return
    if not re.match(r"^(describe|list|get)-[a-z0-9-]+$", operation):
        raise Refusal(f"aws {service} {operation} is not read-only (only describe-*, list-*, get-*)")


_GCLOUD_GROUPS = _fs(
    "alpha", "beta", "compute", "instances", "instance-groups", "managed", "disks", "zones", "regions",
    "operations", "container", "clusters", "node-pools", "images", "logging", "logs", "sinks", "sql",
    "databases", "backups", "run", "services", "revisions", "jobs", "executions", "functions", "pubsub",
    "topics", "subscriptions", "projects", "iam", "service-accounts", "roles", "storage", "buckets", "objects",
    "scheduler", "dataproc", "composer", "environments", "dataflow", "config", "configurations", "artifacts",
    "repositories", "docker", "tags", "builds", "triggers", "monitoring", "policies", "channels", "dns",
    "managed-zones", "record-sets", "networks", "subnets", "firewall-rules", "routers", "addresses",
    "forwarding-rules", "backend-services", "health-checks", "target-pools", "redis", "spanner", "workflows",
    "tasks", "queues", "app", "versions", "organizations", "folders", "auth", "secrets", "kms", "keyrings",
    "metrics", "uptime", "locations", "snapshots", "vpn-tunnels", "workers",
)
_GCLOUD_VERBS = _fs("describe", "list", "read", "get-iam-policy", "list-tags", "list-grantable-roles")
_GCLOUD_GLOBAL_VALUES = _fs("--project", "--account", "--configuration", "--format", "--verbosity",
                            "--billing-project", "--impersonate-service-account", "--region", "--zone", "--location")


def _cloud_path(program: str, args: list[str], groups: frozenset[str], verbs: frozenset[str],
                values: frozenset[str], bools: frozenset[str]) -> list[str]:
    """The command words of a gcloud/az command up to and including its read-only verb."""
    path: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-"):
            name = arg.split("=", 1)[0]
            if name in ("--flags-file", "--flatten-file") or name.startswith("--cli-input"):
                raise Refusal(f"{program} {name} reads options from a file the guard cannot see")
            # Before the verb an unknown option could take the next word as its value and
            # hide the real command from us: only known options are accepted there.
            if name not in values and name not in bools:
                raise Refusal(f"{program}: option {name} before the command is not understood")
            if name in values and "=" not in arg:
                i += 1
            i += 1
            continue
        if arg in verbs and path:
            return path + [arg]
        if arg not in groups:
            raise Refusal(f"{program} {' '.join(path + [arg])} is not a read-only {program} command "
                          f"(only {'/'.join(sorted(verbs))})")
        path.append(arg)
        i += 1
    raise Refusal(f"{program} {' '.join(path)} has no read-only verb ({'/'.join(sorted(verbs))})")


def _gcloud(args: list[str], context: CommandContext) -> None:
    for arg in args:
        if arg.split("=", 1)[0] in ("--flags-file",):
            raise Refusal("gcloud --flags-file reads options from a file the guard cannot see")
    _cloud_path("gcloud", args, _GCLOUD_GROUPS, _GCLOUD_VERBS, _GCLOUD_GLOBAL_VALUES,
                _fs("--quiet", "-q", "--log-http", "--no-user-output-enabled"))


_AZ_GROUPS = _fs(
    "vm", "vmss", "aks", "nodepool", "group", "resource", "storage", "account", "blob", "container", "share",
    "queue", "table", "webapp", "functionapp", "appservice", "plan", "monitor", "activity-log", "metrics",
    "log-analytics", "workspace", "diagnostic-settings", "alert", "network", "vnet", "subnet", "nsg", "rule",
    "nic", "public-ip", "lb", "application-gateway", "sql", "server", "db", "postgres", "flexible-server",
    "mysql", "redis", "cosmosdb", "keyvault", "acr", "repository", "containerapp", "revision", "replica",
    "eventhubs", "servicebus", "namespace", "topic", "subscription", "deployment", "operation", "role",
    "assignment", "definition", "policy", "dns", "zone", "record-set", "batch", "job", "pool", "task",
    "datafactory", "pipeline-run", "disk", "snapshot", "image", "app-insights", "component", "logs", "env",
)
_AZ_SECRET_WORDS = _fs("keys", "key", "secret", "secrets", "credential", "credentials", "appsettings",
                       "connection-string", "api-key", "list-keys", "show-connection-string")
_AZ_GLOBAL_VALUES = _fs("--subscription", "--output", "-o", "--query", "-g", "--resource-group", "-n", "--name")


def _az(args: list[str], context: CommandContext) -> None:
    for arg in args:
        if arg in _AZ_SECRET_WORDS:
            raise Refusal(f"az ... {arg} prints secrets")
    _cloud_path("az", args, _AZ_GROUPS, _fs("show", "list", "query"), _AZ_GLOBAL_VALUES,
                _fs("--debug", "--verbose", "--only-show-errors"))


_HELM_GLOBAL_VALUES = _fs("-n", "--namespace", "--kube-context", "--kubeconfig", "--registry-config",
                          "--repository-cache", "--repository-config", "--burst-limit", "--qps", "--kube-apiserver",
                          "--kube-as-user", "--kube-token", "--kube-ca-file", "--kube-tls-server-name")
_HELM_GLOBAL_BOOLS = _fs("--debug", "--kube-insecure-skip-tls-verify")
_HELM_READ = {("status",), ("history",), ("hist",), ("list",), ("ls",), ("version",), ("get", "notes"),
              ("get", "metadata"), ("show", "chart"), ("show", "readme")}
_HELM_SECRETS = {("get", "values"): "prints release values, which often hold passwords and tokens",
                 ("get", "manifest"): "prints the release's Secret objects",
                 ("get", "all"): "prints release values and Secret objects",
                 ("get", "hooks"): "prints hook manifests, which may hold secrets"}


def _helm(args: list[str], context: CommandContext) -> None:
    path, rest = _leading("helm", args, _HELM_GLOBAL_VALUES, _HELM_GLOBAL_BOOLS, 1)
    if not path:
        raise Refusal("helm without a subcommand")
    key: tuple[str, ...] = (path[0],)
    if path[0] in ("get", "show"):
        sub, rest = _leading("helm", rest, _HELM_GLOBAL_VALUES, _HELM_GLOBAL_BOOLS, 1)
        key = (path[0], *(sub[:1]))
    if key in _HELM_SECRETS:
        raise Refusal(f"helm {' '.join(key)} {_HELM_SECRETS[key]}")
    if key not in _HELM_READ:
        raise Refusal(f"helm {' '.join(key)} is not a read-only helm command")


def _pip(args: list[str], context: CommandContext) -> None:
    if args in (["--version"], ["-V"]):
        return
    spec = _spec("", ("python", "path", "exclude", "format", "cache-dir", "proxy", "timeout"),
                 denied=_deny(WRITES_FILE, "--log", "--log-file"))
    parsed = parse_options(args, spec)
    verb = parsed.operands[0] if parsed.operands else ""
    if verb not in ("show", "list", "freeze"):
        raise Refusal(f"pip {verb} is not read-only (only show, list, freeze, --version)")


def _chage(args: list[str], context: CommandContext) -> None:
    if len(args) != 2 or args[0] != "-l" or args[1].startswith("-"):
        raise Refusal("chage changes password ageing; only `chage -l USER` is allowed")


# --- The table -----------------------------------------------------------------------------

_SHELLS = "runs shell code"
_INTERPRETER = "runs programs"

PROGRAMS: dict[str, Rule] = {
    "cat": filter_rule("cat", _spec()),
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
    "df": filter_rule("df", _DF, reads_stdin=False),
    "du": filter_rule("du", _DU, reads_stdin=False),
    "free": _free,
    "dmesg": filter_rule("dmesg", _DMESG, max_operands=0, reads_stdin=False),
    "journalctl": filter_rule("journalctl", _JOURNALCTL, reads_stdin=False),
    "ls": filter_rule("ls", _LS, reads_stdin=False),
    "stat": filter_rule("stat", _STAT, reads_stdin=False),
    "file": filter_rule("file", _FILE, reads_stdin=False),
    "find": _find,
    "ps": _anything,
    "pgrep": _anything,
    "top": _top,
    "uptime": _anything,
    "uname": _anything,
    "id": _anything,
    "whoami": _no_operands("whoami"),
    "hostname": _hostname,
    "date": _date,
    "ss": filter_rule("ss", _SS, reads_stdin=False),
    "netstat": filter_rule("netstat", _NETSTAT, reads_stdin=False),
    "lsof": _lsof,
    "ip": _ip,
    "dig": _anything,
    "host": _anything,
    "nslookup": _nslookup,
    "getent": _anything,
    "ping": _ping,
    "ping6": _ping,
    "curl": _curl,
    "wget": _wget,
    "nc": _nc,
    "ncat": _nc,
    "netcat": _nc,
    "openssl": _openssl,
    "psql": _psql,
    "mysql": _mysql,
    "kubectl": _kubectl,
    "airflow": _airflow,
    "docker": _docker,
    "systemctl": _systemctl,
    "timedatectl": _timedatectl,
    "crontab": _crontab,
    "locale": _anything,
    "which": _anything,
    "type": _anything,
    "command": _command_builtin,
    "aws": _aws,
    "gcloud": _gcloud,
    "az": _az,
    "helm": _helm,
    "python": _version_only("python", ("--version", "-V"), _INTERPRETER),
    "python3": _version_only("python3", ("--version", "-V"), _INTERPRETER),
    "perl": _version_only("perl", ("--version", "-v"), _INTERPRETER),
    "ruby": _version_only("ruby", ("--version",), _INTERPRETER),
    "node": _version_only("node", ("--version", "-v"), _INTERPRETER),
    "java": _version_only("java", ("-version", "--version"), _INTERPRETER),
    "php": _version_only("php", ("--version", "-v"), _INTERPRETER),
    "go": _version_only("go", ("version",), "builds and runs programs"),
    "terraform": _version_only("terraform", ("version", "-version"), "changes infrastructure"),
    "pip": _pip,
    "pip3": _pip,
    "chage": _chage,
    "ldd": _version_only("ldd", ("--version",), "may run the program it inspects"),
    "pg_dump": _version_only("pg_dump", ("--version", "-V"), "writes dumps"),
    "pg_restore": _version_only("pg_restore", ("--version", "-V"), "writes to the database"),
    "bash": _version_only("bash", ("--version",), _SHELLS),
    # Refused with a specific reason, so the card says why rather than "unknown program".
    **{name: _refuse(f"{name} {_SHELLS}") for name in ("sh", "zsh", "dash", "ksh", "fish", "eval", "exec", "source", ".")},
    **{name: _refuse(f"{name} runs commands as another user") for name in ("sudo", "su", "doas", "pkexec", "runuser")},
    **{name: _refuse(f"{name} prints the environment, which holds secrets") for name in ("env", "printenv", "export", "set", "declare")},
    **{name: _refuse(f"{name} runs another command") for name in ("xargs", "timeout", "nice", "nohup", "setsid", "time",
                                                                   "strace", "nsenter", "chroot", "parallel", "busybox")},
    **{name: _refuse(f"{name} is interactive") for name in ("less", "more", "most", "vi", "vim", "nano", "view", "man",
                                                             "htop", "iotop", "iftop", "mtr", "emacs")},
    "watch": _refuse(f"watch {NEVER_ENDS}"),
    "tee": _refuse(f"tee {WRITES_FILE}"),
    "dd": _refuse("dd writes files and devices"),
}
