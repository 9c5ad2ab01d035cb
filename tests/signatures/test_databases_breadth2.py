"""Database failures of scheduled jobs that the engine used to abstain on: missing credentials, server-side limits,
client/server mismatches, MongoDB/Redis/Elasticsearch/Oracle/SQL Server/SQLite wordings. Each line is quoted from the
URL above it; the thread established the cause."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case

CASES = [
    # libpq had no password to send (no PGPASSWORD / ~/.pgpass where the job runs): https://github.com/yob/db2fog/issues/9,
    # https://github.com/pgq/pgq/issues/26 (md5 auth on the socket, the daemon given no password)
    Case("pg_dump_no_password_supplied", "cron",
         'pg_dump: [archiver (db)] connection to database "dfdfb" failed: fe_sendauth: no password supplied',
         "missing_config_or_secret", ("sent none",), ("crontab -l",), 0.8, signature="db_credentials_missing"),
    Case("libpq_socket_no_password_supplied", "k8s",
         'ERROR libpq: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: fe_sendauth: no password supplied',
         "missing_config_or_secret", (), ("kubectl describe pod",), 0.8, signature="db_credentials_missing"),
    # mongodump run without credentials against a server with auth: https://github.com/Ylianst/MeshCentral/issues/885
    Case("mongodump_requires_authentication", "cron",
         "Jan 28 21:11:41 debian node[7295]: 2020-01-28T21:11:41.318+0100        Failed: error creating intents to dump: "
         "error getting collections for database `meshcentral`: (Unauthorized) command listCollections requires authentication",
         "missing_config_or_secret", (), (), 0.8, signature="db_credentials_missing"),
    # Curator sent no credentials (its api_key setting was not applied): https://github.com/elastic/curator/issues/1606
    Case("curator_requires_authentication", "cron",
         "2021-06-04 09:41:58,611 ERROR     HTTP 401 error: action [cluster:monitor/main] requires authentication\n"
         "2021-06-04 09:41:58,612 CRITICAL  Curator cannot proceed. Exiting.",
         "missing_config_or_secret", (), (), 0.8, signature="db_credentials_missing"),
    # PostgreSQL's lock table is full (pg_dump locks every table): https://github.com/vitabaks/pgbackrest_auto/issues/11,
    # https://github.com/liweiyi88/onedump/issues/50 (newer quoting of the setting), https://github.com/MTES-MCT/monitorfish/issues/3907
    Case("pg_dump_out_of_shared_memory", "cron",
         "pg_dump: error: query failed: ERROR:  out of shared memory\n"
         "HINT:  You might need to increase max_locks_per_transaction.\n"
         "pg_dump: error: query was: LOCK TABLE bkmexpress.virtual_pos_log IN ACCESS SHARE MODE",
         "resource_quota_scheduling", ("max_locks_per_transaction",), ("SHOW max_locks_per_transaction",), 0.8,
         signature="pg_lock_table_full"),
    Case("pg_dump_out_of_shared_memory_quoted_setting", "k8s",
         "failed to store dump file command error: exit status 1, pg_dump: error: query failed: ERROR:  out of shared memory\n"
         'HINT:  You might need to increase "max_locks_per_transaction".\n'
         "pg_dump: detail: Query was: SELECT last_value, is_called FROM public.projects_id_seq",
         "resource_quota_scheduling", (), (), 0.8, signature="pg_lock_table_full"),
    Case("jdbc_out_of_shared_memory", "cron",
         "PSQLException: ERROR: out of shared memory\n  Hint: You might need to increase max_locks_per_transaction.",
         "resource_quota_scheduling", (), (), 0.8, signature="pg_lock_table_full"),
    # idle_in_transaction_session_timeout: https://github.com/PeerDB-io/peerdb/pull/3575, https://github.com/msolli/proletarian/issues/26
    Case("pg_idle_in_transaction_timeout", "k8s",
         "[pg_query_executor] row iteration failed 'SELECT * FROM \"public\".\"call\" WHERE \"created_at\" BETWEEN $1 AND $2': "
         "FATAL: terminating connection due to idle-in-transaction timeout (SQLSTATE 25P03)",
         "timeout_deadline", ("idle_in_transaction_session_timeout",), (), 0.8, signature="db_idle_in_transaction_timeout"),
    Case("pg_idle_in_transaction_timeout_jdbc", "cron",
         "FATAL: terminating connection due to idle-in-transaction timeout\n"
         "\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2676)",
         "timeout_deadline", (), ("SHOW idle_in_transaction_session_timeout",), 0.8),
    # pg_hba.conf admits no such client (pg_cron connecting over TCP): https://github.com/citusdata/pg_cron/issues/224
    Case("pg_hba_no_entry", "cron",
         "2023-01-04 00:44:00.005 UTC [3413564]: db=postgres,user=maintenance,app=[unknown],client=127.0.0.1 31/45 FATAL:  "
         'no pg_hba.conf entry for host "127.0.0.1", user "maintenance", database "postgres", no encryption',
         "permissions_rbac", ("maintenance", "127.0.0.1"), (), 0.75, signature="pg_hba_rejected"),
    # MySQL 5.7.31 / 8.0.21 made mysqldump's tablespace dump need PROCESS: https://github.com/databacker/mysql-backup/issues/218,
    # https://github.com/etiennerached/godaddy-backup-script/issues/3, https://github.com/puppetlabs/puppetlabs-mysql/pull/500
    Case("mysqldump_process_privilege_short", "k8s",
         "mysqldump: Error: 'Access denied; you need (at least one of) PROCESS privileges for this operation' when trying to dump tablespaces",
         "permissions_rbac", ("PROCESS",), (), 0.8, signature="db_permission_denied"),
    Case("mysqldump_process_privilege", "cron",
         "mysqldump: Error: 'Access denied; you need (at least one of) the PROCESS privilege(s) for this operation' when trying "
         "to dump tablespaces", "permissions_rbac", ("PROCESS privilege", "--no-tablespaces"), ("mysql -e 'SHOW GRANTS'",), 0.8),
    Case("mysqldump_process_privilege_1227", "cron",
         "mysqldump: Couldn't execute 'SELECT /*!40001 SQL_NO_CACHE */ \\* FROM `INNODB_BUFFER_PAGE`': Access denied; you need "
         "(at least one of) the PROCESS privilege(s) for this operation (1227)", "permissions_rbac", ("PROCESS",), (), 0.8),
    # MongoDB user without the role for the command: https://github.com/mongodb/mongodb-kubernetes-operator/issues/250,
    # https://github.com/micahwedemeyer/automongobackup/issues/31
    Case("mongodump_not_authorized", "k8s",
         "2020-11-17T13:26:48.175+0000    Failed: error creating intents to dump: error creating intents for database admin: "
         "error getting collections for database `admin`: (Unauthorized) not authorized on admin to execute command { "
         "listCollections: 1, filter: {}, lsid: { id:", "permissions_rbac", ("admin",), (), 0.8, signature="db_permission_denied"),
    Case("mongodump_not_authorized_list_databases", "cron",
         "    Failed: error getting database names: not authorized on admin to execute command { listDatabases: 1 }",
         "permissions_rbac", (), (), 0.8),
    # mysqldump 8 against a 5.7 server: https://github.com/go-mysql-org/go-mysql/issues/538, https://github.com/swisscom/backman/issues/34
    Case("mysqldump_column_statistics", "cron",
         "mysqldump: Couldn't execute 'SELECT COLUMN_NAME,                       JSON_EXTRACT(HISTOGRAM, '$.\"number-of-buckets-"
         "specified\"')                FROM information_schema.COLUMN_STATISTICS                WHERE SCHEMA_NAME = 'test' AND "
         "TABLE_NAME = 'testa';': Unknown table 'COLUMN_STATISTICS' in information_schema (1109)",
         "dependency_version", ("--column-statistics=0",), (), 0.85, signature="mysqldump_newer_than_server"),
    Case("mysqldump_column_statistics_logged", "k8s",
         "OUT level=error msg=\"mysqldump: Couldn't execute 'SELECT COLUMN_NAME, JSON_EXTRACT(HISTOGRAM, '$.\\\"number-of-"
         "buckets-specified\\\"') FROM information_schema.COLUMN_STATISTICS WHERE SCHEMA_NAME = 'CFDB_02C85CC4_2FF3_4535_BFC0_"
         "F2DDC7D79429' AND TABLE_NAME = 'answers';': Unknown table 'COLUMN_STATISTICS' in information_schema (1109)\"",
         "dependency_version", (), (), 0.85),
    # A table altered/truncated under mysqldump --single-transaction: https://github.com/friendica/friendica/issues/5137,
    # https://github.com/wp-media/wp-rocket/issues/3951
    Case("mysqldump_table_definition_changed", "cron",
         "mysqldump: Error 1412: Table definition has changed, please retry transaction when dumping table `workerqueue` at row: 0",
         "overlap_concurrency", ("--single-transaction",), (), 0.7, 0.79, signature="db_concurrent_ddl"),
    Case("mysqldump_table_definition_changed_unquoted", "cron",
         " mysqldump: Error 1412: Table definition has changed, please retry transaction when dumping table "
         "wp_wpr_rucss_used_css at row: 0", "overlap_concurrency", (), (), 0.7),
    # mongodump could not reach any given host: https://github.com/ibm-cloud-architecture/icp-backup/issues/15,
    # https://github.com/sheharyarn/mongo-sync/issues/8 (the local mongod was not running)
    Case("mongodump_no_reachable_servers", "k8s",
         "2019-01-21T11:08:24.419+0000    Failed: error connecting to db server: no reachable servers",
         "dependency_unavailable", (), (), 0.7, 0.79, signature="db_connection_refused"),
    Case("mongorestore_no_reachable_servers_script", "cron",
         "2016-02-01T17:28:39.664+0800    Failed: error connecting to db server: no reachable servers\n"
         "Error on or near line 133; exiting with status 1", "dependency_unavailable", (), (), 0.7, 0.79),
    # SQL Server not found or not accessible: https://github.com/bitwarden/server/issues/5012 (a scheduled job of the server)
    Case("sqlserver_network_related", "cron",
         "      Microsoft.Data.SqlClient.SqlException (0x80131904): A network-related or instance-specific error occurred while "
         "establishing a connection to SQL Server. The server was not found or was not accessible. Verify that the instance "
         "name is correct and that SQL Server is configured to allow remote connections. (provider: TCP Provider, error: 40 - "
         "Could not open a connection to SQL Server)", "dependency_unavailable", (), (), 0.7, 0.79, signature="db_connection_refused"),
    # A cursor idle past MongoDB's cursor timeout: https://github.com/apache/beam/issues/20206,
    # https://github.com/bluesky/databroker/issues/167, https://github.com/alcaeus/mongo-php-adapter/issues/227
    Case("pymongo_cursor_not_found", "airflow", "pymongo.errors.CursorNotFound: cursor id 123 not found",
         "timeout_deadline", ("cursor timeout",), (), 0.65, 0.79, signature="mongo_cursor_timeout"),
    Case("pymongo_cursor_not_found_old_wording", "cron", "pymongo.errors.CursorNotFound: Cursor not found, cursor id: 53407868069",
         "timeout_deadline", (), (), 0.65, 0.79),
    Case("php_mongo_cursor_not_found", "cron",
         'cursor id 143376502446 not found" {"exception"    :"[object] (MongoDB\\\\Driver\\\\Exception\\\\RuntimeException(code: 43): '
         'cursor id 143376502446 not found at /srv/www/back-football/releases/29052018-154641/current/vendor/alcaeus/mongo-php-'
         'adapter/lib/Mongo/MongoCursor.php:479)"', "timeout_deadline", (), (), 0.65, 0.79),
    # Redis after a failover (ElastiCache maintenance, Sentinel): https://github.com/betagouv/rdv-service-public/issues/3469,
    # https://github.com/StackExchange/StackExchange.Redis/issues/2264
    Case("redis_readonly_replica_ruby", "cron", "Redis::CommandError: READONLY You can't write against a read only replica",
         "dependency_unavailable", ("replica",), (), 0.7, 0.79, signature="redis_readonly_replica"),
    Case("redis_readonly_replica_dotnet", "k8s", "READONLY You can't write against a read-only replica",
         "dependency_unavailable", (), (), 0.7, 0.79),
    # Redis stopped writes after a failed RDB save: https://github.com/django/channels_redis/issues/118,
    # https://github.com/guanhui07/blog/issues/526 (older wording)
    Case("redis_misconf", "cron",
         "MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk. Commands that may "
         "modify the data set are disabled, because this instance is configured to report errors during writes if RDB "
         "snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
         "dependency_unavailable", ("background save",), (), 0.65, 0.79, signature="redis_persistence_failed"),
    Case("redis_misconf_old_wording", "k8s",
         "MISCONF Redis is configured to save RDB snapshots, but is currently not able to persist on disk. Commands that may "
         "modify the data set are disabled. Please check Redis logs for details about the error.",
         "dependency_unavailable", (), (), 0.65, 0.79),
    # SQLite file or directory not writable by the job's user: https://github.com/ReneSmeekes/storj_earnings/issues/20,
    # https://github.com/Linuxfabrik/monitoring-plugins/issues/60
    Case("sqlite_readonly_traceback", "cron",
         "Traceback (most recent call last):\n"
         '  File "earnings.py", line 257, in <module>\n'
         "    con.execute('ATTACH DATABASE ? AS psu;',tPSU)\n"
         "sqlite3.OperationalError: attempt to write a readonly database",
         "permissions_rbac", ("directory",), (), 0.75, signature="sqlite_readonly"),
    Case("sqlite_readonly_plain", "cron",
         "    c.execute('REPLACE INTO check_values (software, timestamp, version) VALUES (\"nextcloud\", ?, ?)', (now, latest_version));\n"
         "OperationalError: attempt to write a readonly database", "permissions_rbac", (), (), 0.75),
    # Oracle TNS alias not resolvable (tnsnames.ora / TNS_ADMIN): https://github.com/jenkinsci/sqlplus-script-runner-plugin/issues/43,
    # https://github.com/yajra/laravel-oci8/issues/125
    Case("oracle_tns_alias", "cron", "ORA-12154: TNS:could not resolve the connect identifier specified.",
         "missing_config_or_secret", ("tnsnames.ora",), (), 0.75, signature="oracle_tns_unresolved"),
    Case("oracle_tns_alias_php", "k8s", "oci_connect(): ORA-12154: TNS:could not resolve the connect identifier specified",
         "missing_config_or_secret", (), (), 0.75),
    # Oracle's archive log destination full: https://github.com/United-Codes/uc-local-apex-dev/issues/5
    Case("oracle_archiver_error", "cron", "ORA-00257: Archiver error. Connect AS SYSDBA only until resolved.",
         "disk_full", ("archive",), (), 0.8, signature="oracle_archiver_stuck"),
    # Oracle account locked: https://github.com/mgckind/easyaccess/issues/142, https://github.com/KouShenhai/KCloud-Platform-IoT/issues/6790
    Case("oracle_account_locked", "cron",
         "<class 'cx_Oracle.DatabaseError'>\nORA-28000: the account is locked\nORA-02063: preceding line from DESOPER",
         "credentials_expired", ("locked",), (), 0.8, signature="db_account_locked"),
    Case("oracle_account_locked_23ai", "k8s", "ORA-28000: The account is locked; login denied.", "credentials_expired", (), (), 0.8),
    # ORA-01555 on long extractions: https://github.com/darold/ora2pg/issues/1287, https://github.com/osalvador/ReplicaDB/issues/8
    Case("oracle_snapshot_too_old", "cron",
         'ERROR: ORA-01555: snapshot too old: rollback segment number 7 with name "_SYSSMU7$" too small (DBD ERROR: OCIStmtFetch)',
         "timeout_deadline", ("undo",), (), 0.6, 0.79, signature="oracle_snapshot_too_old"),
    Case("oracle_snapshot_too_old_java", "k8s",
         "ERROR ReplicaTask:72 ERROR in TaskId-0 inserting data to sink table: ORA-01555: snapshot too old: rollback segment "
         'number 20 with name "_SYSSMU20_231399234$" too small', "timeout_deadline", (), (), 0.6, 0.79),
    # SQL Server log full (no log backups): https://github.com/ZeroK-RTS/Zero-K-Infrastructure/issues/906
    Case("mssql_transaction_log_full", "cron",
         "Exception Details: System.Data.SqlClient.SqlException: The transaction log for database 'zero-k' is full due to 'LOG_BACKUP'.",
         "disk_full", ("zero-k",), (), 0.8, signature="mssql_log_full"),
    # ODBC driver not installed in the image: https://github.com/mkleehammer/pyodbc/issues/878, https://github.com/microsoft/msphpsql/issues/561
    Case("odbc_driver_missing_pyodbc", "k8s",
         "pyodbc.Error: ('01000', \"[01000] [unixODBC][Driver Manager]Can't open lib 'ODBC Driver for 17 SQL Server' : file "
         "not found (0) (SQLDriverConnect)\")", "dependency_version", ("ODBC Driver for 17 SQL Server",), (), 0.8,
         signature="odbc_driver_missing"),
    Case("odbc_driver_missing_php", "cron",
         "Illuminate\\Database\\QueryException with message 'SQLSTATE[01000]: [unixODBC][Driver Manager]Can't open lib 'ODBC "
         "Driver 13 for SQL Server' : file not found", "dependency_version", (), (), 0.8),
    # Elasticsearch shard limit: https://github.com/domainaware/parsedmarc/pull/368, https://github.com/elastic/elasticsearch/pull/110993
    Case("es_max_shards_normal", "cron",
         "Elasticsearch error: RequestError(400, 'validation_exception', 'Validation Failed: 1: this action would add [1] shards, "
         "but this cluster currently has [1000]/[1000] maximum normal shards open;')",
         "resource_quota_scheduling", ("shard limit",), (), 0.85, signature="search_shard_limit"),
    Case("es_max_shards_total", "k8s",
         "Elasticsearch exception [type=validation_exception, reason=Validation Failed: 1: this action would add [2] total shards, "
         "but this cluster currently has [1000]/[1000] maximum shards open;]", "resource_quota_scheduling", (), (), 0.85),
    # Elasticsearch rejected the user's password: https://github.com/elastic/azure-marketplace/issues/358
    Case("es_unable_to_authenticate", "k8s",
         '{"error":{"root_cause":[{"type":"security_exception","reason":"unable to authenticate user [elastic] for REST request '
         '[/_security/user/kibana/_password]","header":{"WWW-Authenticate":"Basic realm=\\"security\\" charset=\\"UTF-8\\""}}],'
         '"type":"security_exception","reason":"unable to authenticate user [elastic] for REST request [/_security/user/kibana/'
         '_password]","header":{"WWW-Authenticate":"Basic realm=\\"security\\" charset=\\"UTF-8\\""}},"status":401}',
         "credentials_expired", ("elastic",), (), 0.7, signature="db_auth_failed"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_database_breadth2(case: Case) -> None:
    check_case(case)

