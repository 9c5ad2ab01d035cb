"""Slack publisher: a durable outbox of cards, noise control, and the loop that drains it.

`publish(view)` only writes rows (in the triage's own database) and wakes the loop; the
loop posts or edits messages, paced per channel, and records each message's `ts` before
it marks the row done. So a crash, or Slack being down, between publishing and posting
delays a card but loses none, and a retry edits (chat.update) rather than posting again.

Noise control, decided when a triage is enqueued (serialised across threads/replicas):
- the same triage again (redelivery, state change): the card is edited;
- the same job failing again while its card is open: a reply in that card's thread;
- many jobs failing with one signature within a window: one incident card listing them.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.orm import Session

from triage.db import TriageRow
from triage.models import DECISIVE_CONFIDENCE, Category, Hypothesis, TriageState, TriageView, utcnow
from prometheus_client.core import GaugeMetricFamily

from triage.observability import ERRORS, REGISTRY, STAGE_SECONDS
from triage.settings import Settings
from triage.slack.card import (
    CardContext,
    IncidentMember,
    esc,
    grouped_stub,
    inbox_link,
    incident_card,
    triage_card,
)
from triage.run_history import when
from triage.slack.routing import channel_for
from triage.slack.tables import SlackCardRow, SlackReplyRow
from triage.store import TriageStore

log = logging.getLogger(__name__)

# A card whose job fails again stays "open" (the repeat goes in its thread) unless a human
# closed it or the source said the failure cleared.
CLOSED_STATES = (TriageState.acknowledged.value, TriageState.dismissed.value)
# `failed` too: a triage that could not be completed must reach on-call, not only the inbox.
CARD_STATES = (TriageState.published, TriageState.acknowledged, TriageState.approved,
               TriageState.rerun_requested, TriageState.rerun_done, TriageState.failed)
# Triages that still wait for a human (or are being re-run) get a card after a crash;
# ones a human already closed do not.
BACKFILL_STATES = (TriageState.published.value, TriageState.approved.value, TriageState.rerun_requested.value,
                   TriageState.failed.value)
_LEASE = timedelta(seconds=60)
# Slack's conversation ids (public C…, private G…, DM D…), as opposed to a routed `#name`.
_SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
_PG_LOCK = 0x736C61636B  # serialises noise-control decisions across replicas


def make_client(settings: Settings) -> WebClient:
    assert settings.slack_bot_token is not None
    base = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=base,
        timeout=15,
        # A 429 is waited out (Retry-After) and retried; our own pacing keeps them rare.
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1), RateLimitErrorRetryHandler(max_retry_count=2)],
    )


def storm_key_of(h: Hypothesis | None) -> str | None:
    """What "one cause" means for storm grouping: the signature, else a decisive category."""
    if h is None:
        return None
    if h.signature:
        return f"signature:{h.signature}"
    # A lean ("unclear, leaning X") is not decisive enough to say two failures share a cause.
    if h.category != Category.other and h.confidence >= DECISIVE_CONFIDENCE:
        return f"category:{h.category.value}"
    return None


class SlackPublisher:
    def __init__(self, settings: Settings, store: TriageStore, client: WebClient,
                 rerun_plan: Callable[[TriageView], str | None] | None = None, buttons: bool = True,
                 name: str | None = None):
        self.settings = settings
        self.store = store
        self.client = client
        self.rerun_plan = rerun_plan or (lambda view: None)
        self.buttons = buttons
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:slack:{uuid.uuid4().hex[:6]}"
        self._last_post: dict[str, float] = {}
        self._last_reconcile = 0.0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- Publisher protocol and other entry points (fast: database writes only) ----------
    def publish(self, view: TriageView) -> None:
        self.enqueue(view)
        self._wake.set()

    def refresh(self, triage_id: str) -> None:
        """The triage changed (a decision, a re-run outcome): edit its card."""
        with self.store.session() as s:
            card = s.scalar(select(SlackCardRow).where(SlackCardRow.triage_id == triage_id))
            if card is not None:
                self._dirty(s, card)
        self._wake.set()

    def note_redelivery(self, triage_id: str) -> None:
        """The same failure was reported again: say so on the card, never post it twice."""
        with self.store.session() as s:
            card = s.scalar(select(SlackCardRow).where(SlackCardRow.triage_id == triage_id))
            if card is not None:
                card.deliveries += 1
                self._dirty(s, card)
        self._wake.set()

    # --- enqueue: the noise-control decision ---------------------------------------------
    def enqueue(self, view: TriageView) -> None:
        if view.state not in CARD_STATES:
            return
        channel = channel_for(view, self.settings)
        if channel is None:
            ERRORS.labels("slack").inc()
            log.error("no Slack channel for triage %s: set TRIAGE_SLACK_CHANNEL or a TRIAGE_SLACK_ROUTES entry", view.id)
            return
        now = utcnow()
        h = view.hypothesis
        storm_key = storm_key_of(h)
        failed_at = _utc(view.event.failed_at)
        with self.store.session() as s:
            self._serialise(s)
            existing = s.scalar(select(SlackCardRow).where(SlackCardRow.triage_id == view.id))
            if existing is not None:
                self._dirty(s, existing)
                return
            base: dict[str, Any] = dict(
                triage_id=view.id, job_key=view.job_key, storm_key=storm_key, failed_at=failed_at, channel=channel,
                hold_until=now, next_attempt_at=now, created_at=now, updated_at=now, seen_updated_at=view.updated_at,
                version=1, posted_version=0, deliveries=1, attempts=0,
            )
            open_card = s.scalar(
                select(SlackCardRow).join(TriageRow, TriageRow.id == SlackCardRow.triage_id)
                .where(SlackCardRow.kind == "triage", SlackCardRow.job_key == view.job_key,
                       SlackCardRow.failed_at <= failed_at,
                       TriageRow.state.not_in(CLOSED_STATES), TriageRow.resolved_at.is_(None))
                .order_by(SlackCardRow.id.desc()).limit(1)
            )
            if open_card is not None:
                s.add(SlackCardRow(kind="repeat", parent_id=open_card.id, **base))
                s.add(SlackReplyRow(card_id=open_card.id, dedup_key=f"repeat:{view.id}",
                                    text=self._repeat_text(s, open_card, view), next_attempt_at=now, created_at=now))
                self._dirty(s, open_card)
                return
            if storm_key is not None:
                window = timedelta(seconds=self.settings.slack_storm_window_seconds)
                incident = s.scalar(
                    select(SlackCardRow).where(SlackCardRow.kind == "incident", SlackCardRow.storm_key == storm_key,
                                               SlackCardRow.channel == channel,
                                               SlackCardRow.failed_at >= failed_at - window)
                    .order_by(SlackCardRow.id.desc()).limit(1)
                )
                if incident is not None:
                    s.add(SlackCardRow(kind="member", parent_id=incident.id, **base))
                    if failed_at > _aware(incident.failed_at):
                        incident.failed_at = failed_at
                    self._dirty(s, incident)
                    return
                peers = s.scalars(
                    select(SlackCardRow).where(SlackCardRow.kind == "triage", SlackCardRow.storm_key == storm_key,
                                               SlackCardRow.channel == channel,
                                               SlackCardRow.failed_at >= failed_at - window,
                                               SlackCardRow.failed_at <= failed_at + window)
                ).all()
                jobs = {p.job_key for p in peers} | {view.job_key}
                if len(jobs) >= self.settings.slack_storm_threshold:
                    latest = max([failed_at, *(_aware(p.failed_at) for p in peers)])
                    incident = SlackCardRow(**{**base, "kind": "incident", "triage_id": None,
                                               "incident_key": f"{storm_key}@{uuid.uuid4().hex}",
                                               "job_key": f"incident:{storm_key}", "failed_at": latest,
                                               "seen_updated_at": None})
                    s.add(incident)
                    s.flush()
                    for p in peers:
                        p.kind, p.parent_id = "member", incident.id
                        if p.ts is not None:  # already in the channel: edit it into a pointer
                            self._dirty(s, p)
                    s.add(SlackCardRow(kind="member", parent_id=incident.id, **base))
                    log.warning("storm: %d jobs failing with %s; one incident card", len(jobs), storm_key)
                    return
            hold = timedelta(seconds=self.settings.slack_hold_seconds if storm_key else 0)
            s.add(SlackCardRow(kind="triage", **{**base, "hold_until": now + hold}))

    def _serialise(self, s: Session) -> None:
        # SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs a lock so two
        # replicas cannot both decide "no incident yet" for the same storm.
        if self.store.dialect == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})

    def _dirty(self, s: Session, card: SlackCardRow) -> None:
        now = utcnow()
        if card.kind in ("triage", "incident") or card.ts is not None:
            card.version += 1
            card.updated_at = now
        if card.triage_id is not None:
            card.seen_updated_at = s.scalar(select(TriageRow.updated_at).where(TriageRow.id == card.triage_id))
        if card.kind == "member" and card.parent_id is not None:
            parent = s.get(SlackCardRow, card.parent_id)
            if parent is not None:
                parent.version += 1
                parent.updated_at = now

    def _repeat_text(self, s: Session, parent: SlackCardRow, view: TriageView) -> str:
        first = s.scalar(select(TriageRow.hypothesis).where(TriageRow.id == parent.triage_id)) or {}
        h = view.hypothesis
        at = when(view.event.failed_at)
        link = inbox_link(self.settings.public_url, view.id)
        tail = f" <{link}|Details>" if link else ""
        same = h is not None and (
            (h.signature and h.signature == first.get("signature"))
            or (not h.signature and not first.get("signature") and h.category.value == first.get("category")
                and h.cause == first.get("cause")))
        if h is None:
            return f"🔁 Failed again at {at}.{tail}"
        if same:
            return f"🔁 Failed again at {at}, same signature" + (f" (`{esc(h.signature)}`)" if h.signature else "") + f".{tail}"
        return (f"🔁 Failed again at {at}, different signature: {esc(h.cause[:500])} "
                f"({h.category.value}, {round(h.confidence * 100)}%).{tail}")

    # --- the drain loop -----------------------------------------------------------------
    def start(self) -> None:
        REGISTRY.register(self)
        self._thread = threading.Thread(target=self._run, name="triage-slack", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(15)
        REGISTRY.unregister(self)

    # A Prometheus collector: what waits to go to Slack, and how long the oldest has waited.
    def collect(self):
        pending = GaugeMetricFamily("triage_slack_outbox_pending", "Slack cards and thread replies not yet delivered",
                                    labels=["kind"])
        oldest = GaugeMetricFamily("triage_slack_outbox_oldest_seconds", "Age of the oldest undelivered Slack card")
        try:
            cards, replies, first = self.outbox_depth()
        except Exception:  # a scrape must not fail because the database blinked
            return
        pending.add_metric(["card"], cards)
        pending.add_metric(["reply"], replies)
        oldest.add_metric([], (utcnow() - first).total_seconds() if first else 0.0)
        yield pending
        yield oldest

    def describe(self):
        return []

    def outbox_depth(self) -> tuple[int, int, datetime | None]:
        due = and_(SlackCardRow.version > SlackCardRow.posted_version,
                   or_(SlackCardRow.kind.in_(["triage", "incident"]), SlackCardRow.ts.is_not(None)))
        with self.store.session() as s:
            cards, first = s.execute(select(func.count(), func.min(SlackCardRow.updated_at)).where(due)).one()
            replies = s.scalar(select(func.count()).select_from(SlackReplyRow).where(SlackReplyRow.ts.is_(None)))
        return cards or 0, replies or 0, _aware(first)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.tick()
            except Exception:  # e.g. the database blinked: log, count, go on
                ERRORS.labels("slack").inc()
                log.exception("Slack outbox tick failed")
                busy = 0
            if not busy:
                self._wake.wait(0.5)
                self._wake.clear()

    def tick(self) -> int:
        """One pass: find what is due and post or edit it. Returns how many messages went out."""
        if time.monotonic() - self._last_reconcile > 2.0:
            self._last_reconcile = time.monotonic()
            self.reconcile()
        done = 0
        for card_id, version in self._claim_cards():
            if self._stop.is_set():
                break
            done += self._deliver(card_id, version)
        for reply_id in self._claim_replies():
            done += self._deliver_reply(reply_id)
        return done

    def reconcile(self) -> None:
        """Catch what a crash could have dropped: published triages without a card (a crash
        between the database write and `publish`), and cards older than their triage."""
        since = utcnow() - timedelta(hours=self.settings.slack_backfill_hours)
        with self.store.session() as s:
            missing = s.scalars(
                select(TriageRow.id).outerjoin(SlackCardRow, SlackCardRow.triage_id == TriageRow.id)
                .where(SlackCardRow.id.is_(None), TriageRow.state.in_(BACKFILL_STATES),
                       TriageRow.updated_at >= since)
                .order_by(TriageRow.created_at).limit(200)
            ).all()
            stale = s.scalars(
                select(SlackCardRow).join(TriageRow, TriageRow.id == SlackCardRow.triage_id)
                .where(SlackCardRow.kind.in_(["triage", "member"]), SlackCardRow.created_at >= since,
                       or_(SlackCardRow.seen_updated_at.is_(None), TriageRow.updated_at > SlackCardRow.seen_updated_at))
                .limit(200)
            ).all()
            for card in stale:
                self._dirty(s, card)
        for triage_id in missing:
            view = self.store.get(triage_id)
            if view is not None:
                log.info("posting triage %s that has no card yet", triage_id)
                self.enqueue(view)

    def _claim_cards(self, limit: int = 20) -> list[tuple[int, int]]:
        now = utcnow()
        claimed: list[tuple[int, int]] = []
        with self.store.session() as s:
            ids = s.scalars(
                select(SlackCardRow.id).where(
                    SlackCardRow.version > SlackCardRow.posted_version,
                    SlackCardRow.hold_until <= now, SlackCardRow.next_attempt_at <= now,
                    or_(SlackCardRow.lease_until.is_(None), SlackCardRow.lease_until < now),
                    or_(SlackCardRow.kind.in_(["triage", "incident"]),
                        and_(SlackCardRow.kind == "member", SlackCardRow.ts.is_not(None))),
                ).order_by(SlackCardRow.id).limit(limit)
            ).all()
            for card_id in ids:
                row = s.execute(
                    update(SlackCardRow)
                    .where(SlackCardRow.id == card_id,
                           or_(SlackCardRow.lease_until.is_(None), SlackCardRow.lease_until < now))
                    .values(lease_owner=self.name, lease_until=now + _LEASE)
                    .returning(SlackCardRow.version)
                ).first()
                if row is not None:
                    claimed.append((card_id, row[0]))
        return claimed

    def _deliver(self, card_id: int, version: int) -> int:
        with self.store.session() as s:
            card = s.get(SlackCardRow, card_id)
            assert card is not None
            channel, channel_id, ts, started = card.channel, card.channel_id, card.ts, card.post_started_at
        try:
            with STAGE_SECONDS.labels("slack").time():
                text_, blocks = self._render(card_id)
                if ts is None and started is not None:
                    ts, channel_id = self._find_posted(card_id, channel_id or self._known_channel_id(channel), started)
                if ts is None:
                    self._update(card_id, post_started_at=utcnow())
                    self._pace(channel)
                    resp = self.client.chat_postMessage(
                        channel=channel, text=text_, blocks=blocks, unfurl_links=False, unfurl_media=False,
                        metadata={"event_type": "triage_card", "event_payload": {"card_id": str(card_id)}})
                    # Recorded on its own, before anything else: from here on a retry edits.
                    self._update(card_id, ts=resp["ts"], channel_id=resp["channel"])
                else:
                    self._pace(channel)
                    self.client.chat_update(channel=channel_id or channel, ts=ts, text=text_, blocks=blocks)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error == "message_not_found":  # deleted in Slack: post it again
                self._update(card_id, ts=None, post_started_at=None)
            self._failed(card_id, exc, _retry_after(exc))
            return 0
        except Exception as exc:  # network down, Slack 5xx after retries, a render bug
            self._failed(card_id, exc, None)
            return 0
        with self.store.session() as s:
            s.execute(update(SlackCardRow).where(SlackCardRow.id == card_id).values(
                posted_version=func.max(SlackCardRow.posted_version, version) if self.store.dialect == "sqlite"
                else func.greatest(SlackCardRow.posted_version, version),
                attempts=0, last_error=None, lease_owner=None, lease_until=None, updated_at=utcnow()))
        return 1

    def _known_channel_id(self, channel: str) -> str | None:
        """The id Slack gave for a channel we route to by name: conversations.history takes only
        ids. Any card posted there before recorded it (none yet: we cannot look, and post)."""
        if _SLACK_CHANNEL_ID.match(channel):
            return channel
        with self.store.session() as s:
            return s.execute(select(SlackCardRow.channel_id).where(
                SlackCardRow.channel == channel, SlackCardRow.channel_id.is_not(None)).limit(1)).scalar()

    def _find_posted(self, card_id: int, channel: str | None, started) -> tuple[str | None, str | None]:
        """After a crash between posting and recording the ts: was it posted? (Look for our
        metadata in the channel's history; if Slack cannot tell us, post.)"""
        if channel is None:
            log.warning("could not check whether card %s was posted before a restart: no channel id known yet", card_id)
            return None, None
        try:
            resp = self.client.conversations_history(channel=channel, oldest=str(_aware(started).timestamp() - 5),
                                                      include_all_metadata=True, limit=200)
        except Exception as exc:
            log.warning("could not check whether card %s was posted before a restart: %s", card_id, exc)
            return None, None
        for msg in resp.get("messages", []):
            payload = (msg.get("metadata") or {}).get("event_payload") or {}
            if str(payload.get("card_id")) == str(card_id):
                self._update(card_id, ts=msg["ts"], channel_id=resp.get("channel") or channel)
                return msg["ts"], resp.get("channel") or channel
        return None, None

    def _failed(self, card_id: int, exc: Exception, retry_after: float | None) -> None:
        ERRORS.labels("slack").inc()
        with self.store.session() as s:
            card = s.get(SlackCardRow, card_id)
            assert card is not None
            card.attempts += 1
            delay = retry_after if retry_after is not None else min(300.0, 2.0 ** min(card.attempts, 8))
            card.next_attempt_at = utcnow() + timedelta(seconds=delay)
            card.last_error = _describe(exc)
            card.lease_owner = card.lease_until = None
            attempts = card.attempts
        log.error("Slack card %s not delivered (attempt %d, next in %.0fs): %s", card_id, attempts, delay, exc)

    def _update(self, card_id: int, **values: Any) -> None:
        with self.store.session() as s:
            s.execute(update(SlackCardRow).where(SlackCardRow.id == card_id).values(**values))

    def _pace(self, channel: str) -> None:
        wait = self._last_post.get(channel, 0.0) + self.settings.slack_min_interval_seconds - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_post[channel] = time.monotonic()

    # --- thread replies -----------------------------------------------------------------
    def _claim_replies(self, limit: int = 20) -> list[int]:
        now = utcnow()
        claimed = []
        with self.store.session() as s:
            ids = s.scalars(
                select(SlackReplyRow.id).join(SlackCardRow, SlackCardRow.id == SlackReplyRow.card_id)
                .where(SlackReplyRow.ts.is_(None), SlackReplyRow.next_attempt_at <= now, SlackCardRow.ts.is_not(None),
                       or_(SlackReplyRow.post_started_at.is_(None), SlackReplyRow.post_started_at < now - _LEASE))
                .order_by(SlackReplyRow.id).limit(limit)
            ).all()
            for reply_id in ids:
                res = s.execute(update(SlackReplyRow).where(
                    SlackReplyRow.id == reply_id,
                    or_(SlackReplyRow.post_started_at.is_(None), SlackReplyRow.post_started_at < now - _LEASE),
                ).values(post_started_at=now))
                if res.rowcount == 1:
                    claimed.append(reply_id)
        return claimed

    def _deliver_reply(self, reply_id: int) -> int:
        with self.store.session() as s:
            reply = s.get(SlackReplyRow, reply_id)
            assert reply is not None
            card = s.get(SlackCardRow, reply.card_id)
            assert card is not None
            channel, thread_ts, body = card.channel_id or card.channel, card.ts, reply.text
        try:
            self._pace(card.channel)
            resp = self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=body, unfurl_links=False)
        except Exception as exc:
            ERRORS.labels("slack").inc()
            with self.store.session() as s:
                r = s.get(SlackReplyRow, reply_id)
                assert r is not None
                r.attempts += 1
                retry_after = _retry_after(exc) if isinstance(exc, SlackApiError) else None
                r.next_attempt_at = utcnow() + timedelta(seconds=retry_after or min(300.0, 2.0 ** min(r.attempts, 8)))
                r.last_error = _describe(exc)
                r.post_started_at = None
            log.error("Slack thread reply %s not delivered: %s", reply_id, exc)
            return 0
        self._update_reply(reply_id, ts=resp["ts"], last_error=None)
        return 1

    def _update_reply(self, reply_id: int, **values: Any) -> None:
        with self.store.session() as s:
            s.execute(update(SlackReplyRow).where(SlackReplyRow.id == reply_id).values(**values))

    # --- rendering ----------------------------------------------------------------------
    def _render(self, card_id: int) -> tuple[str, list]:
        with self.store.session() as s:
            card = s.get(SlackCardRow, card_id)
            assert card is not None
            kind, triage_id, parent_id = card.kind, card.triage_id, card.parent_id
            deliveries = card.deliveries
            if kind == "incident":
                rows = s.execute(
                    select(TriageRow.id, TriageRow.job, TriageRow.source, TriageRow.event, TriageRow.state,
                           TriageRow.hypothesis)
                    .join(SlackCardRow, SlackCardRow.triage_id == TriageRow.id)
                    .where(SlackCardRow.parent_id == card_id, SlackCardRow.kind == "member")
                    .order_by(SlackCardRow.failed_at)
                ).all()
                storm_key = card.storm_key or ""
            elif kind == "member":
                jobs_in_incident = s.scalar(select(func.count(func.distinct(SlackCardRow.job_key)))
                                            .where(SlackCardRow.parent_id == parent_id, SlackCardRow.kind == "member"))
            else:
                repeats = s.execute(select(func.count(), func.max(SlackCardRow.failed_at))
                                    .where(SlackCardRow.parent_id == card_id, SlackCardRow.kind == "repeat")).one()
        public_url = self.settings.public_url
        if kind == "incident":
            members = [IncidentMember(triage_id=r.id, job=r.job, source=r.source,
                                      failed_at=datetime.fromisoformat(r.event["failed_at"].replace("Z", "+00:00")),
                                      state=r.state) for r in rows]
            first = next((r.hypothesis for r in rows if r.hypothesis), None) or {}
            signature = storm_key.split(":", 1)[1] if storm_key.startswith("signature:") else None
            return incident_card(members, first.get("cause", "?"), first.get("category", "other"), signature, public_url)
        assert triage_id is not None
        view = self.store.get(triage_id)
        assert view is not None
        if kind == "member":
            return grouped_stub(view, jobs_in_incident or 0, public_url)
        ctx = CardContext(
            view=view, history=self.store.history_of(view), audit=self.store.audit_trail(view.id), rerun_plan=self.rerun_plan(view),
            public_url=public_url, repeats=repeats[0] or 0, last_repeat_at=_aware(repeats[1]), deliveries=deliveries,
            buttons=self.buttons,
            links=view.links(),
        )
        return triage_card(ctx)


def _retry_after(exc: SlackApiError) -> float | None:
    resp = exc.response
    if resp is None or resp.status_code != 429:
        return None
    headers = {k.lower(): v for k, v in (resp.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else 30.0
    except ValueError:
        return 30.0


def _aware(dt: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC. PostgreSQL's are in the
    # session's TimeZone, which need not be UTC.
    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc) if dt is not None else None


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _describe(exc: Exception) -> str:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return (f"HTTP {status}: " if status else "") + f"{type(exc).__name__}: {exc}"[:2000]
