"""One failure's way through triage, read top to bottom.

intake (API) -> persist + dedup -> [worker claims] -> collect evidence -> redact ->
condense -> diagnose (signatures, then the model if configured) -> guard the command ->
persist the hypothesis -> publish (inbox is the database; Slack if configured).
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from triage.engine.analyze import analyze
from triage.models import Evidence, FailureEvent, TriageState, TriageView
from triage.observability import ERRORS, STAGE_SECONDS
from triage.settings import Settings
from triage.sources.base import SourcePlugin
from triage.store import Claim, TriageStore

log = logging.getLogger(__name__)


class Publisher(Protocol):
    """Something that shows a published triage to people (Slack...). The web inbox reads
    the database directly and needs none."""

    def publish(self, view: TriageView) -> None: ...


def collect_evidence(source: SourcePlugin, event: FailureEvent) -> Evidence:
    evidence = source.collect_evidence(event)
    # What the reporter sent is evidence too, when the source could not fetch a log itself.
    if not evidence.log_text and event.log_excerpt:
        evidence.log_text = event.log_excerpt
        evidence.log_origin = evidence.log_origin or f"sent by the {event.source.value} reporter"
    return evidence


def run_triage(claim: Claim, store: TriageStore, sources: dict[str, SourcePlugin], settings: Settings,
               publishers: list[Publisher]) -> None:
    """Carry one claimed triage from `received` to `published`."""
    event = claim.event
    source = sources[event.source.value]

    store.advance(claim, TriageState.collecting)
    with STAGE_SECONDS.labels("collect").time():
        evidence = collect_evidence(source, event)

    store.advance(claim, TriageState.diagnosing)
    started = time.perf_counter()
    analysis = analyze(event, evidence, settings)  # redact -> condense -> diagnose -> guard
    STAGE_SECONDS.labels("diagnose").observe(time.perf_counter() - started)

    store.publish(claim, analysis.event, analysis.evidence, analysis.hypothesis)
    view = store.get(claim.triage_id)
    assert view is not None
    # The triage is published (the inbox shows it) whatever a channel does next: one channel
    # failing is logged and counted, and the others still get it. Slack's own reconcile loop
    # posts a published triage that has no card yet.
    for publisher in publishers:
        try:
            with STAGE_SECONDS.labels("publish").time():
                publisher.publish(view)
        except Exception:
            ERRORS.labels("publish").inc()
            log.exception("publishing triage %s to %s failed", claim.triage_id, type(publisher).__name__)
