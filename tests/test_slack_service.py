"""A real `triage serve` process posting to a loopback Slack Web API and receiving signed
interactivity requests built exactly as Slack sends them; re-runs go to a loopback
Kubernetes API server through the real `kubernetes` client."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.fakes.kube_apiserver import FakeKubeAPIServer
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_support import block_action, signed_request
from tests.support.server import free_port

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
RUN = {"job": "nightly-etl", "host": "h1", "run_id": "r1", "status": "failure", "exit_code": 1,
       "started_at": "2026-11-28T02:00:00Z", "output": "psql: error: connection to server failed: Connection refused"}
CRONJOB = {
    "apiVersion": "batch/v1", "kind": "CronJob",
    "metadata": {"name": "nightly-etl", "namespace": "batch"},
    "spec": {"schedule": "0 3 * * *", "jobTemplate": {"metadata": {"labels": {"app": "etl"}}, "spec": {
        "backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never",
                                                 "containers": [{"name": "etl", "image": "etl:1.4"}]}}}}},
}


def wait_until(predicate, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def slack():
    with FakeSlackAPI() as api:
        yield api


@pytest.fixture
def kube():
    with FakeKubeAPIServer() as server:
        server.put(json.loads(json.dumps(CRONJOB)))
        yield server


@pytest.fixture
def service(triage_server, slack, kube, tmp_path):
    def start(**extra: str):
        port = free_port()
        env = {
            "TRIAGE_SLACK_BOT_TOKEN": slack.token, "TRIAGE_SLACK_SIGNING_SECRET": SECRET,
            "TRIAGE_SLACK_CHANNEL": "#ops", "TRIAGE_SLACK_API_URL": slack.url,
            "TRIAGE_SLACK_HOLD_SECONDS": "0", "TRIAGE_SLACK_MIN_INTERVAL_SECONDS": "0.05",
            "TRIAGE_APPROVERS": '["U0APPROVER"]', "TRIAGE_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "TRIAGE_KUBECONFIG": str(kube.write_kubeconfig(tmp_path / "kubeconfig")),
            "TRIAGE_KUBERNETES_RERUN_ENABLED": "true", "TRIAGE_KUBERNETES_TIMEOUT_SECONDS": "5",
            **extra,
        }
        return triage_server(env=env, port=port)
    return start


def send(server, payload: dict, secret: str = SECRET, timestamp: int | None = None) -> httpx.Response:
    body, headers = signed_request(secret, payload, timestamp)
    return httpx.post(server.url + "/v1/slack/actions", content=body, headers=headers, timeout=10)


def card_of(slack: FakeSlackAPI, triage_id: str):
    return next((m for m in slack.top_level() if triage_id in json.dumps(m.blocks)), None)


def test_every_badly_signed_request_is_refused(service):
    server = service(TRIAGE_API_TOKEN="api-token-123")
    payload = block_action("triage_ack", "nope")
    body, headers = signed_request(SECRET, payload)
    url = server.url + "/v1/slack/actions"
    now = int(time.time())
    bad = [
        ({}, body),  # no signature at all
        (signed_request("wrong-secret", payload)[1], body),
        (headers, body.replace(b"triage_ack", b"triage_approve")),  # tampered after signing
        # Outside the 5-minute window, with a margin: the server's clock moves on while the test runs.
        (signed_request(SECRET, payload, now - 330)[1], signed_request(SECRET, payload, now - 330)[0]),  # too old
        (signed_request(SECRET, payload, now + 330)[1], signed_request(SECRET, payload, now + 330)[0]),
        ({**headers, "X-Slack-Request-Timestamp": "yesterday"}, body),
        ({**headers, "X-Slack-Signature": headers["X-Slack-Signature"].replace("v0=", "v1=")}, body),
        ({**headers, "X-Slack-Request-Timestamp": str(int(headers["X-Slack-Request-Timestamp"]) - 1)}, body),
    ]
    for h, b in bad:
        assert httpx.post(url, content=b, headers=h, timeout=10).status_code == 401
    # Correctly signed: accepted without the API token (Slack cannot send it).
    assert httpx.post(url, content=body, headers=headers, timeout=10).status_code == 200
    assert "triage_events_rejected_total{reason=\"slack_signature\"} 8.0" in server.get("/metrics").text


def test_a_failure_gets_a_card_and_acknowledge_edits_it(service, slack):
    server = service()
    tid = server.post("/v1/events/cron", json=RUN).json()["triage_id"]
    card = wait_until(lambda: card_of(slack, tid), what="the card")
    text = json.dumps(card.blocks)
    assert "nightly-etl failed" in text and "Acknowledge" in text and f"{server.url}/triages/{tid}" in text
    assert "triage_approve" not in text  # cron jobs cannot be re-run by triage
    started = time.monotonic()
    r = send(server, block_action("triage_ack", tid, user="U0SOMEONE", channel=card.channel, message_ts=card.ts))
    assert r.status_code == 200 and time.monotonic() - started < 3.0
    wait_until(lambda: server.get(f"/v1/triages/{tid}").json()["state"] == "acknowledged", what="acknowledged")
    wait_until(lambda: "Acknowledged by <@U0SOMEONE>" in json.dumps(card.blocks), what="the card edit")
    assert "triage_ack" not in json.dumps(card.blocks)
    audit = server.get(f"/v1/triages/{tid}").json()["audit"]
    assert [(a["actor"], a["action"]) for a in audit] == [("slack:U0SOMEONE", "acknowledge")]
    # A redelivery of the same failure edits the card; no second card.
    assert server.post("/v1/events/cron", json=RUN).json()["triage_id"] == tid
    wait_until(lambda: "reported 2 times" in json.dumps(card.blocks), what="the redelivery edit")
    assert len(slack.calls_of("chat.postMessage")) == 1


def kube_failure(job: str = "nightly-etl-29000001") -> dict:
    return {"job": job, "kubernetes": {"namespace": "batch", "job": job, "cronjob": "nightly-etl"},
            "reason": "BackoffLimitExceeded", "exit_code": 1}


def test_an_approver_reruns_exactly_once_despite_double_clicks_and_replays(service, slack, kube):
    server = service()
    tid = server.post("/v1/events/kubernetes", json=kube_failure()).json()["triage_id"]
    card = wait_until(lambda: card_of(slack, tid), what="the card")
    approve = next(e for b in card.blocks if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"] == "triage_approve")
    assert "CronJob nightly-etl" in approve["confirm"]["text"]["text"]
    click = block_action("triage_approve", tid, channel=card.channel, message_ts=card.ts)
    body, headers = signed_request(SECRET, click)
    url = server.url + "/v1/slack/actions"
    responses = [httpx.post(url, content=body, headers=headers, timeout=10) for _ in range(2)]  # a replay
    second_click = block_action("triage_approve", tid, channel=card.channel, message_ts=card.ts)
    responses.append(send(server, second_click))  # a double click: a new action_ts
    assert [r.status_code for r in responses] == [200, 200, 200]
    wait_until(lambda: server.get(f"/v1/triages/{tid}").json()["state"] == "rerun_done", what="rerun_done")
    time.sleep(1.0)  # let any duplicate that slipped through land
    created = [j for j in kube.list("Job", "batch") if "-manual-" in j["metadata"]["name"]]
    assert len(created) == 1
    assert created[0]["metadata"]["annotations"]["triage/rerun-of"] == "nightly-etl-29000001"
    assert len(kube.requests_matching("POST", "/jobs")) == 1
    audit = server.get(f"/v1/triages/{tid}").json()["audit"]
    actions = [a["action"] for a in audit]
    assert actions.count("approve_rerun") == 1 and actions.count("rerun_done") == 1
    approval = next(a for a in audit if a["action"] == "approve_rerun")
    assert approval["actor"] == "slack:U0APPROVER" and approval["outcome"].startswith("done: created Job batch/")
    wait_until(lambda: "Re-run done by triage" in json.dumps(card.blocks), what="the outcome on the card")
    assert "triage_approve" not in json.dumps(card.blocks)


def test_anyone_else_gets_an_ephemeral_refusal_and_nothing_runs(service, slack, kube):
    server = service()
    tid = server.post("/v1/events/kubernetes", json=kube_failure("nightly-etl-29000002")).json()["triage_id"]
    card = wait_until(lambda: card_of(slack, tid), what="the card")
    assert send(server, block_action("triage_approve", tid, user="U0INTRUDER", channel=card.channel)).status_code == 200
    eph = wait_until(lambda: slack.calls_of("chat.postEphemeral"), what="the ephemeral refusal")
    assert eph[0].args["user"] == "U0INTRUDER" and eph[0].args["channel"] == card.channel
    assert "approvers" in eph[0].args["text"]
    time.sleep(0.5)
    assert server.get(f"/v1/triages/{tid}").json()["state"] == "published"
    assert kube.requests_matching("POST", "/jobs") == []
    audit = server.get(f"/v1/triages/{tid}").json()["audit"]
    assert audit[-1]["actor"] == "slack:U0INTRUDER" and audit[-1]["outcome"] == "refused"
    wait_until(lambda: "Re-run refused (not an approver) by <@U0INTRUDER>" in json.dumps(card.blocks),
               what="the refusal on the card")


def test_wrong_cause_opens_a_modal_and_stores_the_feedback(service, slack):
    server = service()
    tid = server.post("/v1/events/cron", json=RUN).json()["triage_id"]
    card = wait_until(lambda: card_of(slack, tid), what="the card")
    click = block_action("triage_wrong_cause", tid, user="U0SRE", channel=card.channel)
    assert send(server, click).status_code == 200
    opened = wait_until(lambda: slack.calls_of("views.open"), what="views.open")[0]
    assert opened.args["trigger_id"] == click["trigger_id"]
    view = opened.args["view"]
    assert view["private_metadata"] == tid and view["callback_id"] == "triage_wrong_cause_modal"
    submission = {
        "type": "view_submission", "team": {"id": "T0TEAM"}, "user": {"id": "U0SRE", "username": "sre"},
        "trigger_id": "t", "view": {
            "id": "V0MODAL1", "hash": "1712.abc", "callback_id": view["callback_id"],
            "private_metadata": tid, "state": {"values": {
                "cause": {"value": {"type": "plain_text_input", "value": "The database was being upgraded"}},
                "category": {"value": {"type": "static_select", "selected_option": {
                    "text": {"type": "plain_text", "text": "scheduler_infra"}, "value": "scheduler_infra"}}}}}}}
    empty = json.loads(json.dumps(submission))
    empty["view"]["state"]["values"]["cause"]["value"]["value"] = " "
    r = send(server, empty)
    assert r.status_code == 200 and r.json()["response_action"] == "errors"
    assert send(server, submission).status_code == 200
    assert send(server, submission).status_code == 200  # replayed: recorded once
    wait_until(lambda: any(a["action"] == "wrong_cause" for a in server.get(f"/v1/triages/{tid}").json()["audit"]),
               what="the feedback")
    time.sleep(0.5)
    audit = [a for a in server.get(f"/v1/triages/{tid}").json()["audit"] if a["action"] == "wrong_cause"]
    assert len(audit) == 1 and audit[0]["detail"] == "The database was being upgraded"
    assert audit[0]["actor"] == "slack:U0SRE"


def test_fifty_failures_with_one_cause_in_a_minute_give_one_incident_card(service, slack):
    server = service(TRIAGE_SLACK_HOLD_SECONDS="15")
    for i in range(50):
        r = server.post("/v1/events/cron", json={**RUN, "job": f"etl-{i:02d}", "run_id": f"r{i}"})
        assert r.status_code == 202
    server.wait_for(lambda items: len(items) == 50 and all(i["state"] == "published" for i in items),
                    timeout=60, what="50 published triages")
    wait_until(lambda: slack.top_level() and "50 jobs failing" in json.dumps(slack.top_level()[0].blocks),
               timeout=40, what="the incident card listing 50 jobs")
    time.sleep(1.0)
    assert len(slack.top_level()) == 1
    text = json.dumps(slack.top_level()[0].blocks)
    assert all(f"etl-{i:02d}" in text for i in range(50))


def test_a_crash_while_slack_is_down_loses_no_card_and_posts_it_once(service, slack, triage_server):
    slack.outage("chat.postMessage", 10_000)
    server = service()
    tid = server.post("/v1/events/cron", json=RUN).json()["triage_id"]
    server.wait_published(tid)
    wait_until(lambda: len([c for c in slack.calls if c.method == "chat.postMessage"]) >= 1, what="a post attempt")
    metrics = server.get("/metrics").text
    assert 'triage_slack_outbox_pending{kind="card"} 1.0' in metrics
    assert 'triage_errors_total{stage="slack"}' in metrics
    server.kill9()
    slack.recover()
    restarted = triage_server(env=server.extra_env, database_url=server.database_url)
    wait_until(lambda: card_of(slack, tid), what="the card after the restart")
    time.sleep(1.5)
    assert len(slack.calls_of("chat.postMessage")) == 1
    assert 'triage_slack_outbox_pending{kind="card"} 0.0' in restarted.get("/metrics").text
