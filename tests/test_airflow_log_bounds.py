"""A task log read is bounded in size and in time whatever the Airflow API serves: an endless
Airflow 2 text log, an endless Airflow 3 NDJSON stream, or one that trickles a line at a time.
The fake API speaks Airflow's wire format for the log endpoint (chunked, as the real one
streams it)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from triage.settings import AirflowInstance
from triage.sources import airflow_api
from triage.sources.airflow_api import AirflowClient


class _EndlessLog:
    def __init__(self, line: bytes, pause: float = 0.0):
        self.stop = threading.Event()
        self.sent = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # /auth/token (Airflow 3)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                data = json.dumps({"access_token": "jwt"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self.send_response(200)
                ndjson = "/api/v2/" in self.path
                self.send_header("Content-Type", "application/x-ndjson" if ndjson else "text/plain")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = line * (1 if pause else 2000)
                try:
                    while not outer.stop.is_set():
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        outer.sent += len(chunk)
                        if pause:
                            outer.stop.wait(pause)
                except OSError:
                    pass
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _read_log(server: _EndlessLog, version: int, within: float):
    client = AirflowClient(AirflowInstance(name="t", url=server.url, username="u", password="p",
                                           api_version=version, timeout_seconds=2))
    result: dict = {}

    def read():
        try:
            result["value"] = client.task_log("etl", "manual__1", "load", 1)
        except Exception as exc:  # noqa: BLE001 - reported below
            result["error"] = exc

    worker = threading.Thread(target=read, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(within)
    elapsed = time.monotonic() - started
    server.close()  # ends the stream, so a read that never stopped on its own ends now
    worker.join(10)
    client.close()
    return result, elapsed


V2_LINE = b"[2024-01-01, 00:00:00 UTC] {taskinstance.py:1} INFO - copying row 12345 of a very long table\n"
V3_LINE = json.dumps({"timestamp": "2024-01-01T00:00:00Z", "level": "info", "event": "copying row 12345",
                      "logger": "task.stdout"}).encode() + b"\n"


@pytest.mark.parametrize("version,line", [(2, V2_LINE), (3, V3_LINE)], ids=["airflow2-text", "airflow3-ndjson"])
def test_an_endless_log_is_read_up_to_the_byte_bound(monkeypatch, version, line):
    monkeypatch.setattr(airflow_api, "MAX_LOG_BYTES", 2 * 1024 * 1024)
    server = _EndlessLog(line)
    result, elapsed = _read_log(server, version, within=6)
    # Airflow 2's text log was read whole into memory: it never returned while the log went on.
    assert "value" in result and elapsed < 6, (result, elapsed, server.sent)
    lines, _ = result["value"]
    assert len(lines) <= airflow_api.MAX_LOG_LINES + 1
    assert "log truncated" in lines[-1]


@pytest.mark.parametrize("version,line", [(2, V2_LINE), (3, V3_LINE)], ids=["airflow2-text", "airflow3-ndjson"])
def test_a_log_that_trickles_is_cut_at_the_time_bound(monkeypatch, version, line):
    # Each line arrives well within the read timeout, so only a deadline on the whole read ends it.
    monkeypatch.setattr(airflow_api, "MAX_LOG_SECONDS", 1.0)
    server = _EndlessLog(line, pause=0.05)
    result, elapsed = _read_log(server, version, within=8)
    assert "value" in result and elapsed < 4, (result, elapsed, server.sent)
    lines, _ = result["value"]
    assert lines[0].startswith(("[2024", "2024")) and "log truncated" in lines[-1]
