"""Initial schema: triages, runs, audit, feedback.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "triages",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("failure_key", sa.String(512), nullable=False, unique=True),
        sa.Column("job_key", sa.String(512), nullable=False, index=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("job", sa.String(512), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("event", Json, nullable=False),
        sa.Column("evidence", Json),
        sa.Column("hypothesis", Json),
        sa.Column("error", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", TS),
        sa.Column("timeline", Json, nullable=False),
        sa.Column("resolved_at", TS),
        sa.Column("created_at", TS, nullable=False, index=True),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_triages_work", "triages", ["state", "next_attempt_at"])
    op.create_table(
        "runs",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("job_key", sa.String(512), nullable=False, index=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("job", sa.String(512), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("run_id", sa.String(512)),
        sa.Column("started_at", TS),
        sa.Column("finished_at", TS),
        sa.Column("duration_seconds", sa.Float),
        sa.Column("exit_code", sa.Integer),
        sa.Column("detail", sa.Text),
        sa.Column("triage_id", sa.String(32)),
        sa.Column("recorded_at", TS, nullable=False),
        sa.UniqueConstraint("job_key", "run_id", name="uq_runs_job_run"),
    )
    op.create_table(
        "audit",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("triage_id", sa.String(32), nullable=False, index=True),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("outcome", sa.Text),
        sa.Column("idempotency_key", sa.String(256), unique=True),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "feedback",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("triage_id", sa.String(32), nullable=False, index=True),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("category", sa.String(64)),
        sa.Column("cause", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("feedback", "audit", "runs", "triages"):
        op.drop_table(table)
