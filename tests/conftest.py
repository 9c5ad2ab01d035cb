"""Shared fixtures: databases on both backends and a real `triage serve` process."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.support.server import TriageServer, free_port, postgres_available

PG_ADMIN_URL = os.environ.get("TRIAGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_database():
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    name = f"triage_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'triage.db'}"
        return
    if not postgres_available(PG_ADMIN_URL):
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} (.ci/run starts it)")
    yield from _pg_database()


@pytest.fixture
def pg_url():
    if not postgres_available(PG_ADMIN_URL):
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} (.ci/run starts it)")
    yield from _pg_database()


@pytest.fixture
def triage_server(tmp_path):
    """Factory: start a real `triage serve` subprocess; stopped (process group) after the test.

        server = triage_server(env={"TRIAGE_API_TOKEN": "t"})
        server.url, server.get("/v1/triages"), server.wait_for_triages(1)
    """
    started: list[TriageServer] = []

    def start(env: dict[str, str] | None = None, database_url: str | None = None, port: int | None = None):
        server = TriageServer(
            workdir=tmp_path,
            database_url=database_url or f"sqlite:///{tmp_path / 'triage.db'}",
            port=port or free_port(),
            env=env or {},
        )
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def kube():
    """A loopback Kubernetes API server (tests/fakes/kube_apiserver.py) for the real client."""
    from tests.fakes.kube_apiserver import FakeKubeAPIServer

    with FakeKubeAPIServer() as server:
        yield server


@pytest.fixture
def kubeconfig(kube, tmp_path):
    return str(kube.write_kubeconfig(tmp_path / "kubeconfig"))
