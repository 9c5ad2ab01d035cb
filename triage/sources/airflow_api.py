"""A small client for Airflow's stable REST API (3.x `/api/v2` with JWT, 2.x `/api/v1` with basic auth).

Only the calls triage needs: a task instance and its tries, the other task instances of a run,
a DAG's tasks and recent runs, task logs, clearing task instances, and listing failed ones.
Every call is bounded by the instance's timeout; every failure is an `AirflowAPIError` that the
source turns into a note in the evidence.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from triage.settings import AirflowInstance
from triage.sources import airflow_log

# Bounds on what one log read may cost, whatever the size of the log.
MAX_LOG_BYTES = 20 * 1024 * 1024
MAX_LOG_LINES = 4000
MAX_LOG_LINE_BYTES = 64 * 1024
# A log that trickles in (each read within the timeout) must not hold a worker for long.
MAX_LOG_SECONDS = 60.0


class AirflowAPIError(Exception):
    """A call that did not succeed; `status` is the HTTP status, or None for a network error."""

    def __init__(self, method: str, path: str, status: int | None, detail: str):
        self.method = method
        self.path = path
        self.status = status
        self.detail = detail
        super().__init__(self.note())

    def note(self) -> str:
        what = {401: "unauthorized (check the Airflow username/password)",
                403: "forbidden (the Airflow user lacks permission)",
                404: "not found"}.get(self.status or 0, self.detail)
        code = f"HTTP {self.status}" if self.status else "no response"
        return f"Airflow {self.method} {self.path}: {code}: {what}"


# JWTs per (url, username, password digest), shared by every client in this process; refreshed
# on 401. The digest keeps a changed or wrong password from reusing another login's token.
_TOKENS: dict[tuple[str, str, str], str] = {}
_TOKENS_LOCK = threading.Lock()


def _q(value: str) -> str:
    return quote(value, safe="")


def _json(r: httpx.Response, method: str, path: str) -> Any:
    """The answer's JSON object; anything else (an HTML login page...) is an AirflowAPIError."""
    try:
        body = r.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise AirflowAPIError(method, path, r.status_code,
                              f"not a JSON object from the API ({r.headers.get('content-type', 'no content type')})")
    return body


class AirflowClient:
    def __init__(self, instance: AirflowInstance, http: httpx.Client | None = None):
        self.instance = instance
        self.base = instance.url.rstrip("/")
        self.v3 = instance.api_version >= 3
        self.prefix = "/api/v2" if self.v3 else "/api/v1"
        self.http = http or httpx.Client(timeout=instance.timeout_seconds, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    # --- auth ---------------------------------------------------------------------------
    def _password(self) -> str:
        return self.instance.password.get_secret_value() if self.instance.password else ""

    def token_key(self) -> tuple[str, str, str]:
        digest = hashlib.sha256(self._password().encode()).hexdigest()
        return (self.base, self.instance.username or "", digest)

    def _token(self, refresh: bool = False) -> str | None:
        if not self.instance.username:
            return None
        key = self.token_key()
        with _TOKENS_LOCK:
            if not refresh and key in _TOKENS:
                return _TOKENS[key]
        try:
            r = self.http.post(f"{self.base}/auth/token",
                               json={"username": self.instance.username, "password": self._password()})
        except httpx.HTTPError as exc:
            raise AirflowAPIError("POST", "/auth/token", None, str(exc) or type(exc).__name__) from exc
        if r.status_code not in (200, 201):
            raise AirflowAPIError("POST", "/auth/token", r.status_code, r.text[:300])
        token = _json(r, "POST", "/auth/token").get("access_token")
        if not token:
            raise AirflowAPIError("POST", "/auth/token", r.status_code, "no access_token in the answer")
        with _TOKENS_LOCK:
            _TOKENS[key] = token
        return token

    def _auth(self, refresh: bool = False) -> tuple[dict[str, str], httpx.BasicAuth | None]:
        if self.v3:
            token = self._token(refresh)
            return ({"Authorization": f"Bearer {token}"} if token else {}), None
        if self.instance.username:
            return {}, httpx.BasicAuth(self.instance.username, self._password())
        return {}, None

    # --- transport ----------------------------------------------------------------------
    def _send(self, method: str, path: str, *, stream: bool = False, **kwargs: Any) -> httpx.Response:
        url = f"{self.base}{self.prefix}{path}"
        extra_headers = kwargs.pop("headers", {})
        for attempt in (1, 2):
            headers, auth = self._auth(refresh=attempt == 2)
            req = self.http.build_request(method, url, headers={**headers, **extra_headers}, **kwargs)
            try:
                r = self.http.send(req, auth=auth, stream=stream) if auth else self.http.send(req, stream=stream)
            except httpx.HTTPError as exc:
                raise AirflowAPIError(method, path, None, str(exc) or type(exc).__name__) from exc
            # An expired JWT: fetch a new one once and repeat the call.
            if r.status_code == 401 and self.v3 and attempt == 1 and self.instance.username:
                r.close()
                continue
            # Redirects are not followed: one here is a login page (an SSO proxy), not the API.
            if r.status_code >= 300:
                if stream:
                    r.read()
                raise AirflowAPIError(method, path, r.status_code,
                                      r.text[:300] or f"redirected to {r.headers.get('location', '?')}")
            return r
        raise AssertionError("unreachable")

    def get(self, path: str, **params: Any) -> Any:
        return _json(self._send("GET", path, params={k: v for k, v in params.items() if v is not None}), "GET", path)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return _json(self._send("POST", path, json=body), "POST", path)

    # --- reads --------------------------------------------------------------------------
    def _ti_path(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> str:
        path = f"/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/taskInstances/{_q(task_id)}"
        return f"{path}/{map_index}" if map_index >= 0 else path

    def task_instance(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> dict:
        return self.get(self._ti_path(dag_id, run_id, task_id, map_index))

    def task_tries(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> list[dict]:
        body = self.get(self._ti_path(dag_id, run_id, task_id, map_index) + "/tries")
        return list(body.get("task_instances", []))

    def run_task_instances(self, dag_id: str, run_id: str, limit: int = 200, max_pages: int = 25) -> list[dict]:
        """Every task instance of the run, page by page (a mapped task alone can have hundreds): the
        failed upstream of an upstream_failed task may be on any page. Bounded to max_pages pages."""
        out: list[dict] = []
        for page in range(max_pages):
            body = self.get(f"/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/taskInstances", limit=limit, offset=page * limit)
            batch = list(body.get("task_instances", []))
            out.extend(batch)
            total = body.get("total_entries")
            if len(batch) < limit or (isinstance(total, int) and len(out) >= total):
                break
        return out

    def dag_tasks(self, dag_id: str) -> list[dict]:
        return list(self.get(f"/dags/{_q(dag_id)}/tasks").get("tasks", []))

    def dag_runs(self, dag_id: str, limit: int = 10) -> list[dict]:
        order = "-run_after" if self.v3 else "-execution_date"
        return list(self.get(f"/dags/{_q(dag_id)}/dagRuns", limit=limit, order_by=order).get("dag_runs", []))

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int,
                 map_index: int = -1) -> tuple[list[str], dict[str, Any]]:
        """The log's lines (the last MAX_LOG_LINES) and the status facts found in it.

        Both versions are streamed: a huge (or endless) log costs at most MAX_LOG_BYTES read and
        MAX_LOG_SECONDS of a worker's time, however slowly the API sends it."""
        path = f"/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/taskInstances/{_q(task_id)}/logs/{try_number}"
        params = {"full_content": "true", "map_index": map_index}
        lines_out: deque[str] = deque(maxlen=MAX_LOG_LINES)
        facts: dict[str, Any] = {}
        if not self.v3:
            r = self._send("GET", path, params=params, headers={"Accept": "text/plain"}, stream=True)
            try:
                if r.headers.get("content-type", "").startswith("text/html"):  # a login page, not the log
                    raise AirflowAPIError("GET", path, r.status_code, "an HTML page, not the task log")
                for line in self._bounded_lines(r, path):
                    lines_out.append(line)
                    airflow_log.merge_facts(facts, airflow_log.status_facts([{"event": line}]))
            finally:
                r.close()
            # The host line and file list open the log; a log cut at its head no longer has them.
            return airflow_log.drop_source_details(list(lines_out)), facts
        # NDJSON events; keep the tail, where failures are.
        flattener = airflow_log.LogFlattener()
        r = self._send("GET", path, params=params, headers={"Accept": "application/x-ndjson"}, stream=True)
        try:
            for raw in self._bounded_lines(r, path):
                if raw.startswith("[log truncated:"):
                    lines_out.append(raw)
                    continue
                events = airflow_log.parse_ndjson_line(raw)
                lines_out.extend(flattener.feed(events))
                airflow_log.merge_facts(facts, airflow_log.status_facts(events))
        finally:
            r.close()
        return list(lines_out), facts

    @staticmethod
    def _bounded_lines(r: httpx.Response, path: str) -> Iterator[str]:
        """The lines of a streamed answer, ending with a "[log truncated: ...]" line when the
        read stopped at MAX_LOG_BYTES or MAX_LOG_SECONDS. A line with no end in sight is cut at
        MAX_LOG_LINE_BYTES, so even one endless line costs bounded memory."""
        deadline = time.monotonic() + MAX_LOG_SECONDS
        read = 0
        pending = b""
        try:
            for chunk in r.iter_bytes():
                read += len(chunk)
                *complete, pending = (pending + chunk).split(b"\n")
                for raw in complete:
                    yield raw.rstrip(b"\r").decode("utf-8", "replace")
                if len(pending) > MAX_LOG_LINE_BYTES:
                    yield pending[:MAX_LOG_LINE_BYTES].decode("utf-8", "replace") + " [line cut]"
                    pending = b""
                if read > MAX_LOG_BYTES:
                    yield f"[log truncated: read the first {MAX_LOG_BYTES // (1024 * 1024)} MB only]"
                    return
                if time.monotonic() > deadline:
                    yield f"[log truncated: stopped reading after {MAX_LOG_SECONDS:g} s]"
                    return
        except httpx.HTTPError as exc:
            raise AirflowAPIError("GET", path, None, f"log stream broke: {exc}") from exc
        if pending:
            yield pending.rstrip(b"\r").decode("utf-8", "replace")

    def failed_task_instances(self, since: datetime, page_size: int = 100, max_pages: int = 20) -> list[dict]:
        """Task instances that ended failed since `since`, across all DAGs and runs (paged)."""
        out: list[dict] = []
        for page in range(max_pages):
            if self.v3:
                body = self.get("/dags/~/dagRuns/~/taskInstances", state="failed", end_date_gte=since.isoformat(),
                                order_by="-end_date", limit=page_size, offset=page * page_size)
            else:
                body = self.post("/dags/~/dagRuns/~/taskInstances/list",
                                 {"state": ["failed"], "end_date_gte": since.isoformat(),
                                  "page_limit": page_size, "page_offset": page * page_size})
            batch = list(body.get("task_instances", []))
            out.extend(batch)
            if len(batch) < page_size:
                break
        return out

    def failed_task_instances_of(self, dag_id: str, run_id: str, task_id: str) -> list[dict]:
        """Airflow 2: the failed (or upstream_failed) task instances of one task in one run, every map index."""
        body = self.post("/dags/~/dagRuns/~/taskInstances/list",
                         {"dag_ids": [dag_id], "dag_run_ids": [run_id], "task_ids": [task_id],
                          "state": ["failed", "upstream_failed"], "page_limit": 1000})
        return [t for t in body.get("task_instances", []) if t.get("task_id") == task_id]

    # --- the one write ------------------------------------------------------------------
    def clear_task_instances(self, dag_id: str, run_id: str, task_ids: list[Any], note: str | None = None,
                             include_downstream: bool = True) -> dict:
        body: dict[str, Any] = {
            "dag_run_id": run_id,
            "task_ids": task_ids,
            "only_failed": True,
            # The API defaults to a dry run that changes nothing.
            "dry_run": False,
            "include_downstream": include_downstream,
            "include_upstream": False,
            "reset_dag_runs": True,
        }
        if note and self.v3:
            body["note"] = note[:1000]
        return self.post(f"/dags/{_q(dag_id)}/clearTaskInstances", body)
