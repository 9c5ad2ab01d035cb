"""Read-only checks shared by many signatures, as templates over the job's names.

Each tuple lists templates from most to least specific; the first one whose fields are
known and that the guard accepts is shown. Fields: ns, k8s_job, pod, cronjob, dag, run,
task, cron_host, cron_job, cron_user (from the FailureEvent) plus what a signature read
from the log (path, host, port, secret, ...).
"""

from __future__ import annotations

import shlex

from triage.models import FailureEvent

# Where the job itself ran and what it last said.
POD = ("kubectl describe pod {pod} -n {ns}",)
JOB = ("kubectl describe job {k8s_job} -n {ns}",)
JOB_LOGS = ("kubectl logs job/{k8s_job} -n {ns} --all-containers --tail=100",)
K8S_EVENTS = ("kubectl get events -n {ns} --sort-by=.lastTimestamp",)
AIRFLOW_RUN = ("airflow tasks states-for-dag-run {dag} {run}",)
AIRFLOW_TASK = ("airflow tasks state {dag} {task} {run}",)
CRONTAB = ("crontab -l -u {cron_user}", "crontab -l")
CRON_LOG = ("journalctl -t CRON --no-pager -n 50",)

WHERE_IT_RAN = POD + JOB + AIRFLOW_RUN + CRONTAB
KERNEL_OOM = ("journalctl -k -g 'Killed process' --no-pager -n 20",)
FREE = ("free -m",)

# What the generic checks show. A signature's own reason is written for its specific checks
# (the endpoints of a host, a secret); when only a generic check could be filled in, the card
# must say what THAT check shows, not what the specific one would have.
GENERIC_REASONS = {
    POD[0]: "Shows the pod's state, exit codes and recent events, to confirm how it failed",
    JOB[0]: "Shows the Job's conditions and events, to confirm how it failed",
    JOB_LOGS[0]: "Shows the job's own last output around the failure",
    K8S_EVENTS[0]: "Shows the namespace's recent events around the failure",
    AIRFLOW_RUN[0]: "Shows the state of every task in this run, to see where it broke",
    AIRFLOW_TASK[0]: "Shows this task's state in the run",
    CRONTAB[0]: "Shows the job's crontab entry and its environment (PATH, schedule, user)",
    CRONTAB[1]: "Shows the job's crontab entry and its environment (PATH, schedule, user)",
    CRON_LOG[0]: "Shows cron's own log of when the job ran and how it ended",
    KERNEL_OOM[0]: "Shows whether the kernel's OOM killer killed the job's process, and when",
    FREE[0]: "Shows how much memory and swap the host has free now",
}

# A host named in the log: the Kubernetes service behind it, or what the resolver says.
HOST = (
    "kubectl get endpoints {svc} -n {svc_ns}",
    "kubectl get endpoints {svc} -n {ns}",
    "getent hosts {host}",
)
DNS = (
    "kubectl get svc {svc} -n {svc_ns}",
    "kubectl get svc {svc} -n {ns}",
    "getent hosts {host}",
    "dig {host}",
)
LISTENING = ("ss -ltn",)
HTTP_GET = ("curl -sS -m 10 {url}",)


def generic_reason(template: str) -> str | None:
    return GENERIC_REASONS.get(template)


def job_check_reason(event: FailureEvent) -> str:
    """Why `job_check_command` is worth running (it is a starting point, not a confirmation)."""
    if event.kubernetes:
        return GENERIC_REASONS[POD[0] if event.kubernetes.pod else JOB[0]]
    if event.airflow:
        return GENERIC_REASONS[AIRFLOW_RUN[0]]
    if event.cron:
        return "Shows what the system log recorded about this job's runs"
    return "Shows recent errors and events around the failure"


def job_check_command(event: FailureEvent) -> str:
    """The most useful generic read-only check for this job's source."""
    q = shlex.quote
    if event.kubernetes:
        k = event.kubernetes
        if k.pod:
            return f"kubectl describe pod {q(k.pod)} -n {q(k.namespace)}"
        return f"kubectl describe job {q(k.job)} -n {q(k.namespace)}"
    if event.airflow:
        a = event.airflow
        return f"airflow tasks states-for-dag-run {q(a.dag_id)} {q(a.run_id)}"
    if event.cron:
        return f"grep -i {q(event.cron.job)} /var/log/syslog"
    ns = event.labels.get("namespace")
    job = event.labels.get("job_name")
    if ns and job:
        return f"kubectl describe job {q(job)} -n {q(ns)}"
    if ns:
        return f"kubectl get events -n {q(ns)} --sort-by=.lastTimestamp"
    return "journalctl -p err --no-pager -n 100"
