"""Turn Airflow task logs into readable lines for the engine.

Airflow 3 serves a task log as structured events (`{"timestamp", "event", "level", "logger",
..., "error_detail": [...]}`); an exception sits in `error_detail` with its type, message and
frames, and is rendered here as a normal Python traceback so signatures and people can read it.
Airflow 2 serves plain text, passed through unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

# Keys every event carries that add nothing to a reader (the task identity is known).
_NOISE_KEYS = {
    "timestamp", "event", "level", "logger", "filename", "lineno", "map_index", "task_id",
    "try_number", "ti_id", "dag_id", "run_id", "error_detail", "bundle_version", "chan",
}
_SITE_PACKAGES = re.compile(r"^.*/(site-packages|dist-packages)/")
# The "::group::Log message source details" block lists the log file path: not evidence.
_GROUP_MARK = re.compile(r"^::(end)?group::")


def _short_path(filename: str) -> str:
    return _SITE_PACKAGES.sub("", filename)


def _short_logger(name: str) -> str:
    # "airflow.task.hooks.airflow.providers.standard.hooks.subprocess.SubprocessHook" costs tokens
    # and says no more than "SubprocessHook"; short names ("task.stdout") stay as they are.
    parts = name.split(".")
    return parts[-1] if len(parts) > 2 else name


def render_error_detail(detail: list[dict[str, Any]]) -> list[str]:
    """An Airflow 3 `error_detail` list as traceback lines (causes first, like Python prints)."""
    lines: list[str] = []
    for i, exc in enumerate(detail):
        if not isinstance(exc, dict):
            continue
        if i > 0:
            lines.append("The above exception was the direct cause of the following exception:"
                         if exc.get("is_cause") else "During handling of the above exception, another exception occurred:")
        lines.append("Traceback (most recent call last):")
        for frame in exc.get("frames") or []:
            if isinstance(frame, dict):
                lines.append(f'  File "{_short_path(str(frame.get("filename", "?")))}", line {frame.get("lineno", "?")}, '
                             f'in {frame.get("name", "?")}')
        value = exc.get("exc_value")
        lines.append(f"{exc.get('exc_type', 'Exception')}: {value}" if value not in (None, "") else str(exc.get("exc_type")))
        for note in exc.get("exc_notes") or []:
            lines.append(str(note))
        nested = exc.get("exceptions")
        if nested:
            lines.extend("  " + ln for ln in render_error_detail(nested))
    return lines


def render_event(event: dict[str, Any]) -> list[str]:
    """One structured log event as one line (plus traceback lines when it carries an error)."""
    text = str(event.get("event", ""))
    if _GROUP_MARK.match(text):
        return []
    head = " ".join(p for p in (
        str(event.get("timestamp", ""))[:23].replace("T", " "),
        str(event.get("level", "")).upper(),
        _short_logger(str(event.get("logger", ""))),
    ) if p)
    extras = " ".join(f"{k}={v}" for k, v in event.items() if k not in _NOISE_KEYS and v not in (None, "", [], {}))
    line = f"{head}: {text}" if head else text
    if extras:
        line = f"{line} [{extras}]"
    out = [line]
    if isinstance(event.get("error_detail"), list):
        out.extend(render_error_detail(event["error_detail"]))
    return out


class LogFlattener:
    """Flattens events as they stream in (remembers whether it is inside the file-list block)."""

    def __init__(self) -> None:
        self.in_source_group = False

    def feed(self, events: Iterable[Any]) -> list[str]:
        lines: list[str] = []
        for ev in events:
            if isinstance(ev, str):
                lines.extend(ev.splitlines())
                continue
            if not isinstance(ev, dict):
                continue
            text = str(ev.get("event", ""))
            # Skip the block naming the log file(s) read; it is about Airflow, not the task.
            if text == "::group::Log message source details":
                self.in_source_group = True
                continue
            if self.in_source_group:
                if text.startswith("::endgroup::"):
                    self.in_source_group = False
                continue
            lines.extend(render_event(ev))
        return lines


def flatten_events(events: Iterable[Any]) -> list[str]:
    return LogFlattener().feed(events)


def drop_source_details(lines: list[str]) -> list[str]:
    """Airflow 2 text logs: drop the host line and the "Found local files" block before the log."""
    out: list[str] = []
    skipping = False
    for i, line in enumerate(lines):
        if "::group::Log message source details" in line:
            skipping = True
            # The line before it is the bare host name Airflow prints first.
            if out and i == 1:
                out.pop()
            continue
        if skipping:
            if "::endgroup::" in line:
                skipping = False
            continue
        out.append(line)
    return out


def parse_ndjson_line(raw: str) -> list[Any]:
    """One line of Airflow's `application/x-ndjson` log stream as events."""
    raw = raw.strip()
    if not raw:
        return []
    try:
        obj = json.loads(raw)
    except ValueError:
        return [raw]
    if isinstance(obj, dict) and "content" in obj and "event" not in obj:
        content = obj["content"]
        return content if isinstance(content, list) else [str(content)]
    return [obj]


def flatten_log_response(body: Any) -> list[str]:
    """A `GET .../logs/{try}` JSON body (Airflow 3 list of events, or Airflow 2 text) as lines."""
    content = body.get("content") if isinstance(body, dict) else body
    if isinstance(content, list):
        return flatten_events(content)
    if isinstance(content, str):
        return content.splitlines()
    return []


_EXIT_CODE = re.compile(r"(?:non-zero exit code|exited with return code|exit code)\s*:?\s*(-?\d+)", re.I)


def status_facts(events: Iterable[Any]) -> dict[str, Any]:
    """State facts found in the events: the exception, a killing signal, an exit code."""
    facts: dict[str, Any] = {}
    for ev in events:
        if not isinstance(ev, dict):
            continue
        if ev.get("signal_name") or ev.get("signal"):
            facts["signal"] = ev.get("signal_name") or str(ev.get("signal"))
            try:
                facts["signal_number"] = abs(int(ev.get("signal")))
            except (TypeError, ValueError):
                pass
        detail = ev.get("error_detail")
        if isinstance(detail, list) and detail and isinstance(detail[-1], dict):
            facts["exception_type"] = detail[-1].get("exc_type")
            facts["exception_message"] = str(detail[-1].get("exc_value", ""))[:500]
        m = _EXIT_CODE.search(str(ev.get("event", "")))
        if m:
            # The first exit code is the command's; later ones are Airflow's own task runner
            # reporting that the task failed (Airflow 2 logs "Task exited with return code 1").
            facts.setdefault("exit_code", int(m.group(1)))
    return facts


def merge_facts(into: dict[str, Any], new: dict[str, Any]) -> None:
    """Add facts from a later part of the same log (the first exit code stays)."""
    for key, value in new.items():
        if key == "exit_code":
            into.setdefault(key, value)
        else:
            into[key] = value
