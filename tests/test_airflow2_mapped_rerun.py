"""Airflow 2's clearTaskInstances takes plain task ids only, so a re-run of one map index clears
the task by id only when that index is its one failed index; otherwise it is refused and nothing
is cleared. The fake /api/v1 answers with Airflow 2.10's shapes (tests/test_airflow2_live.py
covers the clearing case against a real Airflow 2.10.5)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from triage.settings import Settings
from triage.sources.airflow import AirflowSource


def test_airflow2_mapped_rerun_is_refused_when_other_indexes_failed_too():
    posts: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def _send(self, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._send({"task_id": "check", "map_index": 1, "state": "failed", "try_number": 1, "note": None})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            posts.append((self.path, body))
            if self.path.endswith("/taskInstances/list"):
                self._send({"task_instances": [{"task_id": "check", "map_index": i, "state": "failed"}
                                               for i in (1, 3)], "total_entries": 2})
            else:
                self._send({"task_instances": [{"task_id": "check"}, {"task_id": "check"}]})

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        src = AirflowSource(Settings(_env_file=None, airflow_instances=[{
            "name": "a2", "url": f"http://127.0.0.1:{httpd.server_port}", "username": "u", "password": "p",
            "api_version": 2, "timeout_seconds": 5}]))
        [event] = src.parse({"dag_id": "etl", "task_id": "check", "run_id": "manual__1", "map_index": 1,
                             "instance": "a2"})
        result = src.rerun(event, "approval-mapped-refused")
        assert not result.ok and "[3]" in result.detail and "cannot clear one map index" in result.detail
        assert not [p for p, _ in posts if p.endswith("/clearTaskInstances")]
        [(_, listed)] = posts
        assert listed["dag_run_ids"] == ["manual__1"] and listed["task_ids"] == ["check"]
    finally:
        httpd.shutdown()
        httpd.server_close()
