"""`TriageNotifier`: an Airflow BaseNotifier that reports a failed task instance to triage.

    from triage_airflow import TriageNotifier
    default_args = {"on_failure_callback": TriageNotifier(server_url="http://triage:8080", instance="prod")}

`server_url`, `token` and `instance` are templated, so they may come from Airflow Variables
(`"{{ var.value.triage_server_url }}"`); unset ones fall back to TRIAGE_* environment variables.
"""

from __future__ import annotations

from typing import Any, Optional

try:  # Airflow 3.x: the Task SDK
    from airflow.sdk import BaseNotifier
except ImportError:  # Airflow 2.6 - 2.x
    from airflow.notifications.basenotifier import BaseNotifier

from triage_airflow.callback import report_failure
from triage_airflow.delivery import DeliveryConfig


class TriageNotifier(BaseNotifier):
    template_fields = ("server_url", "token", "instance")

    def __init__(
        self,
        server_url: Optional[str] = None,
        token: Optional[str] = None,
        instance: Optional[str] = None,
        timeout_seconds: float = 2.0,
        retries: int = 1,
    ):
        super().__init__()
        self.server_url = server_url
        self.token = token
        self.instance = instance
        self.timeout_seconds = timeout_seconds
        self.retries = retries

    def notify(self, context: Any) -> None:
        config = DeliveryConfig.resolve(
            self.server_url, self.token, self.instance,
            timeout_seconds=self.timeout_seconds, retries=self.retries,
        )
        report_failure(context, config, reported_by="notifier")

    def __call__(self, *args: Any) -> None:
        # BaseNotifier re-raises errors from template rendering; a reporting problem must never
        # turn into a failure of the callback (or slow the task), so contain it here too.
        try:
            super().__call__(*args)
        except Exception:
            self.log.exception("triage: notifier failed; the failure was not reported")
