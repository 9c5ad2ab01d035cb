"""Database signatures: PostgreSQL, MySQL, SQL Server, Oracle, SQLite, Snowflake, Redis, MongoDB and
Elasticsearch client and server errors, and the client-side connection pool."""

from __future__ import annotations

import re

from triage.engine.signatures import checks as C
from triage.engine.signatures.network import TRANSPORT_SYMPTOM
from triage.engine.signatures.airflow import metadata_db_context
from triage.engine.signatures.logview import LogView
from triage.engine.signatures.model import Hit
from triage.engine.signatures.model import Signature as S
from triage.models import Category as K

_PG_PING = ("psql -h {db_host} -p {db_port} -c 'SELECT 1'", "psql -h {db_host} -c 'SELECT 1'")


_NOT_POSTGRES = re.compile(r"mysql|mariadb|pymysql|sqlite|ORA-\d{5}|\boracle\b|sql ?server|SqlClient|pyodbc|\bmssql\b|mongo|redis|elasticsearch|"
                           r"snowflake|bigquery|athena|trino|presto",
                           re.IGNORECASE)


def _flavour(hit: Hit, view: LogView) -> Hit:
    """psql checks only for PostgreSQL: another database gets the job's own state instead."""
    text = "\n".join(view.lines[: view.n_log]) if len(view.lines) < 5000 else "\n".join(hit.lines)
    if _NOT_POSTGRES.search(text) and not re.search(r"psycopg|postgres|\bpq:|PSQLException|libpq", text, re.IGNORECASE):
        commands = hit.commands or hit.signature.commands
        hit.commands = tuple(c for c in commands if not c.startswith(("psql ", "pg_dump "))) + C.WHERE_IT_RAN
    return hit


# mysqldump losing the server in the middle of a table: the server's net_write_timeout (or
# max_allowed_packet) cut a long, slow stream; the server itself was up.
_MYSQLDUMP_MID_TABLE = re.compile(r"Lost connection to MySQL server during query when dumping table", re.IGNORECASE)


def _flavour_or_metadata(hit: Hit, view: LogView) -> Hit:
    if any(_MYSQLDUMP_MID_TABLE.search(line) for line in hit.lines):
        hit.category = K.timeout_deadline
        hit.confidence = 0.6
        hit.causes = ("mysqldump lost the server in the middle of dumping a table: on a large table the server's "
                      "net_write_timeout / net_read_timeout (or max_allowed_packet) usually cuts the slow stream; "
                      "a server restart would do the same",)
        hit.commands = ("mysql -e \"SHOW VARIABLES LIKE 'net_%timeout'\"",) + C.CRONTAB + C.POD
        hit.reason = "Shows the server's network timeouts, to compare with how long the dump runs"
        return hit
    return _metadata_db(_flavour(hit, view), view)


_MYSQL_DENIAL = re.compile(r"command denied to user '|Access denied; you need \(at least one of\)|\b1044\b.{0,20}Access denied for user")


def _privilege(hit: Hit, view: LogView) -> Hit:
    """A Snowflake role the user was never granted is the user's grants, not one statement's privilege."""
    if re.search(r"Requested role '[^']+' is not assigned", view.lines[hit.index]):
        hit.causes = ("The job asks Snowflake for role {priv}, which is not granted to its user: the role must be granted to "
                      "the user, or the connection must name a role the user has",)
    if _MYSQL_DENIAL.search("\n".join(hit.lines)):
        # MySQL/MariaDB: the user's own grants say what it may do (SHOW GRANTS needs no privilege for oneself).
        hit.commands = ("mysql -u {db_user} -e 'SHOW GRANTS'", "mysql -e 'SHOW GRANTS'") + C.CRONTAB + C.POD
        hit.reason = "Lists the privileges the job's MySQL user holds (run with the job's credentials)"
        return hit
    return _flavour(hit, view)


def _load_rejected(hit: Hit, view: LogView) -> Hit:
    line = view.lines[hit.index]
    if "Provided Schema does not match Table" in line:
        hit.confidence = 0.62
        hit.causes = ("The load job's schema differs from the table it appends to ({table}): the input gained, lost or "
                      "retyped a column, or the job autodetects a schema that does not match; the table or the load's schema "
                      "settings must change",
                      "The load job's schema differs from the table it appends to: the input gained, lost or retyped a column, "
                      "or the job autodetects a schema that does not match; the table or the load's schema settings must change")
        hit.commands = C.WHERE_IT_RAN
    elif re.search(r"table encountered too many errors", line):
        hit.causes = ("BigQuery rejected rows of the file the job loads (too many errors): values that do not fit the table's "
                      "schema, a wrong delimiter, quoting or header setting, or a malformed file; the job's errors[] list names "
                      "the rows",)
        hit.commands = C.WHERE_IT_RAN
    elif not re.search(r"stl_load_errors|sys_load_error_detail|redshift|Value too long for character type",
                       "\n".join(view.lines[: view.n_log]), re.IGNORECASE):
        # Only Redshift has stl_load_errors to query.
        hit.commands = C.WHERE_IT_RAN
    return hit


_AIRFLOW_DB_CHECKS = ("airflow jobs check --job-type SchedulerJob",)


def _metadata_db(hit: Hit, view: LogView) -> Hit:
    """The same database error means something else when it is Airflow's own metadata
    database: the scheduler's machinery failed, not a service the task depends on."""
    sure = metadata_db_context(view, hit.index)
    if sure is None:
        return hit
    hit.category = K.scheduler_infra
    hit.confidence = min(hit.confidence, sure)
    causes = hit.causes or hit.signature.causes
    hit.causes = tuple(f"Airflow's own metadata database (not one the task uses) failed: {c[0].lower()}{c[1:]}" for c in causes)
    commands = hit.commands or hit.signature.commands
    psql = tuple(c for c in commands if c.startswith("psql "))
    hit.commands = psql + _AIRFLOW_DB_CHECKS + C.AIRFLOW_RUN
    hit.reason = "Checks whether Airflow reaches its metadata database now"
    return hit


# The Celery broker behind Airflow's executor (kombu frames, the worker's consumer).
_BROKER = re.compile(r"kombu|celery/|consumer: |broker_url|celery_executor", re.IGNORECASE)


def _redis(hit: Hit, view: LogView) -> Hit:
    """Redis as Airflow's Celery broker is executor machinery; as the task's own store, a dependency."""
    if view.event.airflow is not None or view.event.source == "airflow":
        window = "\n".join(view.lines[max(0, hit.index - 50): hit.index + 50])
        if _BROKER.search(window):
            hit.category = K.scheduler_infra
            hit.causes = ("Airflow's Celery broker (Redis at {db_host}:{db_port}) was unavailable, so tasks could not be "
                          "queued or picked up", "Airflow's Celery broker (Redis) was unavailable, so tasks could not be "
                          "queued or picked up")
            hit.commands = ("airflow jobs check --job-type SchedulerJob",) + C.AIRFLOW_RUN
    return hit


# An SSH server's "Authentication failed." (paramiko, SSHOperator) is not a database's answer.
_SSH = re.compile(r"paramiko|ssh_exception|SSHException|\bSSH\b|sftp", re.IGNORECASE)


def _db_auth(hit: Hit, view: LogView) -> Hit | None:
    window = "\n".join(view.lines[max(0, hit.index - 3): hit.index + 1])
    if _SSH.search(window) and not re.search(r"mongo|postgres|mysql|snowflake|sqlalchemy", window, re.IGNORECASE):
        return None
    if "(using password: NO)" in view.lines[hit.index]:
        # MySQL says no password was sent at all: the client found no password setting (an option
        # file like ~/.my.cnf that cron's HOME or the container lacks), not a rotated one.
        hit.category = K.missing_config_or_secret
        hit.confidence = 0.8
        hit.causes = ("The job connected as {db_user} without any password (using password: NO): the password setting "
                      "or option file (~/.my.cnf) it relies on is not there where it runs",)
    return _metadata_db(hit, view)


_WRONG_PASSWORD = re.compile(r"WRONGPASS|invalid password|invalid username-password", re.IGNORECASE)


def _redis_auth(hit: Hit, view: LogView) -> Hit:
    """NOAUTH: the client sent no password at all (configuration). WRONGPASS: it sent a wrong one."""
    if any(_WRONG_PASSWORD.search(line) for line in hit.lines):
        hit.category = K.credentials_expired
        hit.causes = ("Redis rejected the password the job sent (rotated or wrong)",)
    return _redis(hit, view)


def _local_db(hit: Hit, view: LogView) -> Hit:
    host = hit.groups.get("db_host", "")
    if any(re.search(r"timeout|timed out", line, re.IGNORECASE) for line in hit.lines):
        # A connection that timed out may be the network as much as the database.
        hit.confidence = 0.75
        hit.causes = ("The database at {db_host} did not answer the connection in time (down, overloaded or unreachable)",
                      "The database did not answer the connection in time (down, overloaded or unreachable)")
    if any("No such file or directory" in line for line in hit.lines):
        # No socket file at all: the server is down, or this client was built to look in another
        # directory than the server uses (two PostgreSQL installations). Not decisive.
        hit.confidence = 0.55
        hit.causes = ("No PostgreSQL socket exists at {db_host}: the server is not running there, or this client "
                      "(another PostgreSQL installation) looks in a different socket directory than the server uses",
                      "No PostgreSQL socket exists where the client looks: the server is not running, or the client "
                      "(another PostgreSQL installation) looks in a different socket directory than the server uses")
        hit.commands = ("ls -la /var/run/postgresql", "pg_dump --version", "psql --version")
        hit.reason = "Shows where the server's socket really is, to compare with the path the client tried"
        return _metadata_db(hit, view)
    if host in ("localhost", "127.0.0.1", "::1") or host.startswith("/"):
        hit.commands = ("ss -ltn",) + _PG_PING
    return _flavour_or_metadata(hit, view)


SIGNATURES = [
    S("db_connection_refused", K.dependency_unavailable, TRANSPORT_SYMPTOM, refine=_local_db,
      patterns=(r"connection to server at \"(?P<db_host>[^\"]+)\"(?: \([^)]*\))?, port (?P<db_port>\d+) failed: Connection refused",
                r"Is the server running on host \"(?P<db_host>[^\"]+)\"(?: \([^)]*\))? and accepting\s+TCP/IP connections on port (?P<db_port>\d+)",
                r"could not connect to server: Connection refused",
                r"connection to server on socket \"(?P<db_host>[^\"]+)\" failed: (?:Connection refused|No such file or directory)",
                r"could not connect to server: No such file or directory",
                r"connections on Unix domain socket \"(?P<db_host>[^\"]+)\"",
                r"Can't connect to (?:local )?MySQL server (?:on|through socket) '(?P<db_host>[^':]+)'?(?::(?P<db_port>\d+))?",
                r"ServerSelectionTimeoutError: (?P<db_host>[\w.-]+):(?P<db_port>\d+)",
                r"\bORA-12541\b", r"\bORA-12170\b", r"TNS:(?:no listener|Connect timeout occurred)",
                r"\[HYT00\].*Login timeout expired", r"Login timeout expired",
                # mongodump/mongorestore (mgo driver): no member of the given hosts answered.
                r"error connecting to db server: no reachable servers", r"\bno reachable servers\b",
                # SQL Server clients (SqlClient, ODBC): the instance was not found or not accessible.
                r"A network-related or instance-specific error occurred while establishing a connection to SQL Server"),
      causes=("The database at {db_host}:{db_port} refused connections (down, restarting or not listening)",
              "The database at {db_host} refused connections (down, restarting or not listening)",
              "The database refused connections (down, restarting or not listening)"),
      commands=C.HOST[:2] + _PG_PING + ("getent hosts {db_host}",),
      reason="Checks whether the database accepts a connection now"),
    S("db_too_many_connections", K.dependency_unavailable, 0.88, refine=_flavour_or_metadata,
      patterns=(r"too many clients already", r"remaining connection slots are reserved", r"\bToo many connections\b",
                r"too many connections for (?:role|database) \"(?P<db_role>[^\"]+)\""),
      causes=("The database refused the connection: all its connection slots were in use (too many clients)",),
      commands=("psql -h {db_host} -c 'SELECT count(*), usename FROM pg_stat_activity GROUP BY usename'",
                "psql -c 'SELECT count(*), usename FROM pg_stat_activity GROUP BY usename'"),
      reason="Counts open connections per user against max_connections"),
    S("db_deadlock", K.overlap_concurrency, 0.78, refine=_flavour_or_metadata,
      patterns=(r"deadlock detected", r"Deadlock found when trying to get lock", r"\bORA-00060\b", r"was deadlocked on lock resources"),
      causes=("The job's transaction deadlocked with another transaction (a concurrent run or job writing the same rows)",),
      commands=("psql -h {db_host} -c 'SELECT pid, state, wait_event_type, query FROM pg_stat_activity'",
                "psql -c 'SELECT pid, state, wait_event_type, query FROM pg_stat_activity'") + C.WHERE_IT_RAN,
      reason="Shows which sessions were active on the database"),
    S("db_lock_timeout", K.overlap_concurrency, 0.75, refine=_flavour_or_metadata,
      patterns=(r"Lock wait timeout exceeded", r"canceling statement due to lock timeout", r"could not obtain lock on (?:row|relation)",
                r"\bLockNotAvailable\b", r"database is locked"),
      causes=("The job waited too long for a lock held by another transaction or run",),
      commands=("psql -h {db_host} -c 'SELECT pid, state, wait_event_type, query FROM pg_stat_activity'",
                "psql -c 'SELECT pid, state, wait_event_type, query FROM pg_stat_activity'") + C.WHERE_IT_RAN),
    S("db_statement_timeout", K.timeout_deadline, 0.85, refine=_flavour_or_metadata,
      patterns=(r"canceling statement due to statement timeout", r"\bQueryCanceled\b", r"maximum statement execution time exceeded",
                r"Statement reached its statement or warehouse timeout"),
      causes=("A query ran past the database's statement timeout and was cancelled",),
      commands=("psql -h {db_host} -c 'SHOW statement_timeout'", "psql -c 'SHOW statement_timeout'")),
    # MySQL 8's default authentication (caching_sha2_password) needs a client plugin that older
    # MySQL clients and MariaDB's mysql/mysqldump without mariadb-connector-c do not have.
    S("mysql_auth_plugin_missing", K.dependency_version, 0.86,
      patterns=(r"Plugin '?(?P<plugin>caching_sha2_password|sha256_password|auth_gssapi_client|mysql_clear_password)'? could not be loaded",
                r"Authentication plugin '(?P<plugin>[\w]+)' cannot be loaded"),
      causes=("The MySQL client the job uses cannot load the {plugin} authentication plugin the server asks for: the "
              "client (often MariaDB's, or an old MySQL one) does not match the server (install the client plugin, "
              "e.g. mariadb-connector-c, or a matching client)",),
      commands=C.POD + ("mysqldump --version", "mysql --version") + C.WHERE_IT_RAN,
      reason="Shows which client (MariaDB or MySQL, which version) the job runs"),
    S("db_auth_failed", K.credentials_expired, 0.74, refine=_db_auth,
      explained_by=frozenset({"db_permission_denied", "mysql_auth_plugin_missing"}),
      patterns=(r"password authentication failed for user \"(?P<db_user>[^\"]+)\"", r"Access denied for user '(?P<db_user>[^']+)'@",
                r"Login failed for user '(?P<db_user>[^']+)'", r"\bAuthentication failed\.\s*$",
                r"Incorrect username or password (?:was )?specified", r"Invalid username or password",
                # MongoDB: code 18 AuthenticationFailed; Atlas says "bad auth".
                r"OperationFailure: (?:bad auth ?: ?)?Authentication failed", r"'codeName': 'AuthenticationFailed'",
                r"\bORA-01017\b",
                # Elasticsearch / OpenSearch security: the user or its password is wrong.
                r"unable to authenticate user \[(?P<db_user>[^\]]+)\]"),
      causes=("The database rejected the password for {db_user} (rotated, expired or wrong credentials)",
              "The database rejected the job's credentials (rotated, expired or wrong)"),
      commands=C.POD + C.WHERE_IT_RAN,
      reason="Shows which secret or environment supplies the credentials"),
    S("db_password_expired", K.credentials_expired, 0.9,
      patterns=(r"\bORA-28001\b", r"Your password has expired", r"\bpassword has expired\b", r"\bERROR 1862\b"),
      causes=("The database account's password has expired: the database refuses the job until it is changed",),
      commands=C.POD + C.WHERE_IT_RAN,
      reason="Shows which secret supplies the password that must be rotated"),
    # The database knows the job's user but denies it this object or statement.
    S("db_permission_denied", K.permissions_rbac, 0.86, refine=_privilege,
      patterns=(r"permission denied for (?:table|schema|relation|database|sequence|function|view) (?P<obj>[\w.\"]+)",
                r"(?P<stmt>SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|INDEX|REFERENCES|LOCK TABLES|EXECUTE) command denied to user "
                r"'(?P<db_user>[^']+)'", r"\bORA-01031\b", r"The (?P<stmt>\w+) permission was denied on the object '(?P<obj>[^']+)'",
                r"\bInsufficientPrivilege\b",
                # MySQL 1044: logged in, but no privilege on that database (1045 is the password).
                r"\b1044\b.{0,20}Access denied for user '(?P<db_user>[^']+)'@'[^']*' to database '(?P<obj>[^']+)'",
                r"Access denied for user '(?P<db_user>[^']+)'@'[^']*' to database '(?P<obj>[^']+)'",
                # MySQL 1227: a global privilege (mysqldump needs PROCESS for tablespaces since 5.7.31 / 8.0.21).
                r"Access denied; you need \(at least one of\) (?:the )?(?P<priv>[A-Z][A-Z _]*?) privilege",
                # MongoDB code 13 with a login: the user's roles do not allow the command.
                r"not authorized on (?P<obj>[\w.-]+) to execute command",
                # Snowflake 003001 (SQL access control error), and a role the user was never granted.
                r"Insufficient privileges to operate on (?P<obj>[\w/]+(?: '[^']+')?)",
                r"Requested role '(?P<priv>[^']+)' is not assigned to the executing user"),
      causes=("The database user the job connects as lacks the {priv} privilege the statement needs: grant it, or leave out "
              "the step that needs it (for PROCESS, mysqldump --no-tablespaces)",
              "The database user the job connects as lacks the privilege on {obj}", "The database user {db_user} may not run {stmt} there",
              "The database user the job connects as lacks a privilege it needs"),
      commands=("psql -h {db_host} -c 'SELECT grantee, table_schema, table_name, privilege_type FROM information_schema.role_table_grants'",)
      + C.WHERE_IT_RAN,
      reason="Shows who holds which privileges on that object"),
    # Two transactions touched the same rows at once; a hot standby cancelled a query to apply replication.
    S("db_serialization_conflict", K.overlap_concurrency, 0.72, refine=_flavour_or_metadata,
      patterns=(r"could not serialize access due to (?:concurrent update|read/write dependencies)", r"\bSerializationFailure\b(?!.*recovery)"),
      causes=("The job's transaction conflicted with a concurrent one on the same rows (a parallel run or another writer)",),
      commands=("psql -h {db_host} -c 'SELECT pid, state, wait_event_type, query FROM pg_stat_activity'",) + C.WHERE_IT_RAN),
    S("db_replica_recovery_conflict", K.dependency_unavailable, 0.7, refine=_flavour,
      patterns=(r"canceling statement due to conflict with recovery",),
      causes=("The read replica cancelled the job's long query to apply replication (max_standby_streaming_delay)",),
      commands=("psql -h {db_host} -c 'SHOW max_standby_streaming_delay'",) + C.WHERE_IT_RAN),
    S("db_role_missing", K.missing_config_or_secret, 0.8, refine=_flavour,
      patterns=(r"role \"(?P<db_user>[^\"]+)\" does not exist",),
      causes=("The database user {db_user} the job connects as does not exist",),
      commands=("psql -h {db_host} -c 'SELECT rolname FROM pg_roles'", "psql -c 'SELECT rolname FROM pg_roles'")),
    S("db_database_missing", K.missing_config_or_secret, 0.82, refine=_flavour,
      patterns=(r"database \"(?P<db_name>[^\"]+)\" does not exist", r"Unknown database '(?P<db_name>[^']+)'",
                r"Cannot open database \"(?P<db_name>[^\"]+)\" requested by the login", r"\bORA-12514\b"),
      causes=("The database {db_name} the job connects to does not exist",),
      commands=("psql -h {db_host} -c 'SELECT datname FROM pg_database'", "psql -c 'SELECT datname FROM pg_database'")),
    S("db_table_missing", K.data_input_missing, 0.62, refine=_flavour,
      patterns=(r"relation \"(?P<table>[^\"]+)\" does not exist", r"Table '(?P<table>[^']+)' doesn't exist",
                r"no such table: (?P<table>\S+)", r"\bUndefinedTable\b", r"Invalid object name '(?P<table>[^']+)'",
                # Trino/Presto/Athena's error name.
                r"\bTABLE_NOT_FOUND: line \d+:\d+: Table '(?P<table>[^']+)' does not exist",
                r"\bORA-00942\b"),
      causes=("The table {table} the job reads does not exist (not created yet, or a migration did not run)",
              "A table the job reads does not exist"),
      commands=("psql -h {db_host} -c 'SELECT schemaname, tablename FROM pg_tables'",
                "psql -c 'SELECT schemaname, tablename FROM pg_tables'") + C.WHERE_IT_RAN),
    S("db_column_missing", K.bad_code_or_bug, 0.6,
      patterns=(r"column \"(?P<column>[^\"]+)\"(?: of relation \"[^\"]+\")? does not exist", r"Unknown column '(?P<column>[^']+)'",
                r"\bUndefinedColumn\b", r"no such column: (?P<column>\S+)",
                # Snowflake 000904, BigQuery, Oracle, Spark SQL (2.x/3.x, and 3.4+'s error class).
                r"^invalid identifier '(?P<column>[^']+)'", r"SQL compilation error:.{0,80}invalid identifier '(?P<column>[^']+)'",
                r"\bUnrecognized name: (?P<column>[\w.]+)", r"\bORA-00904: \"?(?P<column>[^\":]+)\"?: invalid identifier",
                r"\bAnalysisException: cannot resolve '(?P<column>[^']+)' given input columns",
                r"\[UNRESOLVED_COLUMN(?:\.\w+)?\] A column(?: or function parameter)? with name (?P<column>\S+) cannot be resolved",
                # Trino/Presto/Athena: COLUMN_NOT_FOUND (and SYNTAX_ERROR on older engines).
                r"\b(?:COLUMN_NOT_FOUND|SYNTAX_ERROR): line \d+:\d+: Column '(?P<column>[^']+)' cannot be resolved"),
      causes=("The query uses column {column}, which the table does not have (code and schema disagree)",
              "The query and the table schema disagree (missing column)"),
      commands=C.WHERE_IT_RAN),
    S("db_version_mismatch", K.dependency_version, 0.9,
      patterns=(r"server version: (?P<server_version>[\d.]+)[^;]*; (?P<client>pg_dump(?:all)?) version: (?P<client_version>[\d.]+)",
                r"aborting because of server version mismatch", r"unsupported frontend protocol",
                r"SCRAM authentication requires libpq version 10", r"authentication method \d+ not supported",
                r"Client does not support authentication protocol requested by server",
                r"Authentication plugin 'caching_sha2_password' (?:cannot be loaded|is not supported)"),
      causes=("{client} {client_version} is older than the database server {server_version} (version mismatch)",
              "The database client is too old for the server (version mismatch)"),
      commands=("pg_dump --version", "psql --version"),
      reason="Shows the client tool's version to compare with the server's"),
    S("db_server_unavailable", K.dependency_unavailable, 0.75, refine=_flavour_or_metadata,
      patterns=(r"the database system is (?:starting up|in recovery mode|shutting down|not yet accepting connections)",
                r"terminating connection due to administrator command", r"server closed the connection unexpectedly",
                r"Lost connection to (?:MySQL )?server", r"MySQL server has gone away", r"SSL SYSCALL error: EOF detected",
                r"SSL connection has been closed unexpectedly", r"\bORA-03113\b", r"\bORA-03114\b",
                r"LOADING Redis is loading the dataset in memory"),
      causes=("The database went away during the job (restart, failover or recovery)",),
      commands=_PG_PING + C.WHERE_IT_RAN),
    S("db_disk_full", K.disk_full, 0.86, refine=_flavour_or_metadata,
      patterns=(r"could not extend file", r"The table '[^']+' is full", r"database or disk is full",
                # Oracle: a tablespace that cannot grow (datafile at its maximum, autoextend off).
                r"\bORA-0(?:1653|1654|1658|1659|1688|1691)\b", r"unable to (?:extend|create INITIAL extent)\b.{0,80}\btablespace\b"),
      causes=("The database ran out of disk space while the job wrote to it",),
      commands=("psql -h {db_host} -c 'SELECT pg_size_pretty(pg_database_size(current_database()))'", "df -h")),
    S("redis_unavailable", K.dependency_unavailable, TRANSPORT_SYMPTOM, refine=_redis,
      patterns=(r"Error \d+ connecting to (?P<db_host>[\w.-]+):(?P<db_port>\d+)", r"redis\.exceptions\.ConnectionError",
                r"OOM command not allowed when used memory > 'maxmemory'"),
      causes=("Redis at {db_host}:{db_port} was unavailable to the job", "Redis was unavailable or full"),
      commands=C.HOST[:2] + ("getent hosts {db_host}",) + C.WHERE_IT_RAN),
    # MySQL refuses a statement or row larger than max_allowed_packet (server and client each have one).
    S("mysql_packet_too_large", K.resource_quota_scheduling, 0.8,
      patterns=(r"Got (?:a )?packet bigger than '?max_allowed_packet'? bytes", r"Packet for query is too large \((?P<size>[\d,]+) > (?P<limit>[\d,]+)\)",
                r"\bPacketTooBigException\b", r"Packets larger than max_allowed_packet are not allowed"),
      causes=("The job sent MySQL a statement or row of {size} bytes, over its max_allowed_packet limit of {limit}: the limit "
              "must be raised or the data sent in smaller pieces",
              "The job sent MySQL a statement or row larger than its max_allowed_packet limit: the limit must be raised or the "
              "data sent in smaller pieces"),
      commands=C.WHERE_IT_RAN,
      reason="Shows the job's recent state; the server's max_allowed_packet is what to compare with the data size"),
    # PostgreSQL's parallel query ran out of /dev/shm (64 MB by default in a Docker container), not the data disk.
    S("db_shared_memory_full", K.disk_full, 0.92, refine=_flavour,
      patterns=(r"could not resize shared memory segment \"(?P<segment>[^\"]+)\" to (?P<bytes>\d+) bytes: No space left on device",),
      causes=("The database server ran out of shared memory (/dev/shm, small by default in a container) for a parallel "
              "query: its shared-memory size must grow, or the query use fewer parallel workers",),
      commands=("psql -h {db_host} -c 'SHOW max_parallel_workers_per_gather'", "psql -c 'SHOW max_parallel_workers_per_gather'")
      + C.WHERE_IT_RAN,
      reason="Shows how many parallel workers each query may use (each takes shared memory)"),
    # Redis with requirepass: NOAUTH when the client sends no password, WRONGPASS when it sends a wrong one.
    S("redis_auth_failed", K.missing_config_or_secret, 0.82, refine=_redis_auth,
      patterns=(r"NOAUTH Authentication required", r"redis\.exceptions\.AuthenticationError", r"\bWRONGPASS\b",
                r"AUTH <password> called without any password configured"),
      causes=("Redis requires a password and the job's client sent none (or one Redis does not expect): its Redis "
              "password setting is missing",),
      commands=C.POD + C.WHERE_IT_RAN,
      reason="Shows which secret or environment should supply the Redis password"),
    # The client's own SQLAlchemy pool ran dry: more concurrent sessions than pool_size+max_overflow, or leaked ones.
    # Peer authentication: PostgreSQL takes the OS user's name as the role over the local socket, so a
    # job run as another OS user (root under cron) cannot log in as the database user.
    S("db_peer_auth_failed", K.missing_config_or_secret, 0.8,
      patterns=(r"Peer authentication failed for user \"(?P<db_user>[^\"]+)\"",),
      causes=("PostgreSQL refused peer authentication for {db_user}: the job runs as an OS user with another name over the "
              "local socket; it needs to run as that user, connect over TCP with a password (-h localhost), or a pg_ident map",),
      commands=C.CRONTAB + C.POD,
      reason="Shows which user the job runs as and how it connects"),
    S("db_pool_exhausted", K.resource_quota_scheduling, 0.8, refine=_metadata_db,
      patterns=(r"QueuePool limit of size (?P<pool_size>\d+) overflow (?P<overflow>-?\d+) reached",
                # HikariCP (JVM): every connection in the pool was busy for the whole connectionTimeout.
                r"HikariPool-\d+ - Connection is not available, request timed out after \d+ ?ms"),
      causes=("The job's database connection pool was exhausted (pool size {pool_size}, overflow {overflow}): more concurrent "
              "work than the pool allows, or connections that were never returned",
              "The job's database connection pool was exhausted: more concurrent work than it allows, or leaked connections"),
      commands=C.WHERE_IT_RAN,
      reason="Shows whether overlapping runs shared the pool"),
    # Snowflake runs no query without a warehouse: none in the connection, or the role may not use its default one.
    S("snowflake_no_warehouse", K.missing_config_or_secret, 0.75,
      patterns=(r"No active warehouse selected in the current session",),
      causes=("Snowflake had no warehouse to run the query: the connection sets none, or the job's role lacks USAGE on "
              "the user's default warehouse",),
      commands=C.AIRFLOW_TASK + C.POD + C.WHERE_IT_RAN,
      reason="Shows the job's state; the connection's warehouse and role settings are what to compare"),
    # Elasticsearch blocks writes to every index of a node whose disk passed the flood-stage watermark.
    S("search_index_read_only", K.disk_full, 0.88,
      patterns=(r"flood[- ]stage (?:disk )?watermark", r"read[-_]only[-_]allow[-_]delete", r"index read-only / allow delete"),
      causes=("The search cluster's disk passed its flood-stage watermark, so it made the indices read-only and refused "
              "the job's writes",),
      commands=("curl -sS -m 10 http://{host}:{port}/_cat/allocation",) + C.WHERE_IT_RAN,
      reason="Shows the disk use of each node of the cluster"),
    # Elasticsearch / OpenSearch clients name the cluster's failure to answer in their own exceptions.
    S("search_cluster_unavailable", K.dependency_unavailable, 0.74,
      patterns=(r"HTTPS?ConnectionPool\(host='(?P<host>[^']+)', port=(?P<port>9[23]\d\d)\): Read timed out",
                r"\bConnectionTimeout(?: caused by|\(| -|:)", r"(?:elasticsearch|opensearchpy|elastic_transport)[\w.]*\.Connection(?:Error|Timeout)\b",
                r"\bNoNodeAvailableException\b", r"None of the configured nodes are available"),
      causes=("The search cluster at {host}:{port} did not answer in time (overloaded, down or unreachable)",
              "The search cluster (Elasticsearch/OpenSearch) did not answer in time (overloaded, down or unreachable)"),
      commands=("curl -sS -m 10 http://{host}:{port}/_cluster/health",) + C.HOST + C.WHERE_IT_RAN,
      reason="Shows whether the cluster answers and its health now"),
    # The client had no password to send: none in the job's environment (PGPASSWORD, ~/.pgpass, the connection
    # string). Cron and containers do not inherit the login shell's environment where a manual run finds it.
    S("db_credentials_missing", K.missing_config_or_secret, 0.84, refine=_flavour_or_metadata,
      patterns=(r"fe_sendauth: no password supplied",
                # MongoDB code 13 without a login; Elasticsearch security without credentials.
                r"\bcommand \w+ requires authentication\b", r"action \[[^\]]+\] requires authentication"),
      causes=("The database asked for a login and the job sent none: its credentials (PGPASSWORD or ~/.pgpass, the user "
              "and password of the connection string) are not set where the job runs",),
      commands=C.WHERE_IT_RAN,
      reason="Shows the job's definition and environment, where the credentials should come from"),
    # PostgreSQL's lock table (max_locks_per_transaction x max_connections) is full: pg_dump locks every table it dumps.
    S("pg_lock_table_full", K.resource_quota_scheduling, 0.85, refine=_flavour_or_metadata,
      patterns=(r"You might need to increase \"?max_(?:pred_)?locks_per_transaction", r"(?:ERROR|FATAL):\s+out of shared memory\b",
                r"\bpq: out of shared memory\b"),
      causes=("PostgreSQL ran out of lock slots (out of shared memory): the job's transaction (pg_dump of many tables or "
              "partitions, or one transaction touching many) needs more locks than max_locks_per_transaction allows",),
      commands=("psql -h {db_host} -c 'SHOW max_locks_per_transaction'", "psql -c 'SHOW max_locks_per_transaction'")
      + C.WHERE_IT_RAN,
      reason="Shows the lock-table setting to compare with how many tables the job locks"),
    S("db_idle_in_transaction_timeout", K.timeout_deadline, 0.82, refine=_flavour_or_metadata,
      patterns=(r"terminating connection due to idle[- ]in[- ]transaction timeout", r"\bIdleInTransactionSessionTimeout\b"),
      causes=("PostgreSQL closed the job's connection because it sat idle inside an open transaction longer than "
              "idle_in_transaction_session_timeout: the job held a transaction open while it did other work",),
      commands=("psql -h {db_host} -c 'SHOW idle_in_transaction_session_timeout'",
                "psql -c 'SHOW idle_in_transaction_session_timeout'") + C.WHERE_IT_RAN,
      reason="Shows the server's idle-in-transaction limit"),
    # The server's access rules (pg_hba.conf) admit no such host/user/database: turned away before any password.
    S("pg_hba_rejected", K.permissions_rbac, 0.8, refine=_flavour_or_metadata,
      patterns=(r"no pg_hba\.conf entry for (?:replication connection from )?host \"(?P<client>[^\"]+)\", user \"(?P<db_user>[^\"]+)\", "
                r"database \"(?P<db_name>[^\"]+)\"", r"no pg_hba\.conf entry for host"),
      causes=("PostgreSQL's pg_hba.conf has no rule admitting {db_user} to database {db_name} from {client} (or only over "
              "SSL): the server's access rules turned the job away before any password check",
              "PostgreSQL's pg_hba.conf has no rule admitting the job's host, user and database: the server's access rules "
              "turned it away before any password check"),
      commands=C.WHERE_IT_RAN),
    # mysqldump 8 asks for column histograms that MySQL 5.7 and MariaDB do not have.
    S("mysqldump_newer_than_server", K.dependency_version, 0.88,
      patterns=(r"Unknown table '?COLUMN_STATISTICS'? in information_schema",),
      causes=("mysqldump 8 queries information_schema.COLUMN_STATISTICS, which the server (MySQL 5.7 or MariaDB) does not "
              "have: the client is newer than the server; run it with --column-statistics=0 or use a matching client",),
      commands=C.WHERE_IT_RAN,
      reason="Shows the job's definition and environment: which mysqldump it runs"),
    # A table changed (DDL, TRUNCATE) under mysqldump --single-transaction's consistent snapshot.
    S("db_concurrent_ddl", K.overlap_concurrency, 0.75, refine=_flavour_or_metadata,
      patterns=(r"Table definition has changed, please retry transaction", r"\bError 1412\b"),
      causes=("Another session altered or truncated a table while the job's consistent-snapshot transaction (mysqldump "
              "--single-transaction) was reading it: a concurrent job, migration or TRUNCATE ran at the same time",),
      commands=C.WHERE_IT_RAN),
    # The server had already dropped the cursor when the job asked for the next batch.
    S("mongo_cursor_timeout", K.timeout_deadline, 0.72,
      patterns=(r"\bCursorNotFound\b", r"\bcursor id \d+ not found\b", r"Cursor not found, cursor id: \d+"),
      causes=("MongoDB had already discarded the job's cursor when it asked for the next batch: the cursor sat idle past the "
              "server's cursor timeout (10 minutes by default) while the job worked on a batch, or a restart or failover "
              "dropped it",),
      commands=C.WHERE_IT_RAN),
    S("redis_readonly_replica", K.dependency_unavailable, 0.76, refine=_redis,
      patterns=(r"READONLY You can't write against a read[- ]only (?:replica|slave)",),
      causes=("The job wrote to a read-only Redis replica: after a failover its client still points at the old primary (a "
              "cached address or connection), or it is configured with a replica's address",),
      commands=C.HOST[:2] + ("getent hosts {db_host}",) + C.WHERE_IT_RAN),
    # Redis stops accepting writes when its background save failed (stop-writes-on-bgsave-error).
    S("redis_persistence_failed", K.dependency_unavailable, 0.7, refine=_redis,
      patterns=(r"MISCONF Redis is configured to save RDB snapshots",),
      causes=("Redis refuses writes because its last background save (RDB snapshot) failed: on the Redis server the disk "
              "is full, the data directory is not writable, or the fork for the save failed for memory",),
      commands=C.HOST[:2] + C.WHERE_IT_RAN),
    S("sqlite_readonly", K.permissions_rbac, 0.8,
      patterns=(r"attempt to write a readonly database",),
      causes=("SQLite could not write the database file: the job's user may not write the file or its directory (SQLite "
              "needs the directory for its journal), or it sits on a read-only mount",),
      commands=C.WHERE_IT_RAN),
    # Oracle: a TNS alias the client cannot find (tnsnames.ora not where TNS_ADMIN / ORACLE_HOME point).
    S("oracle_tns_unresolved", K.missing_config_or_secret, 0.8,
      patterns=(r"\bORA-12154\b", r"TNS:could not resolve the connect identifier"),
      causes=("The Oracle client could not resolve the connect identifier: the name is not in the tnsnames.ora the job "
              "reads (TNS_ADMIN or ORACLE_HOME not set in the job's environment) or the connect string is wrong",),
      commands=C.WHERE_IT_RAN,
      reason="Shows the job's definition and environment (TNS_ADMIN, ORACLE_HOME)"),
    S("oracle_archiver_stuck", K.disk_full, 0.85,
      patterns=(r"\bORA-00257\b",),
      causes=("Oracle's archived-log destination is full (ORA-00257 archiver error): the database takes no new work until "
              "archive logs are backed up and removed or the destination grows",),
      commands=C.WHERE_IT_RAN),
    # A long read outlived the undo data it needed (undo retention) while others changed the rows.
    S("oracle_snapshot_too_old", K.timeout_deadline, 0.68,
      patterns=(r"\bORA-01555\b",),
      causes=("The job's long-running Oracle query needed undo data that had already been overwritten (ORA-01555 snapshot "
              "too old): it ran longer than the undo retention while the table changed; read in smaller chunks or enlarge undo",),
      commands=C.WHERE_IT_RAN),
    S("db_account_locked", K.credentials_expired, 0.84,
      patterns=(r"\bORA-28000\b", r"\bERROR 3118\b"),
      causes=("The database account the job logs in as is locked (after repeated failed logins, often with an old password, "
              "or by an administrator): it must be unlocked and the job's password checked",),
      commands=C.WHERE_IT_RAN,
      reason="Shows which secret or environment supplies the job's password"),
    # SQL Server error 9002: the log cannot be truncated (no log backups in FULL recovery, a long transaction).
    S("mssql_log_full", K.disk_full, 0.86,
      patterns=(r"The transaction log for database '(?P<db_name>[^']+)' is full",),
      causes=("SQL Server's transaction log for {db_name} is full: it cannot be truncated (log backups not running under "
              "the FULL recovery model, or a long-open transaction) and its file cannot grow",),
      commands=C.WHERE_IT_RAN),
    # unixODBC names the driver it could not load: not installed (or not registered) where the job runs.
    S("odbc_driver_missing", K.dependency_version, 0.85,
      patterns=(r"\[Driver Manager\]Can't open lib '(?P<lib>[^']+)' : file not found",),
      causes=("The ODBC driver {lib} is not installed (or not registered in odbcinst.ini) where the job runs: its image "
              "or host lacks the driver package",),
      commands=C.WHERE_IT_RAN),
    # Elasticsearch refuses new indices past cluster.max_shards_per_node x data nodes.
    S("search_shard_limit", K.resource_quota_scheduling, 0.88,
      patterns=(r"this action would add \[\d+\] (?:total )?shards, but this cluster currently has \[\d+\]/\[\d+\] "
                r"maximum (?:normal )?shards open",),
      causes=("The search cluster is at its shard limit (cluster.max_shards_per_node per data node): it refuses the job's new "
              "index until old indices are deleted or the limit raised",),
      commands=("curl -sS -m 10 http://{host}:{port}/_cluster/health",) + C.WHERE_IT_RAN,
      reason="Shows the cluster's health and shard counts"),
    # The statement itself does not parse (or its parameters do not fit it): the job's SQL or the operator that builds it.
    S("sql_syntax_error", K.bad_code_or_bug, 0.8,
      patterns=(r"\bsyntax error at or near (?P<near>\S+)", r"psycopg2?\.errors\.SyntaxError: (?P<detail>.+)",
                r"You have an error in your SQL syntax", r"\bIncorrect syntax near (?P<near>\S+)",
                r"^syntax error line \d+ at position \d+ unexpected (?P<near>.+)", r"\b400 Syntax error: (?P<detail>.+)",
                r"\bORA-0093[36]\b", r"\bnear \"[^\"]+\": syntax error\b",
                r"the query has \d+ placeholders? but \d+ parameters? (?:was|were) passed",
                r"not all arguments converted during string formatting"),
      causes=("The SQL the job runs does not parse ({detail}): a typo, an unrendered template, or SQL written for another "
              "database dialect",
              "The SQL the job runs does not parse near {near}: a typo, a template or placeholder left unrendered in it, or SQL "
              "written for another database dialect",
              "The SQL the job runs does not parse (or its parameters do not match its placeholders): the job's query or the "
              "operator that builds it is wrong"),
      commands=C.WHERE_IT_RAN,
      reason="Shows the run; the statement is in the task's SQL or its rendered template"),
    # The database refused the rows the job loads: a value longer than its column, of another type or format.
    S("db_load_rejected", K.bad_code_or_bug, 0.58, refine=_load_rejected,
      patterns=(r"Load into table '(?P<table>[^']+)' failed\.\s+Check '(?P<errtable>stl_load_errors|sys_load_error_detail)'",
                r"\bValue too long for character type\b", r"value too long for type character(?: varying)?\(\d+\)",
                r"Data too long for column '(?P<column>[^']+)'", r"\bnumeric field overflow\b",
                r"invalid input syntax for (?:type )?(?P<type>[\w ]+?): \"", r"Incorrect \w+ value: '[^']*' for column '(?P<column>[^']+)'",
                # BigQuery load jobs: rows the table's schema cannot take, or a schema that differs from the table's.
                r"\b(?:CSV|JSON|Avro|Parquet) table encountered too many errors, giving up",
                r"Provided Schema does not match Table(?: (?P<table>[\w:.-]+))?"),
      causes=("Redshift rejected rows loaded into {table} (see {errtable}): a value does not fit its column (too long, wrong "
              "type or format), or the COPY options (delimiter, compression, header) do not match the files",
              "The database rejected a value the job writes to column {column}: it does not fit the column's type or length "
              "(the input changed, or the table or load code must handle it)",
              "The database rejected a value the job writes: it does not fit its column's type or length (the input changed, "
              "or the table or load code must handle it)"),
      commands=("psql -h {db_host} -c 'SELECT starttime, filename, line_number, colname, err_reason FROM stl_load_errors "
                "ORDER BY starttime DESC LIMIT 5'",
                "psql -c 'SELECT starttime, filename, line_number, colname, err_reason FROM stl_load_errors ORDER BY starttime "
                "DESC LIMIT 5'") + C.WHERE_IT_RAN,
      reason="Shows the rows Redshift rejected last, with the column and the reason"),
    # Snowflake's network policy (an IP allow-list on the account or user) turned the job's address away.
    S("snowflake_network_policy", K.permissions_rbac, 0.88,
      patterns=(r"(?:Incoming request with )?IP(?:/Token)? (?P<ip>\S+) is not allowed to access Snowflake",),
      causes=("Snowflake's network policy does not allow the address the job connects from ({ip}): the job's egress IP "
              "must be added to the account's or user's allowed list (or the job runs from another network than before)",),
      commands=C.WHERE_IT_RAN,
      reason="Shows where the job ran, whose egress address the policy must allow"),
    S("snowflake_account_not_found", K.missing_config_or_secret, 0.76,
      patterns=(r"Failed to connect to DB\. Verify the account name is correct: (?P<host>[\w.-]+)",),
      causes=("Snowflake answered 403 for the account host {host}: the account identifier in the job's connection is wrong "
              "or incomplete (it needs the region and cloud parts, e.g. xy12345.east-us-2.azure)",),
      commands=("getent hosts {host}",) + C.WHERE_IT_RAN,
      reason="Shows whether the account's host name resolves"),
    S("db_duplicate_key", K.bad_code_or_bug, 0.5,
      patterns=(r"duplicate key value violates unique constraint \"(?P<constraint>[^\"]+)\"", r"Duplicate entry '[^']*' for key",
                r"UNIQUE constraint failed: (?P<constraint>\S+)"),
      causes=("The job inserted rows that already exist ({constraint}): a re-run or overlapping run, or a missing upsert",
              "The job inserted rows that already exist: a re-run or overlapping run, or a missing upsert"),
      commands=C.WHERE_IT_RAN),
]
