"""The web inbox's actions on a real `triage serve`: login, CSRF, approver rules, the audit
trail; and the refusal to act on a non-loopback address without any login configured."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.fakes.kube_apiserver import FakeKubeAPIServer
from tests.test_slack_service import CRONJOB, RUN, kube_failure, wait_until
from triage.app import create_app
from triage.settings import Settings


def form_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to `action` (as a browser would submit them)."""
    m = re.search(r'<form method="post" action="' + re.escape(action) + r'"(.*?)</form>', html, re.S)
    assert m, f"no form for {action}"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', m.group(1)))


@pytest.fixture
def kube():
    with FakeKubeAPIServer() as server:
        server.put(json.loads(json.dumps(CRONJOB)))
        yield server


def published(server, path: str = "/v1/events/cron", body: dict | None = None) -> str:
    tid = server.post(path, json=body or RUN).json()["triage_id"]
    server.wait_published(tid)
    return tid


def test_loopback_without_login_acts_as_local_with_csrf(triage_server):
    server = triage_server()
    tid = published(server)
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=10) as browser:
        page = browser.get("/").text
        assert "acting as <b>local</b>" in page
        fields = form_fields(page, f"/triages/{tid}/actions/acknowledge")
        assert browser.post(f"/triages/{tid}/actions/acknowledge", data={"nonce": "n"}).status_code == 403
        assert browser.post(f"/triages/{tid}/actions/acknowledge",
                            data={**fields, "csrf": "forged"}).status_code == 403
        r = browser.post(f"/triages/{tid}/actions/acknowledge", data=fields, headers={"accept": "text/html"})
        assert r.status_code == 303 and r.headers["location"] == f"/triages/{tid}"
        # The same form submitted again (a double click) is one decision.
        browser.post(f"/triages/{tid}/actions/acknowledge", data=fields, headers={"accept": "text/html"})
        page = browser.get(f"/triages/{tid}").text
        assert "acknowledged by local" not in page  # the trail shows it as a row, not prose
        assert re.search(r'data-action="acknowledge"><td>acknowledge</td><td>local</td>', page)
    audit = server.get(f"/v1/triages/{tid}").json()["audit"]
    assert [(a["actor"], a["action"]) for a in audit] == [("local", "acknowledge")]


def test_a_session_cannot_use_another_sessions_csrf_token(triage_server):
    server = triage_server(env={"TRIAGE_INBOX_USERS": '["alice:pw-a"]', "TRIAGE_SESSION_SECRET": "s" * 32})
    tid = published(server)
    a = httpx.Client(base_url=server.url, timeout=10)
    b = httpx.Client(base_url=server.url, timeout=10)
    for client in (a, b):
        csrf = form_fields(client.get("/login").text, "/login")["csrf"]
        assert client.post("/login", data={"username": "alice", "password": "pw-a", "csrf": csrf}).status_code == 303
    fields_a = form_fields(a.get("/").text, f"/triages/{tid}/actions/dismiss")
    assert b.post(f"/triages/{tid}/actions/dismiss", data=fields_a).status_code == 403
    assert a.post(f"/triages/{tid}/actions/dismiss", data=fields_a).status_code == 200
    assert server.get(f"/v1/triages/{tid}").json()["state"] == "dismissed"


def test_login_approver_rules_and_a_rerun_recorded_once(triage_server, kube, tmp_path):
    server = triage_server(env={
        "TRIAGE_INBOX_USERS": '["alice:alice-pw", "bob:bob-pw"]', "TRIAGE_APPROVERS": '["alice"]',
        "TRIAGE_SESSION_SECRET": "x" * 32, "TRIAGE_API_TOKEN": "tok-123",
        "TRIAGE_KUBECONFIG": str(kube.write_kubeconfig(tmp_path / "kubeconfig")),
        "TRIAGE_KUBERNETES_RERUN_ENABLED": "true",
    })
    tid = published(server, "/v1/events/kubernetes", kube_failure())
    anon = httpx.Client(base_url=server.url, timeout=10)
    # With a login configured, the cards (which quote job logs) need it too.
    r = anon.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert anon.get(f"/triages/{tid}").status_code == 303
    assert "/actions/approve" not in anon.get("/login").text
    assert anon.post(f"/triages/{tid}/actions/approve", data={"csrf": "x"}).status_code == 401

    def login(user: str, password: str) -> httpx.Client:
        c = httpx.Client(base_url=server.url, timeout=10)
        csrf = form_fields(c.get("/login").text, "/login")["csrf"]
        r = c.post("/login", data={"username": user, "password": password, "csrf": csrf})
        assert r.status_code == 303
        return c

    wrong = login("alice", "nope")
    assert "actions/approve" not in wrong.get("/").text
    bob = login("bob", "bob-pw")
    page = bob.get("/").text
    assert "signed in as <b>inbox:bob</b>" in page
    assert re.search(r'value="approve" disabled title="only approvers', page)
    fields = form_fields(page, f"/triages/{tid}/actions/approve")
    r = bob.post(f"/triages/{tid}/actions/approve", data=fields)
    assert r.status_code == 409 and "approvers" in r.json()["message"]
    assert kube.requests_matching("POST", "/jobs") == []

    alice = login("alice", "alice-pw")
    page = alice.get(f"/triages/{tid}").text
    fields = form_fields(page, f"/triages/{tid}/actions/approve")
    assert "CronJob nightly-etl" in page  # the confirmation names what will run
    responses = [alice.post(f"/triages/{tid}/actions/approve", data=fields) for _ in range(2)]
    assert [r.status_code for r in responses] == [200, 409]
    wait_until(lambda: server.get(f"/v1/triages/{tid}").json()["state"] == "rerun_done", what="rerun_done")
    time.sleep(0.5)
    assert len(kube.requests_matching("POST", "/jobs")) == 1
    audit = server.get(f"/v1/triages/{tid}").json()["audit"]
    assert [(a["actor"], a["action"]) for a in audit] == [
        ("inbox:bob", "approve_rerun"), ("inbox:alice", "approve_rerun"), ("triage", "rerun_requested"),
        ("triage", "rerun_done")]
    assert audit[0]["outcome"] == "refused" and audit[1]["outcome"].startswith("done: created Job batch/")
    page = alice.get(f"/triages/{tid}").text
    assert "rerun_done" in page and "inbox:alice" in page

    # The API token works without a browser session or CSRF (a header no browser adds by itself).
    other = published(server, "/v1/events/cron")
    r = httpx.post(f"{server.url}/triages/{other}/actions/wrong-cause", timeout=10,
                   headers={"Authorization": "Bearer tok-123"},
                   data={"cause": "upstream DNS outage", "category": "network_dns"})
    assert r.status_code == 200 and r.json()["ok"]
    assert server.get(f"/v1/triages/{other}").json()["audit"][-1]["actor"] == "api-token"


def test_not_open_by_default_on_a_non_loopback_address(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 't.db'}", host="0.0.0.0", worker_threads=0)
    with TestClient(create_app(settings, run_workers=False)) as client:
        page = client.get("/").text
        assert "Actions are off" in page and "TRIAGE_INBOX_USERS" in page
        r = client.post("/triages/abc/actions/acknowledge", data={"csrf": "x"})
        assert r.status_code == 403 and "Actions are off" in r.text


def test_the_inbox_shows_an_unrecognised_failure_as_unclear_with_its_hint(triage_server):
    server = triage_server()
    body = {**RUN, "job": "exporter", "exit_code": 1,
            "output": "exporter: refusing to write /srv/exports/today.csv: insufficient privileges for user etl\n"}
    tid = published(server, body=body)
    page = httpx.get(f"{server.url}/triages/{tid}", timeout=10).text
    assert '<span class="pill cat">unclear</span>' in page
    assert "read most like permissions rbac" in page
    assert server.get(f"/v1/triages/{tid}").json()["hypothesis"]["confidence"] < 0.4


def test_acting_on_a_triage_that_does_not_exist_is_a_404(triage_server):
    # It answered 409 "nothing done" as if the triage existed and was already handled.
    server = triage_server()
    tid = published(server)
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=10) as browser:
        fields = form_fields(browser.get("/").text, f"/triages/{tid}/actions/acknowledge")
        for action in ("acknowledge", "dismiss", "wrong-cause", "approve"):
            r = browser.post(f"/triages/no-such-triage/actions/{action}", data={**fields, "cause": "x"})
            assert r.status_code == 404, (action, r.status_code, r.text)


def test_a_form_nonce_longer_than_the_key_column_is_one_decision_not_an_error(triage_server, pg_url):
    server = triage_server(env={"TRIAGE_DATABASE_URL": pg_url})
    tid = published(server)
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=10) as browser:
        fields = form_fields(browser.get("/").text, f"/triages/{tid}/actions/acknowledge")
        fields["nonce"] = "n" * 1000
        first = browser.post(f"/triages/{tid}/actions/acknowledge", data=fields)
        again = browser.post(f"/triages/{tid}/actions/acknowledge", data=fields)
    assert first.status_code == 200 and first.json()["ok"] is True
    assert again.status_code in (200, 409)
    assert [a["action"] for a in server.get(f"/v1/triages/{tid}").json()["audit"]] == ["acknowledge"]


def test_a_link_that_is_not_http_is_not_a_clickable_link_in_the_inbox(triage_server):
    # Alertmanager's generatorURL and externalURL are whatever the sender put there; a
    # javascript: URL became <a href="javascript:..."> on the triage page (a stored XSS).
    server = triage_server()
    alert = {"version": "4", "status": "firing", "receiver": "triage",
             "externalURL": "javascript:fetch('/x?'+document.cookie)",
             "alerts": [{"status": "firing", "labels": {"alertname": "DiskAlmostFull", "instance": "db1"},
                         "annotations": {"summary": "disk almost full"}, "startsAt": "2026-11-28T02:00:00Z",
                         "generatorURL": "javascript:alert(document.domain)", "fingerprint": "f00d"},
                        {"status": "firing", "labels": {"alertname": "DiskAlmostFull", "instance": "db2"},
                         "startsAt": "2026-11-28T02:00:00Z", "fingerprint": "f00e",
                         "generatorURL": "https://prometheus.example.com/graph?g0.expr=up"}]}
    items = server.post("/v1/events/alertmanager", json=alert).json()["items"]
    bad, good = items[0]["triage_id"], items[1]["triage_id"]
    for tid in (bad, good):
        server.wait_published(tid)
    page = httpx.get(f"{server.url}/triages/{bad}", timeout=10).text
    assert "javascript:" not in page.lower()
    page = httpx.get(f"{server.url}/triages/{good}", timeout=10).text
    assert '<a href="https://prometheus.example.com/graph?g0.expr=up">source</a>' in page


def test_removing_a_user_or_changing_a_password_ends_their_sessions(triage_server, tmp_path):
    # Sessions are signed cookies valid 12 hours; with a fixed TRIAGE_SESSION_SECRET they
    # outlived the user: removed from TRIAGE_INBOX_USERS (or given a new password) and the
    # service restarted, the old cookie still acted (and approved) as that user.
    secret = {"TRIAGE_SESSION_SECRET": "k" * 32, "TRIAGE_APPROVERS": '["alice"]'}
    first = triage_server(env={**secret, "TRIAGE_INBOX_USERS": '["alice:old-pw", "bob:bob-pw"]'})
    tid = published(first)
    c = httpx.Client(base_url=first.url, timeout=10)
    csrf = form_fields(c.get("/login").text, "/login")["csrf"]
    assert c.post("/login", data={"username": "alice", "password": "old-pw", "csrf": csrf}).status_code == 303
    assert "signed in as <b>inbox:alice</b>" in c.get("/").text
    cookie = c.cookies["triage_session"]
    first.stop()
    for users in ('["bob:bob-pw"]', '["alice:new-pw", "bob:bob-pw"]'):
        server = triage_server(env={**secret, "TRIAGE_INBOX_USERS": users})
        with httpx.Client(base_url=server.url, timeout=10, cookies={"triage_session": cookie},
                          follow_redirects=False) as old:
            r = old.get("/")
            assert r.status_code == 303 and r.headers["location"] == "/login", users
            r = old.post(f"/triages/{tid}/actions/dismiss", data={"csrf": "x", "nonce": "n"})
            assert r.status_code == 401, users
        server.stop()
