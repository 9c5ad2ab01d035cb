"""kill -9 at random moments: every accepted (202) event is triaged, exactly once."""

from __future__ import annotations

import random
import threading
import time

import httpx
import pytest


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_dash_nine_loses_nothing(triage_server, tmp_path, request, backend):
    if backend == "postgresql":
        database_url = request.getfixturevalue("pg_url")
    else:
        database_url = f"sqlite:///{tmp_path / 'crash.db'}"
    env = {"TRIAGE_WORKER_LEASE_SECONDS": "1.5", "TRIAGE_WORKER_THREADS": "2"}
    rng = random.Random(1234)
    accepted: dict[str, str] = {}  # failure_key -> triage id, only for 202 answers
    kills = 0
    port = None
    for round_no in range(8):
        server = triage_server(env=env, database_url=database_url, port=port)
        port = server.port
        stop = threading.Event()

        def sender(tag):
            i = 0
            while not stop.is_set():
                i += 1
                run_id = f"{round_no}-{tag}-{i}"
                body = {"job": f"job{i % 5}", "host": "h", "run_id": run_id, "status": "failure", "exit_code": 1,
                        "started_at": "2026-11-28T02:00:00Z", "output": "Traceback\nValueError: bad row\n" * 20}
                try:
                    r = httpx.post(server.url + "/v1/events/cron", json=body, timeout=5)
                except httpx.HTTPError:
                    continue  # killed mid-request: not accepted, the sender would retry
                if r.status_code == 202:
                    accepted[f"cron/h/job{i % 5}/{run_id}"] = r.json()["triage_id"]

        threads = [threading.Thread(target=sender, args=(t,)) for t in range(3)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 1.2))
        # A loaded machine accepts fewer events in that time: kill only once this round has
        # accepted a few, so the run always carries enough events to lose (bounded wait).
        floor = len(accepted) + 7
        waited = time.monotonic() + 30
        while len(accepted) < floor and time.monotonic() < waited:
            time.sleep(0.05)
        server.kill9()
        kills += 1
        stop.set()
        for t in threads:
            t.join()

    final = triage_server(env=env, database_url=database_url, port=port)
    assert kills == 8 and len(accepted) > 50
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        items = final.get("/v1/triages", params={"limit": 500}).json()["items"]
        if all(i["state"] == "published" for i in items) and len(items) >= len(accepted):
            break
        time.sleep(0.5)
    by_key = {}
    for item in items:
        assert item["failure_key"] not in by_key, "a failure was triaged twice"
        by_key[item["failure_key"]] = item
    missing = set(accepted) - set(by_key)
    assert not missing, f"{len(missing)} accepted events were lost"
    for key, tid in accepted.items():
        assert by_key[key]["id"] == tid
        assert by_key[key]["state"] == "published", by_key[key]
        assert by_key[key]["hypothesis"] is not None
