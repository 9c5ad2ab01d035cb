"""Turning a failed Job (raw API JSON) into the one FailureEvent triage works on.

Identity: the event's `KubernetesRef.uid` stays None on purpose. An Alertmanager
`KubeJobFailed` alert only knows namespace and job_name, and the failure_key is
`kubernetes/<namespace>/<job>` plus the uid when one is set; if the watcher set the uid,
the watcher's report and the alert for the same failure would make two triages. Job names
are unique per run in practice (a CronJob names each Job `<cronjob>-<scheduled minute>`,
a manual re-run gets its own name), so namespace/name identifies the failed run. The uid
is kept in `attributes["job_uid"]` so evidence collection can tell when a Job was deleted
and re-created under the same name, and says so in a note.
"""

from __future__ import annotations

from typing import Any

from triage.models import FailureEvent, KubernetesRef, Source
from triage.sources.kube import facts


def failure_event_from_job(job: dict[str, Any], pods: list[dict[str, Any]], log_excerpt: str | None = None,
                           reporter: str = "watch-kubernetes") -> FailureEvent:
    """The FailureEvent for a Job with a Failed condition (the caller checks that)."""
    meta, status = job.get("metadata") or {}, job.get("status") or {}
    cond = facts.failed_condition(job) or {}
    pod = facts.pick_failed_pod(pods)
    pod_facts = facts.failure_facts(pod)
    cronjob = facts.owner_cronjob(job)
    started = facts.parse_time(status.get("startTime"))
    failed_at = facts.parse_time(cond.get("lastTransitionTime"))
    reason = (pod_facts.get("termination_reason") or pod_facts.get("waiting_reason")
              or pod_facts.get("pod_reason") or cond.get("reason"))
    extra: dict[str, Any] = {}
    if failed_at:
        extra["failed_at"] = failed_at
    if started:
        extra["started_at"] = started
    if started and failed_at:
        extra["duration_seconds"] = max(0.0, (failed_at - started).total_seconds())
    signal = pod_facts.get("signal")
    return FailureEvent(
        source=Source.kubernetes,
        job=cronjob or meta.get("name", "?"),
        kubernetes=KubernetesRef(
            namespace=meta.get("namespace", "default"),
            job=meta.get("name", "?"),
            cronjob=cronjob,
            pod=pod_facts.get("pod"),
            uid=None,  # see the module docstring: dedup with Alertmanager needs this None
        ),
        exit_code=pod_facts.get("exit_code"),
        signal=str(signal) if signal is not None else None,
        reason=reason,
        log_excerpt=log_excerpt or None,
        labels={str(k): str(v) for k, v in (meta.get("labels") or {}).items()},
        attributes={
            "job_uid": meta.get("uid"),
            "job_condition": {k: cond.get(k) for k in ("reason", "message", "lastTransitionTime")},
            "failure_facts": pod_facts,
            "reported_by": reporter,
        },
        **extra,
    )
