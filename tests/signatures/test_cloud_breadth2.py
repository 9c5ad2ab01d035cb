"""Cloud and provider signatures (Google Cloud, BigQuery, AWS, Azure, Snowflake, Databricks, dbt, SSH) on real
error lines from public reports, second breadth round. Each line is quoted from the URL above it."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case, diagnose

CASES = [
    # Compute Engine / Dataproc quota: https://github.com/GoogleCloudPlatform/data-science-on-gcp/issues/163,
    # https://github.com/GoogleCloudPlatform/python-docs-samples/issues/13456, https://github.com/amygdala/tensorflow-workshop/issues/13
    Case("dataproc_insufficient_cpus_quota", "cron",
         "ERROR: (gcloud.dataproc.clusters.create) INVALID_ARGUMENT: Multiple validation errors:\n"
         " - Insufficient 'CPUS' quota. Requested 404.0, available 12.0.\n"
         " - Insufficient 'CPUS_ALL_REGIONS' quota. Requested 404.0, available 20.0.",
         "resource_quota_scheduling", ("CPUS",), (), 0.8, signature="cloud_quota_exceeded"),
    Case("dataproc_insufficient_n2_quota", "airflow",
         "google.api_core.exceptions.Aborted: 409 Error submitting create cluster request: Insufficient 'N2_CPUS' quota. "
         "Requested 12.0, available 0.0. Your resource request exceeds your available quota. See "
         "https://cloud.google.com/compute/resource-usage", "resource_quota_scheduling", ("N2_CPUS",), (), 0.8),
    Case("gke_insufficient_regional_quota", "cron",
         "EXTERNAL: Insufficient regional quota to satisfy request for resource: \"CPUS\". The request requires '24.0' and "
         "is short '16.0'. The regional quota is '8.0' with '8.0' available.", "resource_quota_scheduling", ("CPUS",), (), 0.8),
    # BigQuery free-tier quota: https://github.com/ofek/pypinfo/issues/30 (was read as a plain 403 permission problem)
    Case("bigquery_free_bytes_quota", "cron",
         "google.api_core.exceptions.Forbidden: 403 GET https://www.googleapis.com/bigquery/v2/projects/pypinfo-hugovk/queries/"
         "<snip>?maxResults=0&timeoutMs=10000: Quota exceeded: Your project exceeded quota for free query bytes scanned. "
         "For more information, see https://cloud.google.com/bigquery/troubleshooting-errors",
         "resource_quota_scheduling", ("free query bytes scanned",), (), 0.8, signature="cloud_quota_exceeded"),
    # The zone ran out of machines: https://github.com/kestra-io/plugin-gcp/issues/698
    Case("gce_zone_stockout", "cron",
         "Operation with name \"projects/airbnb-prices-eu/regions/europe-west4/operations/3e33fbe2-bf6f-4cd8-ad08-02a3d7dbf51c\" "
         "failed with status = GrpcStatusCode{transportCode=UNAVAILABLE} and message = Error Code: UNAVAILABLE, errorSource: "
         "COMPUTE_ENGINE, Error Message: The zone 'projects/airbnb-prices-eu/zones/europe-west4-b' does not have enough "
         "resources available to fulfill the request.  Try a different zone, or try again later.",
         "resource_quota_scheduling", ("europe-west4-b",), (), 0.75, signature="cloud_zone_exhausted"),
    # BigQuery rate limits: https://github.com/fhoffa/code_snippets/issues/4, https://github.com/Logflare/logflare/issues/2240,
    # https://github.com/googleapis/python-bigquery-sqlalchemy/issues/34
    Case("bigquery_table_update_rate", "airflow",
         "Exceeded rate limits: too many table update operations for this table. For more information, see "
         "https://cloud.google.com/bigquery/troubleshooting-errors at [1063:3]",
         "resource_quota_scheduling", ("table update operations",), (), 0.7, signature="api_throttled"),
    Case("bigquery_dataset_update_rate", "cron",
         "supabase-analytics  | 12:45:53.801 [error] BigQuery dataset create error: 1_default: Exceeded rate limits: too many "
         "dataset metadata update operations for this dataset. For more information, see "
         "https://cloud.google.com/bigquery/docs/troubleshoot-quotas", "resource_quota_scheduling", (), (), 0.7),
    Case("bigquery_rate_limit_403", "cron", "\"403 Exceeded rate limits: too many table update operations for this table.\"",
         "resource_quota_scheduling", (), (), 0.7),
    # maximum_bytes_billed: https://github.com/exmergo/dex/issues/320
    Case("bigquery_bytes_billed_limit", "cron",
         " \"errors\": [\"500 Query exceeded limit for bytes billed: 163595928.\n"
         "             164626432 or higher required.; reason: bytesBilledLimitExceeded\"]}",
         "resource_quota_scheduling", ("maximum_bytes_billed",), (), 0.8, signature="bigquery_bytes_billed_limit"),
    # API not enabled: https://github.com/googleapis/google-api-nodejs-client/issues/2873,
    # https://github.com/googleapis/google-cloud-datastore/issues/97
    Case("gcp_api_not_used_in_project", "cron",
         " Error: People API has not been used in project xxxxx before or it is disabled. Enable it by visiting "
         "https://console.developers.google.com/apis/api/people.googleapis.com/overview?project=xxxxx then retry. If you "
         "enabled this API recently, wait a few minutes for the action to propagate to our systems and retry",
         "missing_config_or_secret", ("People API", "xxxxx"), ("gcloud auth list",), 0.8, signature="gcp_api_disabled"),
    Case("gcp_api_not_enabled", "k8s",
         "com.google.gcloud.datastore.DatastoreException: The Cloud Datastore API is not enabled for the project my-project",
         "missing_config_or_secret", ("Cloud Datastore API",), (), 0.8),
    # No billing account: https://github.com/vyasadi/Free_Code_Camp_Material/issues/1,
    # https://github.com/aliasoblomov/Backfill-GA4-to-BigQuery/issues/10 (was read as a plain 403)
    Case("bigquery_billing_not_enabled", "cron",
         "Billing has not been enabled for this project. Enable billing at https://console.cloud.google.com/billing. DML "
         "queries are not allowed in the free tier. Set up a billing account to remove this restriction.",
         "missing_config_or_secret", ("billing",), (), 0.8, signature="gcp_billing_disabled"),
    Case("bigquery_streaming_free_tier", "airflow",
         "google.api_core.exceptions.Forbidden: 403 POST https://bigquery.googleapis.com/bigquery/v2/projects/####/datasets/"
         "analytics_######/tables/_backfill_GA4/insertAll?prettyPrint=false: Access Denied: BigQuery BigQuery: Streaming "
         "insert is not allowed in the free tier", "missing_config_or_secret", ("billing",), (), 0.8),
    # OAuth scopes: https://github.com/GeneralTask/task-manager/pull/2160, https://github.com/googleworkspace/python-samples/issues/191,
    # https://github.com/googleapis/python-bigquery/issues/1392 (Drive scope missing; was read as a shell permission error)
    Case("gcp_insufficient_scopes", "cron", "googleapi: Error 403: Request had insufficient authentication scopes.",
         "permissions_rbac", ("scope",), ("gcloud auth list",), 0.75, signature="gcp_insufficient_scopes"),
    Case("gcp_insufficient_scopes_http", "cron",
         "<HttpError 403 when requesting https://classroom.googleapis.com/v1/courses?pageSize=10&alt=json returned \"Request had "
         "insufficient authentication scopes.\". Details: \"Request had insufficient authentication scopes.\">",
         "permissions_rbac", ("scope",), (), 0.75),
    Case("bigquery_drive_credentials", "airflow",
         "google.api_core.exceptions.Forbidden: 403 Access Denied: BigQuery BigQuery: Permission denied while getting Drive "
         "credentials.", "permissions_rbac", ("Drive",), ("gcloud auth list",), 0.75, signature="gcp_insufficient_scopes"),
    # BigQuery accessDenied on a table or dataset: https://github.com/stanford-esrg/LEO_HitchHiking/issues/2,
    # https://github.com/hashicorp/terraform-provider-google/issues/9577
    Case("bigquery_table_access_denied", "cron",
         "Access Denied: Table satellite-measurement-386900:starlink_endpoint_pings.*: User does not have permission to query "
         "table satellite-measurement-386900:starlink_endpoint_pings.*, or perhaps it does not exist in location US.",
         "permissions_rbac", (), ("gcloud auth list",), 0.8, signature="gcp_permission_denied"),
    Case("bigquery_dataset_permission_denied", "cron",
         "Error: Error creating Job: googleapi: Error 403: Access Denied: Dataset my-project:my_dataset: Permission "
         "bigquery.tables.create denied on dataset my-project:my_dataset (or it may not exist)., accessDenied",
         "permissions_rbac", ("bigquery.tables.create",), (), 0.8, signature="gcp_permission_denied"),
    # Snowflake credits used up: https://github.com/appsmithorg/appsmith/issues/39303, https://github.com/reapit/foundations/issues/10050
    Case("snowflake_resource_monitor_quota", "airflow",
         "Warehouse 'COMPUTE_WH' cannot be resumed because resource monitor 'CREDITLIMIT' has exceeded its quota.",
         "resource_quota_scheduling", ("COMPUTE_WH", "CREDITLIMIT"), (), 0.8, signature="snowflake_credit_quota"),
    # botocore configuration: https://github.com/zalando-stups/senza/issues/132 (region),
    # https://github.com/cevoaustralia/aws-google-auth/issues/95 and https://github.com/aws/aws-cli/issues/370 (profile)
    Case("boto_no_region", "cron",
         '  File "/usr/local/lib/python3.4/site-packages/botocore/regions.py", line 70, in construct_endpoint\n'
         "raise NoRegionError()\nbotocore.exceptions.NoRegionError: You must specify a region.",
         "missing_config_or_secret", ("region",), ("aws sts get-caller-identity",), 0.8, signature="aws_no_region"),
    Case("boto_profile_not_found", "cron", "botocore.exceptions.ProfileNotFound: The config profile (xxx-xxx) could not be found",
         "missing_config_or_secret", ("xxx-xxx",), ("crontab -l",), 0.8, signature="aws_profile_not_found"),
    Case("aws_cli_profile_not_found", "cron",
         "$ aws s3 ls s3://somedamnbucket --profile docgenerator\nThe config profile (docgenerator) could not be found",
         "missing_config_or_secret", ("docgenerator",), (), 0.8),
    # ECS could not fetch secrets: https://github.com/Releem/releem-agent/issues/195 (egress rule),
    # https://github.com/aws/aws-app-mesh-examples/issues/413, https://github.com/aws-samples/dataops-platform-airflow-dbt/issues/12
    Case("ecs_secrets_unreachable", "airflow",
         "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to "
         "retrieve secret from asm: service call has been retried 5 time(s): failed to fetch secret "
         "arn:aws:secretsmanager:us-west-2:*:secret:DBPasswordSecret-* from secrets manager: RequestCanceled: request context "
         "canceled caused by: context deadline exceeded. Please check your task network configuration.",
         "network_dns", ("NAT",), (), 0.7, 0.79, signature="ecs_secrets_pull_failed"),
    Case("ecs_registry_auth_unreachable", "airflow",
         "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to "
         "retrieve ecr registry auth: service call has been retried 5 time(s): RequestError: send request failed caused by: "
         "Post https://api.ecr....", "network_dns", (), (), 0.7, 0.79),
    # Azure Storage data-plane role missing: https://github.com/skyplane-project/skyplane/issues/354,
    # https://github.com/Azure/kusto-copy/issues/79
    Case("azure_permission_mismatch", "cron",
         "azure.core.exceptions.HttpResponseError: This request is not authorized to perform this operation using this "
         "permission.\nRequestId:6c15bc51-a01e-0080-31ce-6b84c9000000\nTime:2022-05-19T22:20:37.1242732Z\n"
         "ErrorCode:AuthorizationPermissionMismatch", "permissions_rbac", ("Blob Data",), ("az account show",), 0.8,
         signature="azure_storage_permission"),
    Case("azure_permission_mismatch_403", "k8s",
         "Status: 403 (This request is not authorized to perform this operation using this permission.)\n"
         "ErrorCode: AuthorizationPermissionMismatch", "permissions_rbac", (), (), 0.8, signature="azure_storage_permission"),
    # Azure AD client secret: https://github.com/microsoftgraph/msgraph-cli/issues/383, https://github.com/Azure/sap-automation/issues/418
    Case("azure_invalid_client_secret", "cron",
         "Unhandled exception: Azure.Identity.AuthenticationFailedException: ClientSecretCredential authentication failed: A "
         "configuration issue is preventing authentication - check the error message from the server for details. You can "
         "modify the configuration in the application registration portal. See https://aka.ms/msal-net-invalid-client for "
         "details.  Original exception: AADSTS7000215: Invalid client secret provided. Ensure the secret be",
         "credentials_expired", ("AADSTS7000215",), ("az account show",), 0.8, signature="azure_invalid_client_secret"),
    # Azure Storage signature check: https://github.com/microsoft/vscode-azurestorage/issues/215,
    # https://github.com/Azure/azure-storage-python/issues/487 (account key / SAS)
    Case("azure_storage_authentication_failed", "cron",
         "Error type: AuthenticationFailed\nError Message: Server failed to authenticate the request. Make sure the value of "
         "Authorization header is formed correctly including the signature.",
         "credentials_expired", ("SAS",), (), 0.65, 0.79, signature="azure_storage_auth_failed"),
    # Databricks personal access token: https://github.com/DataThirstLtd/databricks.vsts.tools/issues/26,
    # https://github.com/databricks/databricks-sdk-go/issues/873 (the first was read as a permission problem)
    Case("databricks_invalid_access_token", "cron",
         "2020-07-20T17:41:10.8141432Z ##[debug]Error 403 Invalid access token.\n2020-07-20T17:41:10.8161869Z ##[debug]\n"
         "2020-07-20T17:41:10.8180588Z ##[debug]HTTP ERROR 403\n2020-07-20T17:41:10.8199301Z ##[debug]Problem accessing "
         "/api/2.0/dbfs/put. Reason:\n2020-07-20T17:41:10.8217848Z ##[debug]    Invalid access token.",
         "credentials_expired", ("access token",), (), 0.75, signature="invalid_access_token"),
    Case("databricks_invalid_access_token_json", "airflow",
         "< * X-Databricks-Reason-Phrase: Invalid access token.\n< {\n<   \"error_code\": 403,\n<   \"message\": \"Invalid "
         "access token.\"\n< }", "credentials_expired", (), (), 0.75),
    # dbt profiles and env vars: https://github.com/sqlfluff/sqlfluff/issues/1042, https://github.com/AltimateAI/vscode-dbt-power-user/issues/98,
    # https://github.com/rinchinov/ij-dbt-plugin/issues/58, https://github.com/dbt-labs/dbt-core/issues/3136
    Case("dbt_profile_not_found", "cron",
         "dbt.exceptions.DbtProjectError: Runtime Error\n  Could not find profile named 'default'",
         "missing_config_or_secret", ("default",), (), 0.8, signature="dbt_profile_missing"),
    Case("dbt_no_profile_specified", "airflow",
         "07:53:31  Encountered an error while reading the project:\n07:53:31    ERROR: Runtime Error\n"
         "  dbt cannot run because no profile was specified for this dbt project.",
         "missing_config_or_secret", ("profile",), (), 0.8, signature="dbt_profile_missing"),
    Case("dbt_env_var_missing", "airflow",
         "dbt.exceptions.EnvVarMissingError: Parsing Error\n  Env var required but not provided: 'DBT_ENV_SNOWFLAKE_ACCOUNT'",
         "missing_config_or_secret", ("DBT_ENV_SNOWFLAKE_ACCOUNT",), (), 0.85, signature="dbt_env_var_missing"),
    Case("dbt_env_var_missing_render", "cron",
         "Encountered an error:\nCompilation Error\n  Could not render {{ env_var('MY_ENV_VAR') }}: Env var required but not "
         "provided: 'MY_ENV_VAR'", "missing_config_or_secret", ("MY_ENV_VAR",), (), 0.85),
    # paramiko host keys and refused connections: https://github.com/apache/airflow/issues/15963,
    # https://github.com/paramiko/paramiko/issues/2464, https://github.com/paramiko/paramiko/issues/2427
    Case("paramiko_host_not_in_known_hosts", "airflow",
         "    paramiko.ssh_exception.SSHException: Server '[1.2.3.4]:1234' not found in known_hosts",
         "missing_config_or_secret", ("known_hosts", "1.2.3.4"), (), 0.8, signature="ssh_host_key_unknown"),
    Case("paramiko_host_not_in_known_hosts_port", "cron",
         "paramiko.ssh_exception.SSHException: Server '[192.168.77.1]:22121' not found in known_hosts",
         "missing_config_or_secret", (), (), 0.8),
    Case("paramiko_no_valid_connections", "airflow",
         "paramiko.ssh_exception.NoValidConnectionsError: [Errno None] Unable to connect to port 22 on 10.0.89.23",
         "dependency_unavailable", ("10.0.89.23:22",), (), 0.6, 0.79, signature="ssh_connect_failed"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cloud_breadth2(case: Case) -> None:
    check_case(case)


def test_ecs_secrets_denied_by_the_role_is_a_permission_problem() -> None:
    # The same ECS message when AWS says the execution role may not read the secret: not a network problem
    # (a regression guard for ecs_secrets_pull_failed, whose refine also reads it so).
    h = diagnose("airflow", "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
                            "retrieval failed: unable to retrieve secret from asm: AccessDeniedException: User: "
                            "arn:aws:sts::1:assumed-role/exec/x is not authorized to perform: secretsmanager:GetSecretValue")
    assert h.category.value == "permissions_rbac", (h.category, h.signature)


def test_the_zone_and_quota_lines_do_not_read_an_ordinary_error() -> None:
    h = diagnose("cron", "ERROR: the zone file /etc/bind/db.example does not have enough records")
    assert h.signature not in {"cloud_zone_exhausted", "cloud_quota_exceeded"}


@pytest.mark.parametrize("log", [
    # gcloud against GKE, as quoted in public runbooks (GKE's troubleshooting page is linked from the message)
    'ERROR: (gcloud.container.clusters.get-credentials) ResponseError: code=403, message=Required "container.clusters.get" '
    'permission(s) for "projects/gcp-test/zones/asia-northeast1-a/clusters/standard-cluster-1". See '
    "https://cloud.google.com/kubernetes-engine/docs/troubleshooting#gke_service_account_deleted for more info.",
    # the same API through Terraform's googleapi client
    'Error: googleapi: Error 403: Required "container.clusters.create" permission(s) for '
    '"projects/fleet-purpose-467517-g6/locations/us-central1/clusters/dev-cluster".',
])
def test_gcp_required_permission_wording_is_an_iam_denial(log: str) -> None:
    h = diagnose("airflow", log)
    assert h.category.value == "permissions_rbac" and h.signature == "gcp_permission_denied"
    assert "container.clusters." in h.cause


def test_a_5xx_that_names_its_url_is_checked_on_that_url() -> None:
    # requests' raise_for_status() wording (the line is written for this test)
    h = diagnose("airflow", "HTTPError: 503 Server Error: Service Unavailable for url: https://collection.example.org/search/?page=39")
    assert h.category.value == "dependency_unavailable"
    assert h.command == "curl -sS -m 10 -I 'https://collection.example.org/search/?page=39'"


def test_a_cluster_service_name_is_checked_with_its_endpoints_from_any_source() -> None:
    # An Airflow task in a pod calling a database by its service name (libpq's wording; written for this test)
    h = diagnose("airflow", 'sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at '
                            '"pgbouncer.data.svc.cluster.local" (10.0.3.4), port 6432 failed: Connection refused')
    assert h.category.value == "dependency_unavailable"
    assert h.command == "kubectl get endpoints pgbouncer -n data"
    # A bare host name from Airflow is not assumed to be a Kubernetes service.
    h = diagnose("airflow", 'psycopg2.OperationalError: connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused')
    assert h.command and "kubectl" not in h.command


def test_a_400_bad_request_is_the_request_the_job_built() -> None:
    # requests' raise_for_status() wording (written for this test)
    h = diagnose("airflow", "requests.exceptions.HTTPError: 400 Client Error: Bad Request for url: https://cloud.example.com/api/v2/runs/")
    assert (h.signature, h.category.value) == ("http_bad_request", "bad_code_or_bug") and h.confidence < 0.6
