"""Run a real `triage serve` process for tests, in its own process group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_available(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return True
    except Exception:
        return False


class TriageServer:
    def __init__(self, workdir: Path, database_url: str, port: int, env: dict[str, str]):
        self.workdir = workdir
        self.database_url = database_url
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.extra_env = env
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir / f"serve-{port}.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TRIAGE_", "SLACK_", "OPENAI_"))}
        env.update({
            "TRIAGE_DATABASE_URL": self.database_url,
            "TRIAGE_WORKER_POLL_SECONDS": "0.1",
            "TRIAGE_LOG_LEVEL": "INFO",
        })
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30.0) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "triage", "serve", "--port", str(self.port)],
            cwd=self.workdir, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"triage serve exited {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"triage serve did not become ready:\n{self.log()}")

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    def headers(self) -> dict[str, str]:
        token = self.extra_env.get("TRIAGE_API_TOKEN")
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(self.url + path, headers=self.headers(), timeout=10, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.post(self.url + path, headers=self.headers(), timeout=10, **kw)

    def wait_for(self, predicate, timeout: float = 15.0, what: str = "condition"):
        """Poll GET /v1/triages until predicate(items) returns something truthy."""
        deadline = time.monotonic() + timeout
        items: list = []
        while time.monotonic() < deadline:
            items = self.get("/v1/triages", params={"limit": 500}).json()["items"]
            found = predicate(items)
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; last items: {items}\nserver log:\n{self.log()}")

    def wait_published(self, triage_id: str, timeout: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            item = self.get(f"/v1/triages/{triage_id}").json()
            if item["state"] not in ("received", "collecting", "diagnosing"):
                return item
            time.sleep(0.1)
        raise AssertionError(f"triage {triage_id} not published in {timeout}s\n{self.log()}")
