"""Is one SQL statement provably read-only? Used by the guard for `psql -c` and `mysql -e`.

PostgreSQL text is parsed with pglast (libpg_query: the server's own parser), so the guard
sees the statement the server will run. MySQL text is parsed with sqlglot's MySQL dialect.

Allowed: exactly one SELECT (also VALUES/TABLE), SHOW, EXPLAIN without ANALYZE of a SELECT,
and in PostgreSQL `COPY (SELECT ...) TO STDOUT`. Refused: more than one statement, any
data-modifying or DDL statement anywhere in the tree (also inside a WITH), SELECT ... INTO,
SELECT ... FOR UPDATE/SHARE (takes locks), and every function not on the read-only list
below (default deny: nextval, set_config, pg_terminate_backend, lo_export, dblink,
query_to_xml and user-defined functions can all write or run other SQL).

Limit: a view or an operator may itself call a volatile function; the guard reads the
statement, not the catalogue. Run confirmation queries as a read-only role where you can.
"""

from __future__ import annotations

import re

import pglast
import sqlglot
from pglast import ast as pg
from pglast.visitors import Visitor
from sqlglot import exp

from triage.engine.guard_rules.options import Refusal

# Read-only PostgreSQL functions (pg_catalog). Anything else is refused by name.
PG_READ_ONLY_FUNCTIONS = frozenset(
    """
    count sum avg min max array_agg string_agg bool_and bool_or every json_agg jsonb_agg
    json_object_agg jsonb_object_agg percentile_cont percentile_disc mode stddev stddev_pop
    stddev_samp variance var_pop var_samp corr
    row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
    now clock_timestamp statement_timestamp transaction_timestamp timeofday date_trunc date_part
    extract age to_char to_timestamp to_date to_number make_date make_time make_timestamp
    make_timestamptz make_interval justify_interval justify_days justify_hours isfinite date_bin
    timezone
    length char_length octet_length lower upper initcap substring substr left right trim btrim
    ltrim rtrim replace split_part concat concat_ws format position strpos regexp_replace
    regexp_match regexp_matches regexp_split_to_array regexp_split_to_table starts_with lpad rpad
    repeat reverse md5 encode decode quote_ident quote_literal quote_nullable string_to_array
    array_to_string translate ascii chr to_hex
    round ceil ceiling floor abs trunc sign mod div sqrt power exp ln log log10 greatest least
    random width_bucket
    nullif coalesce generate_series unnest array_length array_position array_positions cardinality
    array_lower array_upper array_dims array_remove array_append array_cat
    to_json to_jsonb json_build_object jsonb_build_object json_build_array jsonb_build_array
    json_extract_path json_extract_path_text jsonb_extract_path jsonb_extract_path_text
    json_array_length jsonb_array_length json_each jsonb_each json_each_text jsonb_each_text
    json_object_keys jsonb_object_keys json_array_elements jsonb_array_elements
    json_array_elements_text jsonb_array_elements_text jsonb_pretty json_typeof jsonb_typeof
    row_to_json jsonb_path_query jsonb_path_exists
    pg_size_pretty pg_size_bytes pg_database_size pg_relation_size pg_total_relation_size
    pg_table_size pg_indexes_size pg_column_size pg_postmaster_start_time pg_conf_load_time
    pg_is_in_recovery pg_last_wal_receive_lsn pg_last_wal_replay_lsn pg_current_wal_lsn
    pg_wal_lsn_diff pg_last_xact_replay_timestamp pg_blocking_pids pg_backend_pid
    pg_is_wal_replay_paused pg_get_wal_replay_pause_state
    pg_get_viewdef pg_get_indexdef pg_get_constraintdef pg_get_triggerdef pg_get_functiondef
    pg_get_userbyid pg_get_expr pg_get_serial_sequence pg_typeof format_type obj_description
    col_description shobj_description pg_table_is_visible pg_relation_filenode
    has_table_privilege has_schema_privilege has_database_privilege has_column_privilege
    has_function_privilege has_sequence_privilege pg_has_role to_regclass to_regtype
    to_regproc to_regnamespace
    current_setting current_database current_schema current_schemas version inet_server_addr
    inet_server_port inet_client_addr inet_client_port pg_stat_get_activity pg_stat_statements
    pg_xact_commit_timestamp pg_snapshot_xmin txid_snapshot_xmin pg_current_snapshot
    pg_stat_get_backend_pid pg_stat_get_numscans pg_stat_get_live_tuples pg_stat_get_dead_tuples
    pg_lock_status pg_replication_slots pg_stat_get_wal_senders pg_partition_tree
    pg_partition_root
    """.split()
)

# MySQL functions that only compute. Anything else (sleep, benchmark, get_lock, load_file,
# user-defined functions) is refused by name.
MYSQL_READ_ONLY_FUNCTIONS = frozenset(
    """
    COUNT SUM AVG MIN MAX GROUP_CONCAT STD STDDEV VARIANCE BIT_AND BIT_OR
    NOW CURRENT_TIMESTAMP CURRENTTIMESTAMP CURDATE CURRENT_DATE CURRENTDATE CURTIME UTC_TIMESTAMP
    DATE DATE_SUB DATESUB DATE_ADD DATEADD DATEDIFF TIMESTAMPDIFF TIMESTAMP_DIFF TIMEDIFF
    UNIX_TIMESTAMP FROM_UNIXTIME DATE_FORMAT TIME_FORMAT STR_TO_DATE STRTODATE TIMESTRTOTIME
    HOUR MINUTE SECOND DAY DAYOFWEEK MONTH YEAR WEEK SEC_TO_TIME TIME_TO_SEC
    IFNULL COALESCE IF NULLIF GREATEST LEAST CASE CAST TRY_CAST CONVERT
    CONCAT CONCAT_WS SUBSTRING SUBSTR LEFT RIGHT LENGTH CHAR_LENGTH LOWER UPPER TRIM REPLACE
    LOCATE INSTR LPAD RPAD FORMAT MD5 HEX
    ROUND FLOOR CEIL CEILING ABS MOD
    VERSION DATABASE SCHEMA USER CURRENT_USER CONNECTION_ID
    JSON_EXTRACT JSONEXTRACT JSON_UNQUOTE JSON_LENGTH JSON_KEYS
    ROW_NUMBER RANK DENSE_RANK LAG LEAD
    """.split()
)

_PG_TOP_LEVEL = (pg.SelectStmt, pg.VariableShowStmt, pg.ExplainStmt, pg.CopyStmt)


class _PgWalker(Visitor):
    def visit(self, ancestors, node):  # noqa: ANN001 - pglast's visitor signature
        if isinstance(node, pg.FuncCall):
            names = [part.sval for part in node.funcname]
            if len(names) == 2 and names[0] == "pg_catalog":
                names = names[1:]
            name = ".".join(names)
            if len(names) != 1 or name not in PG_READ_ONLY_FUNCTIONS:
                raise Refusal(f"SQL function {name}() is not on the read-only list")
        elif isinstance(node, pg.SelectStmt):
            if node.intoClause is not None:
                raise Refusal("SELECT ... INTO creates a table")
            if node.lockingClause:
                raise Refusal("SELECT ... FOR UPDATE/SHARE takes row locks")
        elif isinstance(node, pg.Node) and type(node).__name__.endswith("Stmt") and not isinstance(
            node, (pg.SelectStmt, pg.RawStmt)
        ):
            raise Refusal(f"SQL statement {type(node).__name__} is not read-only")


def check_postgres_sql(sql: str) -> None:
    """Refuse unless `sql` is one read-only PostgreSQL statement."""
    try:
        statements = pglast.parse_sql(sql)
    except pglast.parser.ParseError as exc:
        raise Refusal(f"SQL does not parse: {exc}") from None
    if len(statements) != 1:
        raise Refusal(f"SQL has {len(statements)} statements; only one is allowed")
    statement = statements[0].stmt
    if not isinstance(statement, _PG_TOP_LEVEL):
        raise Refusal(f"SQL statement {type(statement).__name__} is not read-only")
    if isinstance(statement, pg.ExplainStmt):
        for option in statement.options or ():
            if option.defname == "analyze" and _defelem_true(option):
                raise Refusal("EXPLAIN ANALYZE executes the statement")
        if not isinstance(statement.query, pg.SelectStmt):
            raise Refusal("EXPLAIN is allowed only for SELECT")
        statement = statement.query
    if isinstance(statement, pg.CopyStmt):
        if statement.is_from or statement.filename is not None or statement.is_program:
            raise Refusal("COPY is allowed only as COPY ... TO STDOUT")
        if statement.query is None:
            return  # COPY table TO STDOUT
        statement = statement.query
    if isinstance(statement, pg.VariableShowStmt):
        return
    _PgWalker()(statement)


def _defelem_true(option: pg.DefElem) -> bool:
    arg = option.arg
    if arg is None:
        return True
    value = getattr(arg, "sval", None) or getattr(arg, "boolval", None) or getattr(arg, "ival", None)
    return str(value).lower() not in ("false", "off", "0", "none")


_MYSQL_START = re.compile(r"^\s*(select|show|describe|desc|explain|with|\()", re.IGNORECASE)
_MYSQL_EXPLAIN_ANALYZE = re.compile(r"^\s*(explain|describe|desc)\s+analyze\b", re.IGNORECASE)
_MYSQL_WRITES = tuple(
    getattr(exp, name)
    for name in ("Insert", "Update", "Delete", "Drop", "Create", "Alter", "Command", "Lock", "Into",
                 "Set", "Merge", "TruncateTable", "LoadData", "Use", "Transaction", "Commit")
    if hasattr(exp, name)
)


def check_mysql_sql(sql: str) -> None:
    """Refuse unless `sql` is one read-only MySQL statement for `mysql -e`."""
    text = sql.strip()
    if text.endswith("\\G"):  # vertical output terminator, common and harmless
        text = text[:-2]
    text = text.rstrip().rstrip(";")
    # The mysql client runs `\! cmd`, `system`, `source`, `tee`, `pager` itself, and the server
    # EXECUTES /*! ... */ comments: refuse backslashes and comments outright.
    for marker in ("\\", "/*", "--", "#", ";"):
        if marker in text:
            raise Refusal(f"mysql text contains {marker!r} (client commands, comments or a second statement)")
    if not _MYSQL_START.match(text):
        raise Refusal("mysql -e must be a SELECT, SHOW, DESCRIBE or EXPLAIN")
    if re.search(r"\binto\s+(outfile|dumpfile)\b", text, re.IGNORECASE):
        raise Refusal("SELECT ... INTO OUTFILE writes a file on the server")
    if _MYSQL_EXPLAIN_ANALYZE.match(text):
        raise Refusal("EXPLAIN ANALYZE executes the statement")
    try:
        statements = [s for s in sqlglot.parse(text, read="mysql") if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise Refusal(f"SQL does not parse: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise Refusal(f"SQL has {len(statements)} statements; only one is allowed")
    root = statements[0]
    if not isinstance(root, (exp.Select, exp.Union, exp.Show, exp.Describe, exp.Subquery)):
        raise Refusal(f"SQL statement {type(root).__name__} is not read-only")
    for node in root.walk():
        if isinstance(node, _MYSQL_WRITES):
            raise Refusal(f"SQL {type(node).__name__} is not read-only")
        if isinstance(node, exp.Func) and not isinstance(node, (exp.Binary, exp.Unary, exp.Connector)):
            if isinstance(node, exp.Anonymous):
                name = str(node.name).upper()
            else:
                name = (type(node).sql_names()[0] if type(node).sql_names() else node.key).upper()
            if name not in MYSQL_READ_ONLY_FUNCTIONS:
                raise Refusal(f"SQL function {name}() is not on the read-only list")
