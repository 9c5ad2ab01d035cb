"""Group commit for event intake.

Each accepted request must be durable before its 202, but one transaction per request
caps SQLite at a few hundred commits a second. Requests arriving together are written in
one transaction instead: each still waits for its own commit, none waits for a timer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from starlette.concurrency import run_in_threadpool

from triage.observability import ERRORS
from triage.store import TriageStore

log = logging.getLogger(__name__)

MAX_BATCH = 256


class IntakeBatcher:
    def __init__(self, store: TriageStore):
        self.store = store
        self.queue: asyncio.Queue[tuple[list[Any], asyncio.Future]] | None = None
        self.task: asyncio.Task | None = None
        self.last_batch_at = 0.0

    def busy(self, within: float = 0.05) -> bool:
        """True while requests are arriving; workers defer briefly so a burst is accepted first."""
        return time.monotonic() - self.last_batch_at < within

    async def start(self) -> None:
        self.queue = asyncio.Queue()
        self.task = asyncio.create_task(self._drain(), name="triage-intake")

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass

    async def submit(self, items: list[Any]) -> list[dict[str, Any]]:
        """Persist one request's items; returns once they are committed."""
        if self.queue is None:  # not started (e.g. used outside the app's lifespan)
            return (await run_in_threadpool(self.store.accept_batch, [items]))[0]
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        await self.queue.put((items, fut))
        return await fut

    async def _drain(self) -> None:
        assert self.queue is not None
        while True:
            batch = [await self.queue.get()]
            self.last_batch_at = time.monotonic()
            while len(batch) < MAX_BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            try:
                results = await run_in_threadpool(self.store.accept_batch, [items for items, _ in batch])
            except Exception:
                ERRORS.labels("intake").inc()
                log.exception("intake batch of %d failed; retrying one by one", len(batch))
                # One bad request must not fail the others: commit each alone.
                for items, fut in batch:
                    try:
                        res = (await run_in_threadpool(self.store.accept_batch, [items]))[0]
                        if not fut.done():
                            fut.set_result(res)
                    except Exception as exc:
                        if not fut.done():
                            fut.set_exception(exc)
                continue
            for (_, fut), res in zip(batch, results):
                if not fut.done():
                    fut.set_result(res)
