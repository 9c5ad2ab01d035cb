"""Slack cards (the outbox of posts and edits) and thread replies.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "slack_cards",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("triage_id", sa.String(32), unique=True),
        sa.Column("incident_key", sa.String(300), unique=True),
        sa.Column("parent_id", BigId, index=True),
        sa.Column("job_key", sa.String(512), nullable=False, index=True),
        sa.Column("storm_key", sa.String(256)),
        sa.Column("failed_at", TS, nullable=False),
        sa.Column("channel", sa.String(256), nullable=False),
        sa.Column("channel_id", sa.String(64)),
        sa.Column("ts", sa.String(32)),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("posted_version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("seen_updated_at", TS),
        sa.Column("deliveries", sa.Integer, nullable=False, server_default="1"),
        sa.Column("hold_until", TS, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("post_started_at", TS),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_slack_cards_storm", "slack_cards", ["storm_key", "failed_at"])
    op.create_table(
        "slack_replies",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("card_id", BigId, nullable=False, index=True),
        sa.Column("dedup_key", sa.String(300), nullable=False, unique=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("ts", sa.String(32)),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("post_started_at", TS),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("slack_replies")
    op.drop_index("ix_slack_cards_storm", "slack_cards")
    op.drop_table("slack_cards")
