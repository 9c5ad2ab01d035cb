"""Schema migrations on PostgreSQL: a failing migration reports its own error and frees the lock."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy.exc

from triage.db import make_engine
from triage.migrate import _ADVISORY_LOCK_ID, upgrade


def test_a_failing_migration_reports_its_error_and_releases_the_replicas_lock(pg_url):
    # A table in the way makes the first migration fail half-way, inside its transaction.
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE runs (id integer)")
    engine = make_engine(pg_url)
    try:
        with pytest.raises(sqlalchemy.exc.ProgrammingError) as err:
            upgrade(engine)
        # The migration's own error, not "current transaction is aborted" from the unlock.
        assert "already exists" in str(err.value)
        # Another replica can take the lock: it was not left held by a pooled connection.
        with psycopg.connect(pg_url, autocommit=True) as other:
            assert other.execute("SELECT pg_try_advisory_lock(%s)", (_ADVISORY_LOCK_ID,)).fetchone()[0] is True
            other.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK_ID,))
    finally:
        engine.dispose()
