"""Approved re-runs: a new Job from the CronJob's jobTemplate, or a copy of a bare Job.

The CronJob case does what `kubectl create job NAME --from=cronjob/CRONJOB` does: the
jobTemplate's spec, labels and annotations, the annotation
`cronjob.kubernetes.io/instantiate: manual`, and a controller ownerReference to the
CronJob (so the CronJob's history limits and `kubectl get jobs` treat it as its own).
The new name is derived from the approval id, so a retried approval asks for the same
name, gets 409 AlreadyExists, and counts as done: one Job per approval.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

APPROVAL_ANNOTATION = "triage/approval-id"
RERUN_OF_ANNOTATION = "triage/rerun-of"
# Labels and selector the API server generates for a Job; a copy must not carry the old ones.
_GENERATED_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name")
_MAX_NAME = 63  # Job names end up in the job-name label, whose values are at most 63 chars


def rerun_job_name(base: str, approval_id: str) -> str:
    short = hashlib.sha256(approval_id.encode()).hexdigest()[:6]
    suffix = f"-manual-{short}"
    return base[: _MAX_NAME - len(suffix)].rstrip("-.") + suffix


def job_from_cronjob(cronjob: dict[str, Any], name: str, approval_id: str, rerun_of: str) -> dict[str, Any]:
    meta = cronjob.get("metadata") or {}
    template = copy.deepcopy((cronjob.get("spec") or {}).get("jobTemplate") or {})
    tmeta = template.get("metadata") or {}
    annotations = {"cronjob.kubernetes.io/instantiate": "manual"}
    annotations.update(tmeta.get("annotations") or {})
    annotations[APPROVAL_ANNOTATION] = approval_id
    annotations[RERUN_OF_ANNOTATION] = rerun_of
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": meta.get("namespace"),
            "labels": dict(tmeta.get("labels") or {}),
            "annotations": annotations,
            "ownerReferences": [{
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "name": meta.get("name"),
                "uid": meta.get("uid"),
                "controller": True,
                "blockOwnerDeletion": True,
            }],
        },
        "spec": template.get("spec") or {},
    }


def job_from_job(job: dict[str, Any], name: str, approval_id: str) -> dict[str, Any]:
    """A bare Job copied without its generated selector and controller-uid/job-name labels."""
    meta = job.get("metadata") or {}
    spec = copy.deepcopy(job.get("spec") or {})
    if not spec.get("manualSelector"):
        spec.pop("selector", None)
    tmpl_meta = (spec.get("template") or {}).get("metadata") or {}
    for key in _GENERATED_LABELS:
        (tmpl_meta.get("labels") or {}).pop(key, None)
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k not in _GENERATED_LABELS}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                   if not k.startswith("batch.kubernetes.io/") and k != "kubectl.kubernetes.io/last-applied-configuration"}
    annotations[APPROVAL_ANNOTATION] = approval_id
    annotations[RERUN_OF_ANNOTATION] = meta.get("name", "")
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": meta.get("namespace"), "labels": labels, "annotations": annotations},
        "spec": spec,
    }
