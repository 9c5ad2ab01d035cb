"""The Kubernetes source: failed batch/v1 Jobs (usually run by a CronJob).

Failures arrive from `triage watch-kubernetes` (a FailureEvent posted to
`/v1/events/kubernetes`), from Alertmanager's `KubeJobFailed` (routed here by the
Alertmanager front door), or as a raw Job object. Evidence is read from the API with the
official client (see triage/sources/kube/); an approved re-run creates a new Job.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from triage.models import Evidence, FailureEvent, RunOutcome, RunReport, Source
from triage.settings import Settings
from triage.sources.base import HistoryReader, IntakeItem, PayloadError, RerunResult, SourcePlugin, as_utc
from triage.sources.kube import facts, rerun
from triage.sources.kube.api import KubeAPI, KubeAPIError, KubeNotConfigured, api_client_from_settings
from triage.sources.kube.evidence import WATCHER_ORIGIN, collect
from triage.sources.kube.failure import failure_event_from_job


def validation_field(exc: ValidationError, prefix: str = "") -> tuple[str, str]:
    """The first error of a pydantic ValidationError as ("alerts[2].labels", message)."""
    err = exc.errors()[0]
    path = prefix
    for part in err["loc"]:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path or "body", err["msg"]


class KubernetesSource(SourcePlugin):
    name = "kubernetes"
    can_rerun = True

    def __init__(self, settings: Settings, history: HistoryReader | None = None):
        super().__init__(settings, history)
        self._api: KubeAPI | None = None

    def api(self) -> KubeAPI:
        """Built on first use, so a service without a cluster configured still starts."""
        if self._api is None:
            self._api = KubeAPI(api_client_from_settings(self.settings), self.settings.kubernetes_timeout_seconds)
        return self._api

    # -- intake ------------------------------------------------------------------------
    def parse(self, payload: Any) -> list[IntakeItem]:
        if isinstance(payload, list):
            items: list[IntakeItem] = []
            for i, entry in enumerate(payload):
                items += self._parse_one(entry, f"[{i}]")
            return items
        return self._parse_one(payload, "")

    def _parse_one(self, payload: Any, prefix: str) -> list[IntakeItem]:
        if not isinstance(payload, dict):
            raise PayloadError(prefix or "body", "expected a FailureEvent or a batch/v1 Job object")
        if payload.get("kind") == "Job":
            return self._parse_job(payload, prefix)
        body = dict(payload)
        body.setdefault("source", Source.kubernetes.value)
        if body["source"] != Source.kubernetes.value:
            raise PayloadError(f"{prefix}.source" if prefix else "source", "must be 'kubernetes' on this endpoint")
        if not isinstance(body.get("kubernetes"), dict):
            # The model's own check would blame the whole body; name the missing part.
            raise PayloadError(f"{prefix}.kubernetes" if prefix else "kubernetes",
                               "needs the Job's identity: {namespace, job[, cronjob, pod]}")
        try:
            event = FailureEvent.model_validate(body)
        except ValidationError as exc:
            raise PayloadError(*validation_field(exc, prefix)) from None
        for name in ("failed_at", "started_at"):
            try:
                setattr(event, name, as_utc(getattr(event, name)))
            except ValueError as exc:
                raise PayloadError(f"{prefix}.{name}" if prefix else name, str(exc)) from None
        return [event]

    def _parse_job(self, job: dict[str, Any], prefix: str) -> list[IntakeItem]:
        """A raw Job (e.g. from an event exporter): failed -> a triage; complete -> history."""
        meta = job.get("metadata")
        if not isinstance(meta, dict) or not meta.get("name"):
            raise PayloadError(f"{prefix}.metadata.name" if prefix else "metadata.name", "a Job needs metadata.name")
        shapes = (("status", job, dict), ("status.conditions", job.get("status") or {}, list),
                  ("metadata.labels", meta, dict), ("metadata.ownerReferences", meta, list))
        for path, parent, kind in shapes:
            value = parent.get(path.rsplit(".", 1)[-1])
            if value is not None and not isinstance(value, kind):
                raise PayloadError(f"{prefix}.{path}" if prefix else path, f"must be {'an object' if kind is dict else 'a list'}")
            if kind is list and value and not all(isinstance(v, dict) for v in value):
                raise PayloadError(f"{prefix}.{path}" if prefix else path, "must be a list of objects")
        if facts.failed_condition(job):
            return [failure_event_from_job(job, [], reporter="webhook")]
        if facts.condition(job, "Complete"):
            rec = facts.run_record(job)
            cronjob = facts.owner_cronjob(job)
            namespace = meta.get("namespace", "default")
            return [RunReport(job_key=f"kubernetes/{namespace}/{cronjob or meta['name']}", job=cronjob or meta["name"],
                              source=Source.kubernetes, outcome=RunOutcome.success, started_at=rec.started_at,
                              finished_at=rec.finished_at, duration_seconds=rec.duration_seconds,
                              run_id=meta.get("uid") or meta["name"])]
        return []

    # -- evidence ----------------------------------------------------------------------
    def collect_evidence(self, event: FailureEvent) -> Evidence:
        try:
            api = self.api()
        except KubeNotConfigured as exc:
            return Evidence(log_text=event.log_excerpt or "", log_origin=WATCHER_ORIGIN if event.log_excerpt else "",
                            notes=[str(exc)])
        return collect(api, event, self.history)

    # -- approved re-runs --------------------------------------------------------------
    def describe_rerun(self, event: FailureEvent) -> str | None:
        if not self.settings.kubernetes_rerun_enabled or event.kubernetes is None:
            return None
        k = event.kubernetes
        if k.cronjob:
            return (f"Create a new Job in namespace {k.namespace} from CronJob {k.cronjob}'s jobTemplate "
                    f"(as `kubectl create job --from=cronjob/{k.cronjob}` does), named {k.cronjob}-manual-<id>")
        return (f"Create a new Job in namespace {k.namespace} with the spec of Job {k.job} "
                f"(without its generated selector), named {k.job}-manual-<id>")

    def rerun(self, event: FailureEvent, approval_id: str) -> RerunResult:
        if not self.settings.kubernetes_rerun_enabled:
            return RerunResult(ok=False, detail="Kubernetes re-runs are disabled: set TRIAGE_KUBERNETES_RERUN_ENABLED=true")
        k = event.kubernetes
        if k is None:
            return RerunResult(ok=False, detail="not a Kubernetes failure")
        try:
            api = self.api()
            cronjob_name = k.cronjob
            job = None
            if not cronjob_name:
                job = api.job(k.namespace, k.job)
                cronjob_name = facts.owner_cronjob(job)
            if cronjob_name:
                cronjob = api.cronjob(k.namespace, cronjob_name)
                name = rerun.rerun_job_name(cronjob_name, approval_id)
                body = rerun.job_from_cronjob(cronjob, name, approval_id, rerun_of=k.job)
            else:
                assert job is not None
                name = rerun.rerun_job_name(k.job, approval_id)
                body = rerun.job_from_job(job, name, approval_id)
        except KubeNotConfigured as exc:
            return RerunResult(ok=False, detail=str(exc))
        except KubeAPIError as exc:
            return RerunResult(ok=False, detail=exc.note)
        try:
            api.create_job(k.namespace, body)
        except KubeAPIError as exc:
            if exc.status != 409:
                return RerunResult(ok=False, detail=f"could not create Job {k.namespace}/{name}: {exc.word} ({exc.message})")
            # A retry of this approval: the Job exists already. Make sure it is ours.
            try:
                existing = api.job(k.namespace, name)
            except KubeAPIError as exc2:
                return RerunResult(ok=False, detail=exc2.note)
            owner = ((existing.get("metadata") or {}).get("annotations") or {}).get(rerun.APPROVAL_ANNOTATION)
            if owner != approval_id:
                return RerunResult(ok=False, detail=f"Job {k.namespace}/{name} exists but was not created for this approval")
            return RerunResult(ok=True, detail=f"Job {k.namespace}/{name} was already created for this approval",
                               reference=name)
        return RerunResult(ok=True, detail=f"created Job {k.namespace}/{name}", reference=name)
