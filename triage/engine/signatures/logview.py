"""The log as the signatures see it: lines, status facts as lines, the job's names, and
where the failure is (the last exception and its chain).

Status facts (exit code, termination reason, events, conditions) are rendered as lines such
as `reason: OOMKilled` and placed after the log, so the same patterns read both, and a
status fact counts as being at the failure itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from triage.models import Evidence, FailureEvent, RunOutcome

# Keep the head (start-up errors) and a long tail (the failure) of very long logs.
MAX_HEAD_LINES = 1_000
MAX_TAIL_LINES = 40_000
MAX_LINE_CHARS = 4_000
MAX_STATUS_LINES = 300

_TRACEBACK = "Traceback (most recent call last):"
_CHAIN_MARKERS = (
    "The above exception was the direct cause of the following exception",
    "During handling of the above exception, another exception occurred",
)
# A Python exception line: dotted name ending in Error/Exception/... then ':' or end of line.
_PY_EXC = re.compile(
    r"^(?:\S+ \| )?(?P<exc>(?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Timeout|Warning|NotFound|Failure|Fault|Denied|Expired|Conflict|Refused|Exhausted))(?::\s?(?P<msg>.*))?$"
)
# Inside a traceback the first unindented line is the exception, whatever its class is called.
_PY_EXC_ANY = re.compile(r"^(?P<exc>[A-Za-z_][\w.]*)(?::\s?(?P<msg>.*))?$")
_PY_FRAME = re.compile(r'^\s*File "[^"]+", line \d+')
_PY_EXC_BARE = re.compile(r"^(?P<exc>KeyError|StopIteration|GeneratorExit|KeyboardInterrupt|MemoryError|SystemExit|RecursionError|AssertionError)(?::\s?(?P<msg>.*))?$")
_JAVA_CAUSED_BY = re.compile(r"^\s*Caused by: (?P<exc>[\w.$]+)(?::\s?(?P<msg>.*))?")
_JAVA_TOP = re.compile(r"Exception in thread \"[^\"]*\" (?P<exc>[\w.$]+)(?::\s?(?P<msg>.*))?")
_AIRFLOW3_EXC = re.compile(r'"exc_type":\s*"(?P<exc>[^"]+)",\s*"exc_value":\s*"(?P<msg>(?:[^"\\]|\\.)*)"')
# Log decorations in front of a line: container runtime prefixes, timestamps, levels.
# Airflow 1.x relays the task's output as `... INFO - Subtask: ...` or `Job 7: Subtask NAME ...`;
# Celery workers write `[2025-05-25 18:05:00,485: WARNING/ForkPoolWorker-15] ...`.
_PREFIX = re.compile(
    r"^(?:\S+\s+\|\s+)?(?:\[\d{4}-\d\d-\d\d [\d:.,]+: [A-Z]+/[\w-]+\]\s*)?"
    r"(?:\[?\d{4}-\d\d-\d\d,?[T ][\d:.,]+(?: ?(?:Z|[+-]\d\d:?\d\d|[A-Z]{2,5}))?\]?\s*)?(?:\{[^}]*\}\s*)?"
    r"(?:(?:INFO|ERROR|WARNING|WARN|DEBUG|CRITICAL|FATAL)\s*[-:]?\s*(?:Job \d+: Subtask [\w.-]+ |Subtask(?: [\w.-]+)?: ?)?)?"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# A pod named with its namespace (Airflow's KubernetesExecutor `failed in pod NS/NAME`, kubelet's
# `pod="NS/NAME"`): a task that ran in Kubernetes although its event came from Airflow.
_POD_REF = re.compile(r'\bpod[= :]+"?(?P<ns>[a-z0-9][-a-z0-9]{0,62})/(?P<pod>[a-z0-9][-a-z0-9.]{0,252}[a-z0-9])\b')
_DB_AT = re.compile(r'connection to server at "([^"]+)"(?: \([^)]*\))?, port (\d+)')
# A traceback through these frames is the notification of a failure failing, not the failure.
_AFTERMATH_FRAMES = re.compile(r"email_alert|send_email|smtplib|on_failure_callback|_run_finished_callback|handle_failure|send_mime_email")
# Also cron failing to mail the job's output: it reports the failure, it did not cause it.
_AFTERMATH_LINE = re.compile(r"Failed to send email|Error when executing \w*\s*callback|Failed to (?:run|execute) \w*\s*callback"
                             r"|No MTA installed, discarding output|\(CRON\) \w+ \(MAIL", re.IGNORECASE)
_RETRY = re.compile(r"\bretry(?:ing)?\b|\bwill retry\b|\bretries\b|\battempt \d+(?: of| /)|\bbacking off\b|\bretrying in\b", re.I)
# Log-level warnings; not Kubernetes events, whose type "Warning" marks the errors themselves.
_WARNING = re.compile(r"\bWARN(?:ING)?\b|\[warn(?:ing)?\]|level=warn(?:ing)?\b|^W\d{4} ")
# After this many ordinary lines the job had carried on past an error: it did not stop there.
CARRIED_ON_LINES = 40
# Words that mark a line as reporting something wrong (shared with the abstention's evidence).
ERRORISH = re.compile(
    r"\b(?:error|fatal|fail(?:ed|ure)?|exception|panic|killed|denied|refused|timed? ?out|cannot|unable|traceback)\b",
    re.IGNORECASE,
)
_PUBLIC_SUFFIXES = {"com", "net", "org", "io", "dev", "cloud", "internal", "local", "co", "ai", "app", "edu", "gov", "de", "uk", "fr"}
_KUBE_SVC = re.compile(r"^(?P<svc>[a-z0-9]([-a-z0-9]*[a-z0-9])?)(?:\.(?P<svc_ns>[a-z0-9]([-a-z0-9]*[a-z0-9])?))?(?:\.svc(?:\.cluster\.local)?)?$")


@dataclass
class LogView:
    event: FailureEvent
    evidence: Evidence
    lines: list[str]
    n_log: int  # lines[:n_log] are the log, the rest are status facts
    values: dict[str, str]
    # The job ran in a pod (a Kubernetes event, or a pod the log names): host-local checks do not apply.
    in_pod: bool = False
    # line index -> bonus for lines in the failing exception chain
    focus: dict[int, float] = field(default_factory=dict)
    final_exception: int | None = None
    exception_chain: list[int] = field(default_factory=list)
    # Lines about the failure's aftermath (the failure e-mail or callback failing): not its cause.
    aftermath: set[int] = field(default_factory=set)
    # What patterns read: JSON-escaped quotes (API error bodies) unescaped. Evidence shows `lines`.
    match_lines: list[str] = field(default_factory=list)
    # ordinary_after[i]: ordinary lines after line i (computed on first use).
    _ordinary_after: list[int] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.match_lines:
            self.match_lines = [_for_matching(ln) for ln in self.lines]

    def carried_on_after(self, index: int) -> int:
        """How many ordinary lines (progress, not an error, not a stack frame) the log has
        after `index`: a job that logged an error and then went on for many such lines
        survived that error; something else stopped it."""
        if index >= self.n_log:
            return 0
        if self._ordinary_after is None:
            counts = [0] * (self.n_log + 1)
            for i in range(self.n_log - 1, -1, -1):
                counts[i] = counts[i + 1] + (1 if _is_ordinary(self.lines[i]) else 0)
            self._ordinary_after = counts
        return self._ordinary_after[index + 1]

    def position(self, index: int) -> float:
        """0.0 at the start of the log, 1.0 at its end; status facts are at the failure."""
        if index >= self.n_log or self.n_log <= 1:
            return 1.0
        return index / (self.n_log - 1)

    def is_status(self, index: int) -> bool:
        return index >= self.n_log

    def looks_like_retry(self, index: int) -> bool:
        return bool(_RETRY.search(self.lines[index]))

    def looks_like_warning(self, index: int) -> bool:
        return bool(_WARNING.search(self.lines[index][:80]))

    def status_text(self) -> str:
        return "\n".join(self.lines[self.n_log:])


# Go's goroutine dump is not indented: `goroutine 7 [running]:`, `main.run(0xc000010000, 0x3)`, `created by ...`.
_GO_FRAME = re.compile(r"^(?:goroutine \d+ \[|created by |[\w$./*()\[\]-]+\((?:0x[0-9a-f]+|\.\.\.|, )*\)$)")


def _is_ordinary(line: str) -> bool:
    # Stack frames and continuation lines are indented; they belong to the error above them.
    return (bool(line.strip()) and line[:1] not in (" ", "\t") and not ERRORISH.search(line)
            and not _GO_FRAME.match(line))


def _for_matching(line: str) -> str:
    if "\x1b[" in line:
        line = _ANSI.sub("", line)
    if '\\"' in line:
        line = line.replace('\\"', '"')
    return line


def strip_prefix(line: str) -> str:
    return _PREFIX.sub("", line, count=1)


def _status_lines(status: dict[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for key, value in status.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            if {"reason", "message"} & set(value):
                out.append(f"{name}: " + _describe(value))
            out.extend(_status_lines(value, f"{name}."))
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, dict):
                    out.append(f"{name}: " + _describe(item))
                else:
                    out.append(f"{name}: {item}")
        elif value is not None and value != "":
            out.append(f"{name}: {value}")
        if len(out) >= MAX_STATUS_LINES:
            break
    return out[:MAX_STATUS_LINES]


def _describe(item: dict[str, Any]) -> str:
    """An event or condition as kubectl shows it: `Warning FailedScheduling: message`."""
    head = " ".join(str(item[k]) for k in ("type", "reason") if item.get(k))
    message = item.get("message") or item.get("note") or ""
    rest = {k: v for k, v in item.items() if k not in ("type", "reason", "message", "note") and not isinstance(v, (dict, list))}
    text = f"{head}: {message}" if head and message else head or str(message)
    if not text:
        text = ", ".join(f"{k}={v}" for k, v in rest.items())
    return text


def event_values(event: FailureEvent) -> dict[str, str]:
    """The job's real names, for command templates."""
    v: dict[str, str] = {"job": event.job}
    if event.kubernetes:
        k = event.kubernetes
        v.update(ns=k.namespace, k8s_job=k.job, pod=k.pod or "", cronjob=k.cronjob or "")
    if event.airflow:
        a = event.airflow
        v.update(dag=a.dag_id, task=a.task_id, run=a.run_id, try_number=str(a.try_number))
    if event.cron:
        c = event.cron
        v.update(cron_host=c.host, cron_job=c.job, cron_command=c.command, cron_user=c.user or "")
    if event.labels.get("namespace") and "ns" not in v:
        v["ns"] = event.labels["namespace"]
    return {k: s for k, s in v.items() if s}


def _history_lines(event: FailureEvent, evidence: Evidence) -> list[str]:
    """Facts the run history adds about this failure (never the details of past runs: those
    describe other failures and must not be read as this one's cause)."""
    out = []
    for run in evidence.history:
        if run.outcome == RunOutcome.running and run.name != event.job and (
                run.started_at is None or run.started_at <= event.failed_at):
            out.append(f"history: an earlier run {run.name or ''} was still running".replace("  ", " "))
    return out[:3]


def _memory_limit(status: dict[str, Any], lines: list[str]) -> str:
    for line in lines:
        key, _, value = line.partition(": ")
        k = key.lower()
        if "memory" in k and "limit" in k and value.strip():
            return value.strip()
    return ""


def build(event: FailureEvent, evidence: Evidence) -> LogView:
    raw = evidence.log_text.splitlines()
    if len(raw) > MAX_HEAD_LINES + MAX_TAIL_LINES:
        raw = raw[:MAX_HEAD_LINES] + raw[-MAX_TAIL_LINES:]
    lines = [ln.rstrip()[:MAX_LINE_CHARS] for ln in raw]
    # What the reporter sent (cron output excerpt, Airflow exception text) counts as log.
    if event.log_excerpt and event.log_excerpt.strip() not in evidence.log_text:
        lines.extend(ln.rstrip() for ln in event.log_excerpt.splitlines())
    lines = _with_airflow3_exceptions(lines)
    n_log = len(lines)

    facts: dict[str, Any] = {}
    if event.exit_code is not None:
        facts["exit code"] = event.exit_code
    if event.signal:
        facts["signal"] = event.signal
    if event.reason:
        facts["reason"] = event.reason
    status_lines = _status_lines(facts) + _status_lines(evidence.status) + _history_lines(event, evidence)
    # Same fact from the event and from status: keep one.
    seen: set[str] = set()
    status_lines = [s for s in status_lines if not (s in seen or seen.add(s))]
    view = LogView(event=event, evidence=evidence, lines=lines + status_lines, n_log=n_log,
                   values=event_values(event))
    # The database a driver names anywhere in the log serves every database signature's check.
    for m in _DB_AT.finditer(evidence.log_text[-200_000:]):
        view.values["db_host"], view.values["db_port"] = m.group(1), m.group(2)
    view.in_pod = event.kubernetes is not None
    if not view.in_pod and (m := _POD_REF.search(evidence.log_text[-200_000:])):
        view.in_pod = True
        view.values.setdefault("pod", m.group("pod"))
        view.values.setdefault("ns", m.group("ns"))
    limit = _memory_limit(evidence.status, status_lines)
    if limit:
        view.values["memory_limit"] = limit
    _find_aftermath(view)
    _find_exception_chain(view)
    return view


def _find_aftermath(view: LogView) -> None:
    lines = view.lines[: view.n_log]
    for i, line in enumerate(lines):
        if _AFTERMATH_LINE.search(line):
            view.aftermath.add(i)
        if _TRACEBACK in line:
            end = _exception_line(lines, i, len(lines))
            stop = end if end is not None else min(len(lines) - 1, i + 60)
            if any(_AFTERMATH_FRAMES.search(lines[j]) for j in range(i, stop + 1)):
                view.aftermath.update(range(max(0, i - 2), stop + 1))


def _with_airflow3_exceptions(lines: list[str]) -> list[str]:
    """Airflow 3 logs exceptions as JSON (`exc_type`, `exc_value`): add them as plain lines."""
    if not any('"exc_type"' in ln for ln in lines):
        return lines
    out: list[str] = []
    for ln in lines:
        out.append(ln)
        if '"exc_type"' in ln:
            for m in _AIRFLOW3_EXC.finditer(ln):
                try:
                    msg = json.loads(f'"{m.group("msg")}"')
                except ValueError:
                    msg = m.group("msg")
                out.append(f"{m.group('exc')}: {msg}".rstrip())
    return out


def _exception_line(lines: list[str], start: int, end: int) -> int | None:
    """The exception line that closes a Python traceback starting at `start`."""
    for i in range(start + 1, min(end, start + 400)):
        text = strip_prefix(lines[i]).rstrip()
        if not text or text.startswith((" ", "\t")) or text.lstrip().startswith(("File ", "^", "~")):
            continue
        if text.startswith(("Traceback", "During handling", "The above exception")):
            return None
        if _PY_EXC.match(text) or _PY_EXC_BARE.match(text) or _PY_EXC_ANY.match(text):
            return i
    return None


def _find_exception_chain(view: LogView) -> None:
    lines = view.lines[: view.n_log]
    starts = [i for i, ln in enumerate(lines) if _TRACEBACK in ln and i not in view.aftermath]
    if not starts:
        # A posted log often starts mid-traceback: its frames without the header line.
        frame = next((i for i, ln in enumerate(lines) if _PY_FRAME.match(strip_prefix(ln))), None)
        if frame is not None and frame not in view.aftermath:
            starts = [frame - 1]
    chain: list[int] = []
    if starts:
        # Walk back from the last traceback while the one before it is chained to it.
        k = len(starts) - 1
        while k >= 0:
            end = starts[k + 1] if k + 1 < len(starts) else len(lines)
            exc = _exception_line(lines, starts[k], end)
            if exc is not None:
                chain.insert(0, exc)
            between = "\n".join(lines[max(0, starts[k] - 4): starts[k]])
            if k > 0 and any(m in between for m in _CHAIN_MARKERS):
                k -= 1
                continue
            break
    else:
        # Airflow 3 JSON exceptions were turned into plain lines; use the last of them.
        for i in range(len(lines) - 1, -1, -1):
            text = strip_prefix(lines[i])
            if (_PY_EXC.match(text) or _PY_EXC_BARE.match(text)) and i > 0 and '"exc_type"' in lines[i - 1]:
                chain = [i]
                break
    java_top = [i for i, ln in enumerate(lines) if _JAVA_TOP.search(ln)]
    caused = [i for i, ln in enumerate(lines) if _JAVA_CAUSED_BY.match(ln)]
    if java_top and (not chain or java_top[-1] > chain[-1]):
        last = java_top[-1]
        chain = [last] + [i for i in caused if i > last]
    elif caused and not chain:
        chain = caused
    # A traceback the job logged and then went on working after is not what stopped it.
    if not chain or view.carried_on_after(chain[-1]) >= CARRIED_ON_LINES:
        return
    view.exception_chain = chain
    view.final_exception = chain[-1] if not (java_top and chain[0] in java_top) else chain[0]
    # The last exception is what failed; the first of a chain is often the root cause.
    for i in chain:
        view.focus[i] = 0.04
    view.focus[chain[-1]] = 0.08
    view.focus[chain[0]] = max(view.focus[chain[0]], 0.07)


def kube_service(host: str) -> tuple[str, str] | None:
    """`db`, `db.data` or `db.data.svc.cluster.local` -> (service, namespace or '')."""
    if not host or re.match(r"^[\d.]+$", host) or ":" in host:
        return None
    if not re.search(r"\.svc(\.cluster\.local)?$", host):
        # `name.namespace` is a service only if the second label is not a public suffix.
        if host.count(".") > 1 or (host.count(".") == 1 and host.rsplit(".", 1)[1] in _PUBLIC_SUFFIXES):
            return None
    m = _KUBE_SVC.match(host)
    if not m:
        return None
    return m.group("svc"), m.group("svc_ns") or ""
