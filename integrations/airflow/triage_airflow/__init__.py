"""Report failed Airflow task instances to a triage service.

Use `TriageNotifier(...)` as an `on_failure_callback` (Airflow 2.6+ and 3.x), or the plain
function `triage_failure_callback` / `make_failure_callback(...)` on older setups.
"""

from triage_airflow.callback import make_failure_callback, triage_failure_callback
from triage_airflow.delivery import DeliveryConfig, deliver
from triage_airflow.payload import build_payload

__all__ = [
    "DeliveryConfig",
    "TriageNotifier",
    "build_payload",
    "deliver",
    "make_failure_callback",
    "triage_failure_callback",
]


def __getattr__(name: str):
    # Imported lazily so the plain callback works where BaseNotifier does not exist (< 2.6).
    if name == "TriageNotifier":
        from triage_airflow.notifier import TriageNotifier

        return TriageNotifier
    raise AttributeError(name)
