"""`triage watch-kubernetes`: report failed Jobs to the triage service as they fail.

Watches batch/v1 Jobs in TRIAGE_KUBERNETES_NAMESPACES (all namespaces when empty), in-cluster
(TRIAGE_KUBERNETES_IN_CLUSTER=true) or through TRIAGE_KUBECONFIG, and POSTs each failure to
`<server>/v1/events/kubernetes` with the TRIAGE_API_TOKEN bearer token. See
triage/sources/kube/watcher.py for how it survives expired watches and dropped connections.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time

import httpx

from triage.models import FailureEvent

log = logging.getLogger("triage.watch_kubernetes")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "watch-kubernetes", help="watch Kubernetes Jobs and report failures",
        description="Watches batch/v1 Jobs and reports each Job that gets a Failed condition "
                    "(BackoffLimitExceeded, DeadlineExceeded, PodFailurePolicy) to the triage service, "
                    "with its pod logs captured at once.")
    p.add_argument("--server", help="triage service URL (default TRIAGE_URL, else http://TRIAGE_HOST:TRIAGE_PORT)")
    p.add_argument("--namespace", action="append",
                   help="namespace to watch (repeatable; default TRIAGE_KUBERNETES_NAMESPACES, else all)")
    p.add_argument("--max-age", type=float, default=3600.0,
                   help="on start and after a re-list, report Jobs that failed at most this many seconds ago")
    p.add_argument("--watch-timeout", type=int, default=300, help="seconds per watch request before resuming")
    p.set_defaults(func=run)


class HttpReporter:
    """POSTs a FailureEvent to the triage service, retrying what may succeed later."""

    def __init__(self, server_url: str, token: str | None, attempts: int = 4, backoff_seconds: float = 1.0,
                 timeout: float = 10.0):
        self.url = server_url.rstrip("/") + "/v1/events/kubernetes"
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(timeout=timeout, headers=headers)

    def __call__(self, event: FailureEvent) -> None:
        body = event.model_dump(mode="json")
        delay = self.backoff_seconds
        for attempt in range(1, self.attempts + 1):
            try:
                resp = self.http.post(self.url, json=body)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if resp.status_code < 300:
                    return
                if resp.status_code < 500 and resp.status_code != 429:
                    # Our payload or token is wrong: retrying cannot help.
                    raise RuntimeError(f"triage service refused the event: HTTP {resp.status_code} {resp.text[:300]}")
                problem = f"HTTP {resp.status_code}"
            if attempt < self.attempts:
                time.sleep(delay)
                delay *= 2
        raise RuntimeError(f"triage service unreachable after {self.attempts} attempts: {problem}")

    def close(self) -> None:
        self.http.close()


def run(args) -> int:
    from triage.observability import setup_logging
    from triage.settings import load_settings
    from triage.sources.kube.api import KubeAPI, KubeNotConfigured, api_client_from_settings
    from triage.sources.kube.watcher import JobWatcher

    settings = load_settings()
    setup_logging(settings.log_level, settings.log_json)
    try:
        api = KubeAPI(api_client_from_settings(settings), settings.kubernetes_timeout_seconds)
    except KubeNotConfigured as exc:
        print(f"triage: {exc}", file=sys.stderr)
        return 2
    server = args.server or os.environ.get("TRIAGE_URL") or f"http://{settings.host}:{settings.port}"
    token = settings.api_token.get_secret_value() if settings.api_token else None
    reporter = HttpReporter(server, token)
    namespaces: list[str | None] = list(args.namespace or settings.kubernetes_namespaces) or [None]

    stop = threading.Event()
    watchers = [JobWatcher(api, ns, reporter, watch_timeout_seconds=args.watch_timeout, max_age_seconds=args.max_age,
                           stop=stop) for ns in namespaces]

    def shutdown(signum, frame) -> None:  # noqa: ARG001
        log.info("stopping on signal %s", signum)
        for w in watchers:
            w.close()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    threads = [threading.Thread(target=w.run, name=f"watch-{w.namespace or 'all'}", daemon=True) for w in watchers]
    for t in threads:
        t.start()
    log.info("watching Jobs in %s; reporting to %s", ", ".join(w.where for w in watchers), server)
    while any(t.is_alive() for t in threads) and not stop.is_set():
        stop.wait(0.5)
    # A watch blocked in a read ends when its window does; do not wait that long to exit.
    for t in threads:
        t.join(timeout=2.0)
    reporter.close()
    return 0
