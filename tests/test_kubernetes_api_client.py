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
