"""Install and run a REAL Apache Airflow 3.3.2 for the Airflow tests.

The venv is created on first use under ~/.cache/triage-test/airflow-3.3.2 (about 300 MB, a
minute or so to install) and reused afterwards; a marker file says it finished installing.
`AirflowServer` starts `airflow api-server`, `airflow scheduler --skip-serve-logs` and
`airflow dag-processor` on loopback, each in its own process group, and stops them by
process group. Everything waits with a deadline.
"""

from __future__ import annotations

import contextlib

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

AIRFLOW_VERSION = "3.3.2"
REPO = Path(__file__).resolve().parent.parent
DAGS_FOLDER = REPO / "tests" / "data" / "airflow" / "dags"
# Airflow 2 cannot import the Task SDK DAGs: it gets its own folder.
DAGS2_FOLDER = REPO / "tests" / "data" / "airflow" / "dags2"
AIRFLOW2_VERSION = "2.10.5"
NOTIFIER_SOURCE = REPO / "integrations" / "airflow"
READY_MARKER = ".triage-ready"
JWT_SECRET = "triage-test-jwt-secret-0123456789abcdef"


def venv_path(version: str = AIRFLOW_VERSION) -> Path:
    override = os.environ.get("TRIAGE_TEST_AIRFLOW_VENV") if version == AIRFLOW_VERSION else None
    if override:
        return Path(override)
    return Path.home() / ".cache" / "triage-test" / f"airflow-{version}"


def _python_for_airflow() -> str:
    # Airflow 3.3 supports CPython 3.10-3.13; the interpreter running the tests is one of them.
    return sys.executable if sys.version_info[:2] <= (3, 13) else shutil.which("python3.12") or "python3"


def ensure_airflow_venv(timeout: float = 1200, version: str = AIRFLOW_VERSION) -> Path:
    """The cached Airflow venv, installed now if missing or half-installed."""
    venv = venv_path(version)
    if (venv / READY_MARKER).exists() and (venv / "bin" / "airflow").exists():
        return venv
    if venv.exists():
        shutil.rmtree(venv)  # a half-finished install from an interrupted run
    venv.parent.mkdir(parents=True, exist_ok=True)
    # `--without-pip` + ensurepip would be slower; the base interpreter's venv module is enough.
    subprocess.run([_python_for_airflow(), "-m", "venv", str(venv)], check=True, timeout=120)
    # Every package pinned, as `pip freeze` recorded it from a venv that passed these tests:
    # Airflow's own constraints files live outside the package registries.
    constraints = REPO / "tests" / "data" / "airflow" / f"constraints-{version}.txt"
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
         f"apache-airflow=={version}", *(["-c", str(constraints)] if constraints.exists() else [])],
        check=True, timeout=timeout,
    )
    (venv / READY_MARKER).write_text(version + "\n")
    return venv


def install_notifier(venv: Path, target: Path) -> Path:
    """Really pip-install integrations/airflow (not editable) into `target`, for PYTHONPATH.

    Installing into a separate folder keeps the shared cached venv clean while still proving
    the package builds and installs the way users install it.
    """
    # Build from a copy: pip leaves build/ and *.egg-info beside the sources it builds.
    source = target.parent / "triage-airflow-src"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(NOTIFIER_SOURCE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--target", str(target), str(source)],
        check=True, timeout=300,
    )
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AirflowServer:
    """A running Airflow 3 (api-server, scheduler, dag-processor) with an admin and a viewer."""

    users = {"admin": "admin-pw", "viewer": "viewer-pw"}

    def __init__(self, home: Path, venv: Path, extra_env: dict[str, str] | None = None,
                 pythonpath: list[Path] | None = None):
        self.home = home
        self.venv = venv
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self._token: str | None = None
        home.mkdir(parents=True, exist_ok=True)
        pw_file = home / "simple_auth_manager_passwords.json"
        pw_file.write_text(json.dumps(self.users))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TRIAGE_"))}
        env.update({
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,viewer:viewer",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(pw_file),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": JWT_SECRET,
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "NO_PROXY": "127.0.0.1,localhost",
            # Executors start `airflow tasks run ...` by name.
            "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        })
        if pythonpath:
            env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
        env.update(extra_env or {})
        self.env = env

    # --- lifecycle -----------------------------------------------------------------------
    def _airflow(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.venv / "bin" / "airflow"), *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    HEALTH_PATH = "/api/v2/monitor/health"
    NAME = "Airflow"

    def components(self) -> list[list[str]]:
        return [["api-server"], ["scheduler", "--skip-serve-logs"], ["dag-processor"]]

    def start(self, deadline_seconds: float = 240) -> AirflowServer:
        migrated = self._airflow("db", "migrate", timeout=deadline_seconds)
        if migrated.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{migrated.stderr[-3000:]}")
        return self._launch(deadline_seconds)

    def _launch(self, deadline_seconds: float) -> AirflowServer:
        """Each component in its own process group, then wait until the health check passes."""
        for component in self.components():
            out = open(self.home / f"{component[0]}.log", "wb")
            self.procs.append(subprocess.Popen(
                [str(self.venv / "bin" / "airflow"), *component], env=self.env, stdout=out,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True))
        try:
            self.wait_healthy(deadline_seconds)
        except Exception:
            self.stop()
            raise
        return self

    def wait_healthy(self, deadline_seconds: float) -> None:
        deadline = time.monotonic() + deadline_seconds
        last = ""
        while time.monotonic() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"an Airflow component exited early ({p.args}); see {self.home}")
            try:
                r = httpx.get(f"{self.url}{self.HEALTH_PATH}", timeout=3)
                body = r.json() if r.status_code == 200 else {}
                if body.get("metadatabase", {}).get("status") == "healthy" and \
                        body.get("scheduler", {}).get("status") == "healthy":
                    return
                last = r.text[:300]
            except (httpx.HTTPError, ValueError) as exc:
                last = str(exc)
            time.sleep(1)
        raise TimeoutError(f"{self.NAME} not healthy after {deadline_seconds}s: {last}")

    def stop(self, grace_seconds: float = 15) -> None:
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace_seconds
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:  # children of a component (task runners) may outlive it
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.procs = []

    # --- REST helpers for the tests (the code under test has its own client) --------------
    def token(self, user: str = "admin") -> str:
        r = httpx.post(f"{self.url}/auth/token", json={"username": user, "password": self.users[user]}, timeout=10)
        r.raise_for_status()
        return r.json()["access_token"]

    def expired_token(self, user: str = "admin") -> str:
        """A real token of this Airflow, re-signed with its secret so that it expired a minute ago."""
        script = (
            "import jwt, sys, time\n"
            "tok, secret = sys.argv[1], sys.argv[2]\n"
            "alg = jwt.get_unverified_header(tok)['alg']\n"
            "claims = jwt.decode(tok, options={'verify_signature': False})\n"
            "now = int(time.time())\n"
            "claims.update(iat=now - 3600, nbf=now - 3600, exp=now - 60)\n"
            "print(jwt.encode(claims, secret, algorithm=alg))\n"
        )
        out = subprocess.run([str(self.venv / "bin" / "python"), "-c", script, self.token(user), JWT_SECRET],
                             capture_output=True, text=True, timeout=60, check=True)
        return out.stdout.strip()

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self._token is None:
            self._token = self.token()
        return httpx.request(method, f"{self.url}/api/v2{path}", headers={"Authorization": f"Bearer {self._token}"},
                             timeout=20, **kwargs)

    def wait_dags(self, dag_ids: list[str], deadline_seconds: float = 120) -> None:
        deadline = time.monotonic() + deadline_seconds
        missing = set(dag_ids)
        while time.monotonic() < deadline:
            missing = {d for d in dag_ids if self.api("GET", f"/dags/{d}").status_code != 200}
            if not missing:
                return
            time.sleep(1)
        errors = self.api("GET", "/importErrors").text[:2000]
        raise TimeoutError(f"DAGs not parsed in {deadline_seconds}s: {sorted(missing)}; import errors: {errors}")

    def trigger(self, dag_id: str) -> str:
        r = self.api("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None})
        r.raise_for_status()
        return r.json()["dag_run_id"]

    def wait_run(self, dag_id: str, run_id: str, deadline_seconds: float = 180) -> dict:
        deadline = time.monotonic() + deadline_seconds
        body: dict = {}
        while time.monotonic() < deadline:
            body = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}").json()
            if body.get("state") in ("success", "failed"):
                return body
            time.sleep(1)
        raise TimeoutError(f"run {dag_id}/{run_id} not finished in {deadline_seconds}s: {body.get('state')}")

    def task_instance(self, dag_id: str, run_id: str, task_id: str) -> dict:
        r = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")
        r.raise_for_status()
        return r.json()


class Airflow2Server(AirflowServer):
    """A running Airflow 2 (webserver with basic auth on /api/v1, scheduler) for the 2.x paths."""

    HEALTH_PATH = "/health"
    NAME = "Airflow 2"

    # Only Admin exists before the webserver first syncs its roles.
    users = {"admin": "admin-pw"}

    def __init__(self, home: Path, venv: Path, extra_env: dict[str, str] | None = None,
                 pythonpath: list[Path] | None = None):
        super().__init__(home, venv, extra_env, pythonpath)
        for key in [k for k in self.env if k.startswith("AIRFLOW__") and k != "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]:
            del self.env[key]
        self.env.update({
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS2_FOLDER),
            "AIRFLOW__CORE__EXECUTOR": "SequentialExecutor",  # the one Airflow 2 allows on SQLite
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__API__AUTH_BACKENDS": "airflow.api.auth.backend.basic_auth",
            "AIRFLOW__WEBSERVER__BASE_URL": self.url,
            "AIRFLOW__WEBSERVER__WORKERS": "1",
            "AIRFLOW__WEBSERVER__SECRET_KEY": "triage-test-secret",
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        })
        extra = extra_env or {}
        self.env.update({k: v for k, v in extra.items() if k.startswith("AIRFLOW__")})

    def start(self, deadline_seconds: float = 300) -> AirflowServer:
        migrated = self._airflow("db", "migrate", timeout=deadline_seconds)
        if migrated.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{migrated.stderr[-3000:]}")
        for user, password in self.users.items():
            made = self._airflow("users", "create", "--username", user, "--password", password,
                                 "--role", "Admin", "--email", f"{user}@example.org",
                                 "--firstname", user, "--lastname", "test", timeout=deadline_seconds)
            if made.returncode != 0:
                raise RuntimeError(f"airflow users create failed:\n{made.stderr[-3000:]}")
        return self._launch(deadline_seconds)

    def components(self) -> list[list[str]]:
        return [["webserver", "--hostname", "127.0.0.1", "--port", str(self.port)], ["scheduler", "--skip-serve-logs"]]

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.url}/api/v1{path}", auth=("admin", self.users["admin"]),
                             timeout=20, **kwargs)

    def trigger(self, dag_id: str) -> str:
        r = self.api("POST", f"/dags/{dag_id}/dagRuns", json={})
        r.raise_for_status()
        return r.json()["dag_run_id"]


@contextlib.contextmanager
def running_airflow(server_cls: type[AirflowServer], venv: Path, workdir: Path, dags: list[str], token: str):
    """A started Airflow with the notifier importable by its workers (which read the service's
    bearer token from their environment), its DAGs parsed; stopped afterwards."""
    notifier = install_notifier(venv, workdir / "notifier-site")
    server = server_cls(workdir / "home", venv, pythonpath=[notifier], extra_env={"TRIAGE_API_TOKEN": token})
    server.start()
    try:
        server.wait_dags(dags)
        yield server
    finally:
        server.stop()

def run_failing_dags(server: AirflowServer, triage_url: str, dags: list[str], created_status: int) -> dict[str, str]:
    """Point the notifier at the triage service, then run every failing DAG once (to `failed`).
    `created_status`: what creating the variable answers (Airflow 3: 201, Airflow 2: 200)."""
    r = server.api("POST", "/variables", json={"key": "triage_server_url", "value": triage_url})
    assert r.status_code == created_status, r.text
    run_ids = {dag: server.trigger(dag) for dag in dags}
    for dag, run_id in run_ids.items():
        assert server.wait_run(dag, run_id)["state"] == "failed"
    return run_ids


if __name__ == "__main__":
    # `python -m tests.airflow_harness` installs both cached venvs ahead of the tests (for CI).
    for version in (AIRFLOW_VERSION, AIRFLOW2_VERSION):
        started = time.monotonic()
        print(f"airflow {version}: {ensure_airflow_venv(version=version)} ({time.monotonic() - started:.0f}s)")
