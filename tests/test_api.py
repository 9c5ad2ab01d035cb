"""The HTTP API of a real `triage serve` process: intake, errors, auth, reads, operations."""

from __future__ import annotations

import json

import httpx
import pytest

RUN = {"job": "nightly", "host": "h1", "run_id": "r1", "status": "failure", "exit_code": 1,
       "started_at": "2026-11-28T02:00:00Z", "output": "psql: error: connection refused"}


@pytest.fixture
def server(triage_server):
    return triage_server()


def test_accepts_an_event_and_publishes_a_card(server):
    r = server.post("/v1/events/cron", json=RUN)
    assert r.status_code == 202
    tid = r.json()["triage_id"]
    item = server.wait_published(tid)
    assert item["state"] == "published"
    assert {"id", "source", "job", "state", "created_at", "hypothesis"} <= item.keys()
    h = item["hypothesis"]
    assert {"category", "cause", "confidence", "evidence", "command", "command_reason", "engine"} <= h.keys()
    assert item["source"] == "cron" and item["job"] == "nightly"
    listed = server.get("/v1/triages").json()["items"]
    assert [i["id"] for i in listed] == [tid]


def test_redelivery_answers_with_the_existing_triage(server):
    a = server.post("/v1/events/cron", json=RUN).json()
    b = server.post("/v1/events/cron", json=RUN).json()
    assert a["triage_id"] == b["triage_id"]
    assert b["items"][0]["created"] is False
    assert len(server.get("/v1/triages").json()["items"]) == 1


@pytest.mark.parametrize("body,field", [
    ({k: v for k, v in RUN.items() if k != "job"}, "job"),
    ({**RUN, "status": "exploded"}, "status"),
    ({**RUN, "started_at": "yesterday"}, "started_at"),
    # A misspelt field of our own wrapper's format would silently lose the log: refused by name.
    ({**RUN, "log": "boom"}, "log"),
])
def test_a_malformed_payload_is_a_422_naming_the_field(server, body, field):
    r = server.post("/v1/events/cron", json=body)
    assert r.status_code == 422
    locs = [e["loc"] for e in r.json()["detail"]]
    assert ["body", field] in locs


def test_invalid_json_is_a_422_and_nothing_is_stored(server):
    r = httpx.post(server.url + "/v1/events/cron", content=b'{"job": ', headers={"content-type": "application/json"})
    assert r.status_code == 422 and "invalid JSON" in r.text
    assert server.get("/v1/triages").json()["items"] == []


def test_unknown_source_is_404(server):
    r = server.post("/v1/events/jenkins", json=RUN)
    assert r.status_code == 404 and "jenkins" in r.text


def test_oversized_body_is_413(triage_server):
    server = triage_server(env={"TRIAGE_MAX_BODY_BYTES": "2048"})
    big = {**RUN, "output": "x" * 5000}
    assert server.post("/v1/events/cron", json=big).status_code == 413
    # Also without a Content-Length header (chunked upload).
    def chunks():
        yield json.dumps(big).encode()
    r = httpx.post(server.url + "/v1/events/cron", content=chunks())
    assert r.status_code == 413
    assert server.post("/v1/events/cron", json=RUN).status_code == 202  # the server is fine


def test_token_guards_every_v1_endpoint(triage_server):
    server = triage_server(env={"TRIAGE_API_TOKEN": "s3cret-token"})
    for method, path in [("POST", "/v1/events/cron"), ("GET", "/v1/triages"), ("GET", "/v1/triages/x")]:
        r = httpx.request(method, server.url + path, json=RUN)
        assert r.status_code == 401, path
        r = httpx.request(method, server.url + path, json=RUN, headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401, path
    assert server.post("/v1/events/cron", json=RUN).status_code == 202  # server.post sends the token
    assert httpx.get(server.url + "/healthz").status_code == 200


def test_operations_endpoints(server):
    server.post("/v1/events/cron", json=RUN)
    assert server.get("/healthz").json() == {"status": "ok"}
    assert server.get("/readyz").json() == {"status": "ready"}
    server.wait_for(lambda items: items and items[0]["state"] == "published", what="published")
    metrics = server.get("/metrics").text
    assert 'triage_events_received_total{kind="failure",source="cron"} 1.0' in metrics
    assert 'triage_triages{state="published"} 1.0' in metrics
    assert "triage_queue_depth 0.0" in metrics
    assert 'triage_stage_seconds_count{stage="diagnose"} 1.0' in metrics


def test_successes_are_history_not_cards(server):
    ok = {**RUN, "run_id": "ok1", "status": "success", "exit_code": 0, "output": ""}
    r = server.post("/v1/events/cron", json=ok)
    assert r.status_code == 202 and r.json()["triage_id"] is None
    tid = server.post("/v1/events/cron", json=RUN).json()["triage_id"]
    item = server.wait_published(tid)
    assert [h["outcome"] for h in item["history"]] == ["failure", "success"]  # newest first
    assert len(server.get("/v1/triages").json()["items"]) == 1


def test_secrets_in_the_output_never_reach_the_api_or_inbox(server):
    leaky = {**RUN, "output": "connecting to postgresql://etl:hunter2-very-secret@db:5432/x\nconnection refused"}
    tid = server.post("/v1/events/cron", json=leaky).json()["triage_id"]
    server.wait_published(tid)
    assert "hunter2-very-secret" not in server.get(f"/v1/triages/{tid}").text
    assert "hunter2-very-secret" not in server.get("/v1/triages").text
    assert "hunter2-very-secret" not in server.get(f"/triages/{tid}").text
    assert "hunter2-very-secret" not in server.get("/").text


def test_bad_setting_is_named_at_start(tmp_path):
    import subprocess
    import sys

    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    r = subprocess.run([sys.executable, "-m", "triage", "serve"], env={**env, "TRIAGE_PORT": "eighty"},
                       capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert r.returncode == 2 and "TRIAGE_PORT" in r.stderr


def test_alertmanager_basic_auth_guards_its_endpoint_without_a_token(triage_server):
    import base64

    server = triage_server(env={"TRIAGE_ALERTMANAGER_USERNAME": "am", "TRIAGE_ALERTMANAGER_PASSWORD": "pw"})
    body = {"version": "4", "status": "firing", "receiver": "triage", "alerts": []}
    assert httpx.post(server.url + "/v1/events/alertmanager", json=body).status_code == 401
    bad = {"Authorization": "Basic " + base64.b64encode(b"am:nope").decode()}
    assert httpx.post(server.url + "/v1/events/alertmanager", json=body, headers=bad).status_code == 401
    good = {"Authorization": "Basic " + base64.b64encode(b"am:pw").decode()}
    assert httpx.post(server.url + "/v1/events/alertmanager", json=body, headers=good).status_code == 202
    # Basic credentials open only Alertmanager's door; other endpoints stay as configured (open here).
    assert httpx.get(server.url + "/v1/triages").status_code == 200


def test_output_holding_a_nul_character_is_accepted_on_postgresql(triage_server, pg_url):
    # A job that prints binary data: PostgreSQL refused the row, so every redelivery got a 503.
    server = triage_server(database_url=pg_url)
    r = server.post("/v1/events/cron", json={**RUN, "output": "psql: error\x00\x01 connection refused"})
    assert r.status_code == 202, r.text
    assert server.wait_published(r.json()["triage_id"])["state"] == "published"


@pytest.mark.parametrize("change,loc", [
    ({"host": "h" * 256, "job": "j" * 256}, ["body"]),
    ({"run_id": "r\x00x"}, ["body"]),
    ({"exit_code": 2**40}, ["body", "exit_code"]),
])
def test_an_identity_or_exit_code_the_database_cannot_hold_is_a_422(triage_server, pg_url, change, loc):
    # Valid per field, but too long for the key columns (or not an INTEGER): a 503 on every
    # redelivery before (the wrapper spooled it forever); now refused once, nothing stored.
    server = triage_server(database_url=pg_url)
    r = server.post("/v1/events/cron", json={**RUN, **change})
    assert r.status_code == 422, r.text
    assert loc in [e["loc"] for e in r.json()["detail"]]
    assert server.get("/v1/triages").json()["items"] == []


def test_a_time_without_an_offset_does_not_break_the_inbox(server):
    # started_at naive, finished_at with Z: the card's duration subtracted them and the whole
    # inbox answered 500 from then on.
    r = server.post("/v1/events/cron", json={**RUN, "started_at": "2026-11-28T02:00:00",
                                             "finished_at": "2026-11-28T02:00:30Z"})
    assert r.status_code == 202
    tid = r.json()["triage_id"]
    server.wait_published(tid)
    assert server.get("/").status_code == 200
    assert server.get(f"/triages/{tid}").status_code == 200


def test_times_with_another_offset_are_shown_in_utc(server):
    # The inbox prints times as UTC; a time sent with +02:00 was printed as it came, labelled UTC.
    r = server.post("/v1/events/cron", json={**RUN, "started_at": "2026-11-28T04:00:00+02:00",
                                             "finished_at": "2026-11-28T04:00:30+02:00"})
    tid = r.json()["triage_id"]
    item = server.wait_published(tid)
    assert item["failed_at"] == "2026-11-28T02:00:30+00:00"
    assert "failed 2026-11-28 02:00:30 UTC" in server.get(f"/triages/{tid}").text


def _raw_post(server, source, text):
    return httpx.post(f"{server.url}/v1/events/{source}", content=text.encode(),
                      headers={"content-type": "application/json", **server.headers()}, timeout=10)


def test_a_lone_surrogate_escape_is_accepted_and_redelivery_dedups_on_postgresql(triage_server, pg_url):
    # Python's json.dumps (the Airflow notifier's) writes a surrogateescape'd byte as "\udce9",
    # e.g. a Latin-1 file name in an exception. PostgreSQL refused it: a 503 on every redelivery.
    server = triage_server(database_url=pg_url)
    airflow = json.dumps({"dag_id": "etl", "task_id": "load", "run_id": "manual_1", "try_number": 1,
                          "exception_type": "FileNotFoundError",
                          "exception_message": "[Errno 2] No such file or directory: '/data/caf\udce9.csv'"})
    assert "\\udce9" in airflow
    cron = json.dumps({**RUN, "run_id": "sur", "output": "cat: '/data/caf\udce9.csv': No such file or directory"})
    for source, body in (("airflow", airflow), ("cron", cron)):
        r = _raw_post(server, source, body)
        assert r.status_code == 202, r.text
        tid = r.json()["triage_id"]
        again = _raw_post(server, source, body)
        assert again.status_code == 202 and again.json()["triage_id"] == tid
        item = server.wait_published(tid)
        assert item["state"] == "published"
        detail = server.get(f"/v1/triages/{tid}").json()
        assert "caf\ufffd.csv" in detail["evidence"]["log_text"]


@pytest.mark.parametrize("source,body,loc", [
    ("cron", '{"job": "j", "host": "h", "run_id": "r", "status": "failure", "started_at": "2026-11-28T02:00:00Z", '
             '"duration_seconds": Infinity}', ["body", "duration_seconds"]),
    ("cron", '{"job": "j", "host": "h", "run_id": "r", "status": "timeout", "started_at": "2026-11-28T02:00:00Z", '
             '"timeout_seconds": 1e400}', ["body", "timeout_seconds"]),
    ("kubernetes", '{"job": "j", "kubernetes": {"namespace": "n", "job": "j"}, "attributes": {"x": [1, NaN]}}',
     ["body", "attributes", "x", 1]),
])
def test_a_number_json_has_no_room_for_is_a_422_naming_the_field(triage_server, pg_url, source, body, loc):
    # Python's json reads NaN, Infinity and 1e400 (as inf); PostgreSQL's JSONB refuses them: a 503
    # on every redelivery (the wrapper spooled it forever). Refused once, by name, nothing stored.
    server = triage_server(database_url=pg_url)
    r = _raw_post(server, source, body)
    assert r.status_code == 422, r.text
    assert loc in [e["loc"] for e in r.json()["detail"]]
    assert server.get("/v1/triages").json()["items"] == []


@pytest.mark.parametrize("source,body,loc", [
    ("cron", {**RUN, "started_at": "0001-01-01T00:00:00+05:00"}, ["body", "started_at"]),
    ("cron", {**RUN, "finished_at": "9999-12-31T23:00:00-14:00"}, ["body", "finished_at"]),
    ("airflow", {"dag_id": "d", "task_id": "t", "run_id": "r", "end_date": "9999-12-31T23:00:00-14:00"},
     ["body", "end_date"]),
    ("kubernetes", {"job": "j", "kubernetes": {"namespace": "n", "job": "j"}, "failed_at": "0001-01-01T01:00:00+02:00"},
     ["body", "failed_at"]),
    ("alertmanager", {"version": "4", "status": "firing", "alerts": [
        {"status": "firing", "labels": {"alertname": "X"}, "startsAt": "0001-01-01T00:00:00+01:00"}]},
     ["body", "alerts[0]", "startsAt"]),
])
def test_a_time_outside_the_utc_calendar_is_a_422_naming_the_field(server, source, body, loc):
    # Read as UTC, these fall before year 1 or after 9999: the conversion raised and the
    # request ended in a 500 with nothing said about which field.
    r = server.post(f"/v1/events/{source}", json=body)
    assert r.status_code == 422, r.text
    assert loc in [e["loc"] for e in r.json()["detail"]]


@pytest.mark.parametrize("source,body", [
    ("cron", "[" * 200_000),
    ("kubernetes", '{"job": "j", "kubernetes": {"namespace": "n", "job": "j"}, "attributes": {"x": '
                   + "[" * 5000 + "]" * 5000 + "}}"),
], ids=["array", "attributes"])
def test_json_nested_past_any_real_payload_is_a_422(server, source, body):
    # Both fit the body limit; the parser or the store recursed out of stack and answered 500.
    r = _raw_post(server, source, body)
    assert r.status_code == 422, r.text
    assert server.get("/v1/triages").json()["items"] == []


@pytest.mark.parametrize("source", ["cron", "airflow", "kubernetes", "alertmanager"])
def test_a_body_that_is_not_an_object_is_a_422_on_the_body_itself(server, source):
    # The loc read ["body", "body"], naming a field called "body" that no payload has.
    r = server.post(f"/v1/events/{source}", json="not an object")
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["body"]]
