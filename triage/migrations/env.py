"""Alembic environment: runs on the connection triage hands over (see triage/migrate.py)."""

from alembic import context

from triage.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
