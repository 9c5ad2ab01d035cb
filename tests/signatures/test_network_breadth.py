"""Network failures as real tools print them (lines from public reports, URL above each):
TLS expiry and host-name mismatches across Python, Java, Node, Go and curl, DNS, resets, proxies."""

from __future__ import annotations

import pytest

from tests.signatures.support import diagnose

TLS_EXPIRED = [
    # https://github.com/HFrost0/bilix/issues/234
    ("cron", "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1131)"),
    # https://github.com/Ximaz/megaloader/issues/2
    ("cron", "urllib.error.URLError: <urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1129)>"),
    # https://github.com/developerspace-samples/WebRTC-Kotlin-Sample/issues/5
    ("k8s", "Caused by: sun.security.validator.ValidatorException: PKIX path validation failed: "
            "java.security.cert.CertPathValidatorException: validity check failed\n"
            "\tat java.base/sun.security.validator.PKIXValidator.doValidate(PKIXValidator.java:369)\n"
            "Caused by: java.security.cert.CertPathValidatorException: validity check failed"),
    # https://github.com/memphisx/netcheck-api/issues/54
    ("k8s", "javax.net.ssl.SSLHandshakeException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed"),
    # https://github.com/opensearch-project/security/issues/870
    ("k8s", " Caused by: java.security.cert.CertificateExpiredException: NotAfter: Sat Nov 07 11:52:33 UTC 2020"),
    # https://github.com/muffinista/really-simple-history-api/issues/34
    ("cron", "curl: (60) SSL certificate problem: certificate has expired\nMore details here: https://curl.haxx.se/docs/sslcerts.html"),
    # https://github.com/FlorianREGAZ/Python-Tls-Client/issues/71
    ("k8s", "x509: certificate has expired or is not yet valid: current time 2023-05-18 is after 2023-04-23T06:01:48Z"),
    # https://github.com/aisstream/issues/issues/71 (a client's own wording, still CERTIFICATE_VERIFY_FAILED)
    ("cron", "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verification failed due to certificate expiration."),
]


@pytest.mark.parametrize("source,log", TLS_EXPIRED)
def test_an_expired_certificate_in_any_client_wording(source: str, log: str) -> None:
    h = diagnose(source, log)
    assert h.category.value == "credentials_expired", (h.signature, h.cause)
    assert h.confidence >= 0.8


TLS_NAME_MISMATCH = [
    # https://github.com/ptisp/node-directadmin/issues/3
    ("k8s", "Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host:da1.domain.net. "
            "is not in the cert's altnames: DNS:da1.domain.net\n    at Object.checkServerIdentity (tls.js:297:12)", "da1.domain.net"),
    # https://github.com/sindresorhus/got/issues/2233
    ("cron", "ERROR: Hostname/IP does not match certificate's altnames: Host: target.domain.com. is not in the cert's altnames: "
             "DNS:source.domain.com", "target.domain.com"),
    # https://github.com/coolaj86/nodejs-ssl-trusted-peer-example/issues/1 (older Node wording, no host)
    ("cron", "Error: Hostname/IP doesn't match certificate's altnames\n    at SecurePair.<anonymous> (tls.js:1376:23)", None),
    # https://github.com/tazjin/watchblob/issues/4
    ("k8s", "Error: Get https://1.1.1.1/?action=sslvpn_logon&fw_domain=Firebox-DB: x509: cannot validate certificate for 1.1.1.1 "
            "because it doesn't contain any IP SANs", "1.1.1.1"),
    # https://github.com/opengoofy/hippo4j/issues/1190
    ("k8s", "javax.net.ssl.SSLHandshakeException: No subject alternative DNS name matching open.feishu.cn found.\n"
            "\tat java.base/sun.security.ssl.Alert.createSSLException(Alert.java:128)", "open.feishu.cn"),
    # https://github.com/terrakube-io/terrakube/issues/2639
    ("k8s", "Caused by: java.security.cert.CertificateException: No subject alternative DNS name matching terrakube-api.xxxxxx.com found.",
     "terrakube-api.xxxxxx.com"),
    # https://github.com/zowe/api-layer/issues/1805
    ("k8s", "main, handling exception: javax.net.ssl.SSLHandshakeException: java.security.cert.CertificateException: No subject "
            "alternative DNS name matching discovery-0.discovery-service.zowe.svc.cluster.local found.",
     "discovery-0.discovery-service.zowe.svc.cluster.local"),
    # https://github.com/fingerart/ApiDebugger/issues/11 (Apache HttpClient)
    ("k8s", "certificate for does not match any of the subject alternative names: []", None),
    # https://github.com/s0md3v/Photon/pull/56 (Python's ssl.CertificateError)
    ("airflow", "(Caused by SSLError(CertificateError(\"hostname 'xx.xx.xx.xx' doesn't match either of", "xx.xx.xx.xx"),
]


@pytest.mark.parametrize("source,log,host", TLS_NAME_MISMATCH)
def test_a_certificate_for_another_name_is_checked_with_the_certificate_itself(source: str, log: str, host: str | None) -> None:
    h = diagnose(source, log)
    assert h.category.value == "network_dns", (h.signature, h.cause)
    assert h.signature == "tls_hostname_mismatch"
    if host:
        assert host in h.cause
        # curl -v prints the names the certificate is valid for
        assert h.command == f"curl -sS -m 10 -v -o /dev/null https://{host}"


def test_a_sandbox_whose_cni_cannot_verify_the_api_server_is_a_node_problem() -> None:
    # https://github.com/sighupio/permission-manager/issues/93: the TLS error is inside the CNI plugin's call
    log = ('Warning  FailedCreatePodSandBox  20s  kubelet  Failed to create pod sandbox: rpc error: code = Unknown desc = '
           '[failed to set up sandbox container "e3bad963c494" network for pod "permission-manager-7cd5f4f6b8-5rzx4": networkPlugin '
           'cni failed to set up pod "permission-manager-7cd5f4f6b8-5rzx4_permission-manager" network: error getting '
           "ClusterInformation: Get https://[10.255.0.1]:443/apis/crd.projectcalico.org/v1/clusterinformations/default: x509: cannot "
           "validate certificate for 10.255.0.1 because it doesn't contain any IP SANs]")
    h = diagnose("k8s", log)
    assert h.category.value == "scheduler_infra" and h.signature == "k8s_pod_sandbox_failed"


@pytest.mark.parametrize("source,log,host", [
    # https://github.com/yasyf/vc/issues/237 (Ruby Net::HTTP)
    ("cron", "Failed to open TCP connection to api.trello.com:443 (getaddrinfo: Name or service not known)\n"
             "Caused by SocketError: getaddrinfo: Name or service not known", None),
    # https://github.com/mozilla/ssh_scan_api/issues/51
    ("cron", "/usr/local/rvm/rubies/ruby-2.3.3/lib/ruby/2.3.0/socket.rb:231:in `getaddrinfo': getaddrinfo: Name or service not known "
             "(SocketError)", None),
    # https://github.com/TwitchLib/TwitchLib/issues/219 (.NET Framework)
    ("k8s", "6/24/2017 7:55:49 PM|Fatal|WebSocket.connect:0|System.Net.Sockets.SocketException (0x80004005): No such host is known\n"
            "        at System.Net.Sockets.TcpClient..ctor(String hostname, Int32 port)", None),
    # https://github.com/bloxstraplabs/bloxstrap/issues/5361 (.NET HttpClient names host and port)
    ("k8s", "2025-06-20T02:42:56Z [App::FinalizeExceptionHandling] (0x80004005) System.Net.Http.HttpRequestException: No such host is "
            "known. (setup.rbxcdn.com:80)\n ---> System.Net.Sockets.SocketException (11001): No such host is known.", "setup.rbxcdn.com"),
    # https://github.com/huiyadanli/PasteEx/issues/79
    ("cron", "System.Net.Sockets.SocketException (11001): No such host is known.", None),
])
def test_name_resolution_failures_in_ruby_and_dotnet(source: str, log: str, host: str | None) -> None:
    h = diagnose(source, log)
    assert h.category.value == "network_dns" and h.confidence >= 0.75, (h.signature, h.cause)
    if host:
        assert host in h.cause and h.command == f"getent hosts {host}"


@pytest.mark.parametrize("log,says", [
    # https://github.com/php-curl-class/php-curl-class/issues/552
    ("Failure when receiving data from the peer: Received HTTP code 407 from proxy after CONNECT", "credentials"),
    # https://github.com/chobits/ngx_http_proxy_connect_module/issues/190
    ("* Received HTTP code 403 from proxy after CONNECT\n* CONNECT phase completed!\n* Closing connection 0\n"
     "curl: (56) Received HTTP code 403 from proxy after CONNECT", "HTTP 403 from the proxy"),
    # https://github.com/postmanlabs/postman-app-support/issues/9331 (Node's tunnel agent)
    ("Error: tunneling socket could not be established, statusCode=407", "credentials"),
    # https://github.com/pear/pear-core/pull/72
    ("Establishing a CONNECT tunnel through proxy failed with response code 407", "credentials"),
])
def test_a_proxy_refusing_the_tunnel_says_whether_it_wanted_credentials(log: str, says: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "network_dns" and h.signature == "proxy_error"
    assert says in h.cause


@pytest.mark.parametrize("log", [
    # https://github.com/pymedusa/Medusa/issues/7624
    "2020-04-24 02:16:03 ERROR    POSTPROCESSOR :: [8f6b666] Environment error: EOF occurred in violation of protocol (_ssl.c:727)\n"
    "Traceback (most recent call last):\nSSLEOFError: EOF occurred in violation of protocol (_ssl.c:727)",
    # https://github.com/acheong08/ChatGPT-Proxy/issues/15
    "urllib.error.URLError: <urlopen error EOF occurred in violation of protocol (_ssl.c:1129)>",
])
def test_a_tls_connection_closed_mid_handshake_is_a_dropped_connection_not_a_code_bug(log: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "dependency_unavailable" and h.signature == "connection_reset"
    # The peer or a middlebox closed it: a hint, not a diagnosis
    assert h.confidence < 0.7


@pytest.mark.parametrize("log", [
    # https://github.com/docker-archive-public/docker.kitematic/issues/4347 (the DNS server itself did not answer)
    "Error response from daemon: Get https://registry-1.docker.io/v2/: dial tcp: lookup registry-1.docker.io on 10.0.2.3:53: "
    "read udp 10.0.2.15:54567->10.0.2.3:53: i/o timeout",
    # https://github.com/docker/for-win/issues/6241
    "Error response from daemon: Get https://registry-1.docker.io/v2/: dial tcp: lookup registry-1.docker.io on 192.168.65.1:53: no such host",
])
def test_go_resolver_failures_name_the_host(log: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "network_dns" and h.command == "getent hosts registry-1.docker.io"
