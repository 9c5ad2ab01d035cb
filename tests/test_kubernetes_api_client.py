"""The Kubernetes API client wrapper against a server that does not speak the API (a proxy's page)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kubernetes import client

from triage.sources.kube.api import KubeAPI, KubeAPIError


class _LoginPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        body = b"<html><body>Please sign in</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def login_page():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LoginPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_answer_that_is_not_json_is_an_api_error(login_page) -> None:
    config = client.Configuration()
    config.host = login_page
    api = KubeAPI(client.ApiClient(config), timeout_seconds=5)
    with pytest.raises(KubeAPIError) as err:
        api.jobs("batch")
    assert "not JSON" in str(err.value) and "Please sign in" in str(err.value)


@pytest.fixture
def service_account(tmp_path, monkeypatch):
    """What Kubernetes mounts into a pod: a CA certificate and a token, and the service's address
    in the environment. The API server's certificate is self-signed for 127.0.0.1 (openssl)."""
    import shutil
    import subprocess

    from kubernetes.config import incluster_config

    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make the API server's certificate")
    cert, key, token = tmp_path / "ca.crt", tmp_path / "tls.key", tmp_path / "token"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    token.write_text("sa-token-from-the-projected-volume")  # the kubelet writes it without a newline
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(cert))
    return cert, key, token


def test_in_cluster_config_reads_the_service_account_and_verifies_the_api_server(service_account, monkeypatch) -> None:
    """TRIAGE_KUBERNETES_IN_CLUSTER=true (the Deployment in integrations/kubernetes): the real
    client finds the API server from KUBERNETES_SERVICE_HOST/PORT, trusts only the mounted CA and
    sends the mounted token."""
    from tests.fakes.kube_apiserver import FakeKubeAPIServer
    from triage.settings import Settings
    from triage.sources.kube.api import api_client_from_settings

    cert, key, _ = service_account
    with FakeKubeAPIServer(tls=(cert, key)) as server:
        server.put({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "nightly-1", "namespace": "jobs"},
                    "spec": {}, "status": {"failed": 1}})
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", server.url.rsplit(":", 1)[1])
        api = KubeAPI(api_client_from_settings(Settings(kubernetes_in_cluster=True)), timeout_seconds=5)
        assert api.job("jobs", "nightly-1")["status"]["failed"] == 1
        assert server.cluster.authorizations[-1].lower() == "bearer sa-token-from-the-projected-volume"


def test_in_cluster_config_outside_a_pod_is_a_clear_setup_error(service_account, monkeypatch) -> None:
    from triage.settings import Settings
    from triage.sources.kube.api import KubeNotConfigured, api_client_from_settings

    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_PORT", raising=False)
    with pytest.raises(KubeNotConfigured, match="TRIAGE_KUBECONFIG"):
        api_client_from_settings(Settings(kubernetes_in_cluster=True))


def test_in_cluster_config_refuses_an_api_server_the_mounted_ca_did_not_sign(service_account, monkeypatch, tmp_path) -> None:
    import subprocess

    from kubernetes.config import incluster_config

    from tests.fakes.kube_apiserver import FakeKubeAPIServer
    from triage.settings import Settings
    from triage.sources.kube.api import api_client_from_settings

    cert, key, _ = service_account
    other_ca, other_key = tmp_path / "other-ca.crt", tmp_path / "other.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(other_key), "-out", str(other_ca)],
                   check=True, capture_output=True)
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(other_ca))
    with FakeKubeAPIServer(tls=(cert, key)) as server:
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", server.url.rsplit(":", 1)[1])
        api = KubeAPI(api_client_from_settings(Settings(kubernetes_in_cluster=True)), timeout_seconds=5)
        with pytest.raises(KubeAPIError):
            api.job("jobs", "nightly-1")
        assert not server.cluster.authorizations, "the token was sent to a server the CA did not sign"
