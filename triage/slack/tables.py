"""Slack's own tables: one row per card (the durable outbox of posts and edits) and the
thread replies waiting to be posted.

A card row is written in the same moment a triage is published and is only marked done
after Slack answered with the message's `ts`, so a crash or a Slack outage in between
delays a card but never loses or duplicates it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage.db import Base, BigId

# Card kinds: `triage` and `incident` are messages of their own; a `repeat` is a later
# failure of a job whose card is still open (a reply in that card's thread); a `member`
# is a triage folded into an incident card (its own message, if already posted, is edited
# to point at the incident).
KINDS = ("triage", "incident", "repeat", "member")


class SlackCardRow(Base):
    __tablename__ = "slack_cards"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    triage_id: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    incident_key: Mapped[str | None] = mapped_column(String(300), unique=True, nullable=True)
    parent_id: Mapped[int | None] = mapped_column(BigId, nullable=True, index=True)
    job_key: Mapped[str] = mapped_column(String(512), index=True)
    storm_key: Mapped[str | None] = mapped_column(String(256), nullable=True)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Where the routing sent it, and the channel id and message ts Slack answered with.
    channel: Mapped[str] = mapped_column(String(256))
    channel_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The card is due (posted or edited) while version > posted_version.
    version: Mapped[int] = mapped_column(Integer, default=1)
    posted_version: Mapped[int] = mapped_column(Integer, default=0)
    # The triage's updated_at the last render saw: a later change makes the card due again.
    seen_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deliveries: Mapped[int] = mapped_column(Integer, default=1)
    hold_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Set just before chat.postMessage: after a crash with no ts, look the message up first.
    post_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_slack_cards_storm", "storm_key", "failed_at"),)


class SlackReplyRow(Base):
    """A message for a card's thread ("failed again at 03:15, same signature")."""

    __tablename__ = "slack_replies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    card_id: Mapped[int] = mapped_column(BigId, index=True)
    # Makes enqueuing the same reply twice (a redelivered publish) a no-op.
    dedup_key: Mapped[str] = mapped_column(String(300), unique=True)
    text: Mapped[str] = mapped_column(Text)
    ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    post_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
