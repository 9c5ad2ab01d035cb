"""Cloud and service-login signatures on real error lines from public reports (S3 region, BigQuery
resources, SMTP and SSH logins). Each line is quoted from the URL above it."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case, diagnose

CASES = [
    # S3 bucket in another region: https://github.com/red-hat-storage/ocs-ci/issues/4010 (boto3),
    # https://github.com/tpyo/amazon-s3-php-class/issues/28, https://github.com/aws/aws-sdk-cpp/issues/893
    Case("s3_permanent_redirect_boto", "cron",
         "(PermanentRedirect) when calling the ListObjectsV2 operation: The bucket you are attempting to access must be addressed "
         "using the specified endpoint. Please send all future requests to this endpoint: {BUCKETNAME}.s3.us-east-2.amazonaws.com.",
         "missing_config_or_secret", ("us-east-2",), (), 0.8, signature="s3_wrong_region"),
    Case("s3_permanent_redirect_php", "cron",
         "S3::putObject: [PermanentRedirect] The bucket you are attempting to access must be addressed using the specified endpoint. "
         "Please send all future requests to this endpoint.", "missing_config_or_secret", ("region",), (), 0.8),
    Case("s3_permanent_redirect_cpp", "k8s",
         "Error: PermanentRedirect -- Unable to parse ExceptionName: PermanentRedirect Message: The bucket you are attempting to "
         "access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
         "missing_config_or_secret", (), (), 0.8),
    # BigQuery resources exceeded: https://github.com/mozilla/telemetry-airflow/pull/1393 (Airflow pod log),
    # https://github.com/fivetran/great_expectations/issues/7286 (memory), https://github.com/re-data/re-data/issues/101 (planning)
    Case("bigquery_shuffle_exceeded", "airflow",
         "[2021-10-19 05:55:11,534] {{pod_launcher.py:149}} INFO - google.api_core.exceptions.BadRequest: 400 Resources exceeded "
         "during query execution: Your project or organization exceeded the maximum disk and memory limit available for shuffle "
         "operations. Consider provisioning more slots, reducing query concurrency, or using more efficient logic in this job.",
         "resource_quota_scheduling", ("shuffle",), (), 0.7, signature="bigquery_resources_exceeded"),
    Case("bigquery_memory_exceeded", "airflow",
         "sqlalchemy.exc.DatabaseError: (google.cloud.bigquery.dbapi.exceptions.DatabaseError) 400 Resources exceeded during query "
         "execution: The query could not be executed in the allotted memory. Peak usage: 120% of limit.",
         "resource_quota_scheduling", (), (), 0.7, signature="bigquery_resources_exceeded"),
    Case("bigquery_planning_exceeded", "cron",
         "Database Error in model re_data_base_metrics (models/intermediate/re_data_base_metrics.sql)\n  Resources exceeded during "
         "query execution: Not enough resources for query planning - too many subqueries or query is too complex.",
         "resource_quota_scheduling", (), (), 0.7),
    # SMTP 535: https://github.com/hacky1997/voice-based-email-for-blind/issues/22 (Gmail),
    # https://github.com/CoderBounty/coderbounty/issues/342, https://github.com/fgeek/pyfiscan/issues/5
    Case("smtp_gmail_535", "airflow",
         "smtplib.SMTPAuthenticationError: (535, b'5.7.8 Username and Password not accepted. Learn more at\\n5.7.8  "
         "https://support.google.com/mail/?p=BadCredentials j10sm5731558pfn.207 - gsmtp')",
         "credentials_expired", ("SMTP",), (), 0.8, signature="smtp_auth_failed"),
    Case("smtp_bad_password", "cron", "SMTPAuthenticationError: (535, 'Authentication failed: Bad username / password')",
         "credentials_expired", (), (), 0.8),
    Case("smtp_incorrect_data", "cron", "SMTPAuthenticationError: (535, 'Incorrect authentication data')", "credentials_expired", (), (), 0.8),
    # A mailer's own log, no exception name: https://github.com/jgyates/genmon/issues/604
    Case("smtp_535_in_mailer_log", "cron",
         "2022-06-05 14:53:22,652 : Error SMTP sendmail: (535, b'5.7.8 Username and Password not accepted. Learn more at\\n5.7.8  "
         "https://support.google.com/mail/?p=BadCredentials bo12-20020a056638438c00b0032e1486f723sm552528jab.167 - gsmtp') : mymail.py:518",
         "credentials_expired", (), (), 0.8),
    # SSH logins: https://github.com/fabric/fabric/issues/1796, https://github.com/apache/airflow/issues/8490 (no key configured)
    Case("paramiko_auth_failed", "airflow", "paramiko.ssh_exception.AuthenticationException: Authentication failed.",
         "credentials_expired", ("SSH",), (), 0.75, signature="ssh_auth_failed"),
    Case("ssh_operator_no_auth_methods", "airflow",
         "[2020-04-21 00:53:14,229] {taskinstance.py:1128} ERROR - SSH operator error: No authentication methods available\n"
         "AirflowException: SSH operator error: No authentication methods available",
         "missing_config_or_secret", ("no key or password",), (), 0.8, signature="ssh_no_credentials"),
    # botocore could not connect: https://github.com/nccgroup/Scout2/issues/196,
    # https://github.com/aws-samples/amazon-custom-entity-recognition-textract-comprehend/issues/1,
    # https://github.com/red-hat-storage/ocs-ci/pull/12852 (a bad region in the host name)
    Case("aws_endpoint_sts", "cron",
         'botocore.exceptions.EndpointConnectionError: Could not connect to the endpoint URL: "https://sts.amazonaws.com/"',
         "network_dns", ("sts.amazonaws.com",), ("getent hosts sts.amazonaws.com",), 0.7, signature="aws_endpoint_unreachable"),
    Case("aws_endpoint_regional", "cron",
         'EndpointConnectionError: Could not connect to the endpoint URL: "https://comprehend.us-west-1.amazonaws.com/"',
         "network_dns", (), (), 0.7),
    Case("aws_endpoint_bad_region", "k8s",
         'botocore.exceptions.EndpointConnectionError: Could not connect to the endpoint URL: '
         '"https://ocs-ci-data.s3.SOMETHING.amazonaws.com/auth.yaml"', "network_dns", ("region",), (), 0.7),
    # A local stand-in that is not running: https://github.com/aio-libs/aiobotocore/issues/1108
    Case("aws_endpoint_local_standin", "cron",
         'ERROR tests/test_basic_s3.py::test_copy_with_quoted_char - botocore.exceptions.EndpointConnectionError: Could not connect '
         'to the endpoint URL: "http://127.0.0.1:52523/thsozalrnxicfejqywmpudbkvg"', "dependency_unavailable", (), (), 0.7),
    # Google refuses an anonymous caller with the permission sentence: no credentials, not a missing role.
    # https://github.com/apache/airflow/issues/37834 (Airflow ObjectStorage), https://github.com/fsspec/gcsfs/issues/546
    Case("gcs_anonymous_caller_airflow", "airflow",
         "[2024-03-01, 17:18:06 UTC] {retry.py:157} ERROR - _request non-retriable exception: Anonymous caller does not have "
         "storage.objects.create access to the Google Cloud Storage object. Permission 'storage.objects.create' denied on resource "
         "(or it may not exist)., 401\ngcsfs.retry.HttpError: Anonymous caller does not have storage.objects.create access to the "
         "Google Cloud Storage object. Permission 'storage.objects.create' denied on resource (or it may not exist)., 401",
         "missing_config_or_secret", ("without any credentials",), ("gcloud auth list",), 0.8, signature="gcp_permission_denied"),
    Case("gcs_anonymous_caller_prefect", "cron",
         "20:35:32.387 | INFO    | Task run 'gcs_to_bq-0' - gcsfs.retry.HttpError: Anonymous caller does not have storage.objects.get "
         "access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist)., 401",
         "missing_config_or_secret", (), (), 0.8),
    # A named identity without the role stays a permission problem: https://github.com/ansible-collections/google.cloud/issues/575,
    # https://github.com/apache/pinot/pull/11655
    Case("gcs_service_account_denied", "cron",
         "google.api_core.exceptions.Forbidden: 403 GET https://storage.googleapis.com/storage/v1/b/gke-on-prem-release?projection=noAcl"
         "&prettyPrint=false: MYSERVICEACCOUNT@email does not have storage.buckets.get access to the Google Cloud Storage bucket. "
         "Permission 'storage.buckets.get' denied on resource (or it may not exist).", "permissions_rbac", ("storage.buckets.get",), (), 0.8),
    Case("gcs_service_account_denied_java", "k8s",
         "Caused by: com.google.cloud.storage.StorageException: startree-poc@production-267908.iam.gserviceaccount.com does not have "
         "storage.buckets.get access to the Google Cloud Storage bucket. Permission 'storage.buckets.get' denied on resource (or it "
         "may not exist).", "permissions_rbac", (), (), 0.8),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cloud_breadth(case: Case) -> None:
    check_case(case)


def test_s3_redirect_names_bucket_and_region_for_the_check() -> None:
    h = diagnose("cron", "botocore.exceptions.ClientError: An error occurred (PermanentRedirect) when calling the ListObjects "
                         "operation: The bucket you are attempting to access must be addressed using the specified endpoint. Please "
                         "send all future requests to this endpoint: my-data.s3.eu-west-1.amazonaws.com")
    assert h.command == "aws s3api get-bucket-location --bucket my-data"
    assert "eu-west-1" in h.cause
