"""Cloud CLI/SDK signatures on real AWS, Google and Azure error text."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case

CASES = [
    # https://github.com/aws-samples/aws-iot-twinmaker-samples/issues/147
    Case("aws_expired_token", "cron",
         "botocore.exceptions.ClientError: An error occurred (ExpiredToken) when calling the CreateRole operation: "
         "The security token included in the request is expired", "credentials_expired", ("expired",), (), 0.9),
    # https://github.com/awslabs/aws-orbit-workbench/issues/707
    Case("aws_expired_web_identity", "k8s",
         "botocore.errorfactory.ExpiredTokenException: An error occurred (ExpiredTokenException) when calling the "
         "AssumeRoleWithWebIdentity operation: Token expired: current date/time 1624482533 must be before the expiration date/time1624482335",
         "credentials_expired", (), (), 0.9),
    Case("aws_no_credentials", "cron", "botocore.exceptions.NoCredentialsError: Unable to locate credentials",
         "missing_config_or_secret", (), (), 0.8),
    Case("aws_access_denied", "k8s",
         "An error occurred (AccessDeniedException) when calling the GetSecretValue operation: User: "
         "arn:aws:sts::123456789012:assumed-role/reports-job/botocore-session-1 is not authorized to perform: "
         "secretsmanager:GetSecretValue on resource: reports/db because no identity-based policy allows the secretsmanager:GetSecretValue action",
         "permissions_rbac", ("secretsmanager:GetSecretValue", "reports-job"), (), 0.85),
    # https://github.com/googleworkspace/python-samples/issues/1644 and rosenpin/i3-agenda#78
    Case("gcp_refresh_error", "cron",
         "google.auth.exceptions.RefreshError: ('invalid_grant: Token has been expired or revoked.', "
         "{'error': 'invalid_grant', 'error_description': 'Token has been expired or revoked.'})",
         "credentials_expired", (), (), 0.85),
    # https://github.com/kubernetes/kubernetes/issues/96289
    Case("gcloud_reauth_required", "k8s",
         'Unable to connect to the server: error executing access token command "/usr/lib/google-cloud-sdk/bin/gcloud config config-helper '
         '--format=json": err=exit status 1 output= stderr=Reauthentication required.\n'
         "ERROR: (gcloud.config.config-helper) There was a problem reauthenticating while refreshing your current auth tokens: "
         "Reauthentication challenge could not be answered because you are not in an interactive session.",
         "credentials_expired", (), ("gcloud auth list",), 0.85),
    # https://github.com/GoogleCloudPlatform/cloud-code-intellij/issues/543
    Case("gcloud_refresh_token_invalid", "cron", "ERROR: gcloud crashed (AuthPermanentFail): Refresh token is invalid.",
         "credentials_expired", (), (), 0.85),
    # https://github.com/google/kctf/issues/197
    Case("kubectl_unauthorized", "cron", "error: You must be logged in to the server (Unauthorized)", "credentials_expired", (),
         ("kubectl auth can-i get pods",), 0.8),
    # https://github.com/LBHackney-IT/Data-Platform/pull/1883
    Case("s3_put_denied_names_the_principal", "airflow",
         "> botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObject operation: User: "
         "arn:aws:iam::120038763019:user/streetscene-airflow-user is not authorized to perform: s3:PutObject on resource: "
         '"arn:aws:s3:::dataplatform-stg-landing-zone/streetscene/traffic-counters/street-systems/',
         "permissions_rbac", ("streetscene-airflow-user", "s3:PutObject"), ("aws sts get-caller-identity",), 0.85),
    # https://github.com/apache/airflow/issues/17063
    Case("s3_headobject_403", "airflow", "botocore.exceptions.ClientError: An error occurred (403) when calling the HeadObject operation: Forbidden",
         "permissions_rbac", (), (), 0.8),
    # https://github.com/mozilla/telemetry-airflow/pull/1964
    Case("bigquery_jobs_create", "airflow",
         "google.api_core.exceptions.Forbidden: 403 POST https://bigquery.googleapis.com/bigquery/v2/projects/moz-fx-data-airflow-gke-prod/"
         "jobs?prettyPrint=false: Access Denied: Project moz-fx-data-airflow-gke-prod: User does not have bigquery.jobs.create permission "
         "in project moz-fx-data-airflow-gke-prod.", "permissions_rbac", ("bigquery.jobs.create",), (), 0.8),
    # https://github.com/facebookresearch/dynabench/issues/482
    Case("aws_throttled", "airflow",
         "botocore.exceptions.ClientError: An error occurred (ThrottlingException) when calling the CreateTransformJob "
         "operation (reached max retries: 4): Rate exceeded", "resource_quota_scheduling", ("rate limit",), (), 0.75),
    Case("s3_no_such_key", "airflow",
         "botocore.errorfactory.NoSuchKey: An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.",
         "data_input_missing", (), (), 0.8),
    Case("http_401_expired", "cron", "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://api.example.com/v1/export "
         "(token expired)", "credentials_expired", (), (), 0.8),
    Case("http_503", "cron", "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: https://api.example.com/v1/export",
         "dependency_unavailable", (), (), 0.7),
    # https://github.com/dansbaker/gecko-intouch3-home-assistant/issues/7
    Case("oauth_token_expired", "cron",
         'Connection failed: OAuth refresh token has expired. User needs to re-authenticate. Error: 401 - {"statusCode":401,'
         '"code":"FST_JWT_AUTHORIZATION_TOKEN_EXPIRED","error":"Unauthorized","message":"Authorization token expired"}',
         "credentials_expired", (), (), 0.8),
    # https://github.com/gkhaavik/Commercify/issues/38 (title)
    Case("java_jwt_expired", "k8s", "io.jsonwebtoken.ExpiredJwtException: JWT expired", "credentials_expired", (), (), 0.8),
    # https://github.com/googleapis/google-cloud-python/issues/15691
    Case("bigquery_dataset_not_in_location", "airflow",
         "google.api_core.exceptions.NotFound: 404 Not found: Dataset my-dataset:my_table was not found in location US.",
         "data_input_missing", ("my-dataset:my_table",), (), 0.7),
    # https://github.com/apache/airflow/pull/4324 (a query against a dataset in another region)
    Case("bigquery_dataset_not_found", "airflow",
         '"message" : "Not found: Dataset mybqproject:mybqtable"', "data_input_missing", ("mybqproject:mybqtable",), (), 0.7),
    # https://github.com/heroku/heroku.py/issues/60 (the legacy API was shut down)
    Case("api_gone_410", "cron", "requests.exceptions.HTTPError: 410 Client Error: Gone for url: https://api.heroku.com/apps",
         "dependency_version", ("api.heroku.com",), ("curl -sS -m 10 -I https://api.heroku.com/apps",), 0.45, 0.6),
    # https://github.com/CatalogueOfLife/data/issues/910 (JSON error body)
    Case("http_404_json_body", "cron", '{"code":404,"message":"ColDP archive for dataset 307664 not found"}',
         "data_input_missing", (), (), 0.5, 0.6),
    # https://github.com/intermine/intermine/issues/988: the URL is on the line before the 404
    Case("http_404_url_from_previous_line", "cron",
         "Apr 23 14:47:11 [DEBUG ] Downloading http://compbio.charite.de/hudson/job/hpo/lastStableBuild/artifact/ontology/release//hp.obo "
         "to /tmp/0Nx2g8Lqmi\nApr 23 14:47:11 [EMERGENCY] 404 Not Found at line 110",
         "data_input_missing", ("hp.obo",), ("curl -sS -m 10 -I http://compbio.charite.de/",), 0.5, 0.6),
    # Snowflake's documented error 390114 (a session/authentication token past its validity)
    Case("snowflake_auth_token_expired", "airflow",
         "snowflake.connector.errors.ProgrammingError: 390114 (08001): Authentication token has expired.  The user must authenticate again.",
         "credentials_expired", (), (), 0.8),
    Case("azure_expired_secret", "k8s",
         "AADSTS7000222: The provided client secret keys for app '6c1f...' are expired. Visit the Azure portal to create new keys for your app.",
         "credentials_expired", (), (), 0.85),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cloud_signature(case: Case) -> None:
    check_case(case)


def test_bigquery_job_not_found_is_not_a_missing_table() -> None:
    # https://github.com/apache/airflow/issues/29307: a job looked up in the wrong location, not input data
    from tests.signatures.support import diagnose
    h = diagnose("airflow", 'airflow.exceptions.AirflowException: 404, message=\'Not Found: {"error": {"code": 404, '
                 '"message": "Not found: Job dev-data-platform-294611:airflow_derived_tables_stage_0f2853ad"}}\'')
    assert h.signature != "warehouse_table_missing"


def test_a_token_being_renewed_is_not_the_failure() -> None:
    from tests.signatures.support import diagnose
    log = ("2024-05-01 02:00:00 INFO auth: access token expired, refreshing\n"
           "2024-05-01 02:00:01 INFO auth: got new access token\n"
           "Traceback (most recent call last):\n  File \"/opt/job/export.py\", line 40, in main\n    total = rows[0]['amount']\n"
           "IndexError: list index out of range")
    h = diagnose("cron", log)
    assert h.category.value == "bad_code_or_bug", (h.signature, h.cause)
