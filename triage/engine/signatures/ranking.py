"""Find every signature in a log, rank them, and decide: a diagnosis or an honest abstention.

Ranking: a signature's own confidence (how specific it is), plus where its deciding line
sits relative to the failure (later is closer; status facts are at the failure; the last
exception and the root of its chain get a bonus), minus penalties for lines that only
report a retry or a warning. An outcome (a Job deadline, a zombie task) drops below a cause
present with it that explains it (a pod that never started, an OOM kill). A consequence (a
missing file) drops below an earlier failure in the same run that left it behind (the
download whose host did not resolve, the step that was killed). An error the job carried on
after for a long stretch of ordinary lines did not stop it: it drops, and so does its
confidence, so that what did stop the job (the final exception, a timeout's exit code) wins.

Confidence: the signature's own, lowered when its line is weak evidence (a warning, a
retry, early in a long log) or when two specific causes of different kinds compete. A
generic signature (a bare exit code, BackoffLimitExceeded, upstream_failed) is a hint:
alone it yields an abstention that mentions it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from triage.engine import guard
from triage.engine.signatures.checks import generic_reason, job_check_command, job_check_reason
from triage.engine.signatures.lean import lean
from triage.engine.signatures.logview import CARRIED_ON_LINES, ERRORISH, LogView, kube_service
from triage.engine.signatures.model import Hit, Signature, clean_value, render
from triage.engine.signatures.prefilter import LinePrefilter
from triage.models import DECISIVE_CONFIDENCE, Category, Hypothesis

if TYPE_CHECKING:
    from collections.abc import Sequence

# Two strong candidates of different categories this close: lower the confidence.
AMBIGUOUS_WITHIN = 0.05
ABSTAIN_CONFIDENCE = 0.2
MAX_EVIDENCE_CHARS = 500

_ERRORISH = ERRORISH


@dataclass(frozen=True)
class Candidate:
    hypothesis: Hypothesis
    score: float
    generic: bool = False
    # The deciding line (index into the log view); two signatures on one line are one event.
    line: int = -1


def find_hits(view: LogView, signatures: Sequence[Signature], prefilter: LinePrefilter,
              per_signature: dict[str, LinePrefilter]) -> list[Hit]:
    lowered = [line.lower() for line in view.match_lines]
    candidates = [i for i, low in enumerate(lowered) if prefilter.may_match_lower(low)]
    hits: list[Hit] = []
    for sig in signatures:
        matches: list[tuple[int, dict[str, str]]] = []
        if sig.finder is not None:
            matches.extend(sig.finder(view))
        own = per_signature.get(sig.id)
        for i in candidates:
            if own is not None and not own.admits_lower(lowered[i]):
                continue
            for rx in sig.compiled:
                m = rx.search(view.match_lines[i])
                if m:
                    matches.append((i, {k: v for k, v in m.groupdict().items() if v}))
                    break
        # A source line quoted in a traceback (`raise X(f"... isn't defined")`) is code, not an event.
        real = [m for m in matches if not _is_traceback_source(view, m[0])]
        matches = real or matches
        if not matches:
            continue
        hit = _hit_from(sig, view, matches)
        if sig.refine is not None:
            hit = sig.refine(hit, view)
        if hit is not None:
            hits.append(hit)
    return hits


def _is_traceback_source(view: LogView, index: int) -> bool:
    # Python prints the source line indented under its `File "...", line N` frame.
    line = view.lines[index] if index < view.n_log else ""
    return 0 < index < view.n_log and line[:1] in (" ", "\t") and view.lines[index - 1].lstrip().startswith('File "')


# A hit inside the aftermath (the failure e-mail failing to send) explains nothing.
AFTERMATH_PENALTY = 0.3


def _local_weight(view: LogView, index: int) -> float:
    w = view.position(index) + 2 * view.focus.get(index, 0.0) - (1.0 if index in view.aftermath else 0.0)
    if not view.is_status(index) and view.looks_like_retry(index):
        w -= 0.3
    return w


def _hit_from(sig: Signature, view: LogView, matches: list[tuple[int, dict[str, str]]]) -> Hit:
    best_index, _ = max(matches, key=lambda m: (_local_weight(view, m[0]), m[0]))
    groups: dict[str, str] = {}
    # The deciding line's values first, then what other matching lines add (latest first).
    for index, found in [m for m in matches if m[0] == best_index] + sorted(matches, key=lambda m: -m[0]):
        for key, value in found.items():
            cleaned = clean_value(value)
            if cleaned and key not in groups:
                groups[key] = cleaned
    chosen = sorted({i for i, _ in matches if i != best_index}, reverse=True)[:2] + [best_index]
    lines: list[str] = []
    for i in sorted(set(chosen)):
        text = _excerpt(sig, view.lines[i].strip())
        if text and text not in lines:
            lines.append(text)
    return Hit(signature=sig, index=best_index, lines=lines, groups=groups,
               category=sig.category, confidence=sig.confidence)


def _excerpt(sig: Signature, text: str) -> str:
    """The line as evidence: whole when short, else the part around what the signature matched
    (a kubelet event carries the registry's answer at the end of a long message)."""
    if len(text) <= MAX_EVIDENCE_CHARS:
        return text
    m = next((m for m in (rx.search(text) for rx in sig.compiled) if m), None)
    if m is None or m.end() <= MAX_EVIDENCE_CHARS:
        return text[:MAX_EVIDENCE_CHARS]
    start = max(0, min(m.start() - 100, len(text) - MAX_EVIDENCE_CHARS))
    return text[start:start + MAX_EVIDENCE_CHARS]


def score(hit: Hit, view: LogView) -> float:
    s = hit.confidence + 0.1 * view.position(hit.index) + view.focus.get(hit.index, 0.0)
    # A cause read from the log (a name, a path) is more specific than a bare keyword.
    s += min(0.04, 0.02 * len(hit.groups))
    if hit.index in view.aftermath:
        s -= AFTERMATH_PENALTY
    if not view.is_status(hit.index):
        if view.looks_like_retry(hit.index) and view.position(hit.index) < 0.9:
            s -= 0.12
        if view.looks_like_warning(hit.index):
            s -= 0.05
    return round(s, 4)


def _values(view: LogView, hit: Hit) -> dict[str, str]:
    values = dict(view.values)
    values.update(hit.groups)
    host = values.get("host") or values.get("db_host")
    # A bare `db` is a Kubernetes service only for a job that ran in Kubernetes; `db.ns.svc(.cluster.local)`
    # is one wherever it was called from (an Airflow task in a pod, say).
    if host and (view.event.kubernetes or re.search(r"\.svc(?:\.cluster\.local)?\.?$", host)):
        svc = kube_service(host)
        if svc:
            values["svc"] = svc[0]
            if svc[1]:
                values["svc_ns"] = svc[1]
    return values


# Commands that inspect the machine they run on: meaningless for a job that ran in a pod.
_LOCAL_HOST = ("df ", "ls ", "stat ", "du ", "cat ", "grep ", "sed ", "ss ", "ps ", "free", "journalctl ", "crontab ", "id ", "pip ",
               "ldd ", "java ", "chage ", "pg_dump ", "psql --version", "perl --version", "ruby --version", "php -v", "php -m",
               "restic ", "run-parts ",
               "systemctl ", "logrotate ")


def _pick_command(templates: Sequence[str], values: dict[str, str], fallback: str,
                  in_pod: bool = False) -> tuple[str, str | None]:
    """The first filled-in template the guard allows (or the job's generic check), and the
    template it came from (None for the generic fallback)."""
    if in_pod:
        templates = [t for t in templates if not t.startswith(_LOCAL_HOST)]
    rendered = [(c, t) for c, t in ((render(t, values, quote=True), t) for t in templates) if c]
    for command, template in [*rendered, (fallback, None)]:
        if guard.check_command(command).allowed:
            return command, template
    return rendered[0] if rendered else (fallback, None)


def _command_reason(template: str | None, templates: Sequence[str], own_reason: str, event) -> str:
    """A signature's reason is written for its first check; when a later (fallback) check is
    shown instead, the card says what THAT check shows, if we know."""
    if template is None:
        return job_check_reason(event)
    if templates and template != templates[0]:
        return generic_reason(template) or own_reason
    return own_reason


def calibrated(hit: Hit, view: LogView) -> float:
    """The signature's confidence, lowered when its line is weak evidence of the failure:
    a warning, a retry that may have succeeded, or a line early in a long log."""
    conf = hit.confidence
    if view.is_status(hit.index):
        return conf
    if hit.index in view.aftermath:
        conf -= AFTERMATH_PENALTY
    if view.looks_like_retry(hit.index) and view.position(hit.index) < 0.9:
        conf -= 0.15
    elif view.looks_like_warning(hit.index):
        conf -= 0.1
    if view.n_log > 50 and view.position(hit.index) < 0.5 and hit.index not in view.focus:
        conf -= 0.1
    return conf


def hypothesis_for(hit: Hit, view: LogView, penalty: float = 0.0) -> Hypothesis:
    sig = hit.signature
    values = _values(view, hit)
    cause = next((c for c in (render(t, values, quote=False) for t in (hit.causes or sig.causes)) if c), None)
    if cause is None:
        cause = sig.id.replace("_", " ")
    templates = hit.commands or sig.commands
    command, template = _pick_command(templates, values, job_check_command(view.event), in_pod=view.in_pod)
    return Hypothesis(
        category=hit.category,
        cause=cause,
        confidence=round(min(1.0, max(0.0, calibrated(hit, view) - penalty)), 2),
        evidence=hit.lines[-5:],
        command=command,
        command_reason=_command_reason(template, templates, hit.reason or sig.reason, view.event),
        engine="signatures",
        signature=sig.id,
    )


# How much an outcome drops when a cause that explains it is also present.
EXPLAINED_PENALTY = 0.3
# A consequence (a missing file the failed step never wrote) is weak evidence of its own.
CONSEQUENCE_CONFIDENCE_PENALTY = 0.15
# The most an earlier failure inferred to have caused the final one may claim.
INFERRED_CAUSE_CONFIDENCE = 0.78
# An error the job went on after (CARRIED_ON_LINES ordinary lines) did not stop it.
SURVIVED_PENALTY = 0.25
SURVIVED_CONFIDENCE_PENALTY = 0.2


def _specific(hit: Hit) -> bool:
    return not hit.signature.generic and hit.confidence >= 0.75


def _consequences(view: LogView, hits: list[Hit]) -> tuple[set[int], set[int]]:
    """(consequences, their causes) as indexes into `hits`: a failure that an earlier one in
    the same run leaves behind (a missing file after the download failed), and that earlier one."""
    consequences: set[int] = set()
    causes: set[int] = set()
    for k, h in enumerate(hits):
        if not h.signature.consequence_of:
            continue
        for j, e in enumerate(hits):
            if (j != k and _specific(e) and e.category in h.signature.consequence_of
                    and e.category != h.category and (e.index < h.index or view.is_status(e.index))):
                consequences.add(k)
                causes.add(j)
    return consequences, causes


def survived(view: LogView, hit: Hit) -> bool:
    """The job logged this error and went on working for a long stretch: it did not stop the
    job (a metrics push refused, a retried call). The failing exception chain never is."""
    return (not view.is_status(hit.index) and hit.index not in view.focus
            and view.carried_on_after(hit.index) >= CARRIED_ON_LINES)


def rank(view: LogView, hits: list[Hit]) -> list[Candidate]:
    present = {h.category for h in hits if _specific(h)}
    matched = {h.signature.id for h in hits}
    consequences, causes = _consequences(view, hits)
    out = []
    for k, h in enumerate(hits):
        s = score(h, view)
        penalty = 0.0
        if h.signature.yields_to & (present - {h.category}) or h.signature.explained_by & matched:
            s -= EXPLAINED_PENALTY
        if k in consequences:
            s -= EXPLAINED_PENALTY
            penalty += CONSEQUENCE_CONFIDENCE_PENALTY
        # A cause whose consequence ended the run is not something the run carried on after.
        if k not in causes and survived(view, h):
            s -= SURVIVED_PENALTY
            penalty += SURVIVED_CONFIDENCE_PENALTY
        hypothesis = hypothesis_for(h, view, penalty)
        if k in causes and not view.is_status(h.index):
            # That an earlier line caused the final failure is an inference: never "certain".
            hypothesis.confidence = min(hypothesis.confidence, INFERRED_CAUSE_CONFIDENCE)
        out.append(Candidate(hypothesis, round(s, 4), h.signature.generic, h.index))
    out.sort(key=lambda c: (not c.generic, c.score), reverse=True)
    return out


def decide(view: LogView, candidates: list[Candidate]) -> Hypothesis:
    strong = [c for c in candidates if not c.generic and c.hypothesis.confidence >= DECISIVE_CONFIDENCE]
    if not strong:
        return abstain(view, candidates)
    best = strong[0]
    hypothesis = best.hypothesis.model_copy(deep=True)
    # A rival on the same line reads the same event less specifically: not a second cause.
    rival = next((c for c in strong[1:] if c.hypothesis.category != hypothesis.category and c.line != best.line), None)
    if rival and best.score - rival.score < AMBIGUOUS_WITHIN and rival.hypothesis.confidence >= 0.6:
        # Two specific causes at once: neither is certain, so stay below the "confident" band.
        hypothesis.confidence = round(max(0.3, min(hypothesis.confidence - 0.15, 0.7)), 2)
        hypothesis.notes.append(
            f"close alternative: {rival.hypothesis.category.value} ({rival.hypothesis.signature})"
        )
    return hypothesis


def abstain(view: LogView, candidates: list[Candidate]) -> Hypothesis:
    """No decisive signature: say so, show the loudest lines, and the most useful check."""
    hint = candidates[0] if candidates else None
    evidence = list(hint.hypothesis.evidence) if hint else []
    log_lines = view.lines[: view.n_log]
    errorish = [ln.strip()[:MAX_EVIDENCE_CHARS] for ln in log_lines if _ERRORISH.search(ln)]
    tail = errorish[-5:] or [ln.strip()[:MAX_EVIDENCE_CHARS] for ln in log_lines if ln.strip()][-3:]
    for line in tail:
        if line not in evidence:
            evidence.append(line)
    cause = "Unclear: no known failure signature is decisive here; here is what to check."
    leaning = lean(view)
    if leaning is not None:
        # A hint in words only: on the failures that reach this point (no signature knows them) the
        # lean was right fewer than half the time on our eval cases, too weak to set the category.
        cause += f" The error lines read most like {leaning.category.value.replace('_', ' ')}: {leaning.line[:300]}"
        if leaning.line[:MAX_EVIDENCE_CHARS] in evidence:
            evidence.remove(leaning.line[:MAX_EVIDENCE_CHARS])
        evidence.append(leaning.line[:MAX_EVIDENCE_CHARS])
    if hint:
        cause += f" Hint: {hint.hypothesis.cause}"
    command = hint.hypothesis.command if hint and hint.hypothesis.command else job_check_command(view.event)
    return Hypothesis(
        category=Category.other,
        cause=cause,
        confidence=0.3 if hint or leaning else ABSTAIN_CONFIDENCE,
        evidence=evidence[-5:],
        command=command,
        command_reason=(hint.hypothesis.command_reason if hint else "Shows the job's recent state (events, exit codes) to start from"),
        engine="signatures",
        signature=None,
    )
