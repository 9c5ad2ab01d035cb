"""`triage analyze`: run the whole engine on a log file, without a server.

    triage analyze --source kubernetes --job nightly-report --status status.yaml pod.log
    kubectl logs job/x | triage analyze --source kubernetes --job x -
    triage analyze --source airflow --job sales_etl.load_orders --json task.log

Prints the hypothesis card as text, or with --json the hypothesis as JSON (the keys the API
exposes plus token counts). --status is a JSON or YAML mapping of status facts (exit_code,
reason, events, conditions, namespace, pod, dag_id, run_id, host...); --history is a JSON or
YAML list of past runs, or free text.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import yaml

from triage.engine.case_input import build_event_and_evidence

SOURCES = ("kubernetes", "airflow", "cron")


class InputError(Exception):
    """A problem with what the user gave us, reported as one line."""


def register(subparsers) -> None:
    p = subparsers.add_parser("analyze", help="diagnose a failed job's log (no server needed)")
    p.add_argument("logfile", metavar="LOGFILE", help="the job's log; '-' reads standard input")
    p.add_argument("--source", choices=SOURCES, default="cron", help="what ran the job (default: cron)")
    p.add_argument("--job", help="the job's name (Airflow: DAG.TASK)")
    p.add_argument("--status", type=Path, metavar="FILE", help="JSON or YAML mapping of status facts")
    p.add_argument("--history", type=Path, metavar="FILE", help="JSON or YAML list of past runs, or text")
    p.add_argument("--json", action="store_true", help="print the hypothesis as JSON")
    p.set_defaults(func=run)


def _read_text(path: str | Path) -> str:
    if str(path) == "-":
        # Logs are not always valid UTF-8; a bad byte must not stop the triage.
        return sys.stdin.buffer.read().decode("utf-8", errors="replace")
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _load_structured(path: Path, what: str) -> Any:
    text = _read_text(path)
    try:
        return yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as exc:
        raise InputError(f"{what} file {path} is not JSON or YAML: {exc}") from None


def read_status(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    data = _load_structured(path, "--status")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"--status file {path} must hold a mapping (keys such as exit_code, reason, events)")
    return data


def read_history(path: Path | None) -> list[Any] | str | None:
    if path is None:
        return None
    text = _read_text(path)
    try:
        data = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        return text
    if isinstance(data, list):
        return data
    return text if text.strip() else None


def render_card(hypothesis: dict[str, Any], notes: list[str]) -> str:
    """The card as an on-call engineer reads it in a terminal."""
    wrap = textwrap.TextWrapper(width=100, subsequent_indent=" " * 12)
    lines = [
        f"Category:   {hypothesis['category']}  (confidence {hypothesis['confidence']:.2f}, engine {hypothesis['engine']})",
        wrap.fill(f"Cause:      {hypothesis['cause']}"),
    ]
    if hypothesis["evidence"]:
        lines.append("Evidence:")
        lines.extend(f"  | {line}" for line in hypothesis["evidence"])
    if hypothesis["command"]:
        lines.append(f"Check:      {hypothesis['command']}")
        if hypothesis["command_reason"]:
            lines.append(wrap.fill(f"            {hypothesis['command_reason']}"))
    else:
        lines.append("Check:      (none: no suggested command passed the read-only guard)")
    tokens = hypothesis.get("context_tokens")
    if tokens is not None:
        usage = f"{tokens} tokens of log context"
        if hypothesis.get("prompt_tokens") is not None:
            usage += f"; model used {hypothesis['prompt_tokens']} prompt + {hypothesis['completion_tokens']} completion tokens"
        lines.append(f"Context:    {usage}")
    lines.extend(f"Note:       {n}" for n in notes)
    return "\n".join(lines)


def run(args) -> int:
    from triage.engine.analyze import analyze
    from triage.settings import load_settings

    try:
        log_text = _read_text(args.logfile)
        status = read_status(args.status)
        history = read_history(args.history)
        event, evidence = build_event_and_evidence(args.source, args.job, log_text, status, history)
    except InputError as exc:
        print(f"triage analyze: {exc}", file=sys.stderr)
        return 2
    settings = load_settings()
    hypothesis = analyze(event, evidence, settings).hypothesis
    public = hypothesis.public()
    public.update(context_tokens=hypothesis.context_tokens, prompt_tokens=hypothesis.prompt_tokens,
                  completion_tokens=hypothesis.completion_tokens)
    if args.json:
        print(json.dumps(public, indent=2))
    else:
        print(render_card(public, hypothesis.notes))
    return 0
