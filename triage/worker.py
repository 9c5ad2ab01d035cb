"""Workers: claim queued triages from the database and run the pipeline on them.

Claims are leases renewed by a heartbeat while a triage is being worked on. A worker that
dies (kill -9) simply stops renewing; once its lease expires any worker, in this process
after a restart or in another replica, picks the triage up again. Nothing accepted is lost.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from triage.observability import ERRORS, current_triage_id
from triage.pipeline import Publisher, run_triage
from triage.settings import Settings
from triage.sources.base import SourcePlugin
from triage.store import Claim, LeaseLost, TriageStore

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, store: TriageStore, sources: dict[str, SourcePlugin], settings: Settings,
                 publishers: list[Publisher] | None = None, name: str | None = None):
        self.store = store
        self.sources = sources
        self.settings = settings
        self.publishers = publishers or []
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._last_sweep = 0.0

    def run_once(self) -> bool:
        """Claim and process one triage; False when there was nothing to do."""
        claim = self.store.claim(self.name, self.settings.worker_lease_seconds, self.settings.max_attempts)
        if claim is None:
            return False
        token = current_triage_id.set(claim.triage_id)
        stop_heartbeat = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(claim, stop_heartbeat), daemon=True)
        beat.start()
        try:
            self._process(claim)
        finally:
            stop_heartbeat.set()
            beat.join()
            current_triage_id.reset(token)
        return True

    def _process(self, claim: Claim) -> None:
        log.info("triage claimed (attempt %d) for %s", claim.attempts, claim.event.failure_key)
        try:
            run_triage(claim, self.store, self.sources, self.settings, self.publishers)
            log.info("triage published")
        except LeaseLost:
            log.warning("lease lost; another worker has this triage now")
        except Exception as exc:  # any error: retry with backoff, then end visibly failed
            ERRORS.labels("pipeline").inc()
            delay = self.settings.retry_backoff_seconds * (2 ** (claim.attempts - 1))
            try:
                state = self.store.retry_later(claim, f"{type(exc).__name__}: {exc}", delay, self.settings.max_attempts)
            except LeaseLost:
                return
            log.exception("triage attempt %d failed; %s", claim.attempts,
                          "giving up" if state.value == "failed" else f"retrying in {delay:.1f}s")

    def _heartbeat(self, claim: Claim, stop: threading.Event) -> None:
        interval = self.settings.worker_lease_seconds / 3
        while not stop.wait(interval):
            try:
                self.store.heartbeat(claim, self.settings.worker_lease_seconds)
            except LeaseLost:
                return
            except Exception:
                ERRORS.labels("heartbeat").inc()
                log.exception("heartbeat failed")

    def run_forever(self, stop: threading.Event, intake_busy: Callable[[], bool] | None = None) -> None:
        while not stop.is_set():
            # Accepting a burst durably comes first (it is what the sender waits for); the
            # queue is drained right after. Bounded, so a steady stream never starves triage.
            deferred = 0.0
            while intake_busy and intake_busy() and deferred < MAX_DEFER_SECONDS and not stop.is_set():
                stop.wait(0.02)
                deferred += 0.02
            try:
                busy = self.run_once()
            except Exception:  # e.g. the database is briefly unreachable: wait and go on
                ERRORS.labels("claim").inc()
                log.exception("could not claim work")
                busy = False
            if not busy:
                self._sweep_exhausted()
                stop.wait(self.settings.worker_poll_seconds)

    def _sweep_exhausted(self) -> None:
        """End crash-looping triages as failed; a scan every few seconds is plenty."""
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_INTERVAL_SECONDS:
            return
        self._last_sweep = now
        try:
            self.store.fail_exhausted(self.settings.max_attempts)
        except Exception:
            ERRORS.labels("claim").inc()
            log.exception("could not end exhausted triages")


# How often an idle worker looks for triages whose claims kept dying.
SWEEP_INTERVAL_SECONDS = 5.0
# Longest a worker defers to a burst of intake before claiming anyway.
MAX_DEFER_SECONDS = 2.0


class WorkerPool:
    """The worker threads `triage serve` runs beside the API."""

    def __init__(self, worker: Worker, threads: int, intake_busy: Callable[[], bool] | None = None):
        self.worker = worker
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=worker.run_forever, args=(self.stop, intake_busy),
                                         name=f"triage-worker-{i}", daemon=True) for i in range(threads)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def shutdown(self, timeout: float = 10.0) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout)
