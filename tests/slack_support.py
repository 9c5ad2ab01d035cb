"""Helpers for the Slack and action tests: published triages in a real store, signed
Slack requests built exactly as Slack sends them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from triage.db import make_engine
from triage.migrate import upgrade
from triage.models import Category, Evidence, FailureEvent, Hypothesis, RunOutcome, RunReport
from triage.store import TriageStore


def make_store(url: str) -> TriageStore:
    engine = make_engine(url)
    upgrade(engine)
    return TriageStore(engine)


def cron_event(job: str = "nightly-etl", run_id: str | None = None, failed_at: datetime | None = None,
               host: str = "h1", **kw: Any) -> FailureEvent:
    failed_at = failed_at or datetime.now(timezone.utc)
    return FailureEvent(source="cron", job=job, failed_at=failed_at, started_at=failed_at - timedelta(seconds=95),
                        exit_code=2, cron={"host": host, "job": job, "run_id": run_id or uuid.uuid4().hex,
                                           "command": f"/opt/{job}.sh"},
                        log_excerpt="PGPASSWORD=hunter2 psql: error: connection refused", **kw)


def hypothesis(signature: str | None = "postgres-connection-refused", cause: str = "PostgreSQL refused the connection",
               category: Category = Category.dependency_unavailable, command_allowed: bool = True) -> Hypothesis:
    return Hypothesis(category=category, cause=cause, confidence=0.82,
                      evidence=["psql: error: connection to server at \"db\" (10.0.0.5), port 5432 failed",
                                "Connection refused"],
                      command="pg_isready -h db -p 5432", command_reason="Shows whether PostgreSQL accepts connections now.",
                      command_allowed=command_allowed, signature=signature, engine="signatures")


def published(store: TriageStore, event: FailureEvent, hyp: Hypothesis | None = None,
              links: dict[str, str] | None = None) -> str:
    """Take an event through intake, a worker's claim and publish, as the pipeline does."""
    intake = store.accept_failure(event)
    claim = store.claim("test-worker", 30)
    assert claim is not None and claim.triage_id == intake.triage_id
    store.publish(claim, event, Evidence(links=links or {}), hyp or hypothesis())
    return intake.triage_id


def record_successes(store: TriageStore, event: FailureEvent, n: int, seconds: float = 60.0) -> None:
    for i in range(n):
        start = event.failed_at - timedelta(days=n - i)
        store.record_run(RunReport(job_key=event.job_key, job=event.job, source=event.source,
                                   outcome=RunOutcome.success, started_at=start,
                                   finished_at=start + timedelta(seconds=seconds),
                                   duration_seconds=seconds, run_id=f"ok-{i}-{uuid.uuid4().hex[:6]}"))


def signed_request(secret: str, payload: dict[str, Any], timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """A Slack interactivity request: form-encoded `payload` JSON, v0 HMAC-SHA256 signature."""
    body = urlencode({"payload": json.dumps(payload)}).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = "v0=" + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                  "X-Slack-Signature": sig}


def block_action(action_id: str, triage_id: str, user: str = "U0APPROVER", channel: str = "C0OPS",
                 message_ts: str = "1.000001", action_ts: str | None = None) -> dict[str, Any]:
    """The shape of Slack's block_actions payload for a button click."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "token": "verification-token-unused",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": f"{time.time():.6f}.trigger{uuid.uuid4().hex[:6]}",
        "team": {"id": "T0TEAM", "domain": "example"},
        "channel": {"id": channel, "name": "ops"},
        "message": {"type": "message", "ts": message_ts},
        "response_url": "https://hooks.slack.com/actions/T0TEAM/1/xyz",
        "actions": [{"action_id": action_id, "block_id": f"actions-{triage_id}", "text": {"type": "plain_text", "text": "x"},
                     "value": triage_id, "type": "button", "action_ts": action_ts or f"{time.time():.6f}"}],
    }
