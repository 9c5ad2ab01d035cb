"""Airflow 2's clearTaskInstances takes plain task ids only, so a re-run of one map index clears
the task by id only when that index is its one failed index; otherwise it is refused and nothing
is cleared. The fake /api/v1 answers with Airflow 2.10's shapes (tests/test_airflow2_live.py
covers the clearing case against a real Airflow 2.10.5)."""

from __future__ import annotations

from tests.support.loopback import JsonHandler, serving
from triage.settings import Settings
from triage.sources.airflow import AirflowSource


def test_airflow2_mapped_rerun_is_refused_when_other_indexes_failed_too():
    posts: list[tuple[str, dict]] = []

    class Handler(JsonHandler):
        def do_GET(self):
            self.send_json({"task_id": "check", "map_index": 1, "state": "failed", "try_number": 1, "note": None})

        def do_POST(self):
            body = self.read_json()
            posts.append((self.path, body))
            if self.path.endswith("/taskInstances/list"):
                self.send_json({"task_instances": [{"task_id": "check", "map_index": i, "state": "failed"}
                                                   for i in (1, 3)], "total_entries": 2})
            else:
                self.send_json({"task_instances": [{"task_id": "check"}, {"task_id": "check"}]})

    with serving(Handler) as url:
        src = AirflowSource(Settings(_env_file=None, airflow_instances=[{
            "name": "a2", "url": url, "username": "u", "password": "p", "api_version": 2, "timeout_seconds": 5}]))
        [event] = src.parse({"dag_id": "etl", "task_id": "check", "run_id": "manual__1", "map_index": 1,
                             "instance": "a2"})
        result = src.rerun(event, "approval-mapped-refused")
        assert not result.ok and "[3]" in result.detail and "cannot clear one map index" in result.detail
        assert not [p for p, _ in posts if p.endswith("/clearTaskInstances")]
        [(_, listed)] = posts
        assert listed["dag_run_ids"] == ["manual__1"] and listed["task_ids"] == ["check"]
