"""The notifier's delivery against servers that misbehave at the socket level: one that
stalls in the middle of an error body, one that trickles its answer a byte at a time. A
failure callback must return False within the documented bound, never raise into Airflow."""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "integrations" / "airflow"))

from triage_airflow import DeliveryConfig, deliver, make_failure_callback  # noqa: E402


class _RawServer:
    """A loopback TCP server that answers each connection with `script(conn)`."""

    def __init__(self, script):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = threading.Event()
        self.connections = 0

        def serve():
            while not self.stop.is_set():
                try:
                    conn, _ = self.sock.accept()
                except OSError:
                    return
                self.connections += 1

                def handle(c=conn):
                    try:
                        c.recv(65536)
                        script(c, self.stop)
                    except OSError:
                        pass
                    finally:
                        c.close()

                threading.Thread(target=handle, daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()

    def close(self):
        self.stop.set()
        self.sock.close()


@pytest.fixture
def raw_server():
    made = []

    def make(script):
        s = _RawServer(script)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def _stall_in_error_body(conn, stop):
    conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 100\r\n\r\n{\"det")
    stop.wait(10)


def _trickle_accepted(conn, stop):
    for byte in b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}":
        if stop.wait(0.2):
            return
        conn.sendall(bytes([byte]))


def test_an_error_body_that_stalls_is_logged_not_raised(raw_server, caplog):
    server = raw_server(_stall_in_error_body)
    cfg = DeliveryConfig(server_url=server.url, timeout_seconds=0.5, retries=1, retry_delay_seconds=0.1)
    started = time.monotonic()
    assert deliver({"dag_id": "etl"}, cfg) is False  # raised TimeoutError out of the except block
    assert time.monotonic() - started < 0.5 * 2 + 0.1 + 0.5
    assert "HTTP 500" in caplog.text


def test_the_plain_callback_never_raises_into_airflow(raw_server):
    server = raw_server(_stall_in_error_body)
    callback = make_failure_callback(server.url, instance="prod", timeout_seconds=0.3, retries=0)

    class TI:
        dag_id, task_id, run_id, try_number, map_index, state = "etl", "load", "manual__1", 1, -1, "failed"

    callback({"ti": TI(), "exception": ValueError("bad row")})


def test_an_answer_trickled_byte_by_byte_is_cut_at_the_documented_bound(raw_server, caplog):
    # Each byte arrives well within the socket timeout, so urllib's per-read timeout never
    # fires: the whole delivery must still end by timeout_seconds * (retries + 1) + pauses.
    server = raw_server(_trickle_accepted)
    cfg = DeliveryConfig(server_url=server.url, timeout_seconds=0.5, retries=1, retry_delay_seconds=0.1)
    started = time.monotonic()
    assert deliver({"dag_id": "etl"}, cfg) is False  # took 8.6 s (every byte 0.2 s) and said True
    assert time.monotonic() - started < 0.5 * 2 + 0.1 + 0.5
    assert "gave up" in caplog.text
