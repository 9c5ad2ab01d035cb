"""Database signatures on real PostgreSQL/MySQL/driver messages."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case, diagnose

CASES = [
    # https://github.com/gregsadetsky/tps/issues/21
    Case("too_many_clients", "cron",
         'psycopg2.OperationalError: connection to server at "localhost" (::1), port 5432 failed: FATAL:  sorry, too many clients already',
         "dependency_unavailable", ("connection slots",), ("psql",), 0.85),
    # https://github.com/openstate/open-raadsinformatie/issues/198
    Case("too_many_clients_sqlalchemy", "airflow",
         "(psycopg2.OperationalError) FATAL: sorry, too many clients already (Background on this error at: http://sqlalche.me/e/e3q8)",
         "dependency_unavailable", (), (), 0.85),
    Case("pg_connection_refused", "cron",
         'psycopg2.OperationalError: connection to server at "10.0.3.7", port 5432 failed: Connection refused\n'
         "\tIs the server running on that host and accepting TCP/IP connections?",
         "dependency_unavailable", ("10.0.3.7:5432",), ("psql -h 10.0.3.7 -p 5432 -c 'SELECT 1'",), 0.75),
    Case("pg_connection_refused_k8s_service", "k8s",
         'psycopg2.OperationalError: connection to server at "reports-db.data.svc.cluster.local" (10.96.4.12), port 5432 failed: Connection refused',
         "dependency_unavailable", ("reports-db.data.svc.cluster.local",), ("kubectl get endpoints reports-db -n data",), 0.75),
    # https://github.com/DemocracyClub/WhoCanIVoteFor/issues/529
    Case("deadlock", "cron",
         "psycopg2.errors.DeadlockDetected: deadlock detected\nDETAIL:  Process 11031 waits for ShareLock on transaction 14635008; "
         "blocked by process 11109.", "overlap_concurrency", ("deadlocked",), (), 0.75),
    # https://github.com/inventree/InvenTree/issues/10936
    Case("pg_dump_version_mismatch", "cron",
         "pg_dump: error: aborting because of server version mismatch\n"
         "pg_dump: detail: server version: 17.7 (Debian 17.7-3.pgdg13+1); pg_dump version: 15.14 (Debian 15.14-0+deb12u1)",
         "dependency_version", ("15.14", "17.7"), ("pg_dump --version",), 0.85),
    # https://github.com/pgadmin-org/pgadmin4/issues/3948
    Case("pg_dump_version_mismatch_old_wording", "cron",
         "pg_dump: error: server version: 13.0 (Debian 13.0-1.pgdg100+1); pg_dump version: 12.4\n"
         "pg_dump: error: aborting because of server version mismatch",
         "dependency_version", ("12.4", "13.0"), (), 0.85),
    Case("password_failed", "k8s",
         'psycopg2.OperationalError: connection to server at "db" (10.1.2.3), port 5432 failed: FATAL:  password authentication failed for user "reporter"',
         "credentials_expired", ("reporter",), (), 0.7, 0.79),
    # https://github.com/coiled/benchmarks/issues/1345
    Case("snowflake_bad_password", "airflow",
         "snowflake.connector.errors.DatabaseError: 250001 (08001): Failed to connect to DB: ***.snowflakecomputing.com:443. "
         "Incorrect username or password was specified.", "credentials_expired", (), (), 0.7, 0.79),
    Case("database_missing", "cron", 'FATAL:  database "sales_archive" does not exist', "missing_config_or_secret",
         ("sales_archive",), (), 0.8),
    Case("statement_timeout", "airflow", "psycopg2.errors.QueryCanceled: canceling statement due to statement timeout",
         "timeout_deadline", (), (), 0.8),
    Case("table_missing", "airflow", 'psycopg2.errors.UndefinedTable: relation "staging.orders_daily" does not exist\nLINE 1: SELECT * FROM staging.orders_daily',
         "data_input_missing", ("staging.orders_daily",), (), 0.6, 0.79),
    # https://github.com/apache/airflow/issues/16982: a chained traceback whose root is a MySQL lock wait; no psql for MySQL.
    # The lock is in Airflow's own metadata database (the `airflow` command's SQLAlchemy session, no hook of the task's
    # own), which the eval's labelling convention calls Airflow machinery: scheduler_infra.
    Case("mysql_lock_wait_chain", "airflow",
         "Traceback (most recent call last):\n"
         '  File "/usr/local/lib/python3.7/dist-packages/MySQLdb/connections.py", line 259, in query\n'
         "    _mysql.connection.query(self, query)\n"
         "MySQLdb._exceptions.OperationalError: (1205, 'Lock wait timeout exceeded; try restarting transaction')\n\n"
         "The above exception was the direct cause of the following exception:\n\n"
         "Traceback (most recent call last):\n"
         '  File "/usr/local/bin/airflow", line 8, in <module>\n    sys.exit(main())\n'
         "sqlalchemy.exc.OperationalError: (MySQLdb._exceptions.OperationalError) (1205, 'Lock wait timeout exceeded; try restarting transaction')",
         "scheduler_infra", ("metadata database", "lock"), ("airflow jobs check",), 0.55),
    # https://github.com/sassoftware/sas-studio-custom-steps/issues/95: an early retried HTTP error, then the real failure
    Case("deadlock_after_retried_http_error", "airflow",
         '[2023-10-15T20:17:50.735+0100] {logging_mixin.py:120} INFO - HTTP Call failed with error "(\'Connection aborted.\', '
         "RemoteDisconnected('Remote end closed connection without response'))\" from /jobExecution/jobs/e6/state. Will set "
         "jobstatus=unknown and continue checking...\n"
         "[2023-10-16T02:16:45.115+0100] {standard_task_runner.py:100} ERROR - Failed to execute job 595174 for task "
         "Check_Scheduled_SourceSystems ((psycopg2.errors.DeadlockDetected) deadlock detected\n"
         "DETAIL:  Process 1879381 waits for ShareLock on transaction 155630385; blocked by process 1845775.",
         "overlap_concurrency", (), ("psql",), 0.75),
    # https://github.com/rhsimplex/image-match/issues/118
    Case("elasticsearch_read_timeout", "cron",
         "elasticsearch.exceptions.ConnectionTimeout: ConnectionTimeout caused by - ReadTimeoutError(HTTPConnectionPool("
         "host='localhost', port=9200): Read timed out. (read timeout=10))",
         "dependency_unavailable", ("localhost:9200",), ("curl -sS -m 10 http://localhost:9200/_cluster/health",), 0.7),
    # https://github.com/elastic/elasticsearch-py/issues/381
    Case("elasticsearch_connect_timeout", "k8s",
         "elasticsearch.exceptions.ConnectionError: ConnectionError((<urllib3.connection.HTTPConnection object at 0x7ff1c0f2fbd0>, "
         "'Connection to xx.xx.xx.xx timed out. (connect timeout=10)')) caused by: ConnectTimeoutError((<urllib3.connection."
         "HTTPConnection object at 0x7ff1c0f2fbd0>, 'Connection to xx.xx.xx.xx timed out. (connect timeout=10)'))",
         "dependency_unavailable", ("search cluster",), (), 0.7),
    # https://github.com/backup/backup/issues/893 wording of libpq before v14: no server on that Unix socket
    Case("pg_socket_missing_old_wording", "cron",
         'pg_dump: [archiver (db)] connection to database "shop" failed: could not connect to server: No such file or directory\n'
         "\tIs the server running locally and accepting\n"
         '\tconnections on Unix domain socket "/var/run/postgresql/.s.PGSQL.5432"?',
         "dependency_unavailable", ("/var/run/postgresql/.s.PGSQL.5432", "socket directory"), ("ls -la /var/run/postgresql",), 0.5, 0.6),
    # Oracle's documented error text for an expired account password
    Case("oracle_password_expired", "cron", "ORA-28001: the password has expired", "credentials_expired", (), (), 0.85),
    # MySQL's documented ER_MUST_CHANGE_PASSWORD_LOGIN text
    Case("mysql_password_expired", "k8s",
         "ERROR 1862 (HY000): Your password has expired. To log in you must change it using a client that supports expired passwords.",
         "credentials_expired", (), (), 0.85),
    # Snowflake's documented error 000630
    Case("snowflake_statement_timeout", "airflow",
         "snowflake.connector.errors.ProgrammingError: 000630 (57014): Statement reached its statement or warehouse timeout of "
         "3600 second(s) and was canceled.", "timeout_deadline", (), (), 0.8),
    # https://github.com/ET-CS/Centos-Backup-Script/issues/3
    Case("mysqldump_command_denied", "cron",
         "mysqldump: Got error: 1142: \"SELECT, LOCK TABLES command denied to user 'root'@'localhost' for table 'accounts'\" when using LOCK TABLES",
         "permissions_rbac", (), (), 0.8),
    # https://github.com/ghtorrent/ghtorrent.org/issues/567
    Case("mysql_select_denied", "airflow",
         "ERROR 1142 (42000): SELECT command denied to user 'ght'@'localhost' for table 'users'",
         "permissions_rbac", ("ght",), (), 0.8),
    # https://github.com/OCA/OpenUpgrade/issues/2397 (a concurrent writer)
    Case("pg_serialization_failure", "cron",
         "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update",
         "overlap_concurrency", (), (), 0.7),
    # https://github.com/onyx-dot-app/onyx/pull/2818
    Case("pg_serializable_rw_dependencies", "k8s",
         "sqlalchemy.exc.OperationalError: (psycopg2.errors.SerializationFailure) could not serialize access due to read/write "
         "dependencies among transactions", "overlap_concurrency", (), (), 0.7),
    # https://github.com/oracle/docker-images/issues/1934
    Case("oracle_no_listener", "cron", "django.db.utils.DatabaseError: ORA-12541: TNS:no listener", "dependency_unavailable", (), (), 0.75),
    Case("mysql_gone_away", "cron", "ERROR 2006 (HY000) at line 1: MySQL server has gone away", "dependency_unavailable", (), (), 0.7),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_database_signature(case: Case) -> None:
    check_case(case)


def test_mysql_using_password_no_is_a_missing_password_setting() -> None:
    # https://github.com/adrianb11/directadmin_rclone_backup/issues/16 (fixed by creating ~/.my.cnf)
    h = diagnose("cron", "Something went wrong while backup the database; mysqldump : RETURN 2\n"
                         "error: 1045: \"Access denied for user 'root'@'localhost' (using password: NO)\" when trying to connect")
    assert h.category.value == "missing_config_or_secret"
    assert "my.cnf" in h.cause and h.confidence >= 0.8
    # A password that was sent and refused is still the credentials (spatie/laravel-backup#172's wording).
    h = diagnose("cron", "mysqldump: Got error: 1045: Access denied for user 'root'@'localhost' (using password: YES) "
                         "when trying to connect")
    assert h.category.value == "credentials_expired"


@pytest.mark.parametrize("log", [
    # https://github.com/benjamin-maynard/kubernetes-cloud-mysql-backup/issues/9 (Alpine's MariaDB client, MySQL 8 server)
    "Database backup FAILED for corteza at 03-01-2020 22:25:29. Error: mysqldump: Got error: 1045: 'Plugin caching_sha2_password "
    "could not be loaded: Error loading shared library /usr//usr/lib/mariadb/plugin/caching_sha2_password.so: No such file or "
    "directory' when trying to connect",
    # https://github.com/markshust/docker-magento/issues/393 (MariaDB's client against a MySQL 8 image)
    'mysqldump: Got error: 1045: "Plugin caching_sha2_password could not be loaded: /usr/lib/x86_64-linux-gnu/mariadb19/plugin/'
    'caching_sha2_password.so: cannot open shared object file: No such file or directory" when trying to connect',
])
def test_a_client_without_the_servers_auth_plugin_is_a_version_mismatch(log: str) -> None:
    # Not a rotated password (1045) and not a missing input file (the .so path).
    h = diagnose("cron", log)
    assert h.category.value == "dependency_version", h.cause
    assert h.signature == "mysql_auth_plugin_missing" and "caching_sha2_password" in h.cause


def test_a_mysql_privilege_denial_is_checked_with_the_users_own_grants() -> None:
    # MySQL's 1142 wording (a user without SELECT on a table); SHOW GRANTS needs no privilege for oneself
    h = diagnose("cron", "ERROR 1142 (42000) at line 1: SELECT command denied to user 'report'@'localhost' for table 'orders'")
    assert h.category.value == "permissions_rbac"
    assert h.command == "mysql -u report -e 'SHOW GRANTS'"
