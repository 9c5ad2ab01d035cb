"""Rules for inspecting the host: journalctl, dmesg, systemctl, ps, df, date, crontab, version checks.
"""

from __future__ import annotations

from triage.engine.guard_rules.base import (
    MAX_REPEAT_SECONDS, NEVER_ENDS, WRITES_FILE, CommandContext, Rule, deny, filter_rule, name_set, no_check,
    no_operands, number, option_spec, runs_too_long, split_command_path, version_only,
)
from triage.engine.guard_rules.options import Refusal, parse_options

# --- System inspection -----------------------------------------------------------------

_JOURNALCTL = option_spec(
    "uptSUDMoiFgcT",
    ("unit", "user-unit", "identifier", "priority", "since", "until", "directory", "machine", "output",
     "file", "field", "grep", "cursor", "after-cursor", "namespace", "output-fields", "facility", "root",
     "image", "boot-id", "case-sensitive"),
    denied={
        "-f": f"journalctl -f {NEVER_ENDS}",
        **deny(NEVER_ENDS, "--follow"),
        **deny("deletes journal files", "--vacuum-size", "--vacuum-time", "--vacuum-files", "--rotate"),
        **deny("changes the journal", "--flush", "--sync", "--relinquish-var", "--smart-relinquish-var",
                "--setup-keys", "--update-catalog"),
        "--cursor-file": f"journalctl --cursor-file {WRITES_FILE}",
    },
)
_DMESG = option_spec(
    "flsFn",
    ("facility", "level", "buffer-size", "file", "console-level", "time-format"),
    denied={
        **deny("clears the kernel ring buffer", "-C", "--clear", "-c", "--read-clear"),
        **deny("changes console logging", "-D", "--console-off", "-E", "--console-on", "-n", "--console-level"),
        **deny(NEVER_ENDS, "-w", "--follow", "-W", "--follow-new"),
    },
)


def _date(args: list[str], context: CommandContext) -> None:
    spec = option_spec("dfr", ("date", "file", "reference", "rfc-3339"),
                 denied=deny("sets the system clock", "-s", "--set"))
    parsed = parse_options(args, spec)
    for operand in parsed.operands:
        if not operand.startswith("+"):
            raise Refusal(f"date {operand!r} would set the system clock")


def _hostname(args: list[str], context: CommandContext) -> None:
    spec = option_spec("", (), denied=deny("sets the hostname", "-F", "--file", "-b", "--boot"))
    parsed = parse_options(args, spec)
    if parsed.operands:
        raise Refusal(f"hostname {parsed.operands[0]!r} would set the hostname")


# free -c N prints N times, one second apart (-s, the interval, is refused: with no -c it
# repeats until interrupted). An allow-list, so that an abbreviation (--cou N) cannot hide a count.
_FREE = option_spec(
    "c", ("count",),
    allowed=("-b", "--bytes", "--kilo", "--mega", "--giga", "--tera", "--peta", "-k", "--kibi", "-m", "--mebi",
             "-g", "--gibi", "--tebi", "--pebi", "-h", "--human", "--si", "-l", "--lohi", "-L", "--line", "-t",
             "--total", "-v", "--committed", "-w", "--wide", "-c", "--count", "--help", "-V", "--version"),
    denied=deny("repeats until interrupted", "-s", "--seconds"),
    abbreviations=False,
)


def _free(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, _FREE)
    for count in parsed.values("-c", "--count"):
        n = number(count)
        if n is None or n != int(n) or n < 1:
            raise Refusal(f"free -c {count!r}: the count must be a whole number from 1")
        if n - 1 > MAX_REPEAT_SECONDS:
            raise runs_too_long("free", n - 1, f"-c {count} (one print a second)")


# top: only batch mode with a bounded number of iterations, -n N, whose run is (N - 1) x the
# delay (-d, 3 s by default). An allow-list of top's short and long options (procps-ng 4 has
# long ones, and getopt_long would read an abbreviation such as --iter), so that no spelling
# of -n or -d escapes the check. The last -n/-d wins in top; every one is checked.
_TOP_DEFAULT_DELAY = 3.0
_TOP_MAX_ITERATIONS = 60
_TOP = option_spec(
    "dEenopUu", ("delay", "scale-summary-mem", "scale-task-mem", "iterations", "sort-override", "pid",
                 "filter-any-user", "filter-only-euser"),
    allowed=("-b", "--batch-mode", "-c", "--cmdline-toggle", "-d", "--delay", "-E", "--scale-summary-mem",
             "-e", "--scale-task-mem", "-H", "--threads-show", "-i", "--idle-toggle", "-n", "--iterations",
             "-O", "--list-fields", "-o", "--sort-override", "-p", "--pid", "-S", "--accum-time-toggle",
             "-s", "--secure-mode", "-U", "--filter-any-user", "-u", "--filter-only-euser", "-w", "--width",
             "-1", "--single-cpu-toggle", "-h", "--help", "-V", "--version"),
    abbreviations=False,
)


def _top(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, _TOP)
    iterations = parsed.values("-n", "--iterations")
    if not parsed.has("-b", "--batch-mode") or not iterations:
        raise Refusal("top is interactive; only `top -b -n N` (batch, N iterations) is allowed")
    delays = parsed.values("-d", "--delay") or [str(_TOP_DEFAULT_DELAY)]
    for value in iterations:
        n = number(value)
        if n is None or n != int(n) or not 1 <= n <= _TOP_MAX_ITERATIONS:
            raise Refusal(f"top -n {value!r}: only 1 to {_TOP_MAX_ITERATIONS} iterations are allowed")
        for delay in delays:
            d = number(delay)
            if d is None:
                raise Refusal(f"top -d {delay!r}: the delay must be a plain number of seconds")
            if (n - 1) * d > MAX_REPEAT_SECONDS:
                raise runs_too_long("top", (n - 1) * d, f"-n {value} -d {delay}")




_LSOF = option_spec("", (), denied=deny("repeats until interrupted", "-r"))
def _lsof(args: list[str], context: CommandContext) -> None:
    if any(a.startswith(("+r", "-r")) for a in args):
        raise Refusal("lsof -r/+r repeats until interrupted")
    parse_options([a for a in args if not a.startswith("+")], _LSOF)


_FILE = option_spec("emfFP", ("exclude", "magic-file", "files-from", "separator", "parameter", "exclude-quiet"),
              denied=deny("compiles and writes a magic file", "-C", "--compile"))
_DF = option_spec("Btx", ("block-size", "type", "exclude-type"))
_DU = option_spec("BdtX", ("block-size", "max-depth", "threshold", "exclude", "exclude-from", "files0-from", "time-style"))
_LS = option_spec("ITw", ("ignore", "hide", "tabsize", "width", "format", "sort", "time", "time-style", "block-size",
                    "quoting-style", "indicator-style"))
_STAT = option_spec("c", ("format", "printf"))

def _systemctl(args: list[str], context: CommandContext) -> None:
    spec = option_spec("tpsHMnoP", ("type", "property", "signal", "host", "machine", "lines", "output", "state",
                              "root", "job-mode", "kill-whom", "what", "timestamp", "message", "image"),
                        denied={"--wait": "systemctl --wait waits for units to stop, or for boot to finish: "
                                          "it may never end"})
    parsed = parse_options(args, spec)
    verb = parsed.operands[0] if parsed.operands else "list-units"
    if verb not in _SYSTEMCTL_READ:
        raise Refusal(f"systemctl {verb} is not read-only (allowed: {', '.join(sorted(_SYSTEMCTL_READ))})")


_SYSTEMCTL_READ = name_set("status", "show", "list-units", "list-timers", "list-unit-files", "list-sockets",
                      "list-dependencies", "list-jobs", "is-active", "is-failed", "is-enabled",
                      "is-system-running", "cat", "get-default", "list-machines")


def _timedatectl(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, option_spec("HM", ("host", "machine")))
    verb = parsed.operands[0] if parsed.operands else "status"
    if verb not in ("status", "show", "list-timezones", "timesync-status", "show-timesync"):
        raise Refusal(f"timedatectl {verb} is not read-only")


def _crontab(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, option_spec("u", (), allowed=("-l", "-u")))
    if not parsed.has("-l") or parsed.operands:
        raise Refusal("only `crontab -l` is read-only (a file operand installs a new crontab)")


def _command_builtin(args: list[str], context: CommandContext) -> None:
    if not args or args[0] not in ("-v", "-V"):
        raise Refusal("`command` runs its argument; only `command -v NAME` is allowed")



# pip's general options (before the command). One that takes a value would take the next word,
# so an unknown option there could hide the real command: `pip --cert list install x` installs.
_PIP_GLOBAL_VALUES = name_set("--python", "--proxy", "--retries", "--timeout", "--exists-action", "--trusted-host",
                              "--cert", "--client-cert", "--cache-dir", "--use-feature", "--use-deprecated",
                              "--keyring-provider", "--resume-retries")
_PIP_GLOBAL_BOOLS = name_set("-v", "--verbose", "-q", "--quiet", "--isolated", "--require-virtualenv",
                             "--no-cache-dir", "--disable-pip-version-check", "--no-color", "--no-input",
                             "--no-python-version-warning", "--debug")


def _pip(args: list[str], context: CommandContext) -> None:
    if args in (["--version"], ["-V"]):
        return
    spec = option_spec("", ("python", "path", "exclude", "format", "cache-dir", "proxy", "timeout"),
                 denied=deny(WRITES_FILE, "--log", "--log-file"))
    parse_options(args, spec)
    path, _ = split_command_path("pip", args, _PIP_GLOBAL_VALUES, _PIP_GLOBAL_BOOLS, 1)
    verb = path[0] if path else ""
    if verb not in ("show", "list", "freeze"):
        raise Refusal(f"pip {verb} is not read-only (only show, list, freeze, --version)")


def _chage(args: list[str], context: CommandContext) -> None:
    if len(args) != 2 or args[0] != "-l" or args[1].startswith("-"):
        raise Refusal("chage changes password ageing; only `chage -l USER` is allowed")



_INTERPRETER = "runs programs"

# pg_isready only opens a connection and reports whether the server accepts it.
_PG_ISREADY = option_spec("hpdUt", ("host", "port", "dbname", "username", "timeout"),
                          allowed=("-h", "--host", "-p", "--port", "-d", "--dbname", "-U", "--username",
                                   "-t", "--timeout", "-q", "--quiet", "-V", "--version"))
# dpkg installs and removes packages; only its queries are read-only.
_DPKG_QUERY = option_spec("", (), allowed=("-l", "--list", "-s", "--status", "-L", "--listfiles"))


def _dpkg(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, _DPKG_QUERY)
    if len(parsed.options) != 1:
        raise Refusal("dpkg: only one query (-l, -s or -L) is allowed")

# logrotate rotates, compresses and deletes logs; with -d (debug) it only reports what it would do
# and leaves the logs and its state file alone. --log writes a file and --mail sends mail: refused.
_LOGROTATE_DEBUG = option_spec("", (), allowed=("-d", "--debug", "-v", "--verbose", "-f", "--force"))


def _logrotate(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, _LOGROTATE_DEBUG)
    if not any(name in ("-d", "--debug") for name, _ in parsed.options):
        raise Refusal("logrotate rotates and deletes logs; only its dry run `logrotate -d CONFIG` is allowed")
    if not parsed.operands:
        raise Refusal("logrotate -d needs the configuration file to check")


# run-parts runs every script in a directory; --test and --list only print which ones it would run.
_RUN_PARTS = option_spec("", ("regex",), allowed=("--test", "--list", "--regex", "--lsbsysinit", "-v", "--verbose"))


def _run_parts(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, _RUN_PARTS)
    if not any(name in ("--test", "--list") for name, _ in parsed.options):
        raise Refusal("run-parts runs every script in the directory; only `run-parts --test DIR` (or --list) is allowed")
    if len(parsed.operands) != 1:
        raise Refusal("run-parts --test takes exactly one directory")


# restic: listing a repository is read-only only with --no-lock (otherwise restic writes a lock file into the
# repository); --password-command and -o are not allowed (the first runs a command, the second can redirect).
_RESTIC = option_spec("r", ("repo", "repository-file", "password-file", "cache-dir", "cacert", "tls-client-cert"),
                      allowed=("-r", "--repo", "--repository-file", "--password-file", "--cache-dir", "--cacert",
                               "--tls-client-cert", "--no-lock", "--no-cache", "--json", "-q", "--quiet", "-v", "--verbose"))
_RESTIC_READS = {("snapshots",), ("list", "locks"), ("list", "snapshots"), ("list", "keys"), ("list", "index"),
                 ("cat", "config")}


def _restic(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, _RESTIC)
    words = tuple(parsed.operands)
    if words == ("version",):
        return
    if words[:2] not in _RESTIC_READS and words[:1] not in _RESTIC_READS:
        raise Refusal("restic backs up, prunes and unlocks; only `restic snapshots`, `restic list locks|snapshots|keys|index` "
                      "and `restic cat config` (with --no-lock) are allowed")
    if not any(name == "--no-lock" for name, _ in parsed.options):
        raise Refusal("restic writes a lock file into the repository; add --no-lock to read it without changing it")


RULES: dict[str, Rule] = {
    "run-parts": _run_parts,
    "restic": _restic,
    "df": filter_rule("df", _DF, reads_stdin=False),
    "du": filter_rule("du", _DU, reads_stdin=False),
    "free": _free,
    "dmesg": filter_rule("dmesg", _DMESG, max_operands=0, reads_stdin=False),
    "journalctl": filter_rule("journalctl", _JOURNALCTL, reads_stdin=False),
    "ls": filter_rule("ls", _LS, reads_stdin=False),
    "stat": filter_rule("stat", _STAT, reads_stdin=False),
    "file": filter_rule("file", _FILE, reads_stdin=False),
    "lsof": _lsof,
    "ps": no_check,
    "pgrep": no_check,
    "top": _top,
    "uptime": no_check,
    "uname": no_check,
    "id": no_check,
    "whoami": no_operands("whoami"),
    "hostname": _hostname,
    "date": _date,
    "systemctl": _systemctl,
    "timedatectl": _timedatectl,
    "crontab": _crontab,
    "locale": no_check,
    "which": no_check,
    "type": no_check,
    "command": _command_builtin,
    "pip": _pip,
    "pip3": _pip,
    "chage": _chage,
    "python": version_only("python", ("--version", "-V"), _INTERPRETER),
    "python3": version_only("python3", ("--version", "-V"), _INTERPRETER),
    "perl": version_only("perl", ("--version", "-v"), _INTERPRETER),
    "ruby": version_only("ruby", ("--version",), _INTERPRETER),
    "node": version_only("node", ("--version", "-v"), _INTERPRETER),
    "java": version_only("java", ("-version", "--version"), _INTERPRETER),
    # -m lists the compiled-in and loaded modules (what a "Call to undefined function" needs); -i is refused: it
    # prints the environment.
    "php": version_only("php", ("--version", "-v", "-m"), _INTERPRETER),
    "go": version_only("go", ("version",), "builds and runs programs"),
    "terraform": version_only("terraform", ("version", "-version"), "changes infrastructure"),
    "ldd": version_only("ldd", ("--version",), "may run the program it inspects"),
    "pg_dump": version_only("pg_dump", ("--version", "-V"), "writes dumps"),
    "pg_restore": version_only("pg_restore", ("--version", "-V"), "writes to the database"),
    "bash": version_only("bash", ("--version",), "runs shell code"),
    "gpg": version_only("gpg", ("--version",), "signs, encrypts and changes keyrings"),
    "duplicity": version_only("duplicity", ("--version",), "backs up and restores files"),
    "rsync": version_only("rsync", ("--version",), "copies and deletes files"),
    "mysqldump": version_only("mysqldump", ("--version", "-V"), "writes dumps"),
    "pg_isready": no_operands("pg_isready", _PG_ISREADY),
    "dpkg": _dpkg,
    "logrotate": _logrotate,
}
