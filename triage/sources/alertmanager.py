"""Alertmanager as a front door: its webhook (version "4") in, one intake item per alert out.

Each alert is routed by its labels:

- `namespace` + `job_name` (kube-state-metrics' KubeJobFailed, or any rule on
  kube_job_failed that keeps those labels) -> a Kubernetes failure; the Kubernetes source
  collects its evidence. Its failure_key is `kubernetes/<namespace>/<job_name>`, the same key
  `triage watch-kubernetes` reports, so the watcher and the alert make ONE triage.
- `dag_id` + `task_id` -> an Airflow failure (run_id / try_number from labels when present).
- anything else -> a generic alert failure keyed by fingerprint + startsAt, whose evidence
  is the alert's own labels and annotations.

Alertmanager re-sends a firing group every repeat_interval; the re-send carries the same
identity, so the store's dedup on failure_key makes no second triage. A `resolved` alert
becomes `Resolved(failure_key)`, which updates the existing triage.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from triage.models import AirflowRef, AlertRef, Evidence, FailureEvent, KubernetesRef, Source
from triage.settings import Settings
from triage.sources.base import IntakeItem, PayloadError, Resolved, SourcePlugin, as_utc
from triage.sources.kubernetes import validation_field

# Alertmanager sends this for an alert that has not ended.
_ZERO_TIME = "0001-01-01T00:00:00Z"
# Annotations that carry the alert's human text, in the order people read them.
_TEXT_ANNOTATIONS = ("summary", "description", "message", "runbook_url")


class WebhookAlert(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime = Field(alias="startsAt")
    ends_at: str | None = Field(None, alias="endsAt")
    generator_url: str = Field("", alias="generatorURL")
    fingerprint: str | None = None


class WebhookBody(BaseModel):
    """Alertmanager's webhook payload, version 4."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    version: Literal["4"] = "4"
    receiver: str = ""
    status: Literal["firing", "resolved"] = "firing"
    alerts: list[WebhookAlert]
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str = Field("", alias="externalURL")
    group_key: str = Field("", alias="groupKey")
    truncated_alerts: int = Field(0, alias="truncatedAlerts")


def check_basic_auth(header_value: str | None, settings: Settings) -> bool:
    """True when an `Authorization: Basic ...` header carries the configured Alertmanager
    credentials (TRIAGE_ALERTMANAGER_USERNAME / TRIAGE_ALERTMANAGER_PASSWORD).
    False when they are not configured, so basic auth is never an open door."""
    if not settings.alertmanager_username or settings.alertmanager_password is None or not header_value:
        return False
    scheme, _, encoded = header_value.strip().partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    if not sep:
        return False
    # Compare both, always, so timing does not tell which one was wrong.
    user_ok = hmac.compare_digest(user.encode(), settings.alertmanager_username.encode())
    password_ok = hmac.compare_digest(password.encode(), settings.alertmanager_password.get_secret_value().encode())
    return user_ok and password_ok


def _fingerprint(labels: dict[str, str]) -> str:
    """Stand-in for Alertmanager's own fingerprint when a sender leaves it out: a hash of
    the sorted label set (Alertmanager's is the same idea, FNV-64a)."""
    text = "\xff".join(f"{k}\xff{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def _int(value: str | None, default: int, field: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise PayloadError(field, f"must be an integer, got {value!r}") from None


def alert_text(alert: WebhookAlert) -> str:
    """The alert as a short log: its text annotations, then every label."""
    lines = [f"{key}: {alert.annotations[key]}" for key in _TEXT_ANNOTATIONS if alert.annotations.get(key)]
    lines += [f"{k}: {v}" for k, v in sorted(alert.annotations.items()) if k not in _TEXT_ANNOTATIONS]
    lines.append("labels: " + ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items())))
    return "\n".join(lines)


def route(alert: WebhookAlert, body: WebhookBody, index: int) -> FailureEvent:
    """The failure an alert stands for, routed by its labels."""
    labels = alert.labels
    alertname = labels.get("alertname", "alert")
    fingerprint = alert.fingerprint or _fingerprint(labels)
    starts_at = _iso(alert.starts_at)
    links = {"alertmanager": body.external_url} if body.external_url else {}
    if alert.generator_url:
        links["source"] = alert.generator_url
    try:
        failed_at = as_utc(alert.starts_at)
    except ValueError as exc:  # before year 1 or after 9999 in UTC
        raise PayloadError(f"alerts[{index}].startsAt", str(exc)) from None
    common: dict[str, Any] = dict(
        failed_at=failed_at,
        reason=alertname,
        log_excerpt=alert_text(alert),
        links=links,
        labels=dict(labels),
        attributes={
            "alert": {"alertname": alertname, "fingerprint": fingerprint, "startsAt": starts_at,
                      "annotations": dict(alert.annotations), "receiver": body.receiver, "groupKey": body.group_key},
            "reported_by": "alertmanager",
        },
    )
    if labels.get("namespace") and labels.get("job_name"):
        # Deliberately no uid: the alert cannot know it, and the watcher leaves it out too.
        # No pod either: on kube-state-metrics alerts `pod` is the exporter's own pod;
        # evidence collection finds the Job's real pod.
        cronjob = labels.get("cronjob") or (labels.get("owner_name") if labels.get("owner_kind") == "CronJob" else None)
        ref = KubernetesRef(namespace=labels["namespace"], job=labels["job_name"], cronjob=cronjob or None)
        return FailureEvent(source=Source.kubernetes, job=ref.cronjob or ref.job, kubernetes=ref, **common)
    if labels.get("dag_id") and labels.get("task_id"):
        prefix = f"alerts[{index}].labels"
        airflow = AirflowRef(
            dag_id=labels["dag_id"],
            task_id=labels["task_id"],
            # Without a run id the alert's own identity stands in, so re-sends still dedup.
            run_id=labels.get("run_id") or f"alert-{fingerprint}-{starts_at}",
            try_number=_int(labels.get("try_number"), 1, f"{prefix}.try_number"),
            map_index=_int(labels.get("map_index"), -1, f"{prefix}.map_index"),
            instance=labels.get("airflow_instance") or "default",
        )
        return FailureEvent(source=Source.airflow, job=f"{airflow.dag_id}.{airflow.task_id}", airflow=airflow, **common)
    job = labels.get("job_name") or labels.get("job") or labels.get("instance") or alertname
    return FailureEvent(source=Source.alertmanager, job=job,
                        alert=AlertRef(alertname=alertname, fingerprint=fingerprint, starts_at=starts_at), **common)


class AlertmanagerSource(SourcePlugin):
    name = "alertmanager"

    def parse(self, payload: Any) -> list[IntakeItem]:
        if not isinstance(payload, dict):
            raise PayloadError("body", "expected Alertmanager's webhook JSON object (version 4)")
        try:
            body = WebhookBody.model_validate(payload)
        except ValidationError as exc:
            raise PayloadError(*validation_field(exc)) from None
        items: list[IntakeItem] = []
        for i, alert in enumerate(body.alerts):
            try:
                event = route(alert, body, i)
            except ValidationError as exc:
                raise PayloadError(*validation_field(exc, f"alerts[{i}].labels")) from None
            if alert.status == "resolved":
                ended = alert.ends_at if alert.ends_at and alert.ends_at != _ZERO_TIME else ""
                items.append(Resolved(failure_key=event.failure_key,
                                      detail=f"alert {event.reason} resolved" + (f" at {ended}" if ended else "")))
            else:
                items.append(event)
        return items

    def collect_evidence(self, event: FailureEvent) -> Evidence:
        """A generic alert's evidence is the alert itself: nothing else to read."""
        alert = event.attributes.get("alert") or {}
        status: dict[str, Any] = {"alertname": alert.get("alertname") or event.reason}
        status.update({f"annotation.{k}": v for k, v in (alert.get("annotations") or {}).items()})
        status["labels"] = dict(event.labels)
        return Evidence(
            log_text=event.log_excerpt or "",
            log_origin="the alert's annotations and labels, as Alertmanager sent them",
            status=status,
            history=self.history(event.job_key, 20),
            links=dict(event.links),
        )
