"""Known failure signatures. (First cut: five recognisers; the engine issue grows the library.)"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from triage.models import Category, Evidence, FailureEvent, Hypothesis


@dataclass(frozen=True)
class Candidate:
    hypothesis: Hypothesis
    score: float


def job_check_command(event: FailureEvent) -> str:
    """The most useful generic read-only check for this job's source."""
    if event.kubernetes:
        k = event.kubernetes
        return f"kubectl describe job {shlex.quote(k.job)} -n {shlex.quote(k.namespace)}"
    if event.airflow:
        a = event.airflow
        return f"airflow tasks states-for-dag-run {shlex.quote(a.dag_id)} {shlex.quote(a.run_id)}"
    if event.cron:
        return f"grep -i {shlex.quote(event.cron.job)} /var/log/syslog"
    return "df -h"


_SIGS = [
    ("oom", Category.oom, r"OOMKilled|Out of memory|Killed process|exit code 137|MemoryError",
     "The process ran out of memory and was killed", "free -m"),
    ("disk_full", Category.disk_full, r"No space left on device|disk quota exceeded",
     "The disk is full", "df -h"),
    ("permission_denied", Category.permissions_rbac, r"[Pp]ermission denied|EACCES",
     "A file or resource was not accessible: permission denied", None),
    ("connection_refused", Category.dependency_unavailable, r"[Cc]onnection refused|ECONNREFUSED",
     "A service the job depends on refused the connection", None),
    ("dns", Category.network_dns, r"Name or service not known|Temporary failure in name resolution|no such host",
     "A host name could not be resolved", None),
    ("command_not_found", Category.missing_config_or_secret, r"command not found|No such file or directory",
     "A command or file the job needs was not found (cron runs with a minimal PATH)", None),
]


def match(event: FailureEvent, evidence: Evidence) -> list[Candidate]:
    lines = evidence.log_text.splitlines()
    out = []
    for sig_id, cat, pattern, cause, command in _SIGS:
        rx = re.compile(pattern)
        hits = [ln.strip() for ln in lines if rx.search(ln)]
        if sig_id == "oom" and event.exit_code == 137:
            hits = hits or [f"exit code {event.exit_code}"]
        if hits:
            h = Hypothesis(category=cat, cause=cause, confidence=0.8, evidence=hits[-3:],
                           command=command or job_check_command(event),
                           command_reason="Shows the state that confirms this cause",
                           engine="signatures", signature=sig_id)
            out.append(Candidate(h, 0.8))
    return out


def diagnose(event: FailureEvent, evidence: Evidence) -> Hypothesis:
    candidates = match(event, evidence)
    if candidates:
        return max(candidates, key=lambda c: c.score).hypothesis
    tail = [ln for ln in evidence.log_text.splitlines() if ln.strip()][-3:]
    return Hypothesis(category=Category.other, cause="No known failure signature matched; the cause is unclear",
                      confidence=0.2, evidence=tail, command=job_check_command(event),
                      command_reason="Shows the job's recent state to start from", engine="signatures")
