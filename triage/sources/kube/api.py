"""Bounded calls to the Kubernetes API through the official client, returning raw JSON.

Raw JSON (``_preload_content=False``) rather than the client's model classes: evidence keeps
the API's own field names (camelCase, as `kubectl get -o json` shows them), unknown fields
survive a CronJob's jobTemplate copied into a re-run, and nothing is lost to deserialisation.
Every call carries ``_request_timeout``; every failure becomes a `KubeAPIError` whose `note`
is the sentence the evidence shows ("could not read pod logs for ...: forbidden").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from triage.settings import Settings

_WORDS = {400: "bad request", 401: "unauthorized", 403: "forbidden", 404: "not found",
          409: "already exists", 410: "gone", 422: "invalid", 429: "too many requests"}


class KubeNotConfigured(Exception):
    """No way to reach a cluster: the message names the setting to fix."""


class KubeAPIError(Exception):
    def __init__(self, what: str, status: int | None, message: str):
        self.what = what
        self.status = status
        self.message = message
        super().__init__(self.note)

    @property
    def word(self) -> str:
        if self.status is None:
            return "API unreachable"
        return _WORDS.get(self.status, f"HTTP {self.status}")

    @property
    def note(self) -> str:
        detail = f" ({self.message[:200]})" if self.message else ""
        return f"could not read {self.what}: {self.word}{detail}"


def api_client_from_settings(settings: Settings) -> client.ApiClient:
    """An ApiClient for the configured cluster: kubeconfig, in-cluster, or ~/.kube/config."""
    try:
        if settings.kubeconfig:
            return config.new_client_from_config(config_file=settings.kubeconfig, persist_config=False)
        if settings.kubernetes_in_cluster:
            cfg = client.Configuration()
            config.load_incluster_config(client_configuration=cfg)
            return client.ApiClient(cfg)
        return config.new_client_from_config(persist_config=False)
    except (ConfigException, OSError) as exc:
        raise KubeNotConfigured(
            "no Kubernetes API configured: set TRIAGE_KUBECONFIG to a kubeconfig file or "
            f"TRIAGE_KUBERNETES_IN_CLUSTER=true ({exc})"
        ) from exc


def _status_message(exc: ApiException) -> str:
    try:
        body = json.loads(exc.body or "{}")
        return str(body.get("message") or exc.reason or "")
    except (ValueError, TypeError):
        return str(exc.reason or "")


class KubeAPI:
    """The handful of reads and the one write triage makes, each bounded in time."""

    def __init__(self, api_client: client.ApiClient, timeout_seconds: float):
        self.api_client = api_client
        self.core = client.CoreV1Api(api_client)
        self.batch = client.BatchV1Api(api_client)
        self.timeout = timeout_seconds

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> bytes:
        try:
            resp = fn(*args, _preload_content=False, _request_timeout=self.timeout, **kwargs)
            return resp.data
        except ApiException as exc:
            raise KubeAPIError(what, exc.status, _status_message(exc)) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise KubeAPIError(what, None, str(exc)) from exc

    def _json(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        data = self._call(what, fn, *args, **kwargs)
        try:
            return json.loads(data)
        except ValueError as exc:
            # A proxy or login page in front of the API server: an API error, not a crash of the caller.
            raise KubeAPIError(what, None, f"the answer is not JSON: {data[:80]!r}") from exc

    # -- reads ---------------------------------------------------------------------------
    def job(self, namespace: str, name: str) -> dict[str, Any]:
        return self._json(f"Job {namespace}/{name}", self.batch.read_namespaced_job, name, namespace)

    def jobs(self, namespace: str, limit: int = 500) -> dict[str, Any]:
        """The JobList (items plus metadata.resourceVersion, for a watch to resume from)."""
        return self._json(f"Jobs in {namespace}", self.batch.list_namespaced_job, namespace, limit=limit)

    def every_job(self, namespace: str | None, page_size: int = 500) -> tuple[list[dict[str, Any]], str]:
        """All Jobs, following `continue` tokens, and the list's resourceVersion (for a watch).
        The pages of one list are a consistent snapshot at the first page's version."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        version = ""
        while True:
            extra = {"_continue": token} if token else {}
            if namespace:
                page = self._json(f"Jobs in {namespace}", self.batch.list_namespaced_job, namespace,
                                  limit=page_size, **extra)
            else:
                page = self._json("Jobs in all namespaces", self.batch.list_job_for_all_namespaces,
                                  limit=page_size, **extra)
            items += page.get("items") or []
            meta = page.get("metadata") or {}
            version = version or str(meta.get("resourceVersion") or "")
            token = meta.get("continue")
            if not token:
                return items, version

    def cronjob(self, namespace: str, name: str) -> dict[str, Any]:
        return self._json(f"CronJob {namespace}/{name}", self.batch.read_namespaced_cron_job, name, namespace)

    def pods_of_job(self, namespace: str, job: str) -> list[dict[str, Any]]:
        """Pods by the Job's label; `job-name` alone on clusters older than 1.27."""
        what = f"pods of Job {namespace}/{job}"
        pods = self._json(what, self.core.list_namespaced_pod, namespace,
                          label_selector=f"batch.kubernetes.io/job-name={job}")["items"]
        if not pods:
            pods = self._json(what, self.core.list_namespaced_pod, namespace,
                              label_selector=f"job-name={job}")["items"]
        return pods

    def events_for(self, namespace: str, kind: str, name: str) -> list[dict[str, Any]]:
        return self._json(
            f"events of {kind} {namespace}/{name}", self.core.list_namespaced_event, namespace,
            field_selector=f"involvedObject.kind={kind},involvedObject.name={name}",
        )["items"]

    def pod_log(self, namespace: str, pod: str, container: str, *, previous: bool = False,
                tail_lines: int = 200, limit_bytes: int = 64 * 1024) -> str:
        which = "previous " if previous else ""

        def read(lines: int) -> bytes:
            return self._call(
                f"{which}pod logs for {namespace}/{pod} ({container})", self.core.read_namespaced_pod_log,
                pod, namespace, container=container, previous=previous, tail_lines=lines,
                limit_bytes=limit_bytes,
            )

        data = read(tail_lines)
        # limitBytes keeps the START of the tailLines window: with long lines (JSON logs) the last
        # lines, where a failure is told, were cut off. Ask again for as many lines as fit.
        for _ in range(3):
            if len(data) < limit_bytes or tail_lines <= 1:
                break
            tail_lines = max(1, min(data.count(b"\n"), tail_lines - 1))
            data = read(tail_lines)
        return data.decode("utf-8", errors="replace")

    # -- the one write (approved re-runs only) -------------------------------------------
    def create_job(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        name = body.get("metadata", {}).get("name", "?")
        return self._json(f"create Job {namespace}/{name}", self.batch.create_namespaced_job, namespace, body)
