"""Events and a tiny case table for the signature tests.

Each Case is one log (verbatim lines from a public report where a URL is given) and what a
competent on-call engineer would conclude from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from triage.engine import signatures
from triage.engine.guard import check_command
from triage.models import AirflowRef, CronRef, Evidence, FailureEvent, Hypothesis, KubernetesRef

K8S = FailureEvent(source="kubernetes", job="nightly-report",
                   kubernetes=KubernetesRef(namespace="reports", job="nightly-report-28911", cronjob="nightly-report",
                                            pod="nightly-report-28911-x7k2p"))
K8S_NO_POD = FailureEvent(source="kubernetes", job="nightly-report",
                          kubernetes=KubernetesRef(namespace="reports", job="nightly-report-28911", cronjob="nightly-report"))
AIRFLOW = FailureEvent(source="airflow", job="sales_etl.load_orders",
                       airflow=AirflowRef(dag_id="sales_etl", task_id="load_orders", run_id="scheduled__2024-05-01T02:00:00+00:00"))
CRON = FailureEvent(source="cron", job="db-backup",
                    cron=CronRef(host="db1", job="db-backup", command="/opt/backup/run.sh", user="backup", run_id="r-1"))
EVENTS = {"k8s": K8S, "k8s_nopod": K8S_NO_POD, "airflow": AIRFLOW, "cron": CRON}


@dataclass
class Case:
    id: str
    source: str
    log: str
    category: str
    cause_has: tuple[str, ...] = ()
    command_has: tuple[str, ...] = ()
    min_confidence: float = 0.0
    max_confidence: float = 1.0
    status: dict[str, Any] = field(default_factory=dict)
    signature: str | None = None


def diagnose(source: str, log: str, status: dict[str, Any] | None = None) -> Hypothesis:
    return signatures.diagnose(EVENTS[source], Evidence(log_text=log, status=status or {}))


def check_case(case: Case) -> Hypothesis:
    h = diagnose(case.source, case.log, case.status)
    assert h.category.value == case.category, (h.category, h.signature, h.cause)
    for text in case.cause_has:
        assert text in h.cause, (text, h.cause)
    for text in case.command_has:
        assert h.command and text in h.command, (text, h.command)
    assert case.min_confidence <= h.confidence <= case.max_confidence, (h.confidence, h.signature)
    if case.signature:
        assert h.signature == case.signature, h.signature
    # Evidence is verbatim: every line shown is a line of the log or a status fact.
    for line in h.evidence:
        assert line in case.log or ":" in line, line
    assert len(h.evidence) <= 5
    assert h.command and "\n" not in h.command
    return h


def guard_allows(command: str) -> bool:
    return check_command(command).allowed
