"""Evidence for one failed Job, read from the Kubernetes API.

The Job (limits, deadline, conditions), its pods (container state and last state,
termination reason, exit code, signal, resources), pod logs (current and previous, bounded),
the events of the Job and its pods, the owning CronJob and its recent Jobs as run history.
A piece that cannot be read (403, 404, timeout) becomes a note; collection never raises.
"""

from __future__ import annotations

from typing import Any

from triage.models import Evidence, FailureEvent, RunRecord
from triage.sources.base import HistoryReader
from triage.sources.kube import facts
from triage.sources.kube.api import KubeAPI, KubeAPIError

LOG_TAIL_LINES = 200
LOG_LIMIT_BYTES = 64 * 1024
MAX_PODS = 10  # pod summaries kept in the evidence
MAX_LOG_PODS = 3  # pods whose logs are read
MAX_EVENT_PODS = 5  # pods whose events are read
MAX_HISTORY = 20
WATCHER_ORIGIN = "captured by triage watch-kubernetes when the Job failed"
_NOT_STARTED = ("ContainerCreating", "PodInitializing", "ImagePullBackOff", "ErrImagePull",
                "CreateContainerConfigError", "CreateContainerError", "InvalidImageName")


def _add_note(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


def _pod_name(pod: dict[str, Any]) -> str:
    return (pod.get("metadata") or {}).get("name", "?")


def _newest_first(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(objs, key=lambda o: (o.get("metadata") or {}).get("creationTimestamp") or "", reverse=True)


def read_pod_logs(api: KubeAPI, pod: dict[str, Any], notes: list[str]) -> list[tuple[str, str]]:
    """(header, text) per container log worth reading: current, and previous after a restart."""
    namespace = (pod.get("metadata") or {}).get("namespace", "default")
    name = _pod_name(pod)
    out: list[tuple[str, str]] = []
    for c in facts.container_summaries(pod):
        st, last = c["state"] or {}, c["lastState"] or {}
        if c["init"] and st.get("state") == "terminated" and st.get("exitCode") == 0 and not last:
            continue  # an init container that succeeded first time says nothing about the failure
        never_ran = not last and (not st or (st.get("state") == "waiting" and st.get("reason") in _NOT_STARTED))
        if never_ran:
            why = st.get("reason") or "no container status: the pod was never scheduled or started"
            _add_note(notes, f"no logs for {namespace}/{name} ({c['name']}): the container never started ({why})")
            continue
        attempts = [False]
        if c["restartCount"] or last.get("state") == "terminated":
            attempts.append(True)
        for previous in attempts:
            try:
                text = api.pod_log(namespace, name, c["name"], previous=previous,
                                   tail_lines=LOG_TAIL_LINES, limit_bytes=LOG_LIMIT_BYTES)
            except KubeAPIError as exc:
                _add_note(notes, exc.note)
                continue
            if text.strip():
                label = " (previous)" if previous else ""
                out.append((f"==> {namespace}/{name} {c['name']}{label} <==", text.rstrip("\n")))
    return out


def _cronjob_summary(cj: dict[str, Any]) -> dict[str, Any]:
    spec, status = cj.get("spec") or {}, cj.get("status") or {}
    return {
        "name": (cj.get("metadata") or {}).get("name"),
        "schedule": spec.get("schedule"),
        "timeZone": spec.get("timeZone"),
        "concurrencyPolicy": spec.get("concurrencyPolicy", "Allow"),
        "startingDeadlineSeconds": spec.get("startingDeadlineSeconds"),
        "suspend": spec.get("suspend", False),
        "successfulJobsHistoryLimit": spec.get("successfulJobsHistoryLimit"),
        "failedJobsHistoryLimit": spec.get("failedJobsHistoryLimit"),
        "lastScheduleTime": status.get("lastScheduleTime"),
        "lastSuccessfulTime": status.get("lastSuccessfulTime"),
        "active": [a.get("name") for a in status.get("active") or []],
    }


def _history(api: KubeAPI, namespace: str, cronjob: dict[str, Any], notes: list[str]) -> list[RunRecord]:
    meta = cronjob.get("metadata") or {}
    try:
        jobs = api.jobs(namespace)["items"]
    except KubeAPIError as exc:
        _add_note(notes, exc.note)
        return []
    mine = [j for j in jobs if facts.owned_by(j, "CronJob", meta.get("name", ""), meta.get("uid"))]
    records = [facts.run_record(j) for j in mine]
    records.sort(key=lambda r: r.started_at.timestamp() if r.started_at else 0.0, reverse=True)
    return records[:MAX_HISTORY]


def collect(api: KubeAPI, event: FailureEvent, history: HistoryReader) -> Evidence:
    """Everything the API still knows about this failed Job. Fills event.kubernetes.pod."""
    k = event.kubernetes
    assert k is not None
    notes: list[str] = []
    status: dict[str, Any] = {"namespace": k.namespace, "job_name": k.job}

    job: dict[str, Any] | None = None
    try:
        job = api.job(k.namespace, k.job)
    except KubeAPIError as exc:
        extra = " (the Job was deleted, e.g. by ttlSecondsAfterFinished)" if exc.status == 404 else ""
        _add_note(notes, exc.note + extra)
    if job:
        status["job"] = facts.job_summary(job)
        seen_uid = event.attributes.get("job_uid")
        if seen_uid and seen_uid != job["metadata"].get("uid"):
            _add_note(notes, f"Job {k.namespace}/{k.job} now has uid {job['metadata'].get('uid')}, not {seen_uid} "
                             "seen at failure time: it was re-created, so its state may not be the failed run's")
        cond = facts.failed_condition(job)
        if cond:
            status["job_condition_reason"] = cond.get("reason")
            status["job_condition_message"] = cond.get("message")
        elif facts.condition(job, "Complete"):
            _add_note(notes, f"Job {k.namespace}/{k.job} is marked Complete, not Failed")

    pods: list[dict[str, Any]] = []
    try:
        pods = _newest_first(api.pods_of_job(k.namespace, k.job))
    except KubeAPIError as exc:
        _add_note(notes, exc.note)
    else:
        if not pods:
            _add_note(notes, f"no pods left for Job {k.namespace}/{k.job} (deleted after it finished, e.g. by "
                             "ttlSecondsAfterFinished or the pod garbage collector)")
    summaries = [facts.pod_summary(p) for p in pods[:MAX_PODS]]
    status["pods"] = summaries

    failed_pod = facts.pick_failed_pod(pods)
    status.update(facts.failure_facts(failed_pod))
    if failed_pod is not None:
        status.update(facts.container_resources(failed_pod, status.get("container")))
    # What the watcher saw at failure time still counts when the pods are gone.
    if failed_pod is None:
        for key, value in (event.attributes.get("failure_facts") or {}).items():
            status.setdefault(key, value)
        if event.exit_code is not None:
            status.setdefault("exit_code", event.exit_code)
        if k.pod:
            status.setdefault("pod", k.pod)
    if status.get("pod"):
        # So the card's command names the real pod, not only the Job.
        k.pod = status["pod"]

    # Events of the Job and of its most telling pods.
    ordered = ([failed_pod] if failed_pod else []) + [p for p in pods if p is not failed_pod]
    targets = [("Job", k.job)] + [("Pod", _pod_name(p)) for p in ordered[:MAX_EVENT_PODS]]
    events: list[dict[str, Any]] = []
    for kind, name in targets:
        try:
            events += [facts.event_summary(e) for e in api.events_for(k.namespace, kind, name)]
        except KubeAPIError as exc:
            _add_note(notes, exc.note)
    events.sort(key=lambda e: e["lastTimestamp"] or "")
    status["events"] = events
    status["event_reasons"] = sorted({e["reason"] for e in events if e["reason"]})

    # Logs: the failed pod first, then a couple of other pods that show a failure.
    log_parts: list[tuple[str, str]] = []
    for pod in ordered[:MAX_LOG_PODS]:
        log_parts += read_pod_logs(api, pod, notes)
    if log_parts:
        log_text = "\n".join(f"{h}\n{t}" for h, t in log_parts)
        log_origin = f"kubernetes pod logs ({len(log_parts)} container log(s), last {LOG_TAIL_LINES} lines each)"
        if event.log_excerpt and not any(event.log_excerpt.strip()[-200:] in t for _, t in log_parts):
            log_text = f"==> {WATCHER_ORIGIN} <==\n{event.log_excerpt.rstrip()}\n{log_text}"
    elif event.log_excerpt:
        log_text, log_origin = event.log_excerpt, WATCHER_ORIGIN
    else:
        log_text, log_origin = "", ""
        _add_note(notes, f"no pod logs available for Job {k.namespace}/{k.job}")

    # The owning CronJob, and its recent Jobs as the run history.
    run_history: list[RunRecord] = []
    cronjob_name = k.cronjob or (facts.owner_cronjob(job) if job else None)
    if cronjob_name:
        k.cronjob = cronjob_name
        if event.job == k.job:
            event.job = cronjob_name  # cards name the CronJob, as the watcher's events do
        try:
            cj = api.cronjob(k.namespace, cronjob_name)
        except KubeAPIError as exc:
            _add_note(notes, exc.note)
        else:
            status["cronjob"] = _cronjob_summary(cj)
            run_history = _history(api, k.namespace, cj, notes)
    # Runs the API no longer holds (beyond the history limits) may be in our own records.
    known = {r.name for r in run_history if r.name}
    for rec in history(event.job_key, MAX_HISTORY):
        if rec.name not in known and len(run_history) < MAX_HISTORY:
            run_history.append(rec)

    status["facts"] = facts.fact_lines(job, summaries, events)
    return Evidence(log_text=log_text, log_origin=log_origin, status=_headline_first(status),
                    history=run_history, notes=notes)


# Keys signatures and people read first; the bulky per-object detail goes last.
_DETAIL_KEYS = ("facts", "job", "pods", "cronjob")


def _headline_first(status: dict[str, Any]) -> dict[str, Any]:
    head = {k: v for k, v in status.items() if k not in _DETAIL_KEYS}
    return head | {k: status[k] for k in _DETAIL_KEYS if k in status}
