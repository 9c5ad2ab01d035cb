"""Airflow tasks and the Python data stack on real task logs from public reports, third breadth round. Each log is
quoted from the URL above it (shortened to the lines that matter)."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case, diagnose

CASES = [
    # --- Airflow 3: the task SDK and the API server's execution API -------------------------------------------
    # Celery redelivered a running task; the API server told the first attempt to stop:
    # https://github.com/apache/airflow/issues/58441
    Case("af3_server_said_not_running", "airflow",
         '  File "/home/airflow/.local/lib/python3.12/site-packages/airflow/sdk/api/client.py", line 172, in get_json_error\n'
         "    raise err\nairflow.sdk.api.client.ServerResponseError: Server returned error\n"
         "Correlation-id=019a9827-d13d-7175-b0fb-b69a017a9ffd\n"
         "2025-11-18T18:09:01.229556Z [error    [] Server indicated the task shouldn't be running anymore [supervisor] "
         "detail={'detail': {'reason': 'not_running', 'message': 'TI is no longer in the running state and task should "
         "terminate', 'current_state': 'failed'}} loc=supervisor.py:1109 status_code=409\n"
         "2025-11-18T18:09:06.235061Z [warning  [] Process did not terminate in time; escalating [supervisor] "
         "loc=supervisor.py:716 pid=64 signal=SIGTERM",
         "scheduler_infra", ("state",), ("airflow tasks state",), 0.6, 0.79, signature="airflow_execution_api_error"),
    # The error detail missing from the worker log, only the SDK's exception: https://github.com/apache/airflow/issues/57961
    Case("af3_server_response_error_celery", "airflow",
         "2025-11-05T17:32:56.233876Z [error    [] Task execute_workload[b4c1c834-0c96-4387-b5e7-1f159fd0afd3[] raised "
         "unexpected: ServerResponseError('Server returned error') [celery.app.trace] loc=trace.py:267\n"
         "Traceback (most recent call last):\n"
         '  File "/home/airflow/.local/lib/python3.12/site-packages/celery/app/trace.py", line 453, in trace_task',
         "scheduler_infra", (), (), 0.6, 0.79, signature="airflow_execution_api_error"),
    # The API server answered 500 to the worker: https://github.com/apache/airflow/pull/48517 (a 500, not the task's service).
    Case("af3_execution_api_500", "airflow",
         "[2025-03-28T22:27:44.731+0000] {_client.py:1026} INFO - HTTP Request: GET http://localhost:8080/execution/"
         "task-instances/0195dedc-dd4e-7b99-a42f-6c46a55e8ebd/previous-successful-dagrun \"HTTP/1.1 500 Internal Server "
         "Error\"\n2025-03-28 22:27:44 [warning  ] Server error                   [airflow.sdk.api.client] "
         "detail={'message': 'Internal server error', 'correlation-id': '0195dede-4676-7de6-b57f-b65c2d632deb'}",
         "scheduler_infra", (), (), 0.6, 0.79, signature="airflow_execution_api_error"),
    # A worker that cannot reach the API server at all: https://github.com/apache/airflow/issues/55148 (its title names the
    # exception; the frames are the issue's).
    Case("af3_api_server_unreachable", "airflow",
         '  File "/home/airflow/.local/lib/python3.10/site-packages/airflow/sdk/api/client.py", line 152, in start\n'
         '    resp = self.client.patch(f"task-instances/{id}/run", content=body.model_dump_json())\n'
         '  File "/home/airflow/.local/lib/python3.10/site-packages/httpx/_client.py", line 1218, in patch\n'
         "    return self.request(\nhttpx.ConnectError: [Errno 111] Connection refused",
         "scheduler_infra", ("execution_api_server_url",), ("execution_api_server_url",), 0.75,
         signature="airflow_execution_api_error"),
    # A second copy of a running task instance refuses to start: https://github.com/apache/airflow/issues/16163
    Case("deps_task_instance_running", "airflow",
         "{taskinstance.py:874} INFO - Dependencies not met for <TaskInstance: ... [running]>, dependency 'Task Instance "
         "Not Running' FAILED: Task is in the running state\n"
         "{taskinstance.py:874} INFO - Dependencies not met for <TaskInstance: ... [running]>, dependency 'Task Instance "
         "State' FAILED: Task is in the 'running' state which is not a valid state for execution. The task must be "
         "cleared in order to be `run.",
         "overlap_concurrency", (), (), 0.6, signature="airflow_already_running"),
    # A templated sql= whose file Jinja cannot find: https://github.com/BasPH/data-pipelines-with-apache-airflow/issues/19
    Case("jinja_template_not_found", "airflow",
         "jinja2.exceptions.TemplateNotFound: postgres_query-{{ ts_nodash }}.sql",
         "bad_code_or_bug", ("postgres_query",), (), 0.75, signature="airflow_template_error"),

    # --- HTTP provider, Slack, SFTP ------------------------------------------------------------------------------
    # HttpHook.check_response logs "HTTP error: <reason>" and raises AirflowException(str(status_code) + ":" + reason)
    # (providers/http/hooks/http.py); a 404 fails HttpOperator before any response_check runs:
    # https://github.com/apache/airflow/issues/45237
    Case("http_hook_404", "airflow",
         "[2024-12-27, 10:00:01 UTC] {http.py:204} ERROR - HTTP error: Not Found\n"
         "airflow.exceptions.AirflowException: 404:Not Found",
         "data_input_missing", (), (), 0.5, signature="http_not_found"),
    # The same hook on a 429 raises AirflowException instead of retrying: https://github.com/apache/airflow/issues/9569
    Case("http_hook_429", "airflow",
         "[2020-06-29 10:00:01,000] {http_hook.py:141} ERROR - HTTP error: Too Many Requests\n"
         "airflow.exceptions.AirflowException: 429:Too Many Requests",
         "resource_quota_scheduling", (), (), 0.7, signature="api_throttled"),
    Case("http_hook_500", "airflow",
         "[2024-12-27, 10:00:01 UTC] {http.py:204} ERROR - HTTP error: Internal Server Error\n"
         "airflow.exceptions.AirflowException: 500:Internal Server Error",
         "dependency_unavailable", (), (), 0.6, signature="service_unavailable"),
    # slack_sdk's SlackApiError with the API's error code: https://github.com/pocketpaw/pocketpaw/issues/372
    Case("slack_invalid_auth", "airflow",
         "ERROR    Failed to retrieve WSS URL: The request to the Slack API failed. (url:\n"
         "                    https://slack.com/api/apps.connections.open, status: 200)\n"
         "                    The server responded with: {'ok': False, 'error': 'invalid_auth'}",
         "credentials_expired", ("invalid_auth",), (), 0.8, signature="slack_api_error"),
    # The fix was inviting the bot to the channel: https://github.com/czbiohub-sf/Rapid-QC-MS/issues/82
    Case("slack_channel_not_found", "airflow",
         "Slack API error: The request to the Slack API failed. (url: https://www.slack.com/api/chat.postMessage)\n"
         "The server responded with: {'ok': False, 'error': 'channel_not_found'}",
         "missing_config_or_secret", ("invited",), (), 0.6, 0.79, signature="slack_api_error"),
    # The older slacker client: https://github.com/scrapinghub/slackbot/issues/236
    Case("slacker_invalid_auth", "cron",
         "    raise Error(response.error)\nslacker.Error: invalid_auth",
         "credentials_expired", (), (), 0.8, signature="slack_api_error"),
    # paramiko's SFTP get() of a remote file that is not there: https://github.com/cybertronai/ncluster/issues/5,
    # https://github.com/paramiko/paramiko/issues/1653
    Case("sftp_get_missing", "airflow",
         '  File "/Users/yaroslavvb/anaconda3/envs/main/lib/python3.6/site-packages/paramiko/sftp_client.py", line 802, in get\n'
         "    size = self.getfo(remotepath, fl, callback)\n"
         '  File "/Users/yaroslavvb/anaconda3/envs/main/lib/python3.6/site-packages/paramiko/sftp_client.py", line 778, in getfo\n'
         "    file_size = self.stat(remotepath).st_size\nFileNotFoundError: [Errno 2] No such file",
         "data_input_missing", (), (), 0.7, signature="sftp_remote_path_missing"),
    # put() to a remote path that is not there (SFTPOperator): https://github.com/paramiko/paramiko/issues/149
    Case("sftp_put_missing", "airflow",
         'File "[redacted] python3.6/site-packages/paramiko/sftp_client.py", line 759, in put\n'
         "    return self.putfo(fl, remotepath, file_size, callback, confirm)\n"
         '  File "[redacted] python3.6/site-packages/paramiko/sftp_client.py", line 720, in putfo\n'
         "    s = self.stat(remotepath)\n"
         '  File "[redacted] python3.6/site-packages/paramiko/sftp_client.py", line 894, in _convert_status\n'
         "    raise IOError(errno.ENOENT, text)\nFileNotFoundError: [Errno 2] No such file",
         "missing_config_or_secret", ("remote directory",), (), 0.5, 0.7, signature="sftp_remote_path_missing"),

    # --- EMR, Databricks, Spark -----------------------------------------------------------------------------------
    # EmrJobFlowSensor: https://github.com/apache/airflow/pull/5452 (the PR quotes the new message)
    Case("emr_bootstrap_download_failed", "airflow",
         "[2019-06-21 17:02:56,781] {emr_base_sensor.py:33} INFO - Job flow currently TERMINATED_WITH_ERRORS\n"
         "[2019-06-21 17:02:56,799] {__init__.py:1580} ERROR - EMR job failed for code: BOOTSTRAP_FAILURE with message Master "
         "instance (i-02c25cade3cbfc453) failed attempting to download bootstrap action 1 file from S3\n"
         "Traceback (most recent call last):\n"
         '  File "/usr/local/lib/python2.7/dist-packages/airflow/sensors/emr_base_sensor.py", line 43, in poke\n'
         "    raise AirflowException(final_message)\n"
         "AirflowException: EMR job failed for code: BOOTSTRAP_FAILURE with message Master instance (i-02c25cade3cbfc453) "
         "failed attempting to download bootstrap action 1 file from S3",
         "missing_config_or_secret", ("S3",), (), 0.65, signature="emr_bootstrap_failed"),
    # https://github.com/Wittline/pyspark-on-aws-emr/issues/4
    Case("emr_bootstrap_nonzero", "airflow",
         "Cluster: cluster-csce63-bd-pyspark-1651949622794435546TerminatingOn the master instance (i-02093432d9c865f08), "
         "bootstrap action 1 returned a non-zero return code",
         "bad_code_or_bug", ("bootstrap",), (), 0.5, 0.7, signature="emr_bootstrap_failed"),
    # https://github.com/snowplow/snowplow/issues/354 (about 1% of launches; a retry succeeds)
    Case("emr_bootstrap_timed_out", "airflow",
         "SHUTTING_DOWN [On the master instance (i-xxx), bootstrap action 1 timed out executing] ~ elapsed time n/a [ - ] - "
         "1. Elasticity Scalding Step: Enrich Raw Events: CANCELLED ~ elapsed time n/a [ - ]",
         "timeout_deadline", (), (), 0.5, 0.7, signature="emr_bootstrap_failed"),
    # https://github.com/SAFEHR-data/FlowEHR/issues/141 (transient; retried)
    Case("databricks_self_bootstrap_failure", "airflow",
         "Error: cannot create cluster: 0303-131037-qid874qx is not able to transition from TERMINATED to RUNNING: "
         "Self-bootstrap failure during launch. Please try again later and contact Databricks if the problem persists. "
         "databricks_error_message: Self-bootstrap failure during launch. Please try again later a..., Termination info: "
         "code: SELF_BOOTSTRAP_FAILURE, type: , parameters: map[databricks_error_message:Self-bootstrap failure during launch.]",
         "dependency_unavailable", (), (), 0.55, 0.75, signature="databricks_cluster_launch_failed"),
    # https://github.com/databrickslabs/dolly/issues/42
    Case("databricks_add_nodes_failed", "airflow",
         "ADD_NODES_FAILED: Unable to add 1 container to the cluster. Will attempt to retry: false. Reason: Unexpected "
         "startup failure. Internal error message: Timeout while placing nodes.",
         "dependency_unavailable", (), (), 0.55, 0.75, signature="databricks_cluster_launch_failed"),
    # https://github.com/archivesunleashed/auk/issues/150
    Case("spark_max_result_size", "airflow",
         "2018-08-03 00:53:20,680 [main] INFO  DAGScheduler - Job 4 failed: collect at WriteGraphML.scala:53, took 276.607356 s\n"
         "org.apache.spark.SparkException: Job aborted due to stage failure: Total size of serialized results of 2572 tasks "
         "(1062.8 MB) is bigger than spark.driver.maxResultSize (1024.0 MB)\n"
         "  at org.apache.spark.scheduler.DAGScheduler.org$apache$spark$scheduler$DAGScheduler$$failJobAndIndependentStages"
         "(DAGScheduler.scala:1435)",
         "oom", ("1062.8 MB",), (), 0.7, signature="spark_driver_result_size"),
    # The newer wording without parentheses: https://github.com/projectglow/glow/issues/459
    Case("spark_max_result_size_gib", "airflow",
         "Caused by: org.apache.spark.SparkException: Job aborted due to stage failure: Total size of serialized results of "
         "731259 tasks (4.0 GiB) is bigger than spark.driver.maxResultSize 4.0 GiB.",
         "oom", (), (), 0.7, signature="spark_driver_result_size"),
    # Spark SQL names a column the input does not have: https://github.com/eBay/griffin/issues/41
    Case("spark_cannot_resolve_column", "airflow",
         "17/04/07 20:10:28 INFO ParseDriver: Parse Completed\n"
         "Exception in thread \"main\" org.apache.spark.sql.AnalysisException: cannot resolve 'start' given input columns: "
         "[first_name, phone, email, post_code, user_id, last_name, address]; line 1 pos 46\n"
         "        at org.apache.spark.sql.catalyst.analysis.package$AnalysisErrorAt.failAnalysis(package.scala:42)",
         "bad_code_or_bug", ("start",), (), 0.55, signature="db_column_missing"),

    # --- SQL, warehouses -------------------------------------------------------------------------------------------
    # An unrendered placeholder in the SQL: https://github.com/openego/eGon-data/issues/319
    Case("pg_syntax_error_at_or_near", "airflow",
         "[2021-07-08 10:05:40,569] {taskinstance.py:1150} ERROR - (psycopg2.errors.SyntaxError) syntax error at or near "
         "\"{\"\nLINE 2:         SELECT MAX({component}_id) FROM grid.egon_pf_hv_{com...\n"
         "                           ^\n\n[SQL: \n        SELECT MAX({component}_id) FROM grid.egon_pf_hv_{component}\n"
         "        ]\n(Background on this error at: http://sqlalche.me/e/13/f405)",
         "bad_code_or_bug", ("near {", "unrendered"), (), 0.75, signature="sql_syntax_error"),
    # The operator generated SQL Postgres does not accept: https://github.com/apache/airflow/issues/25815
    Case("pg_syntax_error_operator", "airflow",
         "[2022-08-19, 09:28:14 UTC] {taskinstance.py:1910} ERROR - Task failed with exception\n"
         "Traceback (most recent call last):\n"
         '  File "/usr/local/lib/python3.9/site-packages/airflow/hooks/dbapi.py", line 178, in get_first\n'
         "    cur.execute(sql)\npsycopg2.errors.SyntaxError: subquery in FROM must have an alias\n"
         "LINE 1: SELECT MIN(row_count_check) FROM (SELECT CASE WHEN COUNT(*) ...\n"
         "                                         ^\nHINT:  For example, FROM (SELECT ...) [AS] foo.",
         "bad_code_or_bug", ("alias",), (), 0.75, signature="sql_syntax_error"),
    # A provider upgrade passes parameters the query has no placeholders for: https://github.com/apache/airflow/issues/71271
    Case("query_placeholders_mismatch", "airflow",
         "Task failed with exception\nProgrammingError: the query has 0 placeholders but 3 parameters were passed\n"
         'File "/usr/local/lib/python3.13/site-packages/airflow/sdk/execution_time/task_runner.py", line 1287 in run',
         "bad_code_or_bug", (), (), 0.75, signature="sql_syntax_error"),
    # A dropped or renamed column under a view the job reads: https://github.com/PostHog/posthog/pull/63725
    Case("snowflake_invalid_identifier", "airflow",
         "ProgrammingError: 000904 (42000): <query-id>: SQL compilation error: error line 64 at position 36\n"
         "invalid identifier 'PROPERTIES_HS_DATE_ENTERED_...'",
         "bad_code_or_bug", ("PROPERTIES_HS_DATE_ENTERED",), (), 0.55, signature="db_column_missing"),
    # Athena/Trino name the column the query asks for and the table lacks:
    # https://github.com/aws-samples/aiml-genai-multimodal-agent/issues/17, https://github.com/forter/s3-compare/issues/3
    Case("athena_column_not_found", "airflow",
         "OperationalError: (pyathena.error.OperationalError) COLUMN_NOT_FOUND: line 3:7: Column 'symbol' cannot be resolved "
         "or requester is not authorized to access requested resources [SQL: SELECT symbol, closing_price FROM stock_prices "
         "WHERE symbol IN ('AAAA', 'WWW', 'DDD') AND YEAR(date) = 2018 ORDER BY symbol] (Background on this error at: "
         "https://sqlalche.me/e/14/e3q8)",
         "bad_code_or_bug", ("symbol",), (), 0.55, signature="db_column_missing"),
    Case("athena_syntax_error_column", "airflow",
         "pyathena.error.OperationalError: SYNTAX_ERROR: line 6:3: Column 'table1.key' cannot be resolved. You may need to "
         "manually clean the data at location 's3://mybucket/queries/humans/tables/1681d795-cfad-40b9-86bc-3c3b6f6bcfec' "
         "before retrying. Athena will not delete data in your account.",
         "bad_code_or_bug", ("table1.key",), (), 0.55, signature="db_column_missing"),
    # Redshift COPY (often a wrong delimiter or a compressed file read as plain): https://github.com/blaze/odo/issues/298
    Case("redshift_copy_stl_load_errors", "airflow",
         "InternalError: (psycopg2.InternalError) Load into table 'tmp0' failed.  Check 'stl_load_errors' system table for "
         "details.",
         "bad_code_or_bug", ("tmp0", "stl_load_errors"), ("stl_load_errors",), 0.5, 0.7, signature="db_load_rejected"),
    # https://github.com/transferwise/pipelinewise-target-redshift/pull/59
    Case("redshift_value_too_long", "airflow",
         "psycopg2.InternalError: Value too long for character type\nDETAIL:\n"
         "  -----------------------------------------------\n  error:  Value too long for character type\n"
         "  code:      8001\n  context:   Value too long for type character varying(505)",
         "bad_code_or_bug", (), (), 0.5, 0.7, signature="db_load_rejected"),
    # Snowflake's network policy: https://github.com/PostHog/posthog/pull/63691 (Python connector),
    # https://github.com/airbytehq/airbyte/issues/20992 (JDBC)
    Case("snowflake_ip_not_allowed", "airflow",
         "250001 (08001): None: Failed to connect to DB: <account>.snowflakecomputing.com:443. Incoming request with "
         "IP/Token <ip> is not allowed to access Snowflake. Contact your account administrator.",
         "permissions_rbac", ("network policy",), (), 0.8, signature="snowflake_network_policy"),
    Case("snowflake_ip_not_allowed_jdbc", "airflow",
         "Type: net.snowflake.client.jdbc.SnowflakeSQLException\n\nIP 13.37.4.46 is not allowed to access Snowflake. Contact "
         "your local security administrator or please create a case with Snowflake Support or reach us on our support line: ",
         "permissions_rbac", ("13.37.4.46",), (), 0.8, signature="snowflake_network_policy"),
    # The account locator without its region part: https://github.com/datafold/data-diff/issues/141
    Case("snowflake_account_name_wrong", "airflow",
         "snowflake.connector.errors.ForbiddenError: 250001 (08001): Failed to connect to DB. Verify the account name is "
         "correct: fi45185.snowflakecomputing.com:443. HTTP 403: Forbidden",
         "missing_config_or_secret", ("fi45185.snowflakecomputing.com",), (), 0.7, signature="snowflake_account_not_found"),

    # SQLAlchemy 1.4 dropped the "postgres" alias; Airflow's Connection.get_uri() still builds postgres://:
    # https://github.com/apache/airflow/issues/55223, https://github.com/pallets-eco/flask-sqlalchemy/issues/929
    Case("sqlalchemy_postgres_dialect_removed", "airflow",
         '  File "/home/airflow/.local/lib/python3.12/site-packages/sqlalchemy/util/deprecations.py", line 375, in warned\n'
         "    return fn(*args, **kwargs)\nsqlalchemy.exc.NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:postgres",
         "dependency_version", ("postgresql://",), (), 0.8, signature="sqlalchemy_dialect_missing"),
    # A dialect whose package is not installed: https://github.com/encode/databases/issues/426
    Case("sqlalchemy_dialect_not_installed", "airflow",
         "sqlalchemy.exc.NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:postgresql.aiopg",
         "dependency_version", ("postgresql.aiopg",), (), 0.75, signature="sqlalchemy_dialect_missing"),
    # Snowflake's access control: https://github.com/sqitchers/sqitch/issues/586
    Case("snowflake_insufficient_privileges", "airflow",
         "003001 (42501): SQL access control error:\nInsufficient privileges to operate on database 'mydb'\n"
         "\"snowsql\" unexpectedly returned exit value 5",
         "permissions_rbac", ("mydb",), (), 0.8, signature="db_permission_denied"),
    # https://github.com/datalytyx/snowflake-webhooks/issues/4
    Case("snowflake_role_not_granted", "airflow",
         "SQL access control error: Requested role 'ACCOUNTADMIN' is not assigned to the executing user. Specify another role "
         "to activate",
         "permissions_rbac", ("ACCOUNTADMIN",), (), 0.8, signature="db_permission_denied"),
    # BigQuery load jobs: https://github.com/googleapis/google-cloud-python/issues/5624 (CSV),
    # https://github.com/m-lab/etl-gardener/issues/291 (JSON)
    Case("bigquery_csv_too_many_errors", "airflow",
         "google.api_core.exceptions.BadRequest: 400 Error while reading data, error message: CSV table encountered too many "
         "errors, giving up. Rows: 1; errors: 1. Please look into the error stream for more details.",
         "bad_code_or_bug", ("errors[]",), (), 0.5, 0.7, signature="db_load_rejected"),
    Case("bigquery_json_too_many_errors", "airflow",
         "Location: \"gs://json-mlab-sandbox/ndt/ndt7/2020/06/17/20200617T220807.881508Z-ndt7-mlab2-hnd02-ndt-.json\"; "
         "Message: \"Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: 1; "
         "errors: 1. Please look into the errors[] collection for more details.\"; Reason: \"invalid\"",
         "bad_code_or_bug", (), (), 0.5, 0.7, signature="db_load_rejected"),
    # https://github.com/googleapis/google-cloud-python/issues/3602
    Case("bigquery_schema_does_not_match", "airflow",
         "[{u'reason': u'invalid', u'message': u'Provided Schema does not match Table <redacted>. Cannot add fields (field: "
         "com_<redacted>_<redacted>_Content_value).'}]",
         "bad_code_or_bug", ("schema",), (), 0.55, 0.7, signature="db_load_rejected"),

    # --- SMTP ----------------------------------------------------------------------------------------------------------
    # AUTH offered only after STARTTLS (the fix was ssl=starttls): https://github.com/jamesoff/simplemonitor/issues/594,
    # https://github.com/pst-group/pysystemtrade/issues/202
    Case("smtp_auth_needs_starttls", "cron",
         '  File "/usr/lib/python3.8/smtplib.py", line 700, in login\n    raise SMTPNotSupportedError(\n'
         "smtplib.SMTPNotSupportedError: SMTP AUTH extension not supported by server.",
         "missing_config_or_secret", ("STARTTLS",), (), 0.75, signature="smtp_tls_mismatch"),
    # EmailOperator against a server without STARTTLS: https://github.com/apache/airflow/issues/50
    Case("smtp_starttls_not_offered", "airflow",
         "2015-06-19 13:20:10,459 - root - ERROR - STARTTLS extension not supported by server.\n"
         "Traceback (most recent call last):\n"
         '  File "/usr/local/lib/python2.7/site-packages/airflow/operators/email_operator.py", line 36, in execute\n'
         "    send_email(self.to, self.subject, self.html_content)\n"
         '  File "/usr/local/Cellar/python/2.7.9/Frameworks/Python.framework/Versions/2.7/lib/python2.7/smtplib.py", line 644, '
         "in starttls\n    raise SMTPException(\"STARTTLS extension not supported by server.\")\n"
         "SMTPException: STARTTLS extension not supported by server.",
         "missing_config_or_secret", (), (), 0.4, signature="smtp_tls_mismatch"),

    # --- dbt, KubernetesPodOperator -----------------------------------------------------------------------------------
    # `dbt deps` never ran where the job runs: https://github.com/edx/jenkins-job-dsl/pull/1479,
    # https://github.com/dataforgoodfr/12_bloom/issues/544 (a cron job), https://github.com/astronomer/astronomer-cosmos/issues/1549
    Case("dbt_packages_not_installed", "airflow",
         "17:04:19-0500 Compilation Error\n17:04:19-0500   dbt found 2 package(s) specified in packages.yml, but only 1 "
         "package(s) installed in dbt_modules. Run \"dbt deps\" to install package dependencies.",
         "dependency_version", ("dbt deps",), (), 0.8, signature="dbt_packages_not_installed"),
    Case("dbt_packages_not_installed_cron", "cron",
         "2026-04-03 16:37:03\nSmooth inkay(bas) CMDOUT (Compilation Error)\n2026-04-03 16:37:03\n"
         "Smooth inkay(bas) CMDOUT (  dbt found 1 package(s) specified in packages.yml, but only 0 package(s) installed in "
         "dbt_packages. Run \"dbt deps\" to install package dependencies.)",
         "dependency_version", (), ("crontab",), 0.8, signature="dbt_packages_not_installed"),
    # do_xcom_push=True and the container never wrote return.json: https://github.com/apache/airflow/issues/22318
    Case("kpo_xcom_return_json_missing", "airflow",
         "[2022-03-16, 17:08:07 UTC] {pod_manager.py:342} INFO - Running command... cat /airflow/xcom/return.json\n\n"
         "[2022-03-16, 17:08:07 UTC] {pod_manager.py:349} INFO - stderr from command: cat: can't open "
         "'/airflow/xcom/return.json': No such file or directory\n\n"
         "[2022-03-16, 17:08:07 UTC] {pod_manager.py:342} INFO - Running command... kill -s SIGINT 1\n\n"
         "[2022-03-16, 17:08:08 UTC] {kubernetes_pod.py:417} INFO - Deleting pod: test.20882a4c607d418d94e87231214d34c0\n"
         "[2022-03-16, 17:08:08 UTC] {taskinstance.py:1718} ERROR - Task failed with exception\n"
         "Traceback (most recent call last):\n"
         '  File "/usr/local/lib/python3.8/site-packages/airflow/providers/cncf/kubernetes/operators/kubernetes_pod.py", '
         "line 385, in execute\n    result = self.extract_xcom(pod=self.pod)",
         "bad_code_or_bug", ("return.json",), ("test.20882a4c607d418d94e87231214d34c0",), 0.75,
         signature="airflow_kpo_xcom_missing"),

    # --- pandas/pyarrow, data tests ---------------------------------------------------------------------------------
    # A mixed-type object column (the maintainer: "indicates wrongly typed data", cast it): https://github.com/wesm/feather/issues/349,
    # https://github.com/USEPA/standardizedinventories/issues/112
    Case("pyarrow_mixed_type_column", "airflow",
         ' File "pyarrow/error.pxi", line 91, in pyarrow.lib.check_status\n'
         "pyarrow.lib.ArrowTypeError: (\"Expected a string or bytes object, got a 'int' object\", 'Conversion failed for "
         "column testcol with type object')",
         "bad_code_or_bug", ("testcol",), (), 0.6, 0.7, signature="pyarrow_column_conversion"),
    Case("pyarrow_mixed_type_column_bare", "cron",
         "pyarrow.lib.ArrowTypeError: (\"Expected bytes, got a 'int' object\", 'Conversion failed for column Year with type "
         "object')",
         "bad_code_or_bug", ("Year",), (), 0.6, 0.7, signature="pyarrow_column_conversion"),
    # A dbt test that passes in dev but fails in the scheduled job (different data): https://github.com/dbt-labs/dbt-core/issues/5296
    Case("dbt_test_failure", "airflow",
         "Got 1 result, configured to fail if != 0",
         "data_input_missing", ("1 failing",), (), 0.5, 0.7, signature="data_quality_check_failed"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_airflow_breadth3(case: Case) -> None:
    check_case(case)


# --- What the new patterns must not claim ------------------------------------------------------------------------

def test_great_expectations_warning_that_continues_is_not_a_failure() -> None:
    # The provider's own wording when fail_task_on_validation_failure=False: the task went on.
    h = diagnose("airflow", "WARNING - Validation with Great Expectations failed. Continuing DAG execution because "
                            "fail_task_on_validation_failure is set to False.")
    assert h.signature != "data_quality_check_failed"


def test_dbt_warn_threshold_is_not_a_failed_test() -> None:
    h = diagnose("airflow", "Warning in test not_null_orders_id (models/schema.yml)\n  Got 3 results, configured to warn if != 0")
    assert h.signature != "data_quality_check_failed"


def test_a_local_missing_file_is_not_sftp() -> None:
    h = diagnose("airflow", "FileNotFoundError: [Errno 2] No such file or directory: '/opt/airflow/data/in.csv'")
    assert h.signature != "sftp_remote_path_missing"


def test_unknown_slack_error_codes_are_not_read_as_credentials() -> None:
    h = diagnose("airflow", "The server responded with: {'ok': False, 'error': 'fatal_error'}")
    assert h.signature != "slack_api_error" and h.category.value != "credentials_expired"


def test_a_tasks_own_httpx_connect_error_is_its_dependency() -> None:
    # No task-SDK client frame: the task's own HTTP call, not Airflow's API server.
    h = diagnose("airflow", 'Traceback (most recent call last):\n  File "/opt/airflow/dags/pull.py", line 12, in pull\n'
                            "    httpx.get(url)\nhttpx.ConnectError: [Errno 111] Connection refused")
    assert h.signature != "airflow_execution_api_error"


def test_a_500_from_another_service_stays_a_dependency() -> None:
    h = diagnose("airflow", 'INFO - HTTP Request: GET https://api.example.com/v1/orders "HTTP/1.1 500 Internal Server Error"\n'
                            "requests.exceptions.HTTPError: 500 Server Error: Internal Server Error for url: "
                            "https://api.example.com/v1/orders")
    assert h.category.value == "dependency_unavailable"


def test_other_dependency_messages_are_not_a_running_duplicate() -> None:
    h = diagnose("airflow", "INFO - Dependencies not met for <TaskInstance: d.t 2023 [None]>, dependency 'Trigger Rule' "
                            "FAILED: Task's trigger rule 'all_success' requires all upstream tasks to have succeeded")
    assert h.signature != "airflow_already_running"


def test_a_mysql_value_too_long_is_not_sent_to_redshifts_load_table() -> None:
    # The same rejection outside Redshift: no stl_load_errors to query there.
    h = diagnose("airflow", "pymysql.err.DataError: (1406, \"Data too long for column 'name' at row 1\")")
    assert h.signature == "db_load_rejected" and "stl_load_errors" not in h.command
