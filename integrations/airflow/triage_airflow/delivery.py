"""Deliver one event to triage with the standard library: short timeout, one retry, never raise.

A notifier that fails must not fail the task or hold it up: every error is logged (so it is
visible in the task log) and swallowed here, and the whole delivery is bounded in time.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Optional

log = logging.getLogger("triage_airflow")

# Environment fallbacks, so a whole deployment can be configured without touching DAGs.
ENV_SERVER_URL = "TRIAGE_SERVER_URL"
ENV_TOKEN = "TRIAGE_API_TOKEN"
ENV_INSTANCE = "TRIAGE_AIRFLOW_INSTANCE"


@dataclass
class DeliveryConfig:
    server_url: str
    token: Optional[str] = None
    instance: str = "default"
    timeout_seconds: float = 2.0
    retries: int = 1
    retry_delay_seconds: float = 0.5
    extra_headers: dict = field(default_factory=dict)

    @classmethod
    def resolve(
        cls,
        server_url: Optional[str] = None,
        token: Optional[str] = None,
        instance: Optional[str] = None,
        **kwargs,
    ) -> "DeliveryConfig":
        """Explicit arguments first, then the TRIAGE_* environment variables."""
        return cls(
            server_url=(server_url or os.environ.get(ENV_SERVER_URL) or "").strip(),
            token=token or os.environ.get(ENV_TOKEN) or None,
            instance=instance or os.environ.get(ENV_INSTANCE) or "default",
            **kwargs,
        )

    @property
    def events_url(self) -> str:
        return self.server_url.rstrip("/") + "/v1/events/airflow"


def _post_once(config: DeliveryConfig, body: bytes) -> int:
    headers = {"Content-Type": "application/json", "User-Agent": "triage-airflow/0.1"}
    headers.update(config.extra_headers)
    if config.token:
        headers["Authorization"] = f"Bearer {config.token}"
    request = urllib.request.Request(config.events_url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=config.timeout_seconds) as response:
        return response.status


def deliver(payload: dict, config: DeliveryConfig) -> bool:
    """POST the payload; True when triage accepted it. Logs and returns False otherwise.

    urllib's timeout bounds each socket read, not the request: a server that trickles its
    answer a byte at a time (or a slow name lookup, which no socket timeout covers) would hold
    the callback indefinitely. The attempts run in a daemon thread and are abandoned at the
    documented bound, timeout_seconds * (retries + 1) plus the pauses between attempts.
    """
    if not config.server_url:
        log.error("triage: no server URL configured (set server_url= or %s); failure not reported", ENV_SERVER_URL)
        return False
    attempts = 1 + max(0, config.retries)
    budget = config.timeout_seconds * attempts + config.retry_delay_seconds * (attempts - 1)
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(_deliver_attempts(payload, config, attempts)),
                              name="triage-delivery", daemon=True)
    worker.start()
    worker.join(budget)
    if outcome:
        return bool(outcome[0])
    log.error("triage: gave up reporting to %s after %.1f s (it accepted the connection but did not answer "
              "in time); failure not reported", config.events_url, budget)
    return False


def _deliver_attempts(payload: dict, config: DeliveryConfig, attempts: int) -> bool:
    try:
        body = json.dumps(payload, default=str).encode("utf-8")
    except Exception:
        log.exception("triage: could not encode the failure report")
        return False
    for attempt in range(1, attempts + 1):
        try:
            status = _post_once(config, body)
            log.info("triage: reported %s.%s try %s (HTTP %s)", payload.get("dag_id"),
                     payload.get("task_id"), payload.get("try_number"), status)
            return True
        except urllib.error.HTTPError as exc:
            try:  # the error body is only for the log; a stalled or broken one must not raise
                detail = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
            except Exception as read_exc:
                detail = f"(its body could not be read: {read_exc or type(read_exc).__name__})"
            log.error("triage: %s answered HTTP %s: %s", config.events_url, exc.code, detail)
            # A 4xx other than 429 will not change on retry (bad payload, bad token).
            if 400 <= exc.code < 500 and exc.code != 429:
                return False
        except Exception as exc:  # network errors, timeouts, anything: never fail the task
            log.error("triage: could not reach %s (attempt %d/%d): %s", config.events_url, attempt, attempts, exc)
        if attempt < attempts:
            time.sleep(config.retry_delay_seconds)
    return False
