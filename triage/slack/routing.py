"""Which Slack channel a triage goes to: by job, then namespace, then source, else the default."""

from __future__ import annotations

from triage.models import TriageView
from triage.settings import Settings


def namespace_of(view: TriageView) -> str | None:
    if view.event.kubernetes:
        return view.event.kubernetes.namespace
    return view.event.labels.get("namespace")


def channel_for(view: TriageView, settings: Settings) -> str | None:
    routes = settings.slack_routes
    keys = [f"job:{view.job}"]
    if (ns := namespace_of(view)) is not None:
        keys.append(f"namespace:{ns}")
    keys.append(f"source:{view.source.value}")
    for key in keys:
        if routes.get(key):
            return routes[key]
    return settings.slack_channel or None
