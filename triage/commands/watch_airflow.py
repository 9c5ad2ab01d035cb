"""`triage watch-airflow`: poll Airflow for failed task instances and report them to triage.

Callbacks miss some failures (a task process killed by SIGKILL or the OOM killer never runs
its on_failure_callback), so this poller lists recently failed task instances through the
REST API and posts each one to `POST /v1/events/airflow`. The service deduplicates on the
failure key (instance/dag/run/task/map_index/try), so a failure reported by both the notifier
and the poller becomes one triage.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

log = logging.getLogger("triage.watch_airflow")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "watch-airflow", help="poll Airflow for failed task instances and report them",
        description="Lists task instances that ended failed in the last --window minutes on each configured "
                    "Airflow (TRIAGE_AIRFLOW_URL / TRIAGE_AIRFLOW_INSTANCES) and reports them to the triage "
                    "service; the service deduplicates against what the notifier already sent.")
    p.add_argument("--server", help="triage service URL (default http://TRIAGE_HOST:TRIAGE_PORT)")
    p.add_argument("--instance", action="append", help="only this Airflow instance (repeatable)")
    p.add_argument("--window", type=float, default=60.0, help="look back this many minutes (default 60)")
    p.add_argument("--interval", type=float, default=60.0, help="seconds between polls (default 60)")
    p.add_argument("--once", action="store_true", help="poll once and exit")
    p.set_defaults(func=run)


def ti_payload(ti: dict[str, Any], instance: str) -> dict[str, Any]:
    """A listed task instance as the same payload the notifier sends (reported_by=poller)."""
    return {
        "version": 1,
        "instance": instance,
        "reported_by": "poller",
        "dag_id": ti["dag_id"],
        "task_id": ti["task_id"],
        "run_id": ti.get("dag_run_id") or ti.get("run_id"),
        "try_number": ti.get("try_number") or 1,
        "max_tries": ti.get("max_tries"),
        "map_index": ti.get("map_index", -1) if ti.get("map_index") is not None else -1,
        "logical_date": ti.get("logical_date") or ti.get("execution_date"),
        "start_date": ti.get("start_date"),
        "end_date": ti.get("end_date"),
        "state": ti.get("state"),
        "hostname": ti.get("hostname") or None,
        "operator": ti.get("operator"),
    }


class AirflowWatcher:
    """One poll = list failed TIs per instance, post the ones not yet posted by this watcher."""

    def __init__(self, settings, server_url: str, instances: list[str] | None = None,
                 window: timedelta = timedelta(hours=1)):
        from triage.sources.airflow_api import AirflowClient

        self.server_url = server_url.rstrip("/")
        self.window = window
        chosen = [i for i in settings.airflow() if not instances or i.name in instances]
        self.clients = {i.name: AirflowClient(i) for i in chosen}
        token = settings.api_token.get_secret_value() if settings.api_token else None
        self.http = httpx.Client(timeout=10, headers={"Authorization": f"Bearer {token}"} if token else {})
        # Keys posted and accepted; bounded by the window (older failures drop out of the listing).
        self.sent: dict[str, float] = {}

    def poll_once(self) -> list[dict[str, Any]]:
        from triage.sources.airflow_api import AirflowAPIError

        posted: list[dict[str, Any]] = []
        since = datetime.now(timezone.utc) - self.window
        for name, client in self.clients.items():
            try:
                tis = client.failed_task_instances(since)
            except AirflowAPIError as exc:
                log.error("watch-airflow: listing failed task instances on %s: %s", name, exc.note())
                continue
            for ti in tis:
                payload = ti_payload(ti, name)
                key = "/".join(str(payload[k]) for k in ("instance", "dag_id", "run_id", "task_id", "map_index", "try_number"))
                if key in self.sent:
                    continue
                try:
                    r = self.http.post(f"{self.server_url}/v1/events/airflow", json=payload)
                except httpx.HTTPError as exc:
                    log.error("watch-airflow: could not reach %s: %s", self.server_url, exc)
                    return posted  # retried on the next poll
                if r.status_code >= 400:
                    log.error("watch-airflow: %s refused %s: HTTP %s %s", self.server_url, key, r.status_code, r.text[:200])
                    continue
                self.sent[key] = time.time()
                posted.append(payload)
                log.info("watch-airflow: reported %s", key)
        cutoff = time.time() - 2 * self.window.total_seconds()
        self.sent = {k: t for k, t in self.sent.items() if t >= cutoff}
        return posted

    def close(self) -> None:
        self.http.close()
        for c in self.clients.values():
            c.close()


def run(args) -> int:
    from triage.settings import load_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = load_settings()
    if not settings.airflow():
        print("triage: no Airflow configured: set TRIAGE_AIRFLOW_URL (or TRIAGE_AIRFLOW_INSTANCES)", file=sys.stderr)
        return 2
    server = args.server or f"http://{settings.host}:{settings.port}"
    watcher = AirflowWatcher(settings, server, args.instance, timedelta(minutes=args.window))
    try:
        while True:
            posted = watcher.poll_once()
            print(f"watch-airflow: reported {len(posted)} failed task instance(s)", flush=True)
            if args.once:
                return 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0
    finally:
        watcher.close()
