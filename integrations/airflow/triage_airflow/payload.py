"""Build the JSON body triage's `POST /v1/events/airflow` accepts from an Airflow callback context.

Works with Airflow 2.x (`TaskInstance`) and 3.x (the Task SDK's `RuntimeTaskInstance`): every
attribute is read defensively because the two differ in what they carry.
"""

from __future__ import annotations

import datetime as _dt
import socket
import traceback
from typing import Any, Mapping, Optional

# Bumped only if a field changes meaning; triage accepts this version.
PAYLOAD_VERSION = 1
# The notifier sends a short excerpt; the full log is read by triage through the REST API.
MAX_MESSAGE_CHARS = 2000
MAX_TRACEBACK_CHARS = 4000


def _iso(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value.isoformat()
    return str(value)


def _int(value: Any, default: Optional[int]) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _operator_name(ti: Any, context: Mapping[str, Any]) -> Optional[str]:
    task = context.get("task") or getattr(ti, "task", None)
    for candidate in (getattr(ti, "operator", None), getattr(task, "task_type", None)):
        if isinstance(candidate, str) and candidate:
            return candidate
    return type(task).__name__ if task is not None else None


def _exception_fields(exc: Any) -> dict[str, Optional[str]]:
    if exc is None:
        return {"exception_type": None, "exception_message": None, "traceback": None}
    if isinstance(exc, BaseException):
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return {
            "exception_type": type(exc).__name__,
            "exception_message": str(exc)[:MAX_MESSAGE_CHARS],
            # Keep the end: the innermost frames and the message are what explain a failure.
            "traceback": tb[-MAX_TRACEBACK_CHARS:] or None,
        }
    # Airflow sometimes passes a string (e.g. "Task received SIGTERM").
    return {"exception_type": None, "exception_message": str(exc)[:MAX_MESSAGE_CHARS], "traceback": None}


def _state(ti: Any) -> str:
    return str(getattr(ti, "state", "") or "").split(".")[-1].lower()


def _failed_instance(context: Mapping[str, Any], ti: Any) -> Any:
    """Airflow 2 gives a DAG's failure callback the run's LAST task instance (DAG.handle_callback
    takes `tis[-1]`), which may have succeeded or be upstream_failed: report a failed one of the run
    instead (the latest to end). Airflow 3 already passes the failed one. Never raises."""
    if _state(ti) == "failed":
        return ti
    get = getattr(context.get("dag_run"), "get_task_instances", None)
    if get is None:
        return ti
    try:
        failed = [t for t in get(state=["failed"]) if _state(t) == "failed"]
    except Exception:  # no database here, or another Airflow's signature: keep what we were given
        return ti
    if not failed:
        return ti
    floor = _dt.datetime.min.replace(tzinfo=_dt.timezone.utc)
    return max(failed, key=lambda t: getattr(t, "end_date", None) or floor)


def build_payload(context: Mapping[str, Any], instance: str = "default", reported_by: str = "notifier") -> dict:
    """The event body for one failed task instance, from a task or DAG callback context."""
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    dag = context.get("dag")
    if ti is None:
        raise ValueError("callback context has no task instance ('ti')")
    ti = _failed_instance(context, ti)
    run_id = getattr(ti, "run_id", None) or getattr(dag_run, "run_id", None) or context.get("run_id")
    logical = context.get("logical_date") or context.get("execution_date") or getattr(dag_run, "logical_date", None)
    try:
        log_url = getattr(ti, "log_url", None)
    except Exception:  # log_url reads configuration; never let that stop the report
        log_url = None
    hostname = getattr(ti, "hostname", None) or socket.gethostname()
    payload: dict[str, Any] = {
        "version": PAYLOAD_VERSION,
        "instance": instance,
        "reported_by": reported_by,
        "dag_id": getattr(ti, "dag_id", None) or getattr(dag, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "run_id": run_id,
        "try_number": _int(getattr(ti, "try_number", None), 1),
        "max_tries": _int(getattr(ti, "max_tries", None), None),
        "map_index": _int(getattr(ti, "map_index", None), -1),
        "logical_date": _iso(logical),
        "start_date": _iso(getattr(ti, "start_date", None)),
        "end_date": _iso(getattr(ti, "end_date", None)) or _iso(_dt.datetime.now(_dt.timezone.utc)),
        "state": str(getattr(ti, "state", "") or "failed").split(".")[-1].lower(),
        "hostname": hostname,
        "operator": _operator_name(ti, context),
        "log_url": log_url,
        "reason": context.get("reason"),
    }
    payload.update(_exception_fields(context.get("exception")))
    return payload
