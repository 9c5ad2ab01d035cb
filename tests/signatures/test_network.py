"""Network signatures: DNS, refused and unreachable connections, TLS."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case, diagnose

CASES = [
    # https://github.com/CoderBounty/coderbounty/issues/339
    Case("pg_dns", "cron",
         'OperationalError: could not translate host name "ec2-107-22-250-212.compute-1.amazonaws.com" to address: '
         "Temporary failure in name resolution", "network_dns", ("ec2-107-22-250-212.compute-1.amazonaws.com",),
         ("getent hosts ec2-107-22-250-212.compute-1.amazonaws.com",), 0.75),
    # https://github.com/opensanctions/opensanctions/issues/44 (inside a cluster: a Service name)
    Case("pg_dns_service_name", "k8s",
         'ERROR:coe_assembly.init:(psycopg2.OperationalError) could not translate host name "postgres" to address: Name does not resolve',
         "network_dns", ("postgres",), ("kubectl get svc postgres -n reports",), 0.75),
    Case("requests_dns", "airflow",
         "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.partner.example', port=443): Max retries exceeded "
         "with url: /v2/orders (Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to "
         "resolve 'api.partner.example' ([Errno -2] Name or service not known)\"))", "network_dns", ("api.partner.example",),
         ("getent hosts api.partner.example",), 0.75),
    Case("go_dns", "k8s", 'Get "https://vault.internal.example.com/v1/sys/health": dial tcp: lookup vault.internal.example.com on 10.96.0.10:53: no such host',
         "network_dns", ("vault.internal.example.com",), (), 0.75),
    Case("node_econnrefused", "k8s", "Error: connect ECONNREFUSED 10.0.0.12:6379\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)",
         "dependency_unavailable", ("10.0.0.12:6379",), (), 0.75),
    Case("requests_refused_localhost", "cron",
         "requests.exceptions.ConnectionError: HTTPConnectionPool(host='localhost', port=8086): Max retries exceeded with url: /write "
         "(Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: Failed to establish a new connection: "
         "[Errno 111] Connection refused'))", "dependency_unavailable", ("localhost:8086",), ("ss -ltn",), 0.75),
    Case("no_route", "cron", "curl: (7) Failed to connect to 10.20.0.5 port 443 after 3 ms: No route to host", "network_dns",
         ("10.20.0.5",), (), 0.75),
    # https://github.com/ostafen/xdcc-cli/issues/4
    Case("x509_expired", "k8s",
         "x509: certificate has expired or is not yet valid: current time 2023-01-28T09:08:05+01:00 is after 2023-01-08T09:42:48Z",
         "credentials_expired", ("expired",), (), 0.8),
    Case("go_context_deadline", "k8s", 'Error: Post "https://ingest.example.com/v1/batch": context deadline exceeded',
         "dependency_unavailable", (), (), 0.5, 0.7),
    # The busybox wget of kubernetes/kubernetes#65010 (`wget www.asdf.asdf`): busybox's own wording
    Case("busybox_wget_bad_address", "k8s", "Connecting to www.asdf.asdf (www.asdf.asdf)\nwget: bad address 'www.asdf.asdf'",
         "network_dns", ("www.asdf.asdf",), ("getent hosts www.asdf.asdf",), 0.75),
    # The curl CronJob of kubernetes/kubernetes#53331 (a service listening on another port): curl's own wording
    Case("curl_connect_timeout", "cron", "curl: (28) Failed to connect to some-service port 80 after 129281 ms: Connection timed out",
         "network_dns", ("some-service:80",), ("getent hosts some-service",), 0.6, 0.75),
    Case("kafka_no_brokers", "k8s", "kafka.errors.NoBrokersAvailable: NoBrokersAvailable", "dependency_unavailable", (), (), 0.75),
    Case("windows_refused", "cron", "[WinError 10061] No connection could be made because the target machine actively refused it",
         "dependency_unavailable", (), (), 0.75),
    Case("unknown_ca", "cron", "curl: (60) SSL certificate problem: unable to get local issuer certificate", "missing_config_or_secret",
         (), (), 0.7),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_network_signature(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("log,host", [
    # https://github.com/docker-library/php/issues/950 (busybox nslookup in Alpine 3.11)
    ("** server can't find db.workflow.svc.cluster.local: NXDOMAIN", "db.workflow.svc.cluster.local"),
    # https://github.com/nginx/docker-nginx/issues/438
    ("** server can't find kubernetes.default: NXDOMAIN", "kubernetes.default"),
    # BIND nslookup's wording for a name with no record of the asked type
    ("Non-authoritative answer:\n*** Can't find intranet.example.corp: No answer", "intranet.example.corp"),
])
def test_nslookup_failures_are_dns(log: str, host: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "network_dns" and h.confidence >= 0.75
    assert host in h.cause


def test_no_dns_server_reachable_checks_the_resolver_config() -> None:
    # https://github.com/Netcracker/KubeMarine/pull/547 (dig/nslookup when no nameserver answers)
    h = diagnose("cron", ";; connection timed out; no servers could be reached")
    assert h.category.value == "network_dns"
    assert h.command == "cat /etc/resolv.conf"


@pytest.mark.parametrize("log", [
    # https://github.com/AlmaLinux/mirrors/issues/72 (every mirror cron job at the same minute)
    "@ERROR: max connections (30) reached -- try again later\n"
    "rsync error: error starting client-server protocol (code 5) at main.c(1675) [Receiver=3.1.3]",
    # https://github.com/ArchiveTeam/reddit-grab/issues/6
    "@ERROR: max connections (100) reached -- try again later",
])
def test_a_server_at_its_connection_limit_is_a_busy_dependency(log: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "dependency_unavailable" and h.confidence >= 0.75
    assert h.command.startswith("crontab -l")


@pytest.mark.parametrize("log,host", [
    # https://github.com/INSaFLU/docker/issues/8
    ("Resolving darlinglab.org (darlinglab.org)... failed: Name or service not known.\n"
     "wget: unable to resolve host address 'darlinglab.org'", "darlinglab.org"),
    # https://github.com/docker-library/openjdk/issues/255 (typographic quotes)
    ("wget: unable to resolve host address \u2018dl.google.com\u2019", "dl.google.com"),
    # https://github.com/armbian/build/issues/7891 (apt's wording)
    ("W: Failed to fetch http://archive.ubuntu.com/ubuntu/dists/jammy/InRelease  Temporary failure resolving 'archive.ubuntu.com'",
     "archive.ubuntu.com"),
])
def test_wget_and_apt_name_resolution_failures(log: str, host: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "network_dns"
    assert h.command == f"getent hosts {host}"


@pytest.mark.parametrize("log", [
    # An unset setting rendered as text: psycopg2 given host=None (str(None)), a JS client given undefined.
    'psycopg2.OperationalError: could not translate host name "None" to address: Name or service not known',
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='undefined', port=443): Max retries exceeded with url: /v1 "
    "(Caused by NameResolutionError(\"Failed to resolve 'undefined'\"))",
    'could not translate host name "${DB_HOST}" to address: Name or service not known',
])
def test_a_placeholder_host_name_is_missing_configuration(log: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "missing_config_or_secret"
    assert h.command.startswith("crontab -l")


@pytest.mark.parametrize("host", ["yourls.org", "nonexistent.example.com", "db"])
def test_a_real_host_name_stays_dns(host: str) -> None:
    h = diagnose("cron", f'could not translate host name "{host}" to address: Name or service not known')
    assert h.category.value == "network_dns"


def test_a_build_tool_failing_to_resolve_an_artifact_is_not_dns() -> None:
    h = diagnose("cron", "Could not resolve 'com.google.guava:guava:31.0'")
    assert h.category.value != "network_dns"


@pytest.mark.parametrize("log,command", [
    # requests' wording for an expired server certificate
    ("requests.exceptions.SSLError: HTTPSConnectionPool(host='api.partner.example', port=443): Max retries exceeded with url: "
     "/v1/rates (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
     "certificate has expired (_ssl.c:1006)')))", "curl -sS -m 10 -v -o /dev/null https://api.partner.example:443"),
    # Go's net/http wording
    ('Get "https://registry.internal:5000/v2/": x509: certificate has expired or is not yet valid: current time '
     "2024-05-01T02:00:00Z is after 2024-04-30T00:00:00Z", "curl -sS -m 10 -v -o /dev/null https://registry.internal:5000"),
])
def test_an_expired_certificate_is_checked_on_the_server_that_presents_it(log: str, command: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "credentials_expired"
    assert h.command == command
