"""Watches batch/v1 Jobs and reports each one that gets a Failed condition, once.

List, then watch from the list's resourceVersion; a watch window ends after
`watch_timeout_seconds` and resumes from the last version seen. 410 Gone (the version was
compacted away) means list again; a dropped connection or an API error means wait (backoff,
doubling to a cap) and resume. Pod logs are read the moment the failure is seen, because
ttlSecondsAfterFinished or the pod garbage collector may delete the pods soon after; they
travel in the event's log_excerpt.

Reports that could not be delivered stay pending and are retried; the triage service
deduplicates on failure_key, so a failure reported twice (after a re-list, a restart, or by
Alertmanager as well) is still one triage.
"""

from __future__ import annotations

import functools

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import urllib3
from kubernetes import watch
from kubernetes.client.exceptions import ApiException

from triage.models import FailureEvent
from triage.sources.kube import facts
from triage.sources.kube.api import KubeAPI, KubeAPIError
from triage.sources.kube.evidence import MAX_LOG_PODS, read_pod_logs
from triage.sources.kube.failure import failure_event_from_job

log = logging.getLogger("triage.watch_kubernetes")

Report = Callable[[FailureEvent], None]
JobKey = tuple[str, str, str]  # namespace, name, uid


# The captured logs travel in one request to the service, whose body limit is 1 MiB by default
# (TRIAGE_MAX_BODY_BYTES); a report over it is refused every time and never becomes a triage.
MAX_EXCERPT_BYTES = 256 * 1024


class WatchGone(Exception):
    """The resourceVersion we resume from is gone: list again."""


class JobWatcher:
    def __init__(self, api: KubeAPI, namespace: str | None, report: Report, *,
                 watch_timeout_seconds: int = 300, backoff_initial: float = 0.5, backoff_max: float = 30.0,
                 max_age_seconds: float = 3600.0, list_page_size: int = 500, stop: threading.Event | None = None):
        self.api = api
        self.namespace = namespace  # None: all namespaces
        self.report = report
        self.watch_timeout_seconds = watch_timeout_seconds
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.max_age_seconds = max_age_seconds
        self.list_page_size = list_page_size
        self.stop = stop or threading.Event()
        self.reported: set[JobKey] = set()
        self.pending: dict[JobKey, FailureEvent] = {}
        # Counters, for logs and tests.
        self.lists = 0
        self.reconnects = 0
        self.gone = 0
        self._watch: watch.Watch | None = None
        self._response: Any = None

    @property
    def where(self) -> str:
        return f"namespace {self.namespace}" if self.namespace else "all namespaces"

    # -- the loop ------------------------------------------------------------------------
    def run(self) -> None:
        backoff = self.backoff_initial
        resource_version: str | None = None
        while not self.stop.is_set():
            try:
                if resource_version is None:
                    resource_version = self._list()
                resource_version = self._watch_window(resource_version)
                backoff = self.backoff_initial
            except WatchGone:
                self.gone += 1
                log.info("watch on %s expired (410 Gone): listing Jobs again", self.where)
                resource_version = None
            except (ApiException, KubeAPIError, urllib3.exceptions.HTTPError, OSError) as exc:
                if self.stop.is_set():
                    break  # close() cut the stream on purpose
                self.reconnects += 1
                log.warning("watching Jobs in %s failed (%s); retrying in %.1fs", self.where, exc, backoff)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, self.backoff_max)
            self._flush_pending()

    def close(self) -> None:
        self.stop.set()
        if self._watch is not None:
            self._watch.stop()
        # Watch.stop() is only checked between events; a quiet watch would block in its read
        # until the window ends. Shutting the response's socket ends the read now. (Set stop
        # first, read the response second: `_open_watch` does the reverse, so one of us sees it.)
        _shutdown(self._response)

    def _list(self) -> str:
        jobs, version = self.api.every_job(self.namespace, self.list_page_size)
        self.lists += 1
        now = datetime.now(timezone.utc)
        for job in jobs:
            cond = facts.failed_condition(job)
            if not cond:
                continue
            failed_at = facts.parse_time(cond.get("lastTransitionTime"))
            # Failures older than max_age were someone else's business before we started.
            if failed_at is None or (now - failed_at).total_seconds() <= self.max_age_seconds:
                self._on_failed(job)
        return version

    def _watch_window(self, resource_version: str) -> str:
        self._watch = w = watch.Watch()
        list_jobs = self.api.batch.list_namespaced_job if self.namespace else self.api.batch.list_job_for_all_namespaces

        @functools.wraps(list_jobs)  # Watch reads the docstring for the return type
        def func(*a: Any, **kw: Any):
            response = list_jobs(*a, **kw)
            self._response = response
            if self.stop.is_set():
                _shutdown(response)  # close() ran while we connected
            return response

        args = (self.namespace,) if self.namespace else ()
        try:
            stream = w.stream(
                func, *args,
                resource_version=resource_version,
                timeout_seconds=self.watch_timeout_seconds,
                allow_watch_bookmarks=True,
                # Connect within the API timeout; a read may wait for the whole window.
                _request_timeout=(self.api.timeout, self.watch_timeout_seconds + 15),
            )
            for event in stream:
                if self.stop.is_set():
                    w.stop()
                    break
                obj: dict[str, Any] = event.get("raw_object") or {}
                rv = (obj.get("metadata") or {}).get("resourceVersion")
                if rv:
                    resource_version = rv
                if event["type"] in ("ADDED", "MODIFIED") and facts.failed_condition(obj):
                    self._on_failed(obj)
                elif event["type"] == "DELETED":
                    meta = obj.get("metadata") or {}
                    self.reported.discard((meta.get("namespace", ""), meta.get("name", ""), meta.get("uid", "")))
        except ApiException as exc:
            if exc.status == 410:
                raise WatchGone(str(exc)) from exc
            raise
        finally:
            self._watch = None
            self._response = None
        return resource_version

    # -- one failure ---------------------------------------------------------------------
    def _on_failed(self, job: dict[str, Any]) -> None:
        meta = job.get("metadata") or {}
        key = (meta.get("namespace", ""), meta.get("name", ""), meta.get("uid", ""))
        if key in self.reported or key in self.pending:
            return
        event = self.capture(job)
        self.pending[key] = event
        self._deliver(key)

    def capture(self, job: dict[str, Any]) -> FailureEvent:
        """The failure event with the pods' logs read now, before they can be deleted."""
        meta = job.get("metadata") or {}
        notes: list[str] = []
        try:
            pods = self.api.pods_of_job(meta.get("namespace", "default"), meta.get("name", ""))
        except KubeAPIError as exc:
            notes.append(exc.note)
            pods = []
        failed = facts.pick_failed_pod(pods)
        ordered = ([failed] if failed else []) + [p for p in pods if p is not failed]
        parts: list[tuple[str, str]] = []
        for pod in ordered[:MAX_LOG_PODS]:
            parts += read_pod_logs(self.api, pod, notes)
        parts = _within_budget(parts, MAX_EXCERPT_BYTES, notes)
        excerpt = "\n".join(f"{h}\n{t}" for h, t in parts)
        event = failure_event_from_job(job, pods, excerpt or None)
        if notes:
            event.attributes["capture_notes"] = notes
        return event

    def _deliver(self, key: JobKey) -> None:
        event = self.pending[key]
        try:
            self.report(event)
        except Exception as exc:  # noqa: BLE001 - any delivery failure keeps it pending, visibly
            log.error("could not report failed Job %s/%s (will retry): %s", key[0], key[1], exc)
            return
        del self.pending[key]
        self.reported.add(key)
        log.info("reported failed Job %s/%s (%s)", key[0], key[1], event.reason)

    def _flush_pending(self) -> None:
        for key in list(self.pending):
            self._deliver(key)


def _within_budget(parts: list[tuple[str, str]], budget: int, notes: list[str]) -> list[tuple[str, str]]:
    """The logs cut to `budget` bytes in all, each keeping its end (where a failure is told).

    Shared fairly: a short log keeps all of itself and leaves its share to the longer ones."""
    sizes = [len(text.encode()) for _, text in parts]
    if sum(sizes) <= budget:
        return parts
    allowed: dict[int, int] = {}
    left, remaining = budget, len(parts)
    for i in sorted(range(len(parts)), key=sizes.__getitem__):
        allowed[i] = min(sizes[i], left // remaining)
        left -= allowed[i]
        remaining -= 1
    out = []
    for i, (header, text) in enumerate(parts):
        if allowed[i] < sizes[i]:
            kept = text.encode()[sizes[i] - allowed[i]:].decode("utf-8", "ignore")
            # From the first whole line on.
            text = kept.split("\n", 1)[1] if "\n" in kept[:-1] else kept
        out.append((header, text))
    notes.append(f"the pods' logs were {sum(sizes)} bytes; the report keeps the last part of each, "
                 f"{budget} bytes in all")
    return out


def _shutdown(response: Any) -> None:
    """Interrupt a read blocked on this urllib3 response (from another thread)."""
    if response is not None and hasattr(response, "shutdown"):
        try:
            response.shutdown()
        except OSError:
            pass  # already closed
