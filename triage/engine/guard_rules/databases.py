"""Rules for database clients: one read-only statement through psql -c or mysql -e.

The SQL itself is judged by guard_rules/sql.py.
"""

from __future__ import annotations

import re

from triage.engine.guard_rules.base import WRITES_FILE, CommandContext, Rule, deny, name_set, option_spec
from triage.engine.guard_rules.options import Refusal, parse_options
from triage.engine.guard_rules.sql import check_mysql_sql, check_postgres_sql

_PSET_NAMES = name_set("pager", "format", "border", "footer", "tuples_only", "null", "expanded", "fieldsep",
                  "recordsep", "columns", "linestyle", "unicode_border_linestyle", "title")


def _pset(value: str) -> str | None:
    return None if value.split("=", 1)[0] in _PSET_NAMES else "is not a display setting"


_PSQL = option_spec(
    "hpUdcvPFRT",
    ("host", "port", "username", "dbname", "command", "set", "variable", "pset", "field-separator",
     "record-separator", "table-attr"),
    allowed=("-h", "--host", "-p", "--port", "-U", "--username", "-d", "--dbname", "-c", "--command", "-v",
             "--set", "--variable", "-P", "--pset", "-F", "--field-separator", "-R", "--record-separator", "-T",
             "--table-attr", "-X", "--no-psqlrc", "-A", "--no-align", "-t", "--tuples-only", "-q", "--quiet",
             "-x", "--expanded", "-w", "--no-password", "-W", "--password", "--csv", "-H", "--html", "-l",
             "--list", "-E", "--echo-hidden", "-e", "--echo-queries", "-a", "--echo-all", "-b", "--echo-errors",
             "-n", "--no-readline", "-0", "-z", "-V", "--version", "-1", "--single-transaction"),
    denied={**deny("runs SQL from a file the guard cannot see", "-f", "--file"),
            **deny(WRITES_FILE, "-o", "--output", "-L", "--log-file"),
            **deny("is interactive", "-s", "--single-step")},
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
    spec = option_spec(
        "hPuDeS",
        ("host", "port", "user", "database", "execute", "socket", "protocol", "ssl-ca", "ssl-cert", "ssl-key",
         "ssl-mode", "connect-timeout", "default-character-set", "login-path"),
        allowed=("-h", "--host", "-P", "--port", "-u", "--user", "-D", "--database", "-e", "--execute", "-S",
                 "--socket", "--protocol", "--ssl-ca", "--ssl-cert", "--ssl-key", "--ssl-mode", "--connect-timeout",
                 "--default-character-set", "--login-path", "--password", "-N", "--skip-column-names", "-B",
                 "--batch", "-s", "--silent", "-t", "--table", "-E", "--vertical", "-r", "--raw", "-A",
                 "--no-auto-rehash", "-v", "--verbose", "-V", "--version", "-C", "--compress", "--ssl"),
        denied={**deny(WRITES_FILE, "--tee"), **deny("runs a pager program", "--pager"),
                **deny("runs extra SQL", "--init-command"),
                **deny("reads options from a file the guard cannot see", "--defaults-file", "--defaults-extra-file"),
                **deny("lets the server read client files", "--local-infile")},
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



RULES: dict[str, Rule] = {"psql": _psql, "mysql": _mysql}
