"""Plain callback functions for setups without BaseNotifier (Airflow < 2.6) or that prefer them.

    from triage_airflow import triage_failure_callback        # configured by TRIAGE_* env vars
    default_args = {"on_failure_callback": triage_failure_callback}

    from triage_airflow import make_failure_callback          # configured in code
    default_args = {"on_failure_callback": make_failure_callback("http://triage:8080", instance="prod")}
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Mapping, Optional

from triage_airflow.delivery import DeliveryConfig, deliver
from triage_airflow.payload import build_payload

log = logging.getLogger("triage_airflow")


def report_failure(context: Mapping[str, Any], config: DeliveryConfig, reported_by: str) -> bool:
    """Build and deliver; any error is logged, never raised into Airflow."""
    try:
        payload = build_payload(context, instance=config.instance, reported_by=reported_by)
    except Exception:
        log.exception("triage: could not build the failure report")
        return False
    return deliver(payload, config)


def make_failure_callback(
    server_url: Optional[str] = None,
    token: Optional[str] = None,
    instance: Optional[str] = None,
    timeout_seconds: float = 2.0,
    retries: int = 1,
) -> Callable[[Mapping[str, Any]], None]:
    def _callback(context: Mapping[str, Any]) -> None:
        config = DeliveryConfig.resolve(server_url, token, instance, timeout_seconds=timeout_seconds, retries=retries)
        report_failure(context, config, reported_by="callback")

    return _callback


def triage_failure_callback(context: Mapping[str, Any]) -> None:
    """Configured entirely by TRIAGE_SERVER_URL, TRIAGE_API_TOKEN and TRIAGE_AIRFLOW_INSTANCE."""
    report_failure(context, DeliveryConfig.resolve(), reported_by="callback")
