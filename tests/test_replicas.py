"""Several `triage serve` replicas on one PostgreSQL: intake anywhere, each failure triaged once."""

from __future__ import annotations

import threading

import httpx


def test_three_replicas_share_one_database_and_never_double_triage(triage_server, pg_url):
    env = {"TRIAGE_WORKER_THREADS": "2"}
    replicas = [triage_server(env=env, database_url=pg_url) for _ in range(3)]
    answers: dict[str, set[str]] = {}
    lock = threading.Lock()

    def send(replica_index: int):
        for i in range(40):
            # Every failure is delivered to two replicas (a retrying sender, a second watcher).
            for target in (replicas[replica_index], replicas[(replica_index + 1) % 3]):
                body = {"job": f"job{i % 7}", "host": f"h{replica_index}", "run_id": f"r{i}", "status": "failure",
                        "exit_code": 1, "started_at": "2026-11-28T02:00:00Z", "output": "OSError: [Errno 28] No space left on device"}
                r = httpx.post(target.url + "/v1/events/cron", json=body, timeout=10)
                assert r.status_code == 202
                with lock:
                    answers.setdefault(f"h{replica_index}/{i}", set()).add(r.json()["triage_id"])

    threads = [threading.Thread(target=send, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # Both deliveries of one failure, to different replicas, got the same triage id.
    assert len(answers) == 120 and all(len(ids) == 1 for ids in answers.values())
    items = replicas[0].wait_for(
        lambda items: len(items) == 120 and all(i["state"] == "published" for i in items) and items,
        timeout=90, what="120 published triages")
    # Every replica sees the same triages, and each was claimed exactly once (no lease was lost
    # or shared: FOR UPDATE SKIP LOCKED kept the replicas' workers apart).
    for replica in replicas[1:]:
        assert {i["id"] for i in replica.get("/v1/triages", params={"limit": 500}).json()["items"]} == {i["id"] for i in items}
    attempts = [replicas[0].get(f"/v1/triages/{i['id']}").json()["attempts"] for i in items]
    assert attempts == [1] * 120
