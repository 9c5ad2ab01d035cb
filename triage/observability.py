"""Metrics (Prometheus) and JSON logs that carry the triage id."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import datetime, timezone

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

current_triage_id: ContextVar[str | None] = ContextVar("current_triage_id", default=None)

REGISTRY = CollectorRegistry(auto_describe=True)
EVENTS_RECEIVED = Counter("triage_events_received", "Events accepted, by source and kind",
                          ["source", "kind"], registry=REGISTRY)
EVENTS_REJECTED = Counter("triage_events_rejected", "Requests refused, by reason", ["reason"], registry=REGISTRY)
STAGE_SECONDS = Histogram("triage_stage_seconds", "Time spent per pipeline stage", ["stage"], registry=REGISTRY,
                          buckets=(0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
ERRORS = Counter("triage_errors", "Errors in the pipeline, by stage", ["stage"], registry=REGISTRY)


class StoreCollector:
    """Triages by state and queue depth, read from the shared database at scrape time
    (so every replica reports the same, true figures)."""

    def __init__(self, store):
        self.store = store

    def collect(self):
        by_state = GaugeMetricFamily("triage_triages", "Triages by state", labels=["state"])
        depth = GaugeMetricFamily("triage_queue_depth", "Triages waiting for a worker")
        try:
            counts = self.store.counts_by_state()
        except Exception:  # a scrape must not fail because the database blinked
            counts = {}
        for state, n in sorted(counts.items()):
            by_state.add_metric([state], n)
        depth.add_metric([], sum(n for s, n in counts.items() if s in ("received", "collecting", "diagnosing")))
        yield by_state
        yield depth

    def describe(self):
        return []


def _redact(text: str) -> str:
    # Log lines leave the process too: an exception from a source or a client quotes URLs with
    # passwords, DSNs and tokens. Imported here so that `triage wrap` never loads the rules.
    from triage.engine.redact import redact

    return redact(text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": _redact(record.getMessage()),
        }
        tid = getattr(record, "triage_id", None) or current_triage_id.get()
        if tid:
            out["triage_id"] = tid
        if record.exc_info:
            out["exc"] = _redact(self.formatException(record.exc_info))
        return json.dumps(out)


class RedactingFormatter(logging.Formatter):
    """The plain-text format, with the same redaction as the JSON one."""

    def format(self, record: logging.LogRecord) -> str:
        return _redact(super().format(record))


def setup_logging(level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    logging.getLogger("uvicorn.access").setLevel("WARNING")
