"""Cloud CLI and SDK signatures (AWS, Google Cloud, Azure), plain HTTP auth/limit answers, and the
logins of the other services a job talks to (SMTP, SSH/SFTP)."""

from __future__ import annotations

import re

from triage.engine.signatures import checks as C
from triage.engine.signatures.logview import LogView
from triage.engine.signatures.model import Hit
from triage.engine.signatures.model import Signature as S
from triage.models import Category as K

_AWS_ID = ("aws sts get-caller-identity",)
_GCP_ID = ("gcloud auth list",)
_AZ_ID = ("az account show",)


def _token_expired(hit: Hit, view: LogView) -> Hit:
    if any("expired" in line.lower() for line in hit.lines):
        hit.confidence = 0.85
        hit.causes = ("An API token the job uses has expired (HTTP 401)",)
    return hit


_URL = re.compile(r"https?://[^\s'\"<>)]+")
# An API version in a path: /v1/, /api/v2/, /2.0/.
_API_VERSION = re.compile(r"/(?:api/)?v\d+(?:\.\d+)?/|/api/\d")


def _last_url(hit: Hit, view: LogView) -> str:
    """The URL the failing request went to: on the hit's line, else the latest one before it (or in status)."""
    for line in [view.lines[hit.index]] + view.lines[view.n_log:] + view.lines[max(0, hit.index - 20): hit.index][::-1]:
        found = _URL.findall(line)
        if found:
            return found[-1].rstrip(".,;:")
    return ""


# Airflow's UI fetching a task log from the worker's log server: that 404 is about the log, not the job's input.
_LOG_FETCH = re.compile(r":8793/log/|Could not read served logs|Failed to fetch log file|Log file does not exist", re.IGNORECASE)


def _not_found_url(hit: Hit, view: LogView) -> Hit | None:
    if _LOG_FETCH.search(view.lines[hit.index]):
        return None
    if not hit.groups.get("url"):
        url = _last_url(hit, view)
        if url:
            hit.groups["url"] = url
    return hit


def _api_gone(hit: Hit, view: LogView) -> Hit:
    """405/410 from a versioned API path: the server no longer offers that API version."""
    url = hit.groups.get("url") or _last_url(hit, view)
    if url:
        hit.groups["url"] = url
        if _API_VERSION.search(url):
            hit.confidence = 0.62
    return hit


# A client that says it is renewing the token it found expired is handling it, not failing on it.
_RENEWING = re.compile(r"\b(?:refreshing|renewing|re-?authenticating|will (?:refresh|renew)|getting a new|requesting a new|obtaining a new)\b",
                       re.IGNORECASE)


def _token_renewal(hit: Hit, view: LogView) -> Hit | None:
    line = view.lines[hit.index]
    if _RENEWING.search(line) and not re.search(r"refresh token", line, re.IGNORECASE):
        return None
    return hit


def _bucket_region(hit: Hit, view: LogView) -> Hit:
    """S3 names the endpoint the bucket lives at; its region is in the host name."""
    endpoint = hit.groups.get("endpoint", "")
    m = re.search(r"\.s3[.-]([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws", endpoint)
    if m and not hit.groups.get("expected"):
        hit.groups["expected"] = m.group(1)
    bucket = re.match(r"([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.s3[.-]", endpoint)
    if bucket and not hit.groups.get("bucket"):
        hit.groups["bucket"] = bucket.group(1)
    if hit.groups.get("bucket"):
        # Read-only (the guard checks it when the card is built): where the bucket really lives.
        hit.commands = ("aws s3api get-bucket-location --bucket {bucket}",) + hit.signature.commands
        hit.reason = "Shows the region the bucket really lives in, to compare with the job's region setting"
    return hit


def _endpoint(hit: Hit, view: LogView) -> Hit:
    """Nothing listening on a local endpoint (a LocalStack/MinIO stand-in) is a service that is down."""
    host = hit.groups.get("host", "")
    if host in ("localhost", "127.0.0.1", "::1", "0.0.0.0"):
        hit.category = K.dependency_unavailable
        hit.causes = ("Nothing answered at the local endpoint {host}: the service the job talks to (an S3/AWS stand-in) is "
                      "not running",)
        hit.commands = ("ss -ltn",) + hit.signature.commands
    return hit


def _anonymous_caller(hit: Hit, view: LogView) -> Hit:
    """Google answers an unauthenticated request with the same "does not have ... access" sentence:
    an anonymous caller has no credentials at all, which no role grant will fix."""
    if any("anonymous caller" in line.lower() for line in hit.lines + [view.lines[hit.index]]):
        hit.category = K.missing_config_or_secret
        hit.confidence = 0.85
        hit.causes = ("The job called Google Cloud without any credentials (an anonymous caller was refused {perm}): the "
                      "client found no service-account key or connection credentials",
                      "The job called Google Cloud without any credentials (anonymous caller): the client found no "
                      "service-account key or connection credentials")
        hit.commands = _GCP_ID + C.POD + C.WHERE_IT_RAN
    return hit


def _ecs_secrets(hit: Hit, view: LogView) -> Hit:
    """ECS could not fetch the task's secrets or registry token: a network path to the AWS APIs
    (no NAT, no VPC endpoint, an egress rule), unless AWS said the execution role was denied."""
    line = view.lines[hit.index]
    if re.search(r"AccessDenied|not authorized to perform", line, re.IGNORECASE):
        hit.category = K.permissions_rbac
        hit.confidence = 0.85
        hit.causes = ("ECS could not fetch the task's secrets or registry token: its task execution role is not allowed to "
                      "read them (AccessDenied)",)
        hit.commands = _AWS_ID + C.AIRFLOW_TASK
    return hit


# Slack's Web API answers {"ok": false, "error": CODE}; the code names the cause.
_SLACK = {
    "invalid_auth": (K.credentials_expired, 0.85, "Slack rejected the job's token ({slack_error}): it is wrong, was revoked or "
                     "rotated, or belongs to another workspace"),
    "token_revoked": (K.credentials_expired, 0.88, "Slack rejected the job's token: it was revoked ({slack_error})"),
    "token_expired": (K.credentials_expired, 0.88, "Slack rejected the job's token: it expired ({slack_error})"),
    "account_inactive": (K.credentials_expired, 0.85, "Slack rejected the job's token: the user or bot it belongs to was "
                         "deactivated ({slack_error})"),
    "not_authed": (K.missing_config_or_secret, 0.82, "The job called Slack without a token ({slack_error}): the Slack "
                   "connection or its token setting is empty"),
    "channel_not_found": (K.missing_config_or_secret, 0.7, "Slack found no channel by the name or ID the job posts to "
                          "({slack_error}): the channel setting is wrong, or the channel is private and the bot was not "
                          "invited to it"),
    "not_in_channel": (K.permissions_rbac, 0.82, "The Slack bot is not a member of the channel it posts to ({slack_error}): "
                       "it must be invited there"),
    "missing_scope": (K.permissions_rbac, 0.85, "The job's Slack token lacks an OAuth scope the call needs ({slack_error}): the "
                      "Slack app must be granted it and reinstalled"),
    "ratelimited": (K.resource_quota_scheduling, 0.8, "Slack rate-limited the job's calls ({slack_error})"),
}


def _slack(hit: Hit, view: LogView) -> Hit | None:
    known = _SLACK.get(hit.groups.get("slack_error", ""))
    if known is None:
        return None
    hit.category, hit.confidence, cause = known
    hit.causes = (cause,)
    return hit


# paramiko's own ENOENT reads "No such file" (a local file says "No such file or directory").
_SFTP_PUT = re.compile(r"\bin (?:put|putfo)\b|\.put\(|sftp\.put|\bstore_file\b")


def _sftp_missing(hit: Hit, view: LogView) -> Hit:
    """Reading a remote file that is not there is missing input; writing fails the same way when the remote directory
    does not exist."""
    frames = "\n".join(view.lines[max(0, hit.index - 15): hit.index])
    if _SFTP_PUT.search(frames):
        hit.category = K.missing_config_or_secret
        hit.confidence = 0.6
        hit.causes = ("The SFTP server has no such remote path to write to: the remote directory in the job's "
                      "configuration does not exist there (or the account sees another root)",)
    return hit


_EMR_CLUSTER = re.compile(r"\b(j-[A-Z0-9]{8,16})\b")


def _emr_bootstrap(hit: Hit, view: LogView) -> Hit:
    line = view.lines[hit.index]
    for text in [line] + view.lines[max(0, hit.index - 30): hit.index][::-1] + view.lines[hit.index + 1: hit.index + 30]:
        m = _EMR_CLUSTER.search(text)
        if m:
            hit.groups["emr_cluster"] = m.group(1)
            break
    if re.search(r"failed attempting to download bootstrap action", line, re.IGNORECASE):
        hit.category = K.missing_config_or_secret
        hit.confidence = 0.72
        hit.causes = ("EMR could not download the cluster's bootstrap action script from S3: the script's S3 path is wrong, "
                      "or the cluster's instance profile may not read it",)
    elif re.search(r"bootstrap action \d+ timed out", line, re.IGNORECASE):
        hit.category = K.timeout_deadline
        hit.confidence = 0.6
        hit.causes = ("An EMR bootstrap action ran past its time limit, so the cluster never started (a script waiting on "
                      "the network or a slow install); such launches often succeed on a retry",)
    return hit


# Databricks cluster termination codes that mean the cloud had no capacity (or quota) for the nodes.
_DBX_CAPACITY = re.compile(r"INSUFFICIENT_INSTANCE_CAPACITY|RESOURCE_STOCKOUT|QUOTA_EXCEEDED|InsufficientInstanceCapacity",
                           re.IGNORECASE)


def _databricks_launch(hit: Hit, view: LogView) -> Hit:
    window = "\n".join(view.lines[max(0, hit.index - 3): hit.index + 3])
    if _DBX_CAPACITY.search(window):
        hit.category = K.resource_quota_scheduling
        hit.confidence = 0.8
        hit.causes = ("The Databricks cluster could not get its nodes: the cloud had no capacity (or quota) for the instance "
                      "type in that zone",)
    elif re.search(r"INIT_SCRIPT_FAILURE", window):
        hit.category = K.bad_code_or_bug
        hit.confidence = 0.7
        hit.causes = ("The Databricks cluster did not start because one of its init scripts failed: the script (or a "
                      "package it installs) is broken",)
    return hit


SIGNATURES = [
    # botocore could not open a connection to the endpoint: DNS, proxy/firewall, or a region/endpoint that does not exist.
    S("aws_endpoint_unreachable", K.network_dns, 0.74, refine=_endpoint,
      patterns=(r"Could not connect to the endpoint URL: \"?(?P<url>https?://(?P<host>[^/:\"]+)[^\"\s]*)",),
      causes=("The job could not connect to the AWS endpoint {host} (DNS, proxy or firewall, no network; or a region or "
              "endpoint setting that names an endpoint that does not exist)",),
      commands=("getent hosts {host}",) + C.WHERE_IT_RAN,
      reason="Shows whether the endpoint's name resolves where the check runs"),
    # The bucket lives in another region than the client addresses (S3 answers 301 PermanentRedirect or names the region).
    S("s3_wrong_region", K.missing_config_or_secret, 0.82, refine=_bucket_region,
      patterns=(r"must be addressed using the specified endpoint(?:\. Please send all future requests to this endpoint: (?P<endpoint>\S+))?",
                r"\bPermanentRedirect\b",
                r"the region '(?P<region>[\w-]+)' is wrong; expecting '(?P<expected>[\w-]+)'", r"\bIllegalLocationConstraintException\b"),
      causes=("The job addresses the bucket through the wrong AWS region (it lives in {expected}): the job's region or "
              "endpoint setting is wrong",
              "The job addresses the bucket through the wrong AWS region or endpoint (S3 PermanentRedirect): the job's "
              "region setting does not match the bucket's"),
      commands=_AWS_ID + C.POD + C.WHERE_IT_RAN,
      reason="Shows the AWS account the job's credentials use; the bucket's region is to compare with the job's region setting"),
    # SMTP 535: the mail server rejected the login (Airflow's email alerts and EmailOperator, any mailer).
    S("smtp_auth_failed", K.credentials_expired, 0.85,
      patterns=(r"\bSMTPAuthenticationError\b", r"\b535[ ,-]+b?['\"]?5\.7\.[0-9]+\b",
                r"\b535\b.{0,30}(?:Authentication (?:failed|unsuccessful|credentials invalid)|Incorrect authentication data|"
                r"Username and Password not accepted)"),
      causes=("The mail server rejected the job's SMTP login (535): its user or password (app password) is wrong, "
              "changed or revoked",),
      commands=C.AIRFLOW_TASK + C.POD + C.WHERE_IT_RAN,
      reason="Shows the task's state; the SMTP connection's login is what to check"),
    # The SMTP connection's TLS setting does not fit the server's port: AUTH is only offered after STARTTLS (port 587),
    # and a server (or port) without STARTTLS refuses it.
    S("smtp_tls_mismatch", K.missing_config_or_secret, 0.8,
      patterns=(r"SMTP AUTH extension not supported by server", r"STARTTLS extension not supported by server"),
      causes=("The mail server refused the job's SMTP session setup: the connection's TLS setting does not fit the server's "
              "port (AUTH needs STARTTLS on port 587; SSL on 465; a server without STARTTLS needs it off), so the SMTP "
              "settings (smtp_starttls / smtp_ssl / smtp_port) must match the server",),
      commands=C.AIRFLOW_TASK + C.POD + C.WHERE_IT_RAN,
      reason="Shows the task's state; the SMTP host, port and TLS settings are what to compare with the server's"),
    # SSH/SFTP (paramiko, SSHOperator, SFTPHook): the server refused the key or password, or none was configured.
    S("ssh_auth_failed", K.credentials_expired, 0.8,
      patterns=(r"paramiko\.ssh_exception\.AuthenticationException", r"\bAuthenticationException: Authentication failed",
                r"(?:SSH|SFTP)\w* (?:operator )?error: Authentication failed", r"\bBadAuthenticationType\b"),
      causes=("The SSH server refused the job's login: its key or password is wrong, rotated, or not authorised there",),
      commands=C.AIRFLOW_TASK + C.POD + C.WHERE_IT_RAN,
      reason="Shows the task's state; the SSH connection's user and key are what to compare with the server"),
    S("ssh_no_credentials", K.missing_config_or_secret, 0.84,
      patterns=(r"No authentication methods available",),
      causes=("The SSH connection has no key or password configured, so the client could not even try to log in",),
      commands=C.AIRFLOW_TASK + C.POD + C.WHERE_IT_RAN,
      reason="Shows the task's state; the SSH connection needs a key file, private key or password"),
    # BigQuery cancels a query that outgrows the slots' memory or shuffle space (or is too complex to plan).
    S("bigquery_resources_exceeded", K.resource_quota_scheduling, 0.78,
      patterns=(r"Resources exceeded during query execution(?::\s*(?P<detail>[^.]+))?", r"\bresourcesExceeded\b",
                r"Query exceeded resource limits"),
      causes=("BigQuery cancelled the query: it needed more resources than the project's slots allow ({detail}); the query "
              "must be made lighter or run with more slots/less concurrency",
              "BigQuery cancelled the query: it needed more resources than the project's slots allow"),
      commands=C.AIRFLOW_RUN + C.WHERE_IT_RAN,
      reason="Shows which other tasks ran at the same time and shared the slots"),
    S("aws_expired_token", K.credentials_expired, 0.93,
      patterns=(r"\bExpiredToken(?:Exception)?\b", r"The security token included in the request is expired", r"\bRequestExpired\b",
                r"Token has expired and refresh failed", r"The SSO session associated with this profile has expired",
                r"Error when retrieving token from sso: Token has expired"),
      causes=("The job's AWS credentials have expired (ExpiredToken)",),
      commands=_AWS_ID + C.POD,
      reason="Shows which AWS identity the job's credentials resolve to, or that they are expired"),
    S("aws_no_credentials", K.missing_config_or_secret, 0.86,
      patterns=(r"\bNoCredentialsError\b", r"Unable to locate credentials", r"Could not load credentials from any providers",
                r"\bCredentialsProviderError\b", r"NoCredentialProviders: no valid providers in chain"),
      causes=("The job found no AWS credentials at all (none configured where it runs)",),
      commands=_AWS_ID + C.POD + C.CRONTAB),
    S("aws_invalid_credentials", K.credentials_expired, 0.82,
      patterns=(r"\bInvalidAccessKeyId\b", r"The AWS Access Key Id you provided does not exist", r"\bSignatureDoesNotMatch\b",
                r"\bUnrecognizedClientException\b", r"The security token included in the request is invalid", r"\bInvalidClientTokenId\b"),
      causes=("AWS rejected the job's access key (rotated, deleted or wrong)",),
      commands=_AWS_ID + C.POD),
    S("aws_access_denied", K.permissions_rbac, 0.88,
      patterns=(r"(?P<principal>arn:aws:\S+) is not authorized to perform: (?P<action>[\w:*-]+)(?: on resource: (?P<resource>\S+))?",
                r"An error occurred \(AccessDenied(?:Exception)?\)", r"\bAccessDenied: Access Denied\b", r"\bUnauthorizedOperation\b",
                r"An error occurred \(403\) when calling the \w+ operation",
                r"\bAuthorizationError\b"),
      causes=("{principal} is not allowed to {action} on {resource}", "{principal} is not allowed to {action}",
              "AWS denied the job's request (AccessDenied): its role lacks a permission"),
      commands=_AWS_ID,
      reason="Shows the role the job acts as, to compare with the policy"),
    S("gcp_credentials_expired", K.credentials_expired, 0.9,
      patterns=(r"google\.auth\.exceptions\.RefreshError", r"\binvalid_grant\b", r"Token has been expired or revoked",
                r"Reauthentication (?:is )?(?:failed|required)", r"There was a problem refreshing your current auth tokens",
                r"does not have any valid credentials", r"Refresh token is invalid", r"\bAuthPermanentFail\b"),
      causes=("The job's Google credentials have expired or were revoked (RefreshError / invalid_grant)",),
      commands=_GCP_ID + C.POD),
    S("gcp_no_credentials", K.missing_config_or_secret, 0.85,
      patterns=(r"\bDefaultCredentialsError\b", r"Could not automatically determine credentials"),
      causes=("The job found no Google credentials (Application Default Credentials are not set up where it runs)",),
      commands=_GCP_ID + C.POD + C.CRONTAB),
    S("gcp_permission_denied", K.permissions_rbac, 0.85, refine=_anonymous_caller,
      patterns=(r"Permission '(?P<perm>[\w.]+)' denied", r"does not have (?P<perm>[\w.]+) access",
                # gcloud and the GKE/Compute APIs: `Required "container.clusters.get" permission(s) for "projects/..."`
                r"Required '?\"?(?P<perm>[a-z]+\.[\w.]+)\"?'? permission\(s\) for",
                r"does not have (?:the )?(?P<perm>[\w.]+\.[\w.]+) permission", r"\bIAM_PERMISSION_DENIED\b",
                r"\bPERMISSION_DENIED\b", r"caller does not have permission",
                r"does not have authorization to perform action '(?P<perm>[^']+)'", r"\bAuthorizationFailed\b",
                # BigQuery's accessDenied: "Access Denied: Dataset p:d: Permission bigquery.tables.create denied on dataset",
                # "Access Denied: Table p:d.t: User does not have permission to query table p:d.t".
                r"Access Denied: (?:Project|Dataset|Table) [\w:.*-]+: Permission (?P<perm>[\w.]+) denied",
                r"Access Denied: (?:Project|Dataset|Table) [\w:.*-]+: User does not have permission to \w+ (?:table|dataset|project)"),
      causes=("The job's cloud identity lacks the permission {perm}", "The cloud API denied the job's identity a permission"),
      commands=_GCP_ID + _AZ_ID),
    S("azure_credentials_expired", K.credentials_expired, 0.9,
      patterns=(r"\bAADSTS(?:700082|50173|70043|700024|7000222)\b", r"\bExpiredAuthenticationToken\b",
                r"The refresh token has expired", r"\bInvalidAuthenticationTokenTenant\b", r"Please run 'az login'"),
      causes=("The job's Azure credentials (token or client secret) have expired",),
      commands=_AZ_ID + C.POD),
    S("http_unauthorized", K.credentials_expired, 0.68, refine=_token_expired,
      patterns=(r"\b401\b.{0,40}Unauthori[sz]ed", r"Unauthori[sz]ed.{0,20}\b401\b", r"HTTP(?: Error|/\d(?:\.\d)?)? 401\b",
                r"status(?: code)?[ :=]+401\b", r"\bjwt expired\b", r"\bTokenExpiredError\b", r"\binvalid_token\b"),
      causes=("A service rejected the job's credentials (HTTP 401): a token or key expired or is wrong",),
      commands=C.POD + C.WHERE_IT_RAN,
      reason="Shows which secret supplies the job's credentials"),
    S("http_forbidden", K.permissions_rbac, 0.65,
      patterns=(r"\b403\b.{0,30}Forbidden", r"Forbidden.{0,20}\b403\b", r"HTTP(?: Error|/\d(?:\.\d)?)? 403\b", r"status(?: code)?[ :=]+403\b"),
      causes=("A service refused the job's request (HTTP 403): its identity lacks permission",),
      commands=C.WHERE_IT_RAN),
    S("api_throttled", K.resource_quota_scheduling, 0.78,
      patterns=(r"\bThrottlingException\b", r"Throttling: Rate exceeded", r"\bRate exceeded\b", r"\bTooManyRequests(?:Exception)?\b",
                r"429 Too Many Requests", r"HTTP(?: Error)? 429\b", r"\bAirflowException: 429:\s?Too Many Requests\b", r"status(?: code)?[ :=]+429\b", r"\bRequestLimitExceeded\b",
                r"\bSlowDown\b", r"\b(?:user)?[rR]ateLimitExceeded\b", r"\bRESOURCE_EXHAUSTED\b",
                r"Quota exceeded for quota (?:metric|group) '(?P<quota>[^']+)'", r"API rate limit exceeded",
                # BigQuery: "Exceeded rate limits: too many table update operations for this table".
                r"Exceeded rate limits: (?P<quota>too many [\w ]+?)(?: for this \w+)?[.,;]"),
      causes=("The job was throttled by an API rate limit ({quota})", "The job was throttled by an API rate limit (429 / Throttling)"),
      commands=C.WHERE_IT_RAN,
      reason="Shows whether other runs overlapped and share the same API quota"),
    # Let's Encrypt's issuance limits: a renewal loop or repeated failed attempts used them up.
    S("acme_rate_limited", K.resource_quota_scheduling, 0.85,
      patterns=(r"too many (?:certificates|failed authorizations|new orders|registrations)(?: \(\d+\))? already issued",
                r"too many (?:failed authorizations|new orders|certificates) recently",
                r"urn:ietf:params:acme:error:rateLimited"),
      causes=("The ACME CA (Let's Encrypt) refused the request with a rate limit: too many certificates or failed attempts "
              "for these names recently; it resets after the limit's window",),
      commands=C.CRONTAB + C.POD,
      reason="Shows how often the renewal runs"),
    S("cloud_quota_exceeded", K.resource_quota_scheduling, 0.85,
      patterns=(r"\bQUOTA_EXCEEDED\b", r"Quota '(?P<quota>\w+)' exceeded", r"\bLimitExceeded(?:Exception)?\b",
                r"\bServiceQuotaExceededException\b", r"\bInsufficientInstanceCapacity\b", r"\bZONE_RESOURCE_POOL_EXHAUSTED\b",
                r"\bQuotaExceeded\b",
                # Compute Engine / Dataproc / GKE: "Insufficient 'CPUS' quota. Requested 404.0, available 12.0."
                r"Insufficient '(?P<quota>\w+)' quota\. Requested",
                r"Insufficient (?:regional|project|zonal) quota to satisfy request(?: for resource)?: \\?\"(?P<quota>\w+)",
                # BigQuery: "Quota exceeded: Your project exceeded quota for free query bytes scanned."
                r"Quota exceeded: Your (?:project|table|user|organization) exceeded (?:quota|the quota) for (?P<quota>[^.;]+)"),
      causes=("A cloud quota or capacity limit ({quota}) stopped the job", "A cloud quota or capacity limit stopped the job"),
      commands=C.WHERE_IT_RAN),
    S("object_not_found", K.data_input_missing, 0.85,
      patterns=(r"\bNoSuchKey\b", r"The specified key does not exist", r"An error occurred \(404\) when calling the HeadObject operation",
                r"google\.api_core\.exceptions\.NotFound: 404 (?!.*Not found: (?:Table|Dataset|View|Job|Model|Routine)\b).*?(?:No such object: (?P<object>\S+))?", r"No such object: (?P<object>\S+)",
                r"\bBlobNotFound\b", r"The specified blob does not exist"),
      causes=("The input object {object} does not exist in the bucket", "The input object the job reads does not exist (NoSuchKey / 404)"),
      commands=C.WHERE_IT_RAN,
      reason="Shows whether the upstream step that writes the object ran"),
    S("bucket_not_found", K.missing_config_or_secret, 0.76,
      patterns=(r"\bNoSuchBucket\b", r"The specified bucket does not exist", r"bucket (?P<bucket>[\w.-]+) does not exist"),
      causes=("The bucket {bucket} the job is configured to use does not exist", "The bucket the job is configured to use does not exist"),
      commands=C.WHERE_IT_RAN),
    # 400 Bad Request: the API read the job's request and rejected it as malformed (a parameter it does not
    # accept, a value of the wrong shape): the request the job or its operator builds is wrong.
    S("http_bad_request", K.bad_code_or_bug, 0.55,
      patterns=(r"\b400 Client Error: Bad Request(?: for url: (?P<url>https?://\S+))?", r"HTTP Error 400: Bad Request",
                r"\bAirflowException: 400:\s?Bad Request\b", r"\bHTTP(?:/[\d.]+)? 400 Bad Request\b"),
      causes=("The API rejected the request the job sent as malformed (400 Bad Request): the job's or its operator's "
              "request is wrong (a parameter or value the API does not accept)",),
      commands=C.WHERE_IT_RAN),
    S("http_not_found", K.data_input_missing, 0.55, refine=_not_found_url,
      patterns=(r"The requested URL returned error: 404", r"404 Client Error: Not Found for url: (?P<url>\S+)", r"HTTP Error 404: Not Found",
                r"ERROR 404: Not Found", r"\b(?:Error|HTTP|status(?: code)?)[: =]+404\b.{0,120}\bnot found\b",
                r"\"(?:code|status|statusCode)\"\s*:\s*404\b.{0,120}\bnot found\b", r"\b404 Not Found\b",
                # Airflow's HttpHook: `raise AirflowException(str(status_code) + ":" + reason)`.
                r"\bAirflowException: 404:\s?Not Found\b"),
      causes=("{url} answered 404 Not Found: what the job downloads is not there (yet)",
              "What the job downloads answered 404 Not Found: it is not there (yet)"),
      commands=("curl -sS -m 10 -I {url}",) + C.WHERE_IT_RAN),
    # A bearer token (JWT, OAuth access token, registry token) that outlived its lifetime.
    S("token_expired", K.credentials_expired, 0.85, refine=_token_renewal,
      patterns=(r"\bExpiredSignatureError\b", r"\bSignature has expired\b", r"\bExpiredJwtException\b", r"\bJWT expired\b",
                r"\b(?:authori[sz]ation|authentication|auth|access|bearer|session|id|security|refresh|api) token (?:has |is )?expired\b",
                r"\bTicket expired\b", r"\bKRB5KRB_AP_ERR_TKT_EXPIRED\b",
                r"\btoken (?:has |is )expired\b", r"\bTokenExpiredError\b"),
      causes=("A token the job authenticates with has expired (its lifetime ended and nothing renewed it)",),
      commands=C.POD + C.WHERE_IT_RAN,
      reason="Shows which secret or configuration supplies the job's token"),
    # BigQuery / Snowflake answer for a table, view or dataset the query reads that is not there.
    S("warehouse_table_missing", K.data_input_missing, 0.72,
      patterns=(r"Not found: (?:Table|View|Dataset) (?P<table>[\w:.`-]+)",
                r"(?P<table>[\w:.`-]+) was not found in location (?P<location>[\w-]+)",
                r"Object '(?P<table>[^']+)' does not exist or not authorized",
                r"Table '(?P<table>[^']+)' does not exist or not authorized"),
      causes=("The table or dataset {table} the job reads does not exist in {location} (not created yet, removed, or in "
              "another location)",
              "The table or dataset {table} the job reads does not exist (not created yet, removed, or not visible to the job)"),
      commands=C.WHERE_IT_RAN,
      reason="Shows whether the upstream step that creates the table ran"),
    # The server no longer offers this method or path: its API changed or an old version was removed.
    S("http_api_gone", K.dependency_version, 0.5, refine=_api_gone,
      patterns=(r"405 Client Error: Method Not Allowed(?: for url: (?P<url>\S+))?", r"HTTP Error 405\b", r"\b405 Method Not Allowed\b",
                r"410 Client Error: Gone(?: for url: (?P<url>\S+))?", r"HTTP Error 410\b", r"\b410 Gone\b",
                r"status(?: code)?[ :=]+(?:405|410)\b"),
      causes=("{url} no longer accepts this request (405/410): the service's API changed or the version the job calls "
              "was removed (often after the service was upgraded)",
              "The service no longer accepts this request (405/410): its API changed or the version the job calls was removed"),
      commands=("curl -sS -m 10 -I {url}",) + C.WHERE_IT_RAN,
      reason="Shows what the endpoint answers now"),
    # Google Cloud: the project has not enabled the API the job calls (SERVICE_DISABLED), or has no billing account.
    S("gcp_api_disabled", K.missing_config_or_secret, 0.86,
      patterns=(r"(?P<api>[A-Z][\w ]*? API) has not been used in project (?P<project>[\w-]+) before or it is disabled",
                r"The (?P<api>[A-Z][\w ]*? API) is not enabled for (?:the )?project(?: (?P<project>[\w-]+))?",
                r"\bSERVICE_DISABLED\b"),
      causes=("The {api} is not enabled in Google Cloud project {project}: it must be enabled there (or the job points "
              "at the wrong project)",
              "The {api} is not enabled in the job's Google Cloud project: it must be enabled there (or the job points at "
              "the wrong project)",
              "The Google Cloud API the job calls is not enabled in its project (SERVICE_DISABLED): it must be enabled there "
              "(or the job points at the wrong project)"),
      commands=_GCP_ID + C.POD + C.WHERE_IT_RAN,
      reason="Shows which Google identity (and so which project) the job's credentials use"),
    S("gcp_billing_disabled", K.missing_config_or_secret, 0.84,
      patterns=(r"Billing has not been enabled for this project", r"\bbillingNotEnabled\b",
                r"(?:Streaming insert|DML queries|DML statements?) (?:is|are) not allowed in the free tier"),
      causes=("The Google Cloud project has no billing account linked (free tier), so BigQuery refuses this kind of "
              "request (DML or streaming inserts)",),
      commands=_GCP_ID + C.WHERE_IT_RAN,
      reason="Shows which Google identity (and so which project) the job's credentials use"),
    # The token was issued without the OAuth scope the API needs (a VM's access scopes, a client built without the
    # Drive scope for a Sheets-backed BigQuery table): no IAM grant fixes it.
    S("gcp_insufficient_scopes", K.permissions_rbac, 0.8,
      patterns=(r"Request had insufficient authentication scopes", r"\bACCESS_TOKEN_SCOPE_INSUFFICIENT\b",
                r"Permission denied while getting Drive credentials"),
      causes=("The job's Google token lacks an OAuth scope the API needs (e.g. the Drive scope for a Sheets-backed "
              "BigQuery table, or a VM's access scopes): the credentials must be created with that scope, or the "
              "document shared with the identity",),
      commands=_GCP_ID + C.POD + C.WHERE_IT_RAN,
      reason="Shows which Google identity the job uses; its scopes come from how the credentials were created"),
    # The zone is out of the machine type the job asked for: a cloud-side stockout, not the project's quota.
    S("cloud_zone_exhausted", K.resource_quota_scheduling, 0.8,
      patterns=(r"The zone '(?:projects/[\w-]+/zones/)?(?P<zone>[\w-]+)' does not have enough resources available to "
                r"fulfill the request",),
      causes=("The cloud zone {zone} had no capacity left for the requested machines (a temporary stockout): the job "
              "must retry later or use another zone or machine type",),
      commands=C.WHERE_IT_RAN,
      reason="Shows whether other runs of this job hit the same stockout"),
    # BigQuery refuses a query that would bill more bytes than the job's maximum_bytes_billed allows.
    S("bigquery_bytes_billed_limit", K.resource_quota_scheduling, 0.82,
      patterns=(r"Query exceeded limit for bytes billed: (?P<limit>\d+)", r"\bbytesBilledLimitExceeded\b"),
      causes=("BigQuery refused the query: it would bill more bytes than the job's maximum_bytes_billed ({limit}); the "
              "data grew or the query scans more than the limit allows",
              "BigQuery refused the query: it would bill more bytes than the job's maximum_bytes_billed"),
      commands=C.WHERE_IT_RAN,
      reason="Shows the run; the limit is set in the job's query or connection settings"),
    # Snowflake suspends a warehouse whose resource monitor used up its credits.
    S("snowflake_credit_quota", K.resource_quota_scheduling, 0.88,
      patterns=(r"Warehouse '(?P<warehouse>[^']+)' cannot be resumed because resource monitor '(?P<monitor>[^']+)' has "
                r"exceeded its quota",),
      causes=("Snowflake warehouse {warehouse} is suspended: its resource monitor {monitor} has used up its credit quota "
              "for the period",),
      commands=C.WHERE_IT_RAN,
      reason="Shows the run; the monitor's quota resets with its period or must be raised"),
    # botocore found no region to address (none in the client, the profile, AWS_DEFAULT_REGION or the connection).
    S("aws_no_region", K.missing_config_or_secret, 0.86,
      patterns=(r"\bNoRegionError\b", r"You must specify a region\."),
      causes=("The job's AWS client has no region configured (no region_name, AWS_DEFAULT_REGION or profile region "
              "where it runs)",),
      commands=_AWS_ID + C.POD + C.CRONTAB,
      reason="Shows which AWS identity and configuration the job's environment resolves to"),
    S("aws_profile_not_found", K.missing_config_or_secret, 0.86,
      patterns=(r"The config profile \((?P<profile>[^)]+)\) could not be found", r"\bProfileNotFound\b"),
      causes=("The AWS profile {profile} the job names is not configured where it runs (~/.aws/config of the job's user, "
              "or AWS_PROFILE points at a profile that does not exist there)",
              "The AWS profile the job names is not configured where it runs"),
      commands=C.CRONTAB + C.POD + C.WHERE_IT_RAN,
      reason="Shows the job's environment (user, AWS_PROFILE) that decides which config file is read"),
    # ECS (EcsRunTaskOperator, Fargate) could not fetch the task's secrets or image-registry token before starting it.
    S("ecs_secrets_pull_failed", K.network_dns, 0.76, refine=_ecs_secrets,
      patterns=(r"ResourceInitializationError: unable to pull secrets or registry auth",),
      causes=("ECS could not reach the AWS APIs to fetch the task's secrets or registry token (private subnet without a "
              "NAT gateway or VPC endpoints, or an egress rule), so the container never started",),
      commands=_AWS_ID + C.AIRFLOW_TASK,
      reason="Shows the AWS identity in use; the task's subnet and security group decide the route to AWS"),
    # Azure: the identity authenticated but its role does not cover this data operation (e.g. Reader, not Blob Data Reader).
    S("azure_storage_permission", K.permissions_rbac, 0.85,
      patterns=(r"\bAuthorizationPermissionMismatch\b",
                r"This request is not authorized to perform this operation using this permission"),
      causes=("The job's Azure identity lacks the data-plane role for this storage operation (e.g. Storage Blob Data "
              "Reader/Contributor, not just Reader)",),
      commands=_AZ_ID + C.POD + C.WHERE_IT_RAN,
      reason="Shows which Azure identity the job's credentials resolve to, to compare with the storage account's role assignments"),
    S("azure_invalid_client_secret", K.credentials_expired, 0.86,
      patterns=(r"\bAADSTS7000215\b", r"Invalid client secret (?:is )?provided"),
      causes=("Azure AD rejected the job's client secret (AADSTS7000215): it was rotated or expired, or the secret's ID "
              "was configured instead of its value",),
      commands=_AZ_ID + C.POD + C.WHERE_IT_RAN,
      reason="Shows which Azure identity is configured; the app registration lists its secrets and their expiry"),
    # Azure Storage could not verify the request's signature: a wrong or rotated account key, or an expired SAS token.
    S("azure_storage_auth_failed", K.credentials_expired, 0.72,
      patterns=(r"Server failed to authenticate the request\. Make sure the value of (?:the )?Authorization header is formed "
                r"correctly",),
      causes=("Azure Storage rejected the job's credentials: the account key was rotated or is wrong, or the SAS token "
              "expired (or the machine's clock is far off)",),
      commands=_AZ_ID + C.POD + C.WHERE_IT_RAN,
      reason="Shows which secret or identity supplies the storage credentials"),
    # A bearer token (Databricks PAT, an API token) that the service no longer accepts.
    S("invalid_access_token", K.credentials_expired, 0.8,
      patterns=(r"\bInvalid access token\b",),
      causes=("The service rejected the job's access token (Invalid access token): it expired, was revoked, or belongs "
              "to another workspace",),
      commands=C.AIRFLOW_TASK + C.POD + C.WHERE_IT_RAN,
      reason="Shows where the job ran; its connection or secret supplies the token"),
    # dbt could not build its connection profile.
    S("dbt_profile_missing", K.missing_config_or_secret, 0.86,
      patterns=(r"Could not find profile named '(?P<profile>[^']+)'", r"dbt cannot run because no profile was specified"),
      causes=("dbt found no profile {profile} in the profiles.yml it read (wrong --profiles-dir / DBT_PROFILES_DIR, or the "
              "file is not where the job runs)",
              "dbt found no usable profile (profiles.yml missing where the job runs, or no profile set in dbt_project.yml)"),
      commands=C.CRONTAB + C.POD + C.WHERE_IT_RAN,
      reason="Shows the job's environment (DBT_PROFILES_DIR, user) that decides which profiles.yml is read"),
    S("dbt_env_var_missing", K.missing_config_or_secret, 0.9,
      patterns=(r"Env var required but not provided: '(?P<var>[^']+)'", r"\bEnvVarMissingError\b"),
      causes=("dbt needs the environment variable {var}, which is not set where the job runs",
              "dbt needs an environment variable that is not set where the job runs"),
      commands=C.CRONTAB + C.POD + C.WHERE_IT_RAN,
      reason="Shows the environment the job runs with"),
    # paramiko (SSHOperator, SFTPHook): the server's host key is not trusted here, or nothing accepted the connection.
    S("ssh_host_key_unknown", K.missing_config_or_secret, 0.82,
      patterns=(r"Server '\[?(?P<host>[^'\]]+)\]?(?::\d+)?' not found in known_hosts",),
      causes=("The SSH server {host} is not in the job's known_hosts (and the connection does not carry its host_key), so "
              "the client refused to connect",),
      commands=C.AIRFLOW_TASK + C.POD + C.WHERE_IT_RAN,
      reason="Shows the task's state; the SSH connection's host_key / known_hosts entry is what to add"),
    S("ssh_connect_failed", K.dependency_unavailable, 0.7,
      patterns=(r"NoValidConnectionsError: \[Errno None\] Unable to connect to port (?P<port>\d+) on (?P<host>[\w.:-]+)",
                r"\bNoValidConnectionsError\b"),
      causes=("Nothing accepted the SSH connection to {host}:{port} (the server or its sshd is down, the port is wrong, or "
              "a firewall rejects it)",
              "Nothing accepted the job's SSH connection (the server or its sshd is down, the port is wrong, or a firewall "
              "rejects it)"),
      commands=C.HOST + C.WHERE_IT_RAN,
      reason="Shows whether the SSH host's name resolves where the check runs"),
    # Slack (SlackAPIPostOperator, the Slack notifier, slack_sdk/slacker): the API's own error code says why.
    S("slack_api_error", K.credentials_expired, 0.8, refine=_slack,
      patterns=(r"The server responded with: \{'ok': False, 'error': '(?P<slack_error>\w+)'",
                r"\bslacker\.Error: (?P<slack_error>\w+)", r"\bSlackApiError\b.{0,200}'error': '(?P<slack_error>\w+)'",
                r"Slack API (?:call failed|error):? .{0,40}\b(?P<slack_error>invalid_auth|not_authed|channel_not_found|"
                r"not_in_channel|token_revoked|account_inactive|missing_scope)\b"),
      causes=("Slack refused the job's call ({slack_error})",),
      commands=C.AIRFLOW_TASK + C.POD + C.WHERE_IT_RAN,
      reason="Shows the task's state; the Slack connection's token and channel are what to check"),
    # paramiko's SFTP client: the remote path does not exist (its ENOENT has no "or directory").
    S("sftp_remote_path_missing", K.data_input_missing, 0.74, refine=_sftp_missing,
      patterns=(r"^(?:FileNotFoundError|IOError|OSError): \[Errno 2\] No such file\s*$",),
      causes=("The file the job fetches over SFTP is not on the server (not delivered yet, renamed, or another path)",),
      commands=C.AIRFLOW_TASK + C.POD + C.WHERE_IT_RAN,
      reason="Shows the task's state; the remote path is in the task's SFTP settings"),
    # EMR (EmrCreateJobFlowOperator, EmrJobFlowSensor): the cluster's bootstrap actions failed, so no step ran.
    S("emr_bootstrap_failed", K.bad_code_or_bug, 0.6, refine=_emr_bootstrap,
      patterns=(r"bootstrap action \d+ returned a non-zero return code", r"failed attempting to download bootstrap action \d+ file",
                r"bootstrap action \d+ timed out executing", r"for code: BOOTSTRAP_FAILURE\b"),
      causes=("An EMR bootstrap action script exited with an error, so the cluster terminated before any step ran: the "
              "script (or a package it installs) failed; its log is under the cluster's log URI (node/*/bootstrap-actions)",),
      commands=("aws emr describe-cluster --cluster-id {emr_cluster}",) + C.AIRFLOW_TASK,
      reason="Shows the cluster's state change reason and its log location"),
    # Databricks could not start the job's cluster: the platform or the cloud under it failed the launch.
    S("databricks_cluster_launch_failed", K.dependency_unavailable, 0.64, refine=_databricks_launch,
      patterns=(r"Self-bootstrap failure during launch", r"\bSELF_BOOTSTRAP_FAILURE\b", r"\bADD_NODES_FAILED\b",
                r"Unexpected (?:startup|launch) failure", r"\bCLOUD_PROVIDER_LAUNCH_FAILURE\b",
                r"\b(?:AWS_INSUFFICIENT_INSTANCE_CAPACITY_FAILURE|CLOUD_PROVIDER_RESOURCE_STOCKOUT|AZURE_QUOTA_EXCEEDED_EXCEPTION|"
                r"INIT_SCRIPT_FAILURE)\b"),
      causes=("Databricks could not start the job's cluster (a failed node launch on the platform's side); such launch "
              "failures are usually transient and a retry starts the cluster",),
      commands=C.AIRFLOW_TASK + C.AIRFLOW_RUN + C.POD,
      reason="Shows the task's state; the cluster's event log in Databricks names the termination reason"),
    S("service_unavailable", K.dependency_unavailable, 0.72,
      # requests names the URL that answered: `503 Server Error: Service Unavailable for url: https://...`
      patterns=(r"\b50[0234] Server Error: [\w ]+ for url: (?P<url>https?://\S+)", r"503 Service Unavailable", r"502 Bad Gateway", r"504 Gateway Time-?out", r"HTTP(?: Error)? (?:502|503|504)\b",
                r"status(?: code)?[ :=]+(?:502|503|504)\b", r"\bServiceUnavailable(?:Exception)?\b", r"\bService Unavailable\b",
                # A plain 500: the service failed on the job's request (its bug or its outage, not the job's).
                r"\b500 (?:Server Error|Internal Server Error)\b", r"HTTP(?: Error)? 500\b",
                # Airflow's HttpHook: "AirflowException: 500:Internal Server Error", "503:Service Unavailable".
                r"\bAirflowException: 50[0234]:\s?[A-Z]"),
      causes=("{url} answered 5xx (an internal error, unavailable, bad gateway or gateway timeout)",
              "A service the job calls answered 5xx (an internal error, unavailable, bad gateway or gateway timeout)"),
      # Whether it still answers 5xx now (a HEAD request: status and headers only).
      commands=("curl -sS -m 10 -I {url}",) + C.WHERE_IT_RAN),
]
