"""Rules for network clients: name lookups, sockets, ping, curl, wget, nc and openssl.

Clients that can send data use allow-lists: only GET/HEAD over http(s), no request body,
no file output, no terminal input forwarded to a server.
"""

from __future__ import annotations

import re

from triage.engine.guard_rules.base import (
    MAX_REPEAT_SECONDS, NEVER_ENDS, WRITES_FILE, CommandContext, Rule, deny, filter_rule, name_set, needs_input,
    no_check, number, option_spec, runs_too_long,
)
from triage.engine.guard_rules.options import Refusal, parse_options

_PING = option_spec("cIiswWltpQMmSTFNe", (), denied={"-f": "ping -f floods the network"})
_PING_MIN_INTERVAL = 0.2  # below this only root may go, and it is a flood like -f
_PING_DEFAULT_INTERVAL = 1.0
_PING_DEFAULT_LINGER = 10.0  # -W: how long ping waits after the last probe when nothing answered


def _ping(args: list[str], context: CommandContext) -> None:
    """ping -c N sends N probes -i seconds apart, then waits up to -W seconds for an answer
    (10 by default) when none came; -w ends it after that many seconds whatever happens.
    The worst case of every -c/-i/-W/-w given must end within MAX_REPEAT_SECONDS."""
    parsed = parse_options(args, _PING)
    counts = parsed.values("-c")
    if not counts or not all(c.isdigit() and 0 < int(c) <= 100 for c in counts):
        raise Refusal(f"{'ping'} needs -c N (1-100) or it never ends")

    def seconds(option: str, default: float) -> float:
        values = parsed.values(option)
        parsed_values = [number(v) for v in values]
        if any(v is None for v in parsed_values):
            raise Refusal(f"ping {option} {values[parsed_values.index(None)]!r} is not a plain number of seconds")
        return max([v for v in parsed_values if v is not None], default=default)

    interval = seconds("-i", _PING_DEFAULT_INTERVAL)
    if interval < _PING_MIN_INTERVAL:
        raise Refusal(f"ping -i below {_PING_MIN_INTERVAL} s floods the network, like ping -f")
    linger = seconds("-W", _PING_DEFAULT_LINGER)
    deadline = seconds("-w", 0.0) if parsed.values("-w") else None
    if deadline is not None:
        if deadline > MAX_REPEAT_SECONDS:
            raise runs_too_long("ping", deadline, f"-w {deadline:g} (when nothing answers)")
        return
    worst = (max(int(c) for c in counts) - 1) * interval + linger
    if worst > MAX_REPEAT_SECONDS:
        raise runs_too_long("ping", worst, "with that count, interval (-i) and wait (-W) when nothing answers")


def _nslookup(args: list[str], context: CommandContext) -> None:
    operands = [a for a in args if not a.startswith("-")]
    if not operands:
        raise Refusal("nslookup without a name starts an interactive session")


def _getent(args: list[str], context: CommandContext) -> None:
    for database in ("shadow", "gshadow"):
        if database in args:
            raise Refusal(f"getent {database} prints password hashes, like reading /etc/{database}")


_SS = option_spec("FADfN", ("filter", "query", "socket", "family", "diag", "net"),
            denied={**deny("kills sockets", "-K", "--kill"), **deny(WRITES_FILE, "-D", "--diag"),
                    **deny(NEVER_ENDS, "-E", "--events")})
_NETSTAT = option_spec("", (), denied=deny("repeats until interrupted", "-c", "--continuous"))

_IP_OBJECTS = {
    "a": "address", "addr": "address", "address": "address", "l": "link", "link": "link",
    "r": "route", "ro": "route", "route": "route", "n": "neigh", "neigh": "neigh",
    "neighbor": "neigh", "neighbour": "neigh", "rule": "rule", "netns": "netns",
}
_IP_VERBS = {"show", "sh", "list", "lst", "ls"}
# ip's own option parser (iproute2 ip/ip.c): `--x` is read as `-x`, and an option is any prefix
# of a full name, tried in this order, the first match winning (so `-b`, `-ba`, ..., `--batch`
# are all -batch, `-br` is -brief). -batch FILE runs the ip commands in FILE (`link set ...
# down` as well as `show`), so every spelling of it is refused; -force only matters with it.
_IP_OPTIONS: tuple[tuple[str, str], ...] = (
    ("-loops", "value"), ("-family", "value"), ("-human", "flag"), ("-human-readable", "flag"), ("-iec", "flag"),
    ("-stats", "flag"), ("-statistics", "flag"), ("-details", "flag"), ("-resolve", "flag"), ("-oneline", "flag"),
    ("-timestamp", "flag"), ("-tshort", "flag"), ("-Version", "flag"), ("-force", "batch"), ("-batch", "batch"),
    ("-brief", "flag"), ("-json", "flag"), ("-pretty", "flag"), ("-rcvbuf", "value"), ("-help", "flag"),
    ("-netns", "value"), ("-Numeric", "flag"), ("-all", "flag"),
)
_IP_EXACT = frozenset({"-4", "-6", "-0", "-I", "-D", "-M", "-B"})
_IP_COLOR = re.compile(r"^-c(?:o(?:l(?:o(?:r)?)?)?)?(?:=(?:always|auto|never))?$")


def _ip_option(option: str) -> tuple[str, str]:
    """The option ip will act on and its kind ("flag", "value" or "batch")."""
    name = option[1:] if option.startswith("--") else option
    if name in _IP_EXACT:
        return name, "flag"
    if len(name) < 2:
        raise Refusal(f"ip option {option!r} is not understood")
    # Whatever the order in a given iproute2 version, a prefix of -batch can only mean -batch
    # or something harmless: refused either way. (-f alone is -family, which comes first.)
    if "-batch".startswith(name) or (len(name) > 2 and "-force".startswith(name)):
        raise Refusal(f"ip {option}: ip -batch runs the ip commands in a file (they can change links and routes), "
                      "and -force only serves it")
    if _IP_COLOR.match(name):
        return "-color", "flag"
    for full, kind in _IP_OPTIONS:
        if full.startswith(name):
            return full, kind
    raise Refusal(f"ip option {option!r} is not understood")


def _ip(args: list[str], context: CommandContext) -> None:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        if args[i] == "--":
            i += 1
            break
        _, kind = _ip_option(args[i])
        i += 2 if kind == "value" else 1
    if i >= len(args):
        raise Refusal("ip without an object")
    obj = _IP_OBJECTS.get(args[i])
    if obj is None:
        raise Refusal(f"ip {args[i]} is not a read-only ip object here")
    verb = args[i + 1] if i + 1 < len(args) else "show"
    allowed = _IP_VERBS | ({"get"} if obj == "route" else set())
    if verb not in allowed or (obj == "netns" and verb not in ("list", "ls", "show")):
        raise Refusal(f"ip {args[i]} {verb} is not read-only (only show/list)")



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
_CURL = option_spec(
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
        **deny("sends a request body", "-d", "--data", "--data-raw", "--data-binary", "--data-urlencode",
                "--data-ascii", "--json", "-F", "--form", "--form-string"),
        **deny("uploads a file", "-T", "--upload-file"),
        **deny(WRITES_FILE, "-O", "--remote-name", "--remote-name-all", "-J", "--remote-header-name",
                "-c", "--cookie-jar", "--trace", "--trace-ascii", "--libcurl", "--stderr", "--hsts",
                "--alt-svc", "--etag-save", "--create-dirs", "--output-dir"),
        **deny("reads options from a file the guard cannot see", "-K", "--config"),
        **deny("sends FTP commands", "-Q", "--quote"),
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
    spec = option_spec(
        "OTtUe",
        ("output-document", "timeout", "tries", "header", "user-agent", "max-redirect", "connect-timeout",
         "read-timeout", "dns-timeout", "ca-certificate"),
        allowed=("--spider", "-q", "--quiet", "-O", "--output-document", "-S", "--server-response", "-T",
                 "--timeout", "-t", "--tries", "--no-check-certificate", "--header", "-U", "--user-agent",
                 "-4", "-6", "--max-redirect", "-nv", "--no-verbose", "--connect-timeout", "--read-timeout",
                 "--dns-timeout", "--ca-certificate", "-v", "--verbose"),
        denied={**deny("writes a log file", "-o", "--output-file", "-a", "--append-output"),
                **deny("sends a request body", "--post-data", "--post-file", "--body-data", "--body-file", "--method"),
                **deny("downloads recursively into files", "-r", "--recursive", "-m", "--mirror", "-P"),
                **deny("runs wgetrc commands", "-e", "--execute"), **deny("reads URLs from a file", "-i")},
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
    spec = option_spec("wsp", ("wait",), allowed=("-z", "-v", "-vv", "-w", "-u", "-4", "-6", "-n", "-s", "-p"),
                 denied={**deny("runs a program", "-e", "-c", "--exec", "--sh-exec", "--lua-exec"),
                         **deny("listens for connections", "-l", "--listen", "-k")}, abbreviations=False)
    parsed = parse_options(args, spec)
    if not parsed.has("-z"):
        raise Refusal("nc without -z sends terminal input to the service; only `nc -z HOST PORT` is allowed")


_OPENSSL_S_CLIENT_VALUES = name_set("-connect", "-servername", "-CAfile", "-CApath", "-verify", "-alpn", "-starttls",
                               "-cert", "-key", "-proxy", "-host", "-port", "-name", "-verify_hostname",
                               "-cipher", "-ciphersuites")
_OPENSSL_S_CLIENT_FLAGS = name_set("-showcerts", "-brief", "-verify_return_error", "-tls1_2", "-tls1_3", "-status",
                              "-prexit", "-msg", "-state", "-no_ticket", "-servername_none", "-noservername",
                              "-4", "-6", "-crlf")
_OPENSSL_X509_VALUES = name_set("-in", "-inform", "-ext", "-nameopt", "-checkend", "-certopt")
_OPENSSL_X509_FLAGS = name_set("-noout", "-text", "-dates", "-enddate", "-startdate", "-subject", "-issuer",
                          "-serial", "-fingerprint", "-sha256", "-sha1", "-md5", "-purpose", "-pubkey", "-email",
                          "-ocsp_uri", "-modulus", "-subject_hash", "-issuer_hash", "-hash", "-alias", "-ocspid")
_OPENSSL_VERIFY_VALUES = name_set("-CAfile", "-CApath", "-untrusted", "-purpose", "-verify_hostname", "-attime")
_OPENSSL_VERIFY_FLAGS = name_set("-verbose", "-show_chain", "-x509_strict", "-no-CAfile", "-no-CApath")
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
        _single_dash("openssl version", rest, name_set(), name_set("-a", "-v", "-b", "-o", "-f", "-p", "-d"))
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
            needs_input("openssl x509", [], context)
    elif sub == "verify":
        _single_dash("openssl verify", rest, _OPENSSL_VERIFY_VALUES, _OPENSSL_VERIFY_FLAGS)
    elif sub == "ciphers":
        _single_dash("openssl ciphers", rest, name_set(), name_set("-v", "-V", "-s", "-tls1_2", "-tls1_3"))
    else:
        raise Refusal(f"openssl {sub} is not a read-only openssl subcommand here")



RULES: dict[str, Rule] = {
    "ss": filter_rule("ss", _SS, reads_stdin=False),
    "netstat": filter_rule("netstat", _NETSTAT, reads_stdin=False),
    "ip": _ip,
    "dig": no_check,
    "host": no_check,
    "nslookup": _nslookup,
    "getent": _getent,
    "ping": _ping,
    "ping6": _ping,
    "curl": _curl,
    "wget": _wget,
    "nc": _nc,
    "ncat": _nc,
    "netcat": _nc,
    "openssl": _openssl,
}
