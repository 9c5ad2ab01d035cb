"""Source plug-ins, looked up by name.

Built-in sources are listed here; third-party ones register under the `triage.sources`
entry-point group with the same `SourcePlugin` interface.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from triage.settings import Settings
from triage.sources.base import HistoryReader, SourcePlugin

BUILTIN = {
    "cron": "triage.sources.cron:CronSource",
    "kubernetes": "triage.sources.kubernetes:KubernetesSource",
    "airflow": "triage.sources.airflow:AirflowSource",
    "alertmanager": "triage.sources.alertmanager:AlertmanagerSource",
}


def _load(spec: str) -> type[SourcePlugin]:
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


def source_classes() -> dict[str, type[SourcePlugin]]:
    found: dict[str, type[SourcePlugin]] = {}
    for name, spec in BUILTIN.items():
        try:
            found[name] = _load(spec)
        except ModuleNotFoundError as exc:
            # A built-in whose module is not written yet is simply absent.
            if exc.name and exc.name.startswith("triage.sources"):
                continue
            raise
    for ep in entry_points(group="triage.sources"):
        found[ep.name] = ep.load()
    return found


def build_sources(settings: Settings, history: HistoryReader | None = None) -> dict[str, SourcePlugin]:
    return {name: cls(settings, history) for name, cls in source_classes().items()}
