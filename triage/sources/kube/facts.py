"""Pure reading of Kubernetes API objects (raw JSON dicts): is a Job failed, why, which pod.

No I/O here, so the watcher, the evidence collector and the tests share one reading of
what a failed Job looks like.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from triage.models import RunOutcome, RunRecord

# Job condition reasons the Job controller sets with type=Failed.
FAILED_REASONS = ("BackoffLimitExceeded", "DeadlineExceeded", "PodFailurePolicy", "MaxFailedIndexesExceeded")


def parse_time(value: str | None) -> datetime | None:
    if not value or not isinstance(value, str):  # a hand-made Job may hold anything here
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    # The API always sends UTC with a Z; a hand-made Job without one is UTC too (naive and
    # aware times cannot be subtracted).
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def condition(job: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind and cond.get("status") == "True":
            return cond
    return None


def failed_condition(job: dict[str, Any]) -> dict[str, Any] | None:
    """The Job's Failed=True condition. FailureTarget (1.31+) is not final yet: pods may still
    be terminating, so only Failed counts; a Job whose pods failed but which then completed
    has Complete and no Failed, and is not a failure."""
    return condition(job, "Failed")


def owner_cronjob(obj: dict[str, Any]) -> str | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("kind") == "CronJob":
            return ref.get("name")
    return None


def owned_by(obj: dict[str, Any], kind: str, name: str, uid: str | None = None) -> bool:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("kind") == kind and ref.get("name") == name and (uid is None or ref.get("uid") == uid):
            return True
    return False


def job_summary(job: dict[str, Any]) -> dict[str, Any]:
    spec, status = job.get("spec") or {}, job.get("status") or {}
    return {
        "name": (job.get("metadata") or {}).get("name"),
        "uid": (job.get("metadata") or {}).get("uid"),
        "backoffLimit": spec.get("backoffLimit"),
        "activeDeadlineSeconds": spec.get("activeDeadlineSeconds"),
        "completions": spec.get("completions"),
        "parallelism": spec.get("parallelism"),
        "ttlSecondsAfterFinished": spec.get("ttlSecondsAfterFinished"),
        "podFailurePolicy": spec.get("podFailurePolicy"),
        "active": status.get("active", 0),
        "succeeded": status.get("succeeded", 0),
        "failed": status.get("failed", 0),
        "startTime": status.get("startTime"),
        "completionTime": status.get("completionTime"),
        "conditions": [
            {k: c.get(k) for k in ("type", "status", "reason", "message", "lastTransitionTime")}
            for c in status.get("conditions") or []
        ],
    }


def _state(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """A container state as {state, reason, exitCode, signal, message, startedAt, finishedAt}."""
    if not state:
        return None
    for name in ("terminated", "waiting", "running"):
        if name in state and state[name] is not None:
            detail = state[name]
            out = {"state": name}
            for key in ("reason", "exitCode", "signal", "message", "startedAt", "finishedAt"):
                if detail.get(key) is not None:
                    out[key] = detail[key]
            return out
    return None


def container_summaries(pod: dict[str, Any]) -> list[dict[str, Any]]:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    out = []
    for init, specs, statuses in (
        (True, spec.get("initContainers") or [], status.get("initContainerStatuses") or []),
        (False, spec.get("containers") or [], status.get("containerStatuses") or []),
    ):
        by_name = {s.get("name"): s for s in statuses}
        for c in specs:
            st = by_name.get(c.get("name"), {})
            out.append({
                "name": c.get("name"),
                "init": init,
                "image": c.get("image"),
                "resources": c.get("resources") or {},
                "restartCount": st.get("restartCount", 0),
                "state": _state(st.get("state")),
                "lastState": _state(st.get("lastState")),
            })
    return out


def container_resources(pod: dict[str, Any], container: str | None) -> dict[str, Any]:
    """memory_limit, memory_request, cpu_limit, cpu_request of one container (the first if None)."""
    specs = ((pod.get("spec") or {}).get("containers") or []) + ((pod.get("spec") or {}).get("initContainers") or [])
    chosen = next((c for c in specs if c.get("name") == container), specs[0] if specs else None)
    out: dict[str, Any] = {}
    if chosen:
        res = chosen.get("resources") or {}
        for kind in ("limits", "requests"):
            for resource in ("memory", "cpu", "ephemeral-storage"):
                value = (res.get(kind) or {}).get(resource)
                if value is not None:
                    out[f"{resource.replace('-', '_')}_{kind[:-1]}"] = value
    return out


def pod_summary(pod: dict[str, Any]) -> dict[str, Any]:
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    unscheduled = [
        {"reason": c.get("reason"), "message": c.get("message")}
        for c in status.get("conditions") or []
        if c.get("type") == "PodScheduled" and c.get("status") == "False"
    ]
    return {
        "name": meta.get("name"),
        "phase": status.get("phase"),
        "reason": status.get("reason"),
        "message": status.get("message"),
        "node": spec.get("nodeName"),
        "startTime": status.get("startTime"),
        "unschedulable": unscheduled[0] if unscheduled else None,
        "containers": container_summaries(pod),
    }


def _badness(summary: dict[str, Any]) -> int:
    """How clearly a pod shows the failure: used to pick the pod the card names."""
    score = 0
    if summary["phase"] == "Failed":
        score += 4
    if summary["reason"]:
        score += 2
    for c in summary["containers"]:
        for st in (c["state"], c["lastState"]):
            if st and st["state"] == "terminated" and st.get("exitCode", 0) != 0:
                score += 3
            if st and st["state"] == "waiting" and st.get("reason") not in (None, "ContainerCreating", "PodInitializing"):
                score += 3
    if summary["unschedulable"]:
        score += 3
    return score


def pick_failed_pod(pods: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The pod that best shows the failure; the newest among equally telling ones."""
    if not pods:
        return None
    ranked = sorted(
        pods,
        key=lambda p: (_badness(pod_summary(p)), (p.get("metadata") or {}).get("creationTimestamp") or ""),
    )
    return ranked[-1]


def failure_facts(pod: dict[str, Any] | None) -> dict[str, Any]:
    """The headline facts signatures match on: termination reason, exit code, waiting reason."""
    facts: dict[str, Any] = {}
    if pod is None:
        return facts
    s = pod_summary(pod)
    facts["pod"] = s["name"]
    if s["reason"]:
        facts["pod_reason"] = s["reason"]
    if s["message"]:
        facts["pod_message"] = s["message"]
    if s["unschedulable"]:
        facts["unschedulable_reason"] = s["unschedulable"]["reason"]
        facts["unschedulable_message"] = s["unschedulable"]["message"]
    # Prefer a failed terminated state: app containers before init containers (an init
    # container that failed once and then succeeded did not stop the pod), current before last.
    ordered = [c for c in s["containers"] if not c["init"]] + [c for c in s["containers"] if c["init"]]
    for c in ordered:
        for st in (c["state"], c["lastState"]):
            if st and st["state"] == "terminated" and st.get("exitCode", 0) != 0 and "exit_code" not in facts:
                facts["container"] = c["name"]
                facts["termination_reason"] = st.get("reason")
                facts["exit_code"] = st.get("exitCode")
                if st.get("signal") is not None:
                    facts["signal"] = st.get("signal")
                if st.get("message"):
                    facts["termination_message"] = st["message"]
    for c in s["containers"]:
        st = c["state"]
        if st and st["state"] == "waiting" and st.get("reason") not in (None, "ContainerCreating", "PodInitializing"):
            facts.setdefault("container", c["name"])
            facts["waiting_reason"] = st.get("reason")
            if st.get("message"):
                facts["waiting_message"] = st["message"]
            break
    return facts


def fact_lines(job: dict[str, Any] | None, pod_summaries: list[dict[str, Any]],
               events: list[dict[str, Any]]) -> list[str]:
    """The same facts as one sentence each, the way `kubectl describe` would show them."""
    lines: list[str] = []
    if job:
        cond = failed_condition(job)
        name = job.get("metadata", {}).get("name")
        if cond:
            lines.append(f"Job {name} failed: {cond.get('reason')}: {cond.get('message') or ''}".rstrip(": "))
        spec = job.get("spec") or {}
        lines.append(f"Job {name} backoffLimit={spec.get('backoffLimit')} "
                     f"activeDeadlineSeconds={spec.get('activeDeadlineSeconds')}")
    for p in pod_summaries:
        if p["reason"] or p["message"]:
            lines.append(f"Pod {p['name']} {p['phase']}: {p['reason'] or ''} {p['message'] or ''}".rstrip())
        if p["unschedulable"]:
            lines.append(f"Pod {p['name']} unschedulable: {p['unschedulable']['reason']}: {p['unschedulable']['message']}")
        for c in p["containers"]:
            kind = "init container" if c["init"] else "container"
            for label, st in (("state", c["state"]), ("last state", c["lastState"])):
                if not st or st["state"] == "running":
                    continue
                if st["state"] == "terminated":
                    lines.append(f"Pod {p['name']} {kind} {c['name']} {label} terminated: reason={st.get('reason')} "
                                 f"exitCode={st.get('exitCode')}" + (f" signal={st['signal']}" if st.get("signal") else "")
                                 + (f" message={st['message']}" if st.get("message") else ""))
                else:
                    lines.append(f"Pod {p['name']} {kind} {c['name']} {label} waiting: {st.get('reason')}"
                                 + (f": {st['message']}" if st.get("message") else ""))
            limits = (c["resources"] or {}).get("limits")
            if limits:
                lines.append(f"Pod {p['name']} {kind} {c['name']} limits: "
                             + ", ".join(f"{k}={v}" for k, v in sorted(limits.items())))
    for e in events:
        lines.append(f"Event {e['object']} {e['type']} {e['reason']}: {e['message']}" + (f" (x{e['count']})" if e.get("count", 1) > 1 else ""))
    return lines


def event_summary(ev: dict[str, Any]) -> dict[str, Any]:
    obj = ev.get("involvedObject") or {}
    series = ev.get("series") or {}
    return {
        "object": f"{obj.get('kind')}/{obj.get('name')}",
        "type": ev.get("type"),
        "reason": ev.get("reason"),
        "message": (ev.get("message") or "").strip(),
        "count": ev.get("count") or series.get("count") or 1,
        "lastTimestamp": ev.get("lastTimestamp") or series.get("lastObservedTime") or ev.get("eventTime")
        or (ev.get("metadata") or {}).get("creationTimestamp"),
    }


def run_record(job: dict[str, Any]) -> RunRecord:
    """One Job as a history row."""
    status = job.get("status") or {}
    started = parse_time(status.get("startTime"))
    failed = failed_condition(job)
    complete = condition(job, "Complete")
    if complete:
        outcome = RunOutcome.success
        finished = parse_time(status.get("completionTime") or complete.get("lastTransitionTime"))
        detail = None
    elif failed:
        outcome = RunOutcome.failure
        finished = parse_time(failed.get("lastTransitionTime"))
        detail = failed.get("reason")
    elif status.get("active"):
        outcome, finished, detail = RunOutcome.running, None, None
    else:
        outcome, finished, detail = RunOutcome.unknown, None, None
    duration = (finished - started).total_seconds() if started and finished else None
    return RunRecord(outcome=outcome, started_at=started, finished_at=finished, duration_seconds=duration,
                     name=(job.get("metadata") or {}).get("name"), detail=detail)
