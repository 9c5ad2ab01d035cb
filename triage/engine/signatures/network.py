"""Network signatures: DNS, refused/unreachable/timed-out connections, TLS and proxies.

The host and port are read from the line (Python's urllib3/requests, psycopg, Go's net,
Node's errno messages, curl) so the check is `getent hosts HOST` or, in Kubernetes, the
Service behind a cluster-internal name.
"""

from __future__ import annotations

import re

from triage.engine.signatures import checks as C
from triage.engine.signatures.logview import LogView
from triage.engine.signatures.model import Hit
from triage.engine.signatures.model import Signature as S
from triage.models import Category as K

_HOSTPORT = r"(?P<host>[\w.-]+|\[[0-9a-f:]+\]):(?P<port>\d{2,5})"


def _localhost(hit: Hit, view: LogView) -> Hit:
    if hit.groups.get("host") in ("localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"):
        hit.commands = C.LISTENING + C.WHERE_IT_RAN
    return hit


# A host name that is an unset setting rendered as text, not a name anyone meant to resolve.
_PLACEHOLDER_HOST = re.compile(r"^(?:none|null|nil|undefined|nan|changeme|your[-_]\S*|example)$|\$\{|\$\w|%\(|\{\{", re.I)


# sudo's warning that the machine's own name is not in /etc/hosts: sudo goes on and the command runs.
_SUDO_OWN_HOST = re.compile(r"\bsudo(?:\[\d+\])?: unable to resolve host ")


def _dns(hit: Hit, view: LogView) -> Hit | None:
    if hit.lines and all(_SUDO_OWN_HOST.search(line) for line in hit.lines):
        return None
    host = hit.groups.get("host", "")
    if host and _PLACEHOLDER_HOST.search(host):
        hit.category, hit.confidence = K.missing_config_or_secret, 0.82
        hit.causes = ("The job connected to the host name '{host}': the setting that names the host is not set "
                      "(an unset variable rendered as text), so there was nothing to resolve",)
        hit.commands = C.CRONTAB + C.POD + C.AIRFLOW_RUN
        hit.reason = "Shows the environment and settings the job runs with"
        return hit
    text = " ".join(hit.lines)
    if "Temporary failure in name resolution" in text or "EAI_AGAIN" in text or "server misbehaving" in text:
        hit.causes = ("The DNS resolver did not answer for {host} (temporary failure in name resolution)",
                      "The DNS resolver did not answer (temporary failure in name resolution)")
    return hit


# Where a TLS error names its server: urllib3/requests, Go's `Get "https://host:port/...": x509: ...`.
_TLS_HOST = (r"(?:HTTPSConnectionPool\(host='(?P<host>[^']+)', port=(?P<port>\d+)\)"
             r"|\"https://(?P<url_host>[\w.-]+)(?::(?P<url_port>\d+))?[^\"]*\")")
# curl -v prints the certificate's subject, issuer and expiry date, and the verification result.
_TLS_CHECK = ("curl -sS -m 10 -v -o /dev/null https://{host}:{port}", "curl -sS -m 10 -v -o /dev/null https://{host}")


def _acme_client(hit: Hit, view: LogView) -> Hit:
    if any("is already used by" in line for line in hit.lines):
        # acme.sh names the process on the port; its settings live in ~/.acme.sh, not /etc/letsencrypt.
        hit.commands = ("ss -ltnp 'sport = :{port}'", "ss -ltnp")
        hit.reason = "Shows which server listens on the port the standalone mode needs"
    return hit


def _tls_host(hit: Hit, view: LogView) -> Hit:
    g = hit.groups
    if g.get("url_host") and not g.get("host"):
        g["host"] = g["url_host"]
        if g.get("url_port"):
            g["port"] = g["url_port"]
    return hit


def _proxy(hit: Hit, view: LogView) -> Hit:
    # 407 is the proxy asking for credentials; any other code is the proxy refusing or failing the tunnel.
    if hit.groups.get("status") == "407" or any("407" in line for line in hit.lines):
        hit.causes = ("The HTTP proxy demanded credentials (407 Proxy Authentication Required): the proxy settings the job "
                      "runs with carry none, or wrong ones",)
    elif hit.groups.get("status"):
        hit.causes = ("The HTTP proxy refused to open the tunnel to the job's dependency (HTTP {status} from the proxy)",)
    return hit


# A name that did not resolve, a refused or unreachable connection: the line says what failed,
# not why (the service down, a wrong or unset host, a network not up yet, a policy). Measured at
# 0.9 on the dev cases and the unseen fresh-2026-11-28d batch, 11 of 14 of these calls were right
# (79%), the least precise of the confident calls: they stay just below the "confident" band
# unless a refinement reads the why from the log.
TRANSPORT_SYMPTOM = 0.78

def _acme_domain(hit: Hit, view: LogView) -> Hit:
    # The domain the CA could not validate is the host to check from here.
    if hit.groups.get("domain") and not hit.groups.get("host"):
        hit.groups["host"] = hit.groups["domain"]
    return hit


_ACME_CHALLENGE_URL = r"https?://(?P<domain>[^/\s:]+)(?::\d+)?/\.well-known/acme-challenge/\S+?"
_ACME_CHECK = ("curl -sS -I -m 10 http://{domain}/.well-known/acme-challenge/", "getent hosts {domain}")
# An ACME client (certbot, dehydrated, acme.sh) renewing from cron: the CA fetches a challenge from the
# domain over the internet. Its verdict says whether it could not connect, or got the wrong answer.
ACME = [
    S("acme_challenge_unreachable", K.network_dns, 0.8, refine=_acme_domain,
      patterns=(r"Fetching " + _ACME_CHALLENGE_URL + r": (?:Timeout during connect|Timeout after connect|Connection refused|"
                r"Connection reset by peer|Error getting validation data)",
                r"Timeout during connect \(likely firewall problem\)"),
      causes=("The certificate authority could not connect to {domain} to fetch the challenge (port 80 blocked by a firewall, "
              "no port forwarding, or the domain points at another address), so the renewal failed",
              "The certificate authority could not connect to the domain to fetch the challenge (port 80 blocked by a firewall, "
              "no port forwarding, or the domain points at another address), so the renewal failed"),
      commands=("getent hosts {domain}",) + C.CRONTAB,
      reason="Shows the address the domain points at, to compare with this server's"),
    S("acme_challenge_wrong_response", K.missing_config_or_secret, 0.72, refine=_acme_domain,
      patterns=(r"Invalid response from " + _ACME_CHALLENGE_URL + r":? (?:\[[\w.:]+\]:? )?\\?\"?(?P<status>\d{3})\b",
                r"Invalid response from " + _ACME_CHALLENGE_URL + r"(?:[:\s]|$)"),
      causes=("The certificate authority reached {domain} but did not get the challenge file (HTTP {status}): the webroot "
              "the ACME client writes to is not what the web server serves at /.well-known/acme-challenge/ (or the domain "
              "points at another server)",
              "The certificate authority reached {domain} but did not get the challenge file: the webroot the ACME client "
              "writes to is not what the web server serves at /.well-known/acme-challenge/ (or the domain points at another server)"),
      commands=_ACME_CHECK,
      reason="Shows what the web server answers for the challenge path"),
    # certbot's standalone authenticator serves the challenge itself on port 80 (443 for tls-sni): with a web server
    # already listening there, every renewal fails. The renewal config should use the webroot or web-server plugin, or
    # stop the server in pre/post hooks. Labelled as configuration by the suite's adjudication (evals/README.md).
    S("acme_standalone_port_taken", K.missing_config_or_secret, 0.82,
      patterns=(r"Problem binding to port (?P<port>\d+): Could not bind to IPv4 or IPv6",
                r"At least one of the required ports is already taken", r"\bStandaloneBindError\b",
                # acme's own exception; not its DEBUG `Failed to bind to :80 using IPv4`, which a dual-stack socket
                # that already took IPv4 through IPv6 logs on every successful run
                r"Could not bind to IPv4 or IPv6",
                # acme.sh's standalone mode: `tcp port 80 is already used by (("nginx",pid=...))`
                r"tcp port (?P<port>\d+) is already used by"),
      causes=("certbot's standalone authenticator could not listen on port {port} because another server (the web server) "
              "already does: the renewal is configured with `authenticator = standalone` while a web server runs, and needs "
              "the webroot/nginx/apache plugin or pre/post hooks that stop the server",
              "certbot's standalone authenticator could not listen on its port because another server (the web server) already "
              "does: the renewal is configured with `authenticator = standalone` while a web server runs, and needs the "
              "webroot/nginx/apache plugin or pre/post hooks that stop the server"),
      # certbot: which renewal uses the standalone authenticator; acme.sh (no renewal configs there): who holds the port.
      refine=_acme_client,
      commands=("grep -rn authenticator /etc/letsencrypt/renewal", "ss -ltnp 'sport = :{port}'", "ss -ltnp"),
      reason="Shows which renewals use the standalone authenticator (and what listens on port 80)"),
    # certbot renewing unattended needs a setting it would have asked for interactively (most often the webroot of a
    # domain: the renewal file's webroot_map lacks it); it cannot ask, so that certificate is skipped.
    S("certbot_renewal_setting_missing", K.missing_config_or_secret, 0.84,
      patterns=(r"Missing command line flag or config entry for this setting",),
      causes=("certbot's renewal configuration lacks a setting it would have asked for interactively (most often the webroot "
              "of a domain, missing from the renewal file's webroot_map), so the unattended renewal skipped the certificate",),
      commands=("grep -rn webroot /etc/letsencrypt/renewal",) + C.CRONTAB,
      reason="Shows the webroot settings of each renewal configuration"),
    S("acme_challenge_failed", K.network_dns, 0.6, refine=_acme_domain,
      explained_by=frozenset({"acme_challenge_unreachable", "acme_challenge_wrong_response", "dns_resolution_failed"}),
      patterns=(r"Challenge failed for domain (?P<domain>[\w.-]+)", r"Some challenges have failed",
                r"Challenge validation has failed", r"Certbot failed to authenticate some domains"),
      causes=("The certificate authority could not validate {domain}: it could not fetch the challenge from this server "
              "(port 80 blocked, the domain pointing elsewhere, or the web server not serving the challenge path)",
              "The certificate authority could not validate the domain: it could not fetch the challenge from this server "
              "(port 80 blocked, the domain pointing elsewhere, or the web server not serving the challenge path)"),
      commands=_ACME_CHECK + C.CRONTAB,
      reason="Shows what the web server answers for the challenge path"),
]

SIGNATURES = [
    *ACME,
    S("dns_resolution_failed", K.network_dns, TRANSPORT_SYMPTOM, refine=_dns,
      patterns=(r"HTTPS?ConnectionPool\(host='(?P<host>[^']+)', port=(?P<port>\d+)\).*(?:Name or service not known|Temporary failure in name resolution|NameResolutionError|nodename nor servname|Failed to resolve)",
                r"could not translate host name \"(?P<host>[^\"]+)\" to address",
                r"getaddrinfo (?:ENOTFOUND|EAI_AGAIN) (?P<host>[\w.-]+)",
                r"Could not resolve host: (?P<host>[\w.-]+)",
                r"UnknownHostException: (?P<host>[\w.-]+)",
                r"lookup (?P<host>[\w.-]+)(?: on [\w.:\[\]]+)?: (?:no such host|server misbehaving|i/o timeout|Temporary failure)",
                # Go's resolver when the DNS server does not answer: `lookup h on 10.0.2.3:53: read udp a:p->b:53: i/o timeout`
                r"lookup (?P<host>[\w.-]+)(?: on [\w.:\[\]]+)?: (?:read|write|dial) udp \S+: (?:i/o timeout|connect: connection refused)",
                r"Failed to resolve '(?P<host>[^']+)'", r"failed to resolve host '(?P<host>[^']+)'",
                r"Unknown MySQL server host '(?P<host>[^']+)'",
                r"wget: bad address '(?P<host>[^']+)'", r"nslookup: can't resolve '(?P<host>[^']+)'",
                r"Could not resolve hostname (?P<host>[\w.-]+)",
                # wget (`'host'` or `‘host’`) and apt (`Temporary failure resolving 'deb.debian.org'`)
                r"unable to resolve host address [\'\u2018](?P<host>[\w.-]+)[\'\u2019]",
                r"(?:Temporary failure resolving|Could not resolve) '(?P<host>[\w-]+(?:\.[\w-]+)+)'", r"\bgetaddrinfo failed\b",
                # nslookup (BIND and busybox): `** server can't find db.svc.cluster.local: NXDOMAIN`,
                # `*** Can't find example.com.corp: No answer`
                r"\*\* server can't find (?P<host>[\w.-]+?)\.?: (?:NXDOMAIN|SERVFAIL|REFUSED|NOERROR)",
                r"\*\*\* Can't find (?P<host>[\w.-]+?)\.?: (?:No answer|Non-existent domain|NXDOMAIN|Server failed|SERVFAIL)",
                r";; connection timed out; no servers could be reached",
                r"Name or service not known", r"Temporary failure in name resolution", r"nodename nor servname provided",
                r"Name does not resolve", r"No address associated with hostname", r"\bNXDOMAIN\b",
                # .NET: `HttpRequestException: No such host is known. (host:443)`, `SocketException (11001): No such host is known`
                r"No such host is known\.? \((?P<host>[\w.-]+):(?P<port>\d+)\)", r"No such host is known"),
      causes=("The host name {host} did not resolve (DNS)", "A host name did not resolve (DNS)"),
      commands=C.DNS + ("cat /etc/resolv.conf",),
      reason="Asks the resolver (or the cluster's Service list) for that name"),
    S("network_unreachable", K.network_dns, TRANSPORT_SYMPTOM,
      patterns=(r"(?:connect to|Failed to connect to) (?P<host>[\w.-]+) port (?P<port>\d+).*(?:No route to host|Network is unreachable)",
                r"dial tcp " + _HOSTPORT + r": connect: (?:no route to host|network is unreachable)",
                r"Network is unreachable", r"No route to host", r"\bEHOSTUNREACH\b", r"\bENETUNREACH\b", r"Host is unreachable"),
      causes=("{host} was unreachable from where the job ran (no route / network unreachable)",
              "The network path to a dependency was down (no route to host / network unreachable)"),
      commands=C.HOST + C.WHERE_IT_RAN),
    S("connect_timeout", K.network_dns, 0.7,
      patterns=(r"dial tcp " + _HOSTPORT + r": i/o timeout", r"Connection to (?P<host>[\w.-]+) timed out",
                r"Failed to connect to (?P<host>[\w.-]+) port (?P<port>\d+).*(?:timed out|Timeout)",
                r"HTTPS?ConnectionPool\(host='(?P<host>[^']+)', port=(?P<port>\d+)\).*ConnectTimeout",
                r"(?:connect|connection) timed out", r"\bConnectTimeout(?:Error)?\b", r"\bETIMEDOUT\b"),
      causes=("Connecting to {host}:{port} timed out (firewall, routing or the host is down)",
              "Connecting to a dependency timed out (firewall, routing or the host is down)"),
      commands=C.HOST + C.WHERE_IT_RAN),
    S("connection_refused", K.dependency_unavailable, TRANSPORT_SYMPTOM, refine=_localhost,
      patterns=(r"connect ECONNREFUSED " + _HOSTPORT,
                r"dial tcp " + _HOSTPORT + r": connect: connection refused",
                r"HTTPS?ConnectionPool\(host='(?P<host>[^']+)', port=(?P<port>\d+)\).*(?:Connection refused|NewConnectionError)",
                r"Failed to connect to (?P<host>[\w.-]+) port (?P<port>\d+).*Connection refused",
                r"Connection refused.{0,80}?\b" + _HOSTPORT,
                # kubectl: the API server did not accept the connection (localhost:8080 is kubectl without a kubeconfig)
                r"The connection to the server (?!localhost:8080\b)" + _HOSTPORT + r" was refused",
                r"Connection refused", r"\bECONNREFUSED\b", r"\[Errno 111\]",
                r"target machine actively refused it"),
      causes=("Nothing accepted connections at {host}:{port}: the service the job depends on was down or not listening",
              "A service the job depends on refused the connection (down or not listening)"),
      commands=C.HOST + C.WHERE_IT_RAN,
      reason="Shows whether the service behind that address has endpoints / resolves"),
    S("broker_unavailable", K.dependency_unavailable, TRANSPORT_SYMPTOM,
      patterns=(r"\bNoBrokersAvailable\b", r"\bAMQPConnectionError\b", r"Broker may not be available",
                r"Connection to node -?\d+ \((?P<host>[\w.-]+)/[\d.]+:(?P<port>\d+)\) could not be established"),
      causes=("The message broker ({host}) was not reachable", "The message broker (Kafka/RabbitMQ) was not reachable"),
      commands=C.HOST + C.WHERE_IT_RAN),
    # A server turning clients away because it is at its connection limit (rsync daemons and
    # mirrors, FTP servers): busy, not down. Scheduled jobs that all start at :00 make it worse.
    S("server_connection_limit", K.dependency_unavailable, 0.8,
      patterns=(r"@ERROR: max connections \((?P<limit>\d+)\) reached",
                r"\bmax(?:imum)? (?:number of )?(?:connections|clients)(?: \(\d+\))? (?:reached|exceeded)",
                r"\b421 (?:Too many (?:connections|users)|There are too many connections)"),
      causes=("The server the job connects to was at its connection limit ({limit}) and turned the job away (busy, not down)",
              "The server the job connects to was at its connection limit and turned the job away (busy, not down)"),
      commands=C.HOST + C.CRONTAB + C.WHERE_IT_RAN,
      reason="Shows when the job runs: many clients scheduled on the same minute hit the limit together"),
    S("http_retries_exhausted", K.dependency_unavailable, 0.5,
      patterns=(r"HTTPS?ConnectionPool\(host='(?P<host>[^']+)', port=(?P<port>\d+)\): Max retries exceeded",),
      causes=("Requests to {host}:{port} kept failing until retries ran out",),
      commands=C.HOST + C.WHERE_IT_RAN),
    S("connection_reset", K.dependency_unavailable, 0.55,
      patterns=(r"Connection reset by peer", r"\bECONNRESET\b", r"\bRemoteDisconnected\b", r"Connection aborted", r"\bBroken pipe\b",
                # OpenSSL via Python: the peer (or a proxy in between) closed the socket mid-handshake
                r"EOF occurred in violation of protocol", r"\bSSLEOFError\b", r"\bUNEXPECTED_EOF_WHILE_READING\b",
                # curl: the server closed the connection without an answer, or before the transfer was complete
                r"curl: \(52\) Empty reply from server", r"curl: \(18\) transfer closed with \d+ bytes remaining to read",
                r"curl: \(92\) HTTP/2 stream \d+ was not closed cleanly"),
      causes=("A dependency dropped the connection mid-request (reset by peer)",),
      commands=C.WHERE_IT_RAN),
    S("read_timeout", K.dependency_unavailable, 0.6,
      patterns=(r"HTTPS?ConnectionPool\(host='(?P<host>[^']+)', port=(?P<port>\d+)\): Read timed out",
                r"\bReadTimeout(?:Error)?\b", r"Read timed out", r"socket\.timeout", r"Client\.Timeout exceeded while awaiting headers",
                r"context deadline exceeded", r"Operation timed out after \d+ milliseconds", r"SocketTimeoutException"),
      causes=("{host} accepted the connection but did not answer in time (read timeout)",
              "A dependency accepted the connection but did not answer in time (read timeout)"),
      commands=C.HOST + C.WHERE_IT_RAN),
    S("tls_certificate_expired", K.credentials_expired, 0.82, refine=_tls_host,
      patterns=(_TLS_HOST + r".*(?:certificate has expired|CERT_HAS_EXPIRED)",
                r"x509: certificate has expired or is not yet valid", r"certificate has expired", r"\bCERT_HAS_EXPIRED\b",
                r"SSL certificate problem: certificate has expired",
                # Java: the PKIX validator's date check (`validity check failed`) and its cause
                # `CertificateExpiredException: NotAfter: ...`; OpenSSL alerts and prose wordings.
                r"CertPathValidatorException: validity check failed", r"\bCertificateExpiredException\b",
                r"\bcertificate (?:expired|expiration)\b", r"\bexpired certificate\b"),
      causes=("The TLS certificate {host} presents has expired (or the clock is wrong)",
              "A TLS certificate in the connection has expired (or the clock is wrong)"),
      commands=_TLS_CHECK + C.WHERE_IT_RAN,
      reason="Shows the certificate the server presents and its expiry date"),
    S("tls_unknown_authority", K.missing_config_or_secret, 0.72, refine=_tls_host,
      patterns=(_TLS_HOST + r".*(?:certificate signed by unknown authority|unable to get local issuer certificate|"
                r"self[- ]signed certificate in certificate chain)",
                r"certificate signed by unknown authority", r"unable to get local issuer certificate",
                r"self[- ]signed certificate in certificate chain", r"CERTIFICATE_VERIFY_FAILED", r"PKIX path building failed",
                r"unable to find valid certification path",
                # wget (OpenSSL and GnuTLS builds): the reason on the line after `ERROR: cannot verify HOST's certificate`
                r"Unable to locally verify the issuer's authority",
                r"The certificate of [\'\u2018](?P<host>[\w.-]+)[\'\u2019] (?:is not trusted|(?:doesn't|does not) have a known issuer)"),
      causes=("The TLS certificate {host} presents is not trusted where the job runs (missing CA bundle or private CA)",
              "The server's TLS certificate is not trusted where the job runs (missing CA bundle or private CA)"),
      commands=_TLS_CHECK + C.WHERE_IT_RAN,
      reason="Shows the certificate chain the server presents and why verification fails"),
    S("tls_hostname_mismatch", K.network_dns, 0.72,
      patterns=(r"certificate is valid for (?P<valid>[^,]+), not (?P<host>\S+)", r"doesn't match (?:either of )?'(?P<host>[^']+)'",
                r"no alternative certificate subject name matches target host name '(?P<host>[^']+)'",
                # Python's ssl (`hostname 'x' doesn't match ...`, `Hostname mismatch, certificate is not valid for 'x'`)
                r"hostname '(?P<host>[^']+)' doesn't match", r"(?:Hostname|IP address) mismatch, certificate is not valid for '(?P<host>[^']+)'",
                r"Hostname mismatch",
                # Node: `Hostname/IP does not match certificate's altnames: Host: x. is not in the cert's altnames`
                r"Host: ?(?P<host>[\w.-]+?)\.? is not in the cert's altnames", r"Hostname/IP (?:does not|doesn't) match certificate's altnames",
                r"\bERR_TLS_CERT_ALTNAME_INVALID\b",
                # Go: an address the certificate has no IP entry for
                r"x509: cannot validate certificate for (?P<host>[\w.:\[\]-]+) because it doesn't contain any IP SANs",
                # Java (JSSE, Apache HttpClient)
                r"No subject alternative (?:DNS )?names? matching (?:IP address )?(?P<host>[\w.:-]+?) found",
                r"No name matching (?P<host>[\w.-]+?) found", r"Certificate for <(?P<host>[^>]*)> doesn't match any of the subject alternative names",
                r"does(?: not|n't) match any of the subject alternative names",
                r"SSL: certificate subject name '[^']*' does not match target host name '(?P<host>[^']+)'",
                # wget: `certificate common name 'x' doesn't match requested host name 'y'`, `no certificate subject
                # alternative name matches` / `requested host name 'y'`
                r"(?:doesn't|does not) match requested host name [\'\u2018`](?P<host>[\w.-]+)[\'\u2019]",
                r"no certificate subject alternative name matches"),
      causes=("The TLS certificate does not match the host name {host} the job connects to", "The TLS certificate does not match the host name"),
      commands=_TLS_CHECK + C.DNS + C.WHERE_IT_RAN,
      reason="Shows the names the server's certificate is valid for, against the name the job uses"),
    S("tls_protocol_mismatch", K.dependency_version, 0.6,
      patterns=(r"wrong version number", r"tlsv1 alert protocol version", r"unsupported protocol", r"sslv3 alert handshake failure",
                r"no protocols available"),
      causes=("The TLS handshake failed: client and server share no protocol version (or TLS was spoken to a plain port)",),
      commands=C.WHERE_IT_RAN),
    S("proxy_error", K.network_dns, 0.72, refine=_proxy,
      patterns=(r"\bProxyError\b", r"407 Proxy Authentication Required", r"Tunnel connection failed", r"Unable to connect to proxy",
                # curl `Received HTTP code 407 from proxy after CONNECT`, Node `tunneling socket could not be
                # established, statusCode=407`, PHP/PEAR `CONNECT tunnel through proxy failed with response code 407`
                r"Received HTTP code (?P<status>\d{3}) from proxy after CONNECT",
                r"tunneling socket could not be established(?:, statusCode=(?P<status>\d{3}))?",
                r"CONNECT tunnel (?:through|to) proxy failed(?: with response code (?P<status>\d{3}))?", r"Proxy CONNECT aborted",
                r"Could not resolve proxy: (?P<proxy>[\w.-]+)"),
      causes=("The HTTP proxy between the job and its dependency refused or failed the connection",),
      commands=C.WHERE_IT_RAN),
]
