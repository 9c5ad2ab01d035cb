"""Database signatures on real error lines from public reports, gathered across tools and wordings
(Snowflake, MongoDB, Redis, Elasticsearch, SQLAlchemy's pool). Each line is quoted from the URL above it."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case

CASES = [
    # Snowflake login rejected: https://github.com/coiled/benchmarks/issues/1345 (inside an Airflow-like SQLAlchemy stack:
    # Snowflake is never Airflow's metadata database), https://github.com/xlang-ai/Spider2/issues/107 ("specified"
    # without "was"), https://github.com/saturncloud/examples/pull/151
    Case("snowflake_auth_sqlalchemy", "airflow",
         "sqlalchemy.exc.DatabaseError: (snowflake.connector.errors.DatabaseError) 250001 (08001): Failed to connect to DB: "
         "***.snowflakecomputing.com:443. Incorrect username or password was specified.",
         "credentials_expired", ("credentials",), (), 0.7, signature="db_auth_failed"),
    Case("snowflake_auth_short_wording", "cron",
         "250001 (08001): Failed to connect to DB: RSRSBDK-YDB67606.snowflakecomputing.com:443. Incorrect username or password specified.",
         "credentials_expired", (), (), 0.7, signature="db_auth_failed"),
    Case("snowflake_auth_plain", "airflow",
         "DatabaseError: 250001 (08001): Failed to connect to DB: mf80263.us-east-2.aws.snowflakecomputing.com:443. "
         "Incorrect username or password was specified", "credentials_expired", (), (), 0.7),
    # Snowflake without a warehouse: https://github.com/Snowflake-Labs/OpenLineage-AccessHistory-Setup/issues/14,
    # https://github.com/airbytehq/airbyte/issues/40615 (JDBC), https://github.com/snowflakedb/pdo_snowflake/issues/179 (PHP)
    Case("snowflake_no_warehouse_python", "airflow",
         "snowflake.connector.errors.ProgrammingError: 000606 (57P03): 01a503b0-0401-997d-0001-0003016c457e: No active warehouse "
         "selected in the current session.  Select an active warehouse with the 'use warehouse' command.",
         "missing_config_or_secret", ("warehouse",), (), 0.7, 0.79, signature="snowflake_no_warehouse"),
    Case("snowflake_no_warehouse_jdbc", "k8s",
         "2024-07-01 05:37:10 destination > WARN type-and-dedupe c.z.h.p.ProxyConnection(checkException):178 HikariPool-1 - "
         "Connection net.snowflake.client.jdbc.SnowflakeConnectionV1@d66a18f marked as broken because of SQLSTATE(57P03), "
         "ErrorCode(606) net.snowflake.client.jdbc.SnowflakeSQLException: No active warehouse selected in the current session.  "
         "Select an active warehouse with the 'use warehouse' command.", "missing_config_or_secret", (), (), 0.5, 0.79),
    Case("snowflake_no_warehouse_php", "cron",
         "SQLSTATE[57P03]: Cannot connect now: 606 No active warehouse selected in the current session. Select an active "
         "warehouse with the 'use warehouse' command.", "missing_config_or_secret", (), (), 0.7, 0.79),
    # SQLAlchemy's client-side pool ran dry: https://github.com/tjcsl/cslbot/issues/788,
    # https://github.com/PriorLabs/tabpfn-client/issues/57, https://github.com/numerique-gouv/ami-notifications-api/issues/375
    Case("sqlalchemy_queuepool", "cron",
         "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30",
         "resource_quota_scheduling", ("pool size 5",), (), 0.75, signature="db_pool_exhausted"),
    Case("sqlalchemy_queuepool_20", "k8s",
         "sqlalchemy.exc.TimeoutError: QueuePool limit of size 20 overflow 20 reached, connection timed out, timeout 30.00 "
         "(Background on this error at: https://sqlalche.me/e/20/3o7r)", "resource_quota_scheduling", ("overflow 20",), (), 0.75),
    Case("sqlalchemy_queuepool_split_lines", "cron",
         "TimeoutError\nQueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00 (Background on this "
         "error at: https://sqlalche.me/e/20/3o7r)", "resource_quota_scheduling", (), (), 0.75),
    # Redis with a password: https://github.com/laixintao/iredis/issues/213, https://github.com/packit/packit-service/pull/729,
    # https://github.com/yoimiya-kokomi/Miao-Yunzai/issues/125 (Node client)
    Case("redis_authentication_required", "cron", "redis.exceptions.AuthenticationError: Authentication required.",
         "missing_config_or_secret", ("Redis",), (), 0.8, signature="redis_auth_failed"),
    Case("redis_noauth", "k8s", "redis.exceptions.ResponseError: NOAUTH Authentication required.",
         "missing_config_or_secret", (), (), 0.8),
    Case("redis_noauth_node", "cron", "[Error] [ErrorReply: NOAUTH Authentication required.]", "missing_config_or_secret", (), (), 0.8),
    # MongoDB login rejected: https://github.com/grillazz/fastapi-mongodb/issues/50,
    # https://github.com/AbirHasan2005/PyroFilesStoreBot/issues/48 (Atlas), https://github.com/mongodb-labs/flask-pymongo/issues/141
    Case("mongo_auth_code_18", "cron",
         "pymongo.errors.OperationFailure: Authentication failed., full error: {'ok': 0.0, 'errmsg': 'Authentication failed.', "
         "'code': 18, 'codeName': 'AuthenticationFailed'}", "credentials_expired", (), (), 0.7, signature="db_auth_failed"),
    Case("mongo_atlas_bad_auth", "k8s",
         "2022-07-18T07:55:02.112670+00:00 app[worker.1]: pymongo.errors.OperationFailure: bad auth : Authentication failed., "
         "full error: {'ok': 0, 'errmsg': 'bad auth : Authentication failed.', 'code': 8000, 'codeName': 'AtlasError'}",
         "credentials_expired", (), (), 0.7),
    Case("mongo_auth_plain", "cron", "pymongo.errors.OperationFailure: Authentication failed.", "credentials_expired", (), (), 0.7),
    # Elasticsearch flood-stage watermark: https://github.com/rwynn/monstache/issues/610,
    # https://github.com/IHTSDO/snowstorm/issues/409, https://github.com/italia/docs.italia.it/pull/371
    Case("es_flood_stage_bulk", "cron",
         'backend-server-monstache-1  | ERROR 2022/04/16 07:41:33 Bulk response item: {"_index":"mycollection","_type":"_doc",'
         '"_id":"62569f8f21f1ebff3a1ee853","status":429,"error":{"type":"cluster_block_exception","reason":"index [mycollection] '
         'blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block];"}}',
         "disk_full", ("flood-stage",), (), 0.85, signature="search_index_read_only"),
    Case("es_read_only_allow_delete_java", "k8s",
         "ElasticsearchException.getFailedDocuments() for detailed messages [{global-ADMIN=ElasticsearchException[Elasticsearch "
         "exception [type=cluster_block_exception, reason=index [admin-permission] blocked by: [TOO_MANY_REQUESTS/12/index "
         "read-only / allow delete (api)];]]}].", "disk_full", (), (), 0.85),
    # The 403 wording must not read as a permission problem.
    Case("es_read_only_403", "cron", "Config: Error 403 Forbidden: blocked by: [FORBIDDEN/12/index read-only / allow delete (api)]",
         "disk_full", (), (), 0.85),
    # Oracle tablespace that cannot grow: https://github.com/ArctosDB/arctos/issues/1776,
    # https://github.com/moodlehq/moodle-docker/issues/1
    Case("oracle_unable_to_extend", "cron",
         "An error occurred while processing this page! Error Executing Database Query. [Macromedia][Oracle JDBC Driver][Oracle]"
         "ORA-01653: unable to extend table SYS.FGA_LOG$ by 8192 in tablespace SYSTEMThis message has been logged.",
         "disk_full", (), (), 0.8, signature="db_disk_full"),
    Case("oracle_initial_extent", "cron", "unable to create INITIAL extent for segment in tablespace SYSTEM", "disk_full", (), (), 0.8),
    # PostgreSQL's /dev/shm: https://github.com/aboutcode-org/vulnerablecode/pull/1896,
    # https://github.com/PrecisionNutrition/pndev/pull/41, https://github.com/spantaleev/matrix-docker-ansible-deploy/issues/1268
    Case("pg_shared_memory_server_log", "k8s",
         ' ERROR:  could not resize shared memory segment "/PostgreSQL.638321836" to 16777216 bytes: No space left on device',
         "disk_full", ("shared memory",), (), 0.85, signature="db_shared_memory_full"),
    Case("pg_shared_memory_rails", "cron",
         'PG::DiskFull: ERROR: could not resize shared memory segment "/PostgreSQL.394945862" to 16777216 bytes: No space left on device',
         "disk_full", ("shared memory",), ("max_parallel_workers_per_gather",), 0.85, signature="db_shared_memory_full"),
    Case("pg_shared_memory_query", "cron",
         'Error running query: could not resize shared memory segment "/PostgreSQL.15877507" to 16777216 bytes: No space left on device',
         "disk_full", ("shared memory",), (), 0.85),
    # MySQL max_allowed_packet: https://github.com/matomo-org/matomo/issues/13052 (PHP), https://github.com/wso2/testgrid/issues/951
    # (Connector/J), https://github.com/topolik/FSRepo/issues/2 (Hibernate), https://github.com/matrixorigin/matrixone/issues/20880
    Case("mysql_packet_php", "cron", "SQLSTATE[08S01]: Communication link failure: 1153 Got a packet bigger than 'max_allowed_packet' bytes",
         "resource_quota_scheduling", ("max_allowed_packet",), (), 0.75, signature="mysql_packet_too_large"),
    Case("mysql_packet_connector_j", "k8s",
         "Internal Exception: com.mysql.cj.jdbc.exceptions.PacketTooBigException: Packet for query is too large (2,682 > 1,024). ",
         "resource_quota_scheduling", ("2,682",), (), 0.75),
    Case("mysql_packet_hibernate", "cron",
         "14:23:27,421 ERROR [JDBCExceptionReporter:75] Packet for query is too large (1048614 > 1048576). You can change this value "
         "on the server by setting the max_allowed_packet' variable.", "resource_quota_scheduling", ("1048576",), (), 0.75),
    Case("mysql_packet_cli", "cron", "ERROR 2020 (HY000): Got packet bigger than 'max_allowed_packet' bytes",
         "resource_quota_scheduling", (), (), 0.75),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_database_breadth(case: Case) -> None:
    check_case(case)


def test_ssh_authentication_failed_is_not_a_database() -> None:
    # https://github.com/deepmodeling/dpgen/issues/1027: paramiko's wording is the same as MongoDB's.
    from tests.signatures.support import diagnose
    h = diagnose("airflow", "paramiko.ssh_exception.AuthenticationException: Authentication failed.")
    assert h.signature == "ssh_auth_failed" and "database" not in h.cause.lower(), (h.signature, h.cause)


def test_redis_wrong_password_is_a_rejected_credential() -> None:
    from tests.signatures.support import diagnose
    h = diagnose("cron", "redis.exceptions.AuthenticationError: WRONGPASS invalid username-password pair or user is disabled.")
    assert h.category.value == "credentials_expired" and h.signature == "redis_auth_failed", (h.category, h.signature)
